// The parsed form of one grammar file (`grammars/<source>/<version>.grammar`), before compilation.
// Every node keeps its position so that later stages (compile, mapping) can point back into the file.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/diagnostic.h"

namespace strictlog::dsl {

// One element of a pattern: literal text, a typed capture, or an optional group.
struct Element {
  enum class Kind { kLiteral, kCapture, kOptional };
  Kind kind = Kind::kLiteral;
  Position pos;
  std::string text;            // kLiteral: the unescaped text; kCapture: the capture name
  std::string type;            // kCapture: a field type (`ipv4`) or a pattern name (`peer`)
  Position type_pos;           // kCapture: where the type name is written
  std::vector<Element> body;   // kOptional: the elements that are present or absent together
};

struct Example {
  Position pos;
  std::string text;  // unescaped: the message part of a log line, after the syslog header
};

// `pattern NAME = elements;`: a reusable sub-pattern. Captured as `name:NAME` in rules, its captures
// are named `name.<capture>`.
struct PatternDecl {
  Position pos;
  std::string name;
  std::vector<Element> body;
};

// `rule ID = elements example "..." ...;`: one message the source prints.
struct RuleDecl {
  Position pos;
  std::string id;
  std::vector<Element> body;
  std::vector<Example> examples;
};

struct ProgramGlob {
  Position pos;
  std::string glob;  // fnmatch(3) pattern matched against the syslog TAG, e.g. `ovpn-*`
};

struct GrammarFile {
  SourceRef source;
  Position header_pos;            // the `grammar` declaration
  std::string name;               // `openvpn`
  std::string version;            // `2.6`: the source program's version the grammar describes
  std::vector<ProgramGlob> programs;
  std::vector<PatternDecl> patterns;
  std::vector<RuleDecl> rules;
};

}  // namespace strictlog::dsl
