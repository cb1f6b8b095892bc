#include "compile/compile.h"

#include "compile/internal/extract_plan.h"
#include "fields/enum.h"

#include <fmt/format.h>
#include <fnmatch.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <string_view>
#include <utility>

namespace strictlog {
namespace {

using PatternMap = std::map<std::string, const dsl::PatternDecl*, std::less<>>;

// The parameters in force while a parameterized pattern's body is expanded: each name's literal text.
struct Scope {
  const dsl::PatternDecl* pattern = nullptr;  // null in a rule's body, which has no parameters
  std::map<std::string, std::string, std::less<>> values;
  std::set<std::string, std::less<>>* used = nullptr;  // when set, records the parameters referred to
};

// Where a capture sits among alternations: (alternation number, branch) from the outermost in.
using AltPath = std::vector<std::pair<int, int>>;

// Two captures are alternatives of each other, and may share a name, when some alternation holds them in
// different branches: only one of them can be part of a match.
bool exclusive(const AltPath& a, const AltPath& b) {
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    if (a[i].first != b[i].first) return false;
    if (a[i].second != b[i].second) return true;
  }
  return false;
}

std::string join_names(const std::vector<dsl::Parameter>& params) {
  std::string out;
  for (const auto& p : params) {
    if (!out.empty()) out += ", ";
    out += p.name;
  }
  return out;
}

// Expands one rule's elements into a regex. Patterns are inlined with their capture names prefixed.
class RegexBuilder {
 public:
  // Patterns in `broken` already had their errors reported: a reference to one fails the build silently,
  // so each mistake is reported once, not once per use.
  RegexBuilder(const PatternMap& patterns, const std::set<std::string, std::less<>>& broken, Diagnostics* errors)
      : patterns_(patterns), broken_(broken), errors_(errors) {}

  void build(const std::vector<dsl::Element>& body, const std::string& prefix, bool optional,
             std::vector<std::string>* stack, const Scope& scope) {
    for (const auto& e : body) {
      if (too_large || too_many_captures) return;
      size_t begin = regex.size();
      const int captures_before = static_cast<int>(captures.size());
      extract_plan::Node* const node = record_;  // the concatenation `e` is a unit of, when recording
      bool is_unit = node != nullptr;
      extract_plan::Unit unit;
      switch (e.kind) {
        case dsl::Element::Kind::kLiteral:
          literal(e.text, e.pos);
          unit.kind = extract_plan::Unit::Kind::kLiteral;
          unit.literal = e.text;
          break;
        case dsl::Element::Kind::kParameter:
          if (const std::string* text = parameter(e, scope)) {
            unit.kind = extract_plan::Unit::Kind::kLiteral;
            unit.literal = *text;
          }
          break;
        case dsl::Element::Kind::kOptional:
          if (is_unit) {
            unit.kind = extract_plan::Unit::Kind::kOptional;
            unit.branches.push_back(std::make_shared<extract_plan::Node>());
            record_ = unit.branches.back().get();
          }
          optional_group(e, prefix, stack, scope);
          break;
        case dsl::Element::Kind::kAlternation:
          if (is_unit) unit.kind = extract_plan::Unit::Kind::kAlternation;
          alternation(e, prefix, stack, scope, is_unit ? &unit.branches : nullptr);
          break;
        case dsl::Element::Kind::kCapture:
          // A pattern's body is part of this concatenation: its elements are recorded as units themselves.
          if (!find_field_type(e.type)) is_unit = false;
          unit.kind = extract_plan::Unit::Kind::kCapture;
          capture(e, prefix, optional, stack);
          break;
      }
      record_ = node;
      fragments.push_back({begin, regex.size(), e.pos});
      if (is_unit) {
        unit.begin = begin;
        unit.end = regex.size();
        unit.capture_begin = captures_before;
        unit.capture_end = static_cast<int>(captures.size());
        node->units.push_back(std::move(unit));
      }
      if (regex.size() > kMaxRegexBytes) {
        too_large = failed = true;  // reported by the caller, at the rule or pattern
        return;
      }
    }
  }

  // -1 builds the rule's full regex, `(?:...)?` for each optional group. Otherwise the optional group of
  // that number (in order of appearance, patterns expanded) is written present, without the `?`, or absent,
  // left out with its captures, as `vary_present` says; the others stay optional. Set before build().
  int vary_group = -1;
  bool vary_present = false;
  int optional_groups = 0;  // counted by build()
  // Set before build() to record the rule's units for its extraction plan (compile/internal/extract_plan.h):
  // each element of the rule's concatenation, pattern references expanded in place, and each optional
  // group's body as a concatenation of its own.
  void record(extract_plan::Node* root) { record_ = root; }

  std::string regex;
  std::vector<CaptureInfo> captures;
  std::vector<RegexFragment> fragments;
  std::vector<TemplatePart> parts;  // the structure of `regex` (compile.h, TemplatePart)
  bool failed = false;
  bool too_large = false;  // the regex outgrew kMaxRegexBytes; building stopped
  // Set before build(): the captures a rule may have. Past it building stops at once, so that a grammar whose
  // patterns multiply captures is refused in the time of the limit, not of the expansion.
  size_t max_captures = SIZE_MAX;
  bool too_many_captures = false;  // more than max_captures; building stopped

 private:
  void error(Diagnostic d) {
    failed = true;
    errors_->push_back(std::move(d));
  }

  void literal(const std::string& text, const Position& pos) {
    regex += RE2::QuoteMeta(text);
    parts.push_back({TemplatePart::Kind::kLiteral, text, -1, pos});
  }

  // The literal the parameter stands for; null after an error.
  const std::string* parameter(const dsl::Element& e, const Scope& scope) {
    if (scope.pattern == nullptr) {
      error({e.pos, "unknown-parameter",
             fmt::format("'{}' is not a parameter: only a parameterized pattern has them; a capture is written "
                         "name:type and literal text in quotes", e.text), {}});
      return nullptr;
    }
    auto it = scope.values.find(e.text);
    if (it == scope.values.end()) {
      error({e.pos, "unknown-parameter",
             scope.pattern->params.empty()
                 ? fmt::format("'{}' is not a parameter: pattern '{}' has none; a capture is written name:type and "
                               "literal text in quotes", e.text, scope.pattern->name)
                 : fmt::format("'{}' is not a parameter of pattern '{}' (parameters: {})", e.text,
                               scope.pattern->name, join_names(scope.pattern->params)),
             {}});
      return nullptr;
    }
    if (scope.used) scope.used->insert(e.text);
    literal(it->second, e.pos);
    return &it->second;
  }

  void optional_group(const dsl::Element& e, const std::string& prefix, std::vector<std::string>* stack,
                      const Scope& scope) {
    int index = optional_groups++;
    if (index != vary_group) {
      regex += "(?:";
      parts.push_back({TemplatePart::Kind::kOptionalBegin, {}, -1, e.pos});
      build(e.body, prefix, true, stack, scope);
      parts.push_back({TemplatePart::Kind::kOptionalEnd, {}, -1, e.pos});
      regex += ")?";
    } else if (vary_present) {
      build(e.body, prefix, true, stack, scope);
    } else {
      // Built and thrown away, so that optional groups nested inside keep their indices.
      size_t regex_size = regex.size(), capture_count = captures.size(), fragment_count = fragments.size();
      size_t part_count = parts.size();
      build(e.body, prefix, true, stack, scope);
      regex.resize(regex_size);
      captures.resize(capture_count);
      fragments.resize(fragment_count);
      parts.resize(part_count);
    }
  }

  // With `branches`, records each branch as a concatenation of its own there.
  void alternation(const dsl::Element& e, const std::string& prefix, std::vector<std::string>* stack,
                   const Scope& scope, std::vector<std::shared_ptr<extract_plan::Node>>* branches) {
    const int id = alternations_++;
    regex += "(?:";
    parts.push_back({TemplatePart::Kind::kAlternationBegin, {}, -1, e.pos});
    for (size_t b = 0; b < e.branches.size(); ++b) {
      if (b > 0) {
        regex += "|";
        parts.push_back({TemplatePart::Kind::kBranch, {}, -1, e.pos});
      }
      alt_path_.emplace_back(id, static_cast<int>(b));
      if (branches) branches->push_back(std::make_shared<extract_plan::Node>());
      record_ = branches ? branches->back().get() : nullptr;
      build(e.branches[b], prefix, true, stack, scope);
      alt_path_.pop_back();
    }
    parts.push_back({TemplatePart::Kind::kAlternationEnd, {}, -1, e.pos});
    regex += ")";
  }

  // `name:enum("a", "b")`: the alternatives as a regex alternation, each matched literally.
  bool enum_regex(const dsl::Element& e, std::string* out) {
    if (e.args.empty()) {
      error({e.type_pos, "enum-without-values",
             "type 'enum' needs its alternatives: enum(\"soft\", \"hard\")", {}});
      return false;
    }
    bool ok = true;
    for (size_t i = 0; i < e.args.size(); ++i) {
      if (e.args[i].text.empty()) {
        error({e.args[i].pos, "empty-enum-value", "an enum alternative cannot be empty: make the capture optional "
                                                  "with [ ] instead", {}});
        ok = false;
      }
      for (size_t j = 0; j < i; ++j) {
        if (e.args[j].text == e.args[i].text) {
          error({e.args[i].pos, "duplicate-enum-value",
                 fmt::format("enum alternative \"{}\" is already listed", e.args[i].text),
                 {{e.args[j].pos, "first listed here"}}});
          ok = false;
        }
      }
      if (i > 0) *out += "|";
      *out += RE2::QuoteMeta(e.args[i].text);
    }
    return ok;
  }

  // Checks `name` against the capture names written so far, and records it. Names are checked as written,
  // pattern references included: `c:peer` written twice is reported at the second `c`, not inside `peer`,
  // and a capture may not share its name with a pattern reference. Alternatives may share a name.
  // Alternatives that share a name must all be pattern captures (each member then shares its name too, and
  // is checked as a capture of its own) or all field captures: the mapping sets one field from the name, or
  // maps the pattern's members onto a message, never both.
  bool claim_name(const std::string& name, const dsl::Element& e) {
    const FieldType* field = find_field_type(e.type);  // null: a pattern, or an unknown type (reported later)
    const bool known = field != nullptr || patterns_.count(e.type) != 0;
    for (const auto& used : names_) {
      if (used.name != name) continue;
      if (!exclusive(used.alts, alt_path_)) {
        error({e.pos, "duplicate-capture", fmt::format("capture '{}' is already defined in this rule", name),
               {{used.pos, "first defined here"}}});
        return false;
      }
      if (known && used.known && (field == nullptr) != (used.field == nullptr)) {
        auto kind = [](const FieldType* f, const std::string& type) {
          return f ? std::string(to_string(f->output)) : fmt::format("a capture of pattern '{}'", type);
        };
        error({e.type_pos, "capture-kind-mismatch",
               fmt::format("capture '{}' is {} here but {} in another alternative", name, kind(field, e.type),
                           kind(used.field, used.type)),
               {{used.pos, "the other alternative"}}});
        return false;
      }
    }
    names_.push_back({name, e.pos, alt_path_, field, known, e.type});
    return true;
  }

  void add_capture(const std::string& name, const FieldType* type, const dsl::Element& e, bool optional,
                   const std::string& type_regex, std::vector<std::string> alternatives) {
    if (captures.size() == max_captures) {
      too_many_captures = failed = true;  // reported by the caller, at the rule or pattern
      return;
    }
    // Alternatives that share a name fill one field, so they must convert to the same kind of value.
    for (const auto& c : captures) {
      if (c.name == name && c.type->output != type->output) {
        error({e.type_pos, "capture-kind-mismatch",
               fmt::format("capture '{}' is {} here but {} in another alternative", name, to_string(type->output),
                           to_string(c.type->output)),
               {{c.pos, "the other alternative"}}});
        return;
      }
    }
    regex += "(";
    regex += type_regex;
    regex += ")";
    parts.push_back({TemplatePart::Kind::kCapture, {}, static_cast<int>(captures.size()), e.pos});
    captures.push_back({name, type, e.pos, optional || !alt_path_.empty(), std::move(alternatives)});
  }

  void capture(const dsl::Element& e, const std::string& prefix, bool optional, std::vector<std::string>* stack) {
    std::string name = prefix + e.text;
    if (!claim_name(name, e)) return;
    if (const FieldType* type = find_field_type(e.type)) {
      if (e.type == kEnum.name) {
        std::string re;
        if (!enum_regex(e, &re)) return;
        std::vector<std::string> alternatives;
        for (const auto& a : e.args) alternatives.push_back(a.text);
        add_capture(name, type, e, optional, re, std::move(alternatives));
      } else if (e.has_args) {
        error({e.type_pos, "unexpected-arguments",
               fmt::format("field type '{}' takes no arguments (only 'enum' and parameterized patterns do)", e.type),
               {}});
      } else {
        add_capture(name, type, e, optional, std::string(type->regex), {});
      }
      return;
    }
    if (broken_.count(e.type)) {
      failed = true;
      return;
    }
    auto it = patterns_.find(e.type);
    if (it == patterns_.end()) {
      error({e.type_pos, "unknown-field-type",
             fmt::format("unknown field type '{}': not a field type (see 'strictlog fields') "
                         "nor a pattern of this grammar", e.type), {}});
      return;
    }
    const dsl::PatternDecl& pattern = *it->second;
    for (const auto& open : *stack) {
      if (open == e.type) {
        error({e.type_pos, "recursive-pattern", fmt::format("pattern '{}' refers to itself", e.type),
               {{pattern.pos, "defined here"}}});
        return;
      }
    }
    if (stack->size() >= static_cast<size_t>(kMaxPatternDepth)) {
      error({e.type_pos, "pattern-too-deep", fmt::format("patterns nest deeper than {} levels", kMaxPatternDepth),
             {}});
      return;
    }
    if (e.args.size() != pattern.params.size()) {
      error({e.type_pos, "argument-count",
             pattern.params.empty()
                 ? fmt::format("pattern '{}' takes no arguments, got {}", e.type, e.args.size())
                 : fmt::format("pattern '{}' takes {} argument{} ({}), got {}", e.type, pattern.params.size(),
                               pattern.params.size() == 1 ? "" : "s", join_names(pattern.params), e.args.size()),
             {{pattern.pos, "defined here"}}});
      return;
    }
    Scope inner{&pattern, {}, nullptr};
    for (size_t i = 0; i < pattern.params.size(); ++i) inner.values[pattern.params[i].name] = e.args[i].text;
    stack->push_back(e.type);
    regex += "(?:";
    build(pattern.body, name + ".", optional || !alt_path_.empty(), stack, inner);
    regex += ")";
    stack->pop_back();
  }

  struct NameUse {
    std::string name;
    Position pos;
    AltPath alts;
    const FieldType* field;  // null for a pattern capture
    bool known;              // a field type or a pattern
    std::string type;        // as written
  };

  const PatternMap& patterns_;
  const std::set<std::string, std::less<>>& broken_;
  Diagnostics* errors_;
  std::vector<NameUse> names_;  // every capture name written so far, dotted
  AltPath alt_path_;
  int alternations_ = 0;
  extract_plan::Node* record_ = nullptr;  // the concatenation being recorded; null when not recording
};

// A rule's regex with its leading optional group present, then absent, when the group is the rule's first
// choice point (compile.h, RuleVariant); extract() takes the first that matches, as the full regex's greedy
// `?` prefers.
std::vector<RuleVariant> build_variants(const PatternMap& patterns, const std::set<std::string, std::less<>>& broken,
                                        const dsl::RuleDecl& decl, const CompiledRule& rule, int64_t max_mem) {
  std::vector<RuleVariant> variants;
  auto first = std::find_if(rule.template_parts.begin(), rule.template_parts.end(),
                            [](const TemplatePart& p) { return p.kind != TemplatePart::Kind::kLiteral; });
  if (first == rule.template_parts.end() || first->kind != TemplatePart::Kind::kOptionalBegin) return variants;
  for (bool group_present : {true, false}) {
    Diagnostics ignored;  // the full build already reported everything
    RegexBuilder b(patterns, broken, &ignored);
    b.vary_group = 0;
    b.vary_present = group_present;
    std::vector<std::string> stack;
    b.build(decl.body, "", false, &stack, Scope{});
    bool duplicate = false;
    for (const auto& v : variants) duplicate = duplicate || v.regex == b.regex;
    if (b.failed || duplicate) continue;
    RuleVariant v;
    v.regex = std::move(b.regex);
    // The variant's captures are the rule's in the same order, less the absent group's: match them in order.
    // Name and position alone do not identify a capture: a pattern used in two branches under one name
    // (`( "IP " a:peer | "IPv6 " a:peer )`) gives two captures `a.ip` written at the same place.
    std::vector<bool> present(rule.captures.size(), false);
    size_t next = 0;
    for (const auto& c : b.captures) {
      while (next < rule.captures.size() &&
             !(rule.captures[next].name == c.name && rule.captures[next].pos == c.pos)) {
        ++next;
      }
      if (next == rule.captures.size()) return {};  // cannot happen; the full regex stays correct without
      v.capture_index.push_back(static_cast<int>(next));
      present[next++] = true;
    }
    for (size_t i = 0; i < present.size(); ++i) {
      if (!present[i]) v.absent.push_back(static_cast<int>(i));
    }
    v.re = std::make_unique<RE2>(v.regex, rule_regex_options(max_mem));
    // A variant is a simplification of a regex RE2 accepted; should RE2 still refuse one, the rule falls
    // back to extracting with its full regex, which is correct, only slower.
    if (!v.re->ok()) return {};
    variants.push_back(std::move(v));
  }
  return variants;
}

Diagnostic too_many_captures_error(const Position& pos, std::string_view kind, std::string_view name,
                                   const CompileLimits& limits) {
  return {pos, "too-many-captures",
          fmt::format("{} '{}' has more than {} captures (patterns expanded), the limit", kind, name,
                      limits.max_captures), {}};
}

// `64 MiB`, `32 KiB` or `1000 bytes`, whichever states a budget exactly.
std::string memory_text(int64_t bytes) {
  if (bytes % (1 << 20) == 0) return fmt::format("{} MiB", bytes >> 20);
  if (bytes % (1 << 10) == 0) return fmt::format("{} KiB", bytes >> 10);
  return fmt::format("{} bytes", bytes);
}

Diagnostic too_large_error(const Position& pos, std::string_view kind, std::string_view name) {
  return {pos, "regex-too-large",
          fmt::format("{} '{}' expands to a regex longer than {} KiB", kind, name, kMaxRegexBytes >> 10), {}};
}

// Appends to `order` the patterns that `body` refers to, each after the patterns it refers to itself, so
// that checking in that order reports an error inside a pattern once, at the pattern, before any pattern
// that uses it. A cycle is cut where it closes (the builder reports it); nesting beyond kMaxPatternDepth
// is not followed (the builder reports that too).
void order_references(const PatternMap& patterns, const std::vector<dsl::Element>& body, int depth,
                      std::set<std::string_view>* seen, std::vector<const dsl::PatternDecl*>* order) {
  if (depth > kMaxPatternDepth) return;
  for (const auto& e : body) {
    if (e.kind == dsl::Element::Kind::kOptional) {
      order_references(patterns, e.body, depth, seen, order);
    } else if (e.kind == dsl::Element::Kind::kAlternation) {
      for (const auto& branch : e.branches) order_references(patterns, branch, depth, seen, order);
    } else if (e.kind == dsl::Element::Kind::kCapture && !find_field_type(e.type)) {
      auto it = patterns.find(e.type);
      if (it == patterns.end() || !seen->insert(it->first).second) continue;
      order_references(patterns, it->second->body, depth + 1, seen, order);
      order->push_back(it->second);
    }
  }
}

void check_examples(const CompiledGrammar& g, Diagnostics* errors) {
  std::vector<int> hits;
  for (size_t i = 0; i < g.rules.size(); ++i) {
    const auto& rule = g.rules[i];
    for (const auto& ex : rule.examples) {
      if (!dispatch(g, ex.text, &hits).ok()) continue;
      // An example that other rules match too is an overlap: a test failure that `strictlog test` reports,
      // not a reason to refuse the grammar; at run time such a line is AMBIGUOUS.
      if (std::find(hits.begin(), hits.end(), static_cast<int>(i)) == hits.end()) {
        errors->push_back({ex.pos, "example-mismatch",
                           fmt::format("example does not match its rule '{}'", rule.id), {}});
        continue;
      }
      const std::vector<int> matched = hits;
      apply_precedence(g, &hits);
      if (std::find(hits.begin(), hits.end(), static_cast<int>(i)) == hits.end()) {
        // Names a rule that a `prefer` ranks over this one and that matched too; other rules left in `hits`
        // may match the example without being preferred over anything.
        int winner = -1;
        for (auto [w, l] : g.precedence) {
          if (l == static_cast<int>(i) && std::find(matched.begin(), matched.end(), w) != matched.end()) {
            winner = w;
            break;
          }
        }
        errors->push_back({ex.pos, "example-taken",
                           fmt::format("example of rule '{}' goes to rule '{}', which is preferred over it",
                                       rule.id, g.rules[static_cast<size_t>(winner)].id), {}});
      }
    }
  }
}

// Resolves the `prefer` declarations to rule indices and refuses unknown rules, a rule preferred over
// itself, repeated or contradicting pairs, and cycles (a over b over c over a), which would leave a line
// that matches all of them with no rule.
void check_precedence(const dsl::GrammarFile& file, const std::map<std::string, const dsl::RuleDecl*, std::less<>>& ids,
                      CompiledGrammar* g, Diagnostics* errors) {
  auto index_of = [&](const std::string& id, const Position& pos, int* out) {
    if (!ids.count(id)) {
      errors->push_back({pos, "unknown-rule", fmt::format("'prefer' names rule '{}', which this grammar does not "
                                                          "define", id), {}});
      return false;
    }
    for (size_t i = 0; i < g->rules.size(); ++i) {
      if (g->rules[i].id == id) *out = static_cast<int>(i);
    }
    return *out >= 0;  // a rule that failed to compile has its own error already
  };
  for (const auto& p : file.precedences) {
    int winner = -1, loser = -1;
    bool known = index_of(p.winner, p.winner_pos, &winner);
    known = index_of(p.loser, p.loser_pos, &loser) && known;
    if (!known) continue;
    if (winner == loser) {
      errors->push_back({p.loser_pos, "self-precedence", fmt::format("rule '{}' is preferred over itself", p.winner),
                         {}});
      continue;
    }
    bool clash = false;
    for (size_t i = 0; i < g->precedence.size() && !clash; ++i) {
      auto [w, l] = g->precedence[i];
      if (w == winner && l == loser) {
        errors->push_back({p.pos, "duplicate-precedence",
                           fmt::format("'{}' is already preferred over '{}'", p.winner, p.loser),
                           {{g->precedence_pos[i], "first declared here"}}});
        clash = true;
      } else if (w == loser && l == winner) {
        errors->push_back({p.pos, "precedence-cycle",
                           fmt::format("'prefer {} over {}' contradicts an earlier declaration", p.winner, p.loser),
                           {{g->precedence_pos[i], fmt::format("'prefer {} over {}' declared here", p.loser,
                                                               p.winner)}}});
        clash = true;
      }
    }
    if (clash) continue;
    // A longer cycle: the loser already ranks above the winner through other declarations. Each rule is
    // searched from once: the declarations so far form no cycle, so a rule already searched cannot reach the
    // winner, and following every path instead takes time exponential in the declarations (a lattice of
    // rules, each preferred over two others).
    std::vector<int> path;
    std::vector<bool> searched(g->rules.size(), false);
    std::function<bool(int)> reaches = [&](int from) {
      if (from == winner) return true;
      if (searched[static_cast<size_t>(from)]) return false;
      searched[static_cast<size_t>(from)] = true;
      for (size_t i = 0; i < g->precedence.size(); ++i) {
        if (g->precedence[i].first != from) continue;
        path.push_back(static_cast<int>(i));
        if (reaches(g->precedence[i].second)) return true;
        path.pop_back();
      }
      return false;
    };
    if (reaches(loser)) {
      std::string chain = p.winner + " over " + p.loser;
      Diagnostic d{p.pos, "precedence-cycle", "", {}};
      for (int i : path) {
        chain += " over " + g->rules[static_cast<size_t>(g->precedence[static_cast<size_t>(i)].second)].id;
        d.notes.push_back({g->precedence_pos[static_cast<size_t>(i)], "part of the cycle"});
      }
      d.message = fmt::format("precedence cycle: {}", chain);
      errors->push_back(std::move(d));
      continue;
    }
    g->precedence.emplace_back(winner, loser);
    g->precedence_pos.push_back(p.pos);
  }
}

}  // namespace

// Lines reach matching only after strict UTF-8 validation (ingest/utf8.h), so the regexes match bytes
// (Latin-1): a multi-byte character is then a run of bytes >= 0x80 that every negated class in the field
// types accepts, and literal UTF-8 text in a grammar matches itself byte for byte. Byte programs are several
// times smaller than their UTF-8 equivalents, which is what makes capture extraction fast.

RE2::Options rule_regex_options(int64_t max_mem) {
  RE2::Options o(RE2::Quiet);
  o.set_encoding(RE2::Options::EncodingLatin1);
  o.set_max_mem(max_mem);
  o.set_dot_nl(false);
  return o;
}

std::string rule_ref(const CompiledGrammar& g, const CompiledRule& r) {
  return fmt::format("{}/{}/{}", g.name, g.version, r.id);
}

std::vector<std::string_view> capture_samples(const CaptureInfo& c) {
  if (!c.alternatives.empty()) return {c.alternatives.begin(), c.alternatives.end()};
  return {c.type->accepts.begin(), c.type->accepts.end()};
}

bool CompiledGrammar::applies_to(std::string_view program) const {
  // fnmatch needs NUL-terminated strings; TAGs are short (the RFC 3164 parser allows 48 characters).
  char buf[256];
  if (program.size() >= sizeof buf) return false;
  program.copy(buf, program.size());
  buf[program.size()] = '\0';
  for (const auto& p : programs) {
    if (fnmatch(p.glob.c_str(), buf, 0) == 0) return true;
  }
  return false;
}

namespace {
Diagnostic set_compile_failed(const dsl::GrammarFile& file, size_t rules, int64_t set_max_mem) {
  return Diagnostic{file.header_pos, "set-compile-failed",
                    fmt::format("RE2 could not compile the {} rules of grammar '{}' into one set (over the {} budget?)",
                                rules, file.name, memory_text(set_max_mem)),
                    {}};
}
}  // namespace

Result<CompiledGrammar> compile_grammar(const dsl::GrammarFile& file, const CompileLimits& limits) {
  Diagnostics errors;
  CompiledGrammar g;
  g.source = file.source;
  g.header_pos = file.header_pos;
  g.name = file.name;
  g.version = file.version;
  g.programs = file.programs;
  g.base_version = file.base_version;
  g.is_default = file.is_default;
  g.default_pos = file.default_pos;
  g.detects_ctime = file.detects_ctime;
  g.detect_pos = file.detect_pos;
  if (g.programs.empty()) {
    errors.push_back({file.header_pos, "missing-programs",
                      "the grammar names no programs: add e.g. 'programs \"openvpn\";'", {}});
  }

  PatternMap patterns;
  for (const auto& p : file.patterns) {
    if (find_field_type(p.name)) {
      errors.push_back({p.pos, "pattern-shadows-type",
                        fmt::format("pattern '{}' has the name of a field type", p.name), {}});
    } else if (auto [it, inserted] = patterns.emplace(p.name, &p); !inserted) {
      errors.push_back({p.pos, "duplicate-pattern", fmt::format("pattern '{}' is already defined", p.name),
                        {{it->second->pos, "first defined here"}}});
    }
  }

  std::vector<const dsl::PatternDecl*> order;
  std::set<std::string_view> seen;
  for (const auto& [name, decl] : patterns) {
    if (!seen.insert(name).second) continue;
    order_references(patterns, decl->body, 1, &seen, &order);
    order.push_back(decl);
  }
  std::set<std::string, std::less<>> broken;
  for (const dsl::PatternDecl* decl : order) {
    // Checked on its own with each parameter standing for empty text: errors inside a pattern are reported
    // once, here, whatever arguments its uses give.
    RegexBuilder b(patterns, broken, &errors);
    std::vector<std::string> stack{decl->name};
    std::set<std::string, std::less<>> used;
    Scope scope{decl, {}, &used};
    bool params_ok = true;
    for (size_t i = 0; i < decl->params.size(); ++i) {
      const auto& param = decl->params[i];
      if (!scope.values.emplace(param.name, "").second) {
        errors.push_back({param.pos, "duplicate-parameter",
                          fmt::format("parameter '{}' is already declared", param.name), {}});
        params_ok = false;
      }
    }
    b.max_captures = limits.max_captures;
    b.build(decl->body, "", false, &stack, scope);
    if (b.too_many_captures) errors.push_back(too_many_captures_error(decl->pos, "pattern", decl->name, limits));
    // Every unused parameter is reported; with a parameter declared twice, which one is unused is unclear.
    const bool duplicates = !params_ok;
    for (const auto& param : decl->params) {
      if (!used.count(param.name) && !duplicates) {
        errors.push_back({param.pos, "unused-parameter",
                          fmt::format("parameter '{}' is never used in pattern '{}'", param.name, decl->name), {}});
        params_ok = false;
      }
    }
    if (b.too_large) errors.push_back(too_large_error(decl->pos, "pattern", decl->name));
    if (b.failed || !params_ok) broken.insert(decl->name);
  }

  std::map<std::string, const dsl::RuleDecl*, std::less<>> ids;
  g.set = std::make_unique<RE2::Set>(rule_regex_options(limits.set_max_mem), RE2::ANCHOR_BOTH);
  for (const auto& r : file.rules) {
    if (static_cast<size_t>(&r - file.rules.data()) == limits.max_rules) {
      errors.push_back({r.pos, "too-many-rules",
                        fmt::format("grammar '{}' has {} rules, more than the limit of {}: this and the rules after "
                                    "it are not compiled", file.name, file.rules.size(), limits.max_rules), {}});
      break;
    }
    if (auto [it, inserted] = ids.emplace(r.id, &r); !inserted) {
      errors.push_back({r.pos, "duplicate-rule", fmt::format("rule '{}' is already defined", r.id),
                        {{it->second->pos, "first defined here"}}});
      continue;
    }
    if (r.examples.empty()) {
      errors.push_back({r.pos, "missing-example",
                        fmt::format("rule '{}' has no example: add at least one 'example \"...\"'", r.id), {}});
    }
    RegexBuilder b(patterns, broken, &errors);
    b.max_captures = limits.max_captures;
    extract_plan::Node units;
    b.record(&units);
    std::vector<std::string> stack;
    b.build(r.body, "", false, &stack, Scope{});
    if (b.too_large) errors.push_back(too_large_error(r.pos, "rule", r.id));
    if (b.too_many_captures) errors.push_back(too_many_captures_error(r.pos, "rule", r.id, limits));
    if (b.failed) continue;

    CompiledRule rule;
    rule.id = r.id;
    rule.pos = r.pos;
    rule.drop = r.drop;
    rule.regex = std::move(b.regex);
    rule.captures = std::move(b.captures);
    rule.fragments = std::move(b.fragments);
    rule.examples = r.examples;
    rule.template_parts = std::move(b.parts);
    rule.variants = build_variants(patterns, broken, r, rule, limits.rule_max_mem);
    rule.re = std::make_unique<RE2>(rule.regex, rule_regex_options(limits.rule_max_mem));
    std::string set_error;
    if (!rule.re->ok()) {
      errors.push_back({r.pos, "regex-rejected",
                        fmt::format("RE2 rejected rule '{}': {}", r.id, rule.re->error()), {}});
      continue;
    }
    if (rule.re->ProgramSize() > limits.max_program_size) {
      errors.push_back({r.pos, "program-too-large",
                        fmt::format("rule '{}' compiles to an RE2 program of {} instructions, more than the limit "
                                    "of {}", r.id, rule.re->ProgramSize(), limits.max_program_size), {}});
      continue;
    }
    if (g.set->Add(rule.regex, &set_error) < 0) {
      errors.push_back({r.pos, "regex-rejected", fmt::format("RE2 rejected rule '{}': {}", r.id, set_error), {}});
      continue;
    }
    auto plan = std::make_shared<const extract_plan::ExtractPlan>(units, rule.regex, limits.rule_max_mem);
    if (plan->usable()) rule.plan = std::move(plan);
    g.rules.push_back(std::move(rule));
  }
  check_precedence(file, ids, &g, &errors);
  if (!errors.empty()) return errors;
  // A failed Set::Compile() leaves a Set whose Match() crashes (RE2 2022-06-01), so it must not escape.
  if (!g.set->Compile()) {
    return set_compile_failed(file, g.rules.size(), limits.set_max_mem);
  }
  check_examples(g, &errors);
  if (!errors.empty()) return errors;
  // Matching the examples filled the Set's DFA cache (about 3 MiB for the OpenVPN grammar), which RE2 keeps
  // for the Set's life. A rule set holds every version of every source and most are never selected, so the
  // Set is compiled again, empty: a grammar's matching memory is spent only once it reads lines.
  auto fresh = std::make_unique<RE2::Set>(rule_regex_options(limits.set_max_mem), RE2::ANCHOR_BOTH);
  for (const CompiledRule& rule : g.rules) fresh->Add(rule.regex, nullptr);
  if (!fresh->Compile()) {
    return set_compile_failed(file, g.rules.size(), limits.set_max_mem);
  }
  g.set = std::move(fresh);
  return g;
}

Status dispatch(const CompiledGrammar& g, std::string_view message, std::vector<int>* hits) {
  hits->clear();
  RE2::Set::ErrorInfo info{};
  if (!g.set->Match(re2::StringPiece(message.data(), message.size()), hits, &info) &&
      info.kind != RE2::Set::kNoError) {
    return plain_error("dispatch-out-of-memory",
                       fmt::format("RE2 ran out of memory matching grammar '{}'", g.name));
  }
  return kOk;
}

void apply_precedence(const CompiledGrammar& g, std::vector<int>* hits) {
  if (hits->size() < 2 || g.precedence.empty()) return;
  // Decided against the hits as they were, so that removing a loser never frees the rules it beat: losers are
  // marked (as -1 - r) first and removed after. No allocation: this runs per line.
  for (int& r : *hits) {
    for (auto [winner, loser] : g.precedence) {
      if (loser == r && std::find_if(hits->begin(), hits->end(), [&, w = winner](int h) { return h == w || h == -1 - w; }) !=
                            hits->end()) {
        r = -1 - r;
        break;
      }
    }
  }
  hits->erase(std::remove_if(hits->begin(), hits->end(), [](int r) { return r < 0; }), hits->end());
}

bool ordered(const CompiledGrammar& g, int a, int b) {
  for (auto [winner, loser] : g.precedence) {
    if ((winner == a && loser == b) || (winner == b && loser == a)) return true;
  }
  return false;
}

bool extract(const CompiledRule& rule, std::string_view message, re2::StringPiece* groups) {
  re2::StringPiece text(message.data(), message.size());
  if (rule.plan) {
    switch (rule.plan->match(message, groups)) {
      case extract_plan::Fit::kMatch:
        groups[0] = text;
        return true;
      case extract_plan::Fit::kNoMatch:
        return false;
      case extract_plan::Fit::kUnavailable:
        break;  // a piece's regex could not be had: the rule's own regex below
    }
  }
  if (rule.variants.empty()) {
    return rule.re->Match(text, 0, text.size(), RE2::ANCHOR_BOTH, groups, static_cast<int>(rule.captures.size() + 1));
  }
  for (const RuleVariant& v : rule.variants) {
    // Without submatches RE2 answers from its DFA; only the variant that matches runs the capture engine.
    if (!v.re->Match(text, 0, text.size(), RE2::ANCHOR_BOTH, nullptr, 0)) continue;
    int n = static_cast<int>(v.capture_index.size());
    if (!v.re->Match(text, 0, text.size(), RE2::ANCHOR_BOTH, groups, n + 1)) return false;
    // Spread the variant's groups to the rule's capture numbering: capture_index is increasing and
    // capture_index[g] >= g, so moving from the last group down never overwrites an unmoved one.
    for (int g = n - 1; g >= 0; --g) groups[v.capture_index[static_cast<size_t>(g)] + 1] = groups[g + 1];
    for (int a : v.absent) groups[a + 1] = re2::StringPiece();
    return true;
  }
  return false;
}

}  // namespace strictlog
