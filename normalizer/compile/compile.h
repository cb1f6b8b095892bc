// The compiler: turns a parsed grammar into RE2 programs. Compile once, match many: a CompiledGrammar is
// immutable after compile_grammar() returns and may be shared by any number of threads.
//
// Matching is two steps, both anchored at both ends (RE2::ANCHOR_BOTH), so a rule matches the whole
// message or nothing:
//   1. dispatch(): one RE2::Set per grammar names every rule whose pattern matches;
//   2. extract(): the one matching rule's captures, exactly as its own RE2 would fill them, found by pieces
//      between the literals every match must place (compile/internal/extract_plan.h), which RE2 matches
//      with its fast engines.
// A dispatch hit that extract() then rejects means the two disagree: an internal error, never NO_MATCH.
#pragma once

#include <re2/re2.h>
#include <re2/set.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "dsl/grammar_ast.h"
#include "fields/field_type.h"

namespace strictlog {

namespace extract_plan {
class ExtractPlan;
}  // namespace extract_plan

// Limits that keep a hostile or careless grammar from exhausting memory or time. Each is checked while the
// grammar loads and reported as a positioned error; docs/SECURITY.md lists them with their defaults.
inline constexpr int64_t kRuleMaxMem = 8 << 20;   // RE2 max_mem per rule
inline constexpr int64_t kSetMaxMem = 64 << 20;   // RE2 max_mem per grammar's Set
inline constexpr int kMaxPatternDepth = 16;       // nesting of pattern references
// Generated regex text per rule or pattern, checked while it is built: pattern references multiply text (a
// grammar of a few hundred bytes can expand to gigabytes), and RE2 rejects far shorter text within kRuleMaxMem.
inline constexpr size_t kMaxRegexBytes = 1 << 20;

// The budgets compile_grammar() enforces beyond the fixed ones above. The defaults leave the bundled grammars
// ten times their needs or more (the largest OpenVPN rule compiles to under 1,000 instructions).
struct CompileLimits {
  int64_t rule_max_mem = kRuleMaxMem;  // RE2 max_mem of each rule's regex and variants
  int64_t set_max_mem = kSetMaxMem;    // RE2 max_mem of the grammar's Set (`set-compile-failed`)
  int max_program_size = 10000;        // RE2 program instructions per rule (`program-too-large`)
  size_t max_captures = 64;            // captures per rule, patterns expanded (`too-many-captures`)
  size_t max_rules = 1000;             // rules per grammar, drop rules included (`too-many-rules`)
};

// The RE2 options every rule regex and Set is compiled with (tests of field types use them too).
// Matching is on bytes (Latin-1): lines are validated as strict UTF-8 before they reach a regex.
RE2::Options rule_regex_options(int64_t max_mem = kRuleMaxMem);

// One capture group of a compiled rule. Group i+1 of the rule's RE2 is captures[i].
struct CaptureInfo {
  std::string name;        // dotted path through pattern references, e.g. `peer.ip`
  const FieldType* type;   // never null
  Position pos;            // the capture in the grammar (innermost, inside a pattern if expanded from one)
  bool optional;           // inside an optional group or an alternative: may be absent from a match
  // Type `enum`: the literal alternatives as written (the capture matches exactly one of them); else empty.
  std::vector<std::string> alternatives;
};

// The texts a capture is known to accept: an enum's alternatives, else its type's samples
// (FieldType::accepts). The first is the canonical one.
std::vector<std::string_view> capture_samples(const CaptureInfo& c);

// Where a piece of the generated regex came from, so errors and traces can speak in DSL positions.
struct RegexFragment {
  size_t begin, end;  // byte range in CompiledRule::regex
  Position pos;
};

// One piece of a rule's structure, recorded while its regex is generated (patterns expanded), so that tools
// can write messages the rule matches without reading the regex back: `strictlog test` enumerates witness
// lines from it (verify/overlap.h). A rule's parts are its literals and captures in order, with each optional
// group bracketed by kOptionalBegin/kOptionalEnd (nested as written; numbered in order of appearance, as
// for variant masks) and each alternation by kAlternationBegin/kAlternationEnd, its branches separated by
// kBranch. Parameters are resolved: a parameter reference is the literal it was given.
struct TemplatePart {
  enum class Kind { kLiteral, kCapture, kOptionalBegin, kOptionalEnd, kAlternationBegin, kBranch, kAlternationEnd };
  Kind kind = Kind::kLiteral;
  std::string literal;  // kLiteral: the text as written, unescaped
  int capture = -1;     // kCapture: index in CompiledRule::captures
  // Where the element is written: the literal (for a parameter's literal, the parameter's use in the
  // pattern), the capture, or the group's opening bracket; kBranch and the ends: the group's.
  Position pos;
};

// The rule's regex with its leading optional group either present (written plainly) or absent (left out,
// with its captures); any later groups stay optional. Captures in a variant are less ambiguous than in the
// full regex's `(?:...)?`, so RE2 extracts them with less work: OpenVPN's `[cn "/"] ...` prefix, which every
// rule of the grammar starts with, no longer lets the common name's candidates run across the whole line.
struct RuleVariant {
  std::string regex;
  std::unique_ptr<RE2> re;
  std::vector<int> capture_index;  // group g+1 of `re` is CompiledRule::captures[capture_index[g]]
  std::vector<int> absent;         // captures this variant leaves out
};

// Variants are built only for a rule whose first choice point is an optional group: only literal text comes
// before it (no capture, which may vary in length, no alternation, no other group). Its "present or absent"
// is then the first choice RE2's leftmost-first matching makes, so "present if the line still matches, else
// absent" is exactly the full regex's preference, whatever follows. Were a capture to come first, the full
// regex could prefer a longer capture with the group absent (`w:word ["x"] "y"` on `axy`: w = `ax`) where the
// variants would take the group (w = `a`), so such rules use the full regex.

struct CompiledRule {
  std::string id;
  Position pos;
  bool drop = false;  // a `drop` rule: known noise, counted per rule and never mapped
  std::string regex;  // the generated RE2 pattern, shown by `strictlog compile --dump`
  std::unique_ptr<RE2> re;
  std::vector<CaptureInfo> captures;
  std::vector<RegexFragment> fragments;
  std::vector<dsl::Example> examples;
  std::vector<TemplatePart> template_parts;  // the structure `regex` was generated from
  // Empty unless the rule's first choice point is an optional group (see above): then present, absent.
  std::vector<RuleVariant> variants;
  // How extract() splits a line at the rule's literals and matches the pieces between them on their own
  // (compile/internal/extract_plan.h); null when it cannot, and extract() runs `re` or the variants.
  std::shared_ptr<const extract_plan::ExtractPlan> plan;
};

struct CompiledGrammar {
  SourceRef source;
  Position header_pos;
  std::string name;
  std::string version;
  std::vector<dsl::ProgramGlob> programs;
  // Versions of one source (ruleset.h): the version this one extends (empty: none), whether it is the
  // source's default, and whether it is selected for program log lines with a ctime() timestamp.
  std::string base_version;
  bool is_default = false;
  Position default_pos;
  bool detects_ctime = false;
  Position detect_pos;
  std::vector<CompiledRule> rules;
  std::unique_ptr<RE2::Set> set;
  // (winner, loser) rule indices of each `prefer` declaration, in file order. They form no cycle.
  std::vector<std::pair<int, int>> precedence;
  std::vector<Position> precedence_pos;  // where each was declared

  // True when one of the grammar's program globs matches the syslog TAG `program`.
  bool applies_to(std::string_view program) const;
};

// How records and reports name a rule: `grammar/source_version/rule_id`, e.g. `openvpn/2.6/tls_handshake_failed`.
std::string rule_ref(const CompiledGrammar& g, const CompiledRule& r);

// Checks and compiles one grammar. Collects every error: unknown types, parameters and arguments, duplicate
// ids and captures, recursive patterns, regexes over kMaxRegexBytes, RE2 rejections (at the rule's position),
// rules without examples, `prefer` declarations that name unknown rules or form a cycle, and examples that do
// not match their own rule or that a preferred rule takes. An example that another rule matches too is an overlap,
// which `strictlog test` reports (a test failure, exit 5), not a reason to refuse the grammar.
// Also refuses a grammar over `limits`: a rule past max_rules (reported once, at that rule; the rest are not
// compiled), a rule over max_captures or max_program_size, and a Set over set_max_mem.
Result<CompiledGrammar> compile_grammar(const dsl::GrammarFile& file, const CompileLimits& limits = {});

// Appends to `hits` (cleared first) the index of every rule of `g` that matches all of `message`.
// Fails only when RE2 runs out of memory (code `dispatch-out-of-memory`), which RE2 2022 cannot do once the
// Set compiled: a Set's DFA never gives up on slow input (it flushes its cache and goes on), and Compile()
// already refuses a budget too small for its states. The check stays, so that a failure would be MATCH_MEMORY,
// never a silent NO_MATCH.
Status dispatch(const CompiledGrammar& g, std::string_view message, std::vector<int>* hits);

// Removes from `hits` every rule that a `prefer` declaration ranks below another rule in `hits`. What remains
// is never empty when `hits` was not (precedence is acyclic); more than one left means AMBIGUOUS.
void apply_precedence(const CompiledGrammar& g, std::vector<int>* hits);

// True when `a` and `b` are ordered by a `prefer` declaration, either way.
bool ordered(const CompiledGrammar& g, int a, int b);

// Matches `rule` against all of `message` as its own RE2 would: by the pieces of its plan, else (a plan's budget
// spent) with `re` or the variants. On success groups[0] is the whole match and groups[i+1] is captures[i]
// (data() == nullptr when an optional capture is absent). `groups` must have room for captures.size() + 1
// entries. Returns false when the rule does not match.
bool extract(const CompiledRule& rule, std::string_view message, re2::StringPiece* groups);

}  // namespace strictlog
