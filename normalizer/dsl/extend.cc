#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "dsl/dsl.h"

namespace strictlog::dsl {
namespace {

template <typename Decl, typename Key>
const Decl* find_by(const std::vector<Decl>& decls, const std::string& name, Key key) {
  auto it = std::find_if(decls.begin(), decls.end(), [&](const Decl& d) { return d.*key == name; });
  return it == decls.end() ? nullptr : &*it;
}

std::string kind_of(const RuleDecl& r) { return r.drop ? "drop" : "rule"; }

}  // namespace

Result<GrammarFile> extend_grammar(const GrammarFile& base, const GrammarFile& extension) {
  Diagnostics errors;
  const std::string base_name = fmt::format("grammar {} {}", base.name, base.version);
  GrammarFile out;
  out.source = extension.source;
  out.header_pos = extension.header_pos;
  out.name = extension.name;
  out.version = extension.version;
  out.base_version = extension.base_version;
  out.base_pos = extension.base_pos;
  out.is_default = extension.is_default;
  out.default_pos = extension.default_pos;
  out.detects_ctime = extension.detects_ctime;
  out.detect_pos = extension.detect_pos;
  out.removals = extension.removals;
  out.programs = extension.programs.empty() ? base.programs : extension.programs;

  // One override per name: a second would otherwise vanish unseen (only the first takes the base's place).
  for (size_t i = 0; i < extension.patterns.size(); ++i) {
    const PatternDecl& p = extension.patterns[i];
    for (size_t j = 0; j < i; ++j) {
      if (extension.patterns[j].name == p.name && extension.patterns[j].override && p.override) {
        errors.push_back({p.pos, "duplicate-pattern", fmt::format("pattern '{}' is already overridden", p.name),
                          {{extension.patterns[j].pos, "first overridden here"}}});
        break;
      }
    }
  }
  for (size_t i = 0; i < extension.rules.size(); ++i) {
    const RuleDecl& r = extension.rules[i];
    for (size_t j = 0; j < i; ++j) {
      if (extension.rules[j].id == r.id && extension.rules[j].override && r.override) {
        errors.push_back({r.pos, "duplicate-rule", fmt::format("rule '{}' is already overridden", r.id),
                          {{extension.rules[j].pos, "first overridden here"}}});
        break;
      }
    }
  }

  // Patterns: base's, each replaced by its override; then the new ones.
  for (const PatternDecl& p : extension.patterns) {
    const PatternDecl* inherited = find_by(base.patterns, p.name, &PatternDecl::name);
    if (p.override && !inherited) {
      errors.push_back({p.pos, "override-unknown",
                        fmt::format("'override pattern {}': {} has no pattern '{}' to override", p.name, base_name,
                                    p.name),
                        {{base.header_pos, "the base version"}}});
    } else if (!p.override && inherited) {
      errors.push_back({p.pos, "inherited-name",
                        fmt::format("pattern '{}' is inherited from {}: write 'override pattern {}' to replace it, "
                                    "or choose another name",
                                    p.name, base_name, p.name),
                        {{inherited->pos, "inherited from here"}}});
    }
  }
  for (const PatternDecl& p : base.patterns) {
    const PatternDecl* replacement = find_by(extension.patterns, p.name, &PatternDecl::name);
    out.patterns.push_back(replacement && replacement->override ? *replacement : p);
  }
  for (const PatternDecl& p : extension.patterns) {
    if (!p.override && !find_by(base.patterns, p.name, &PatternDecl::name)) out.patterns.push_back(p);
  }

  // Rules and drop rules share one namespace of ids.
  std::set<std::string> removed;
  for (const Removal& r : extension.removals) {
    if (!find_by(base.rules, r.rule_id, &RuleDecl::id)) {
      errors.push_back({r.pos, "remove-unknown",
                        fmt::format("'remove {}': {} has no rule '{}' to remove", r.rule_id, base_name, r.rule_id),
                        {{base.header_pos, "the base version"}}});
    } else if (const RuleDecl* declared = find_by(extension.rules, r.rule_id, &RuleDecl::id)) {
      errors.push_back({r.pos, "remove-declared",
                        fmt::format("rule '{}' is removed and declared again in this version; to change it, "
                                    "'override {} {}' without removing it",
                                    r.rule_id, kind_of(*declared), r.rule_id),
                        {{declared->pos, "declared here"}}});
    } else if (!removed.insert(r.rule_id).second) {
      errors.push_back({r.pos, "duplicate-remove", fmt::format("rule '{}' is already removed", r.rule_id), {}});
    }
  }
  for (const RuleDecl& r : extension.rules) {
    const RuleDecl* inherited = find_by(base.rules, r.id, &RuleDecl::id);
    if (std::any_of(extension.removals.begin(), extension.removals.end(),
                    [&](const Removal& x) { return x.rule_id == r.id; })) {
      continue;  // remove-declared said it
    }
    if (r.override && !inherited) {
      errors.push_back({r.pos, "override-unknown",
                        fmt::format("'override {} {}': {} has no rule '{}' to override", kind_of(r), r.id, base_name,
                                    r.id),
                        {{base.header_pos, "the base version"}}});
    } else if (!r.override && inherited) {
      errors.push_back({r.pos, "inherited-name",
                        fmt::format("{} '{}' is inherited from {}: write 'override {} {}' to replace it, 'remove {};' "
                                    "to leave it out, or choose another id",
                                    kind_of(r), r.id, base_name, kind_of(r), r.id, r.id),
                        {{inherited->pos, "inherited from here"}}});
    }
  }
  for (const RuleDecl& r : base.rules) {
    if (removed.count(r.id)) continue;
    const RuleDecl* replacement = find_by(extension.rules, r.id, &RuleDecl::id);
    out.rules.push_back(replacement && replacement->override ? *replacement : r);
  }
  for (const RuleDecl& r : extension.rules) {
    if (!r.override && !find_by(base.rules, r.id, &RuleDecl::id)) out.rules.push_back(r);
  }

  for (const Precedence& p : base.precedences) {
    if (!removed.count(p.winner) && !removed.count(p.loser)) out.precedences.push_back(p);
  }
  out.precedences.insert(out.precedences.end(), extension.precedences.begin(), extension.precedences.end());
  if (!errors.empty()) return errors;
  return out;
}

}  // namespace strictlog::dsl
