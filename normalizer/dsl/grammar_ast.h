// The parsed form of one grammar file (`grammars/<source>/<version>.grammar`), before compilation.
// Every node keeps its position so that later stages (compile, mapping) can point back into the file.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/diagnostic.h"

namespace strictlog::dsl {

// A quoted argument: of a pattern reference (`s:signal("process")`) or of the enum type (`enum("soft", "hard")`).
struct Argument {
  Position pos;
  std::string text;  // unescaped
};

// One element of a pattern: literal text, a typed capture, an optional group, alternatives, or (inside a
// parameterized pattern) a reference to one of its parameters.
struct Element {
  enum class Kind { kLiteral, kCapture, kOptional, kAlternation, kParameter };
  Kind kind = Kind::kLiteral;
  Position pos;
  std::string text;            // kLiteral: the unescaped text; kCapture: the capture name; kParameter: its name
  std::string type;            // kCapture: a field type (`ipv4`) or a pattern name (`peer`)
  Position type_pos;           // kCapture: where the type name is written
  std::vector<Argument> args;  // kCapture: `type("a", ...)`; empty when written without parentheses
  bool has_args = false;       // kCapture: parentheses were written (`enum()` is an error, `word` is not)
  std::vector<Element> body;   // kOptional: the elements that are present or absent together
  // kAlternation: each branch is a sequence of elements; exactly one of them matches.
  std::vector<std::vector<Element>> branches;
};

struct Example {
  Position pos;
  std::string text;  // unescaped: the message part of a log line, after the syslog header
};

// `pattern NAME = elements;`: a reusable sub-pattern. Captured as `name:NAME` in rules, its captures
// are named `name.<capture>`.
struct Parameter {
  Position pos;
  std::string name;
};

// `pattern NAME(param, ...) = elements;`: parameters are literal text, given as quoted arguments where the
// pattern is used and matched where the bare parameter name appears in its body.
struct PatternDecl {
  Position pos;
  std::string name;
  bool override = false;  // `override pattern NAME = ...;`: replaces the pattern of the base version
  std::vector<Parameter> params;
  std::vector<Element> body;
};

// `rule ID = elements example "..." ...;`: one message the source prints. `drop ID = ...;` declares known
// noise: matched and counted like a rule, never mapped to an event.
struct RuleDecl {
  Position pos;
  std::string id;
  bool drop = false;
  bool override = false;  // `override rule ID = ...;` or `override drop ...`: replaces the base version's rule
  std::vector<Element> body;
  std::vector<Example> examples;
};

// `prefer WINNER over LOSER;`: when a message matches both rules, WINNER takes it.
struct Precedence {
  Position pos;
  std::string winner;
  Position winner_pos;
  std::string loser;
  Position loser_pos;
};

struct ProgramGlob {
  Position pos;
  std::string glob;  // fnmatch(3) pattern matched against the syslog TAG, e.g. `ovpn-*`
};

// `remove ID, ...;`: rules of the base version that this version does not have.
struct Removal {
  Position pos;
  std::string rule_id;
};

struct GrammarFile {
  SourceRef source;
  Position header_pos;            // the `grammar` declaration
  std::string name;               // `openvpn`
  std::string version;            // `2.6`: the source program's version the grammar describes
  // `grammar openvpn 2.7 extends 2.6;`: the version of the same source whose patterns, rules, precedences and
  // programs this one inherits (dsl::extend_grammar). Empty when the grammar extends none.
  std::string base_version;
  Position base_pos;
  // `default;`: the version used when neither the user nor the line selects one (ruleset.h).
  bool is_default = false;
  Position default_pos;
  // `detect timestamp ctime;`: the version selected for program log lines with a ctime() timestamp, which only
  // this version of the source writes (OpenVPN 2.4).
  bool detects_ctime = false;
  Position detect_pos;
  std::vector<Removal> removals;
  std::vector<ProgramGlob> programs;
  std::vector<PatternDecl> patterns;
  std::vector<RuleDecl> rules;  // rules and drop rules, in file order
  std::vector<Precedence> precedences;
};

}  // namespace strictlog::dsl
