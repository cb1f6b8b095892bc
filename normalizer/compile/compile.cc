#include "compile/compile.h"

#include <fmt/format.h>
#include <fnmatch.h>

#include <algorithm>
#include <map>
#include <set>
#include <string_view>
#include <utility>

namespace strictlog {
namespace {

using PatternMap = std::map<std::string, const dsl::PatternDecl*, std::less<>>;

// Expands one rule's elements into a regex. Patterns are inlined with their capture names prefixed.
class RegexBuilder {
 public:
  // Patterns in `broken` already had their errors reported: a reference to one fails the build silently,
  // so each mistake is reported once, not once per use.
  RegexBuilder(const PatternMap& patterns, const std::set<std::string, std::less<>>& broken, Diagnostics* errors)
      : patterns_(patterns), broken_(broken), errors_(errors) {}

  void build(const std::vector<dsl::Element>& body, const std::string& prefix, bool optional,
             std::vector<std::string>* stack) {
    for (const auto& e : body) {
      if (too_large) return;
      size_t begin = regex.size();
      switch (e.kind) {
        case dsl::Element::Kind::kLiteral:
          regex += RE2::QuoteMeta(e.text);
          parts.push_back({TemplatePart::Kind::kLiteral, e.text, -1});
          break;
        case dsl::Element::Kind::kOptional:
          optional_group(e, prefix, stack);
          break;
        case dsl::Element::Kind::kCapture:
          capture(e, prefix, optional, stack);
          break;
      }
      fragments.push_back({begin, regex.size(), e.pos});
      if (regex.size() > kMaxRegexBytes) {
        too_large = failed = true;  // reported by the caller, at the rule or pattern
        return;
      }
    }
  }

  // -1 builds the rule's full regex, `(?:...)?` for each optional group. Otherwise bit i says whether the
  // i-th optional group (in order of appearance, patterns expanded) is present, written without the `?`,
  // or absent, left out with its captures. Set before build().
  int64_t variant_mask = -1;
  int optional_groups = 0;  // counted by build()

  std::string regex;
  std::vector<CaptureInfo> captures;
  std::vector<RegexFragment> fragments;
  std::vector<TemplatePart> parts;  // the structure of `regex` (compile.h, TemplatePart)
  bool failed = false;
  bool too_large = false;  // the regex outgrew kMaxRegexBytes; building stopped

 private:
  void error(Diagnostic d) {
    failed = true;
    errors_->push_back(std::move(d));
  }

  void optional_group(const dsl::Element& e, const std::string& prefix, std::vector<std::string>* stack) {
    int index = optional_groups++;
    if (variant_mask < 0) {
      regex += "(?:";
      parts.push_back({TemplatePart::Kind::kOptionalBegin, {}, -1});
      build(e.body, prefix, true, stack);
      parts.push_back({TemplatePart::Kind::kOptionalEnd, {}, -1});
      regex += ")?";
    } else if (variant_mask & (int64_t{1} << index)) {
      build(e.body, prefix, true, stack);
    } else {
      // Built and thrown away, so that optional groups nested inside keep their indices.
      size_t regex_size = regex.size(), capture_count = captures.size(), fragment_count = fragments.size();
      size_t part_count = parts.size();
      build(e.body, prefix, true, stack);
      regex.resize(regex_size);
      captures.resize(capture_count);
      fragments.resize(fragment_count);
      parts.resize(part_count);
    }
  }

  void capture(const dsl::Element& e, const std::string& prefix, bool optional, std::vector<std::string>* stack) {
    std::string name = prefix + e.text;
    // Names are checked as written, pattern references included: `c:peer` written twice is reported at the
    // second `c`, not inside `peer`, and a capture may not share its name with a pattern reference.
    for (const auto& [other, pos] : names_) {
      if (other == name) {
        error({e.pos, "duplicate-capture", fmt::format("capture '{}' is already defined in this rule", name),
               {{pos, "first defined here"}}});
        return;
      }
    }
    names_.emplace_back(name, e.pos);
    if (const FieldType* type = find_field_type(e.type)) {
      regex += "(";
      regex += type->regex;
      regex += ")";
      parts.push_back({TemplatePart::Kind::kCapture, {}, static_cast<int>(captures.size())});
      captures.push_back({name, type, e.pos, optional});
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
    for (const auto& open : *stack) {
      if (open == e.type) {
        error({e.type_pos, "recursive-pattern",
                            fmt::format("pattern '{}' refers to itself", e.type), {{it->second->pos, "defined here"}}});
        return;
      }
    }
    if (stack->size() >= static_cast<size_t>(kMaxPatternDepth)) {
      error({e.type_pos, "pattern-too-deep",
                          fmt::format("patterns nest deeper than {} levels", kMaxPatternDepth), {}});
      return;
    }
    stack->push_back(e.type);
    regex += "(?:";
    build(it->second->body, name + ".", optional, stack);
    regex += ")";
    stack->pop_back();
  }

  const PatternMap& patterns_;
  const std::set<std::string, std::less<>>& broken_;
  Diagnostics* errors_;
  std::vector<std::pair<std::string, Position>> names_;  // every capture name written so far, dotted
};

// A rule's regex with its optional group present and absent, when it has kMaxVariantGroups (one) of them;
// extract() takes the first that matches, as the full regex's greedy `?` prefers. The loop is general
// (group 0 most significant) for the day the limit can safely grow.
std::vector<RuleVariant> build_variants(const PatternMap& patterns, const std::set<std::string, std::less<>>& broken,
                                        const dsl::RuleDecl& decl, const CompiledRule& rule, int optional_groups) {
  std::vector<RuleVariant> variants;
  if (optional_groups == 0 || optional_groups > kMaxVariantGroups) return variants;
  for (int64_t key = (int64_t{1} << optional_groups) - 1; key >= 0; --key) {
    int64_t mask = 0;  // key with its bits reversed: group 0 is the most significant
    for (int i = 0; i < optional_groups; ++i) {
      if (key & (int64_t{1} << (optional_groups - 1 - i))) mask |= int64_t{1} << i;
    }
    Diagnostics ignored;  // the full build already reported everything
    RegexBuilder b(patterns, broken, &ignored);
    b.variant_mask = mask;
    std::vector<std::string> stack;
    b.build(decl.body, "", false, &stack);
    bool duplicate = false;
    for (const auto& v : variants) duplicate = duplicate || v.regex == b.regex;
    if (b.failed || duplicate) continue;
    RuleVariant v;
    v.regex = std::move(b.regex);
    std::vector<bool> present(rule.captures.size(), false);
    for (const auto& c : b.captures) {
      for (size_t i = 0; i < rule.captures.size(); ++i) {
        if (rule.captures[i].name == c.name) {
          v.capture_index.push_back(static_cast<int>(i));
          present[i] = true;
        }
      }
    }
    for (size_t i = 0; i < present.size(); ++i) {
      if (!present[i]) v.absent.push_back(static_cast<int>(i));
    }
    v.re = std::make_unique<RE2>(v.regex, rule_regex_options(kRuleMaxMem));
    // A variant is a simplification of a regex RE2 accepted; should RE2 still refuse one, the rule falls
    // back to extracting with its full regex, which is correct, only slower.
    if (!v.re->ok()) return {};
    variants.push_back(std::move(v));
  }
  return variants;
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
      }
    }
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

Result<CompiledGrammar> compile_grammar(const dsl::GrammarFile& file) {
  Diagnostics errors;
  CompiledGrammar g;
  g.source = file.source;
  g.header_pos = file.header_pos;
  g.name = file.name;
  g.version = file.version;
  g.programs = file.programs;
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
    RegexBuilder b(patterns, broken, &errors);
    std::vector<std::string> stack{decl->name};
    b.build(decl->body, "", false, &stack);
    if (b.too_large) errors.push_back(too_large_error(decl->pos, "pattern", decl->name));
    if (b.failed) broken.insert(decl->name);
  }

  std::map<std::string, const dsl::RuleDecl*, std::less<>> ids;
  g.set = std::make_unique<RE2::Set>(rule_regex_options(kSetMaxMem), RE2::ANCHOR_BOTH);
  for (const auto& r : file.rules) {
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
    std::vector<std::string> stack;
    b.build(r.body, "", false, &stack);
    if (b.too_large) errors.push_back(too_large_error(r.pos, "rule", r.id));
    if (b.failed) continue;

    CompiledRule rule{r.id, r.pos, std::move(b.regex), nullptr, std::move(b.captures), std::move(b.fragments),
                      r.examples, std::move(b.parts), {}};
    rule.variants = build_variants(patterns, broken, r, rule, b.optional_groups);
    rule.re = std::make_unique<RE2>(rule.regex, rule_regex_options(kRuleMaxMem));
    std::string set_error;
    if (!rule.re->ok()) {
      errors.push_back({r.pos, "regex-rejected",
                        fmt::format("RE2 rejected rule '{}': {}", r.id, rule.re->error()), {}});
      continue;
    }
    if (g.set->Add(rule.regex, &set_error) < 0) {
      errors.push_back({r.pos, "regex-rejected", fmt::format("RE2 rejected rule '{}': {}", r.id, set_error), {}});
      continue;
    }
    g.rules.push_back(std::move(rule));
  }
  if (!errors.empty()) return errors;
  // A failed Set::Compile() leaves a Set whose Match() crashes (RE2 2022-06-01), so it must not escape.
  if (!g.set->Compile()) {
    return Diagnostic{file.header_pos, "set-compile-failed",
                      fmt::format("RE2 could not compile the {} rules of grammar '{}' into one set "
                                  "(over the {} MiB budget?)", g.rules.size(), g.name, kSetMaxMem >> 20), {}};
  }
  check_examples(g, &errors);
  if (!errors.empty()) return errors;
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

bool extract(const CompiledRule& rule, std::string_view message, re2::StringPiece* groups) {
  re2::StringPiece text(message.data(), message.size());
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
