#include "verify/overlap.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <utility>

namespace strictlog {
namespace {

// One combination of a rule's optional groups: the rule's parts with the groups resolved, so only literals
// and captures remain, and the groups actually present (numbered from 0; a group nested in an absent one is
// absent whatever `present` says about it).
struct Branch {
  std::vector<const TemplatePart*> parts;
  std::vector<int> present;
};

Branch resolve(const std::vector<TemplatePart>& parts, const std::vector<bool>& present) {
  Branch b;
  std::vector<bool> open;  // for each enclosing group: is it, and everything around it, present?
  int group = 0;
  for (const TemplatePart& p : parts) {
    bool on = open.empty() || open.back();
    switch (p.kind) {
      case TemplatePart::Kind::kOptionalBegin: {
        bool here = on && present[static_cast<size_t>(group)];
        if (here) b.present.push_back(group);
        open.push_back(here);
        ++group;
        break;
      }
      case TemplatePart::Kind::kOptionalEnd:
        open.pop_back();
        break;
      case TemplatePart::Kind::kLiteral:
      case TemplatePart::Kind::kCapture:
        if (on) b.parts.push_back(&p);
        break;
    }
  }
  return b;
}

// The combinations to enumerate, in the order build_variants() orders variants: group 0 is the most
// significant bit of a key counted down from all present. Past kMaxWitnessGroups: all present, all absent.
std::vector<std::vector<bool>> combinations(int groups) {
  const size_t n = static_cast<size_t>(groups);
  if (groups > kMaxWitnessGroups) return {std::vector<bool>(n, true), std::vector<bool>(n, false)};
  std::vector<std::vector<bool>> out;
  for (int64_t key = (int64_t{1} << groups) - 1; key >= 0; --key) {
    std::vector<bool> present(n);
    for (int i = 0; i < groups; ++i) present[static_cast<size_t>(i)] = (key & (int64_t{1} << (groups - 1 - i))) != 0;
    out.push_back(std::move(present));
  }
  return out;
}

std::string describe_groups(const Branch& b, int groups) {
  if (groups == 0) return {};
  std::string numbers;
  for (int g : b.present) numbers += fmt::format("{}{}", numbers.empty() ? "" : ", ", g + 1);
  return fmt::format("optional groups present: {} (of {}); ", numbers.empty() ? "none" : numbers, groups);
}

// `b` written out with every capture at its canonical sample, except capture `varied` at sample `sample`.
std::string write(const CompiledRule& r, const Branch& b, int varied, size_t sample) {
  std::string message;
  for (const TemplatePart* p : b.parts) {
    if (p->kind == TemplatePart::Kind::kLiteral) {
      message += p->literal;
    } else {
      const auto& accepts = r.captures[static_cast<size_t>(p->capture)].type->accepts;
      message += accepts[p->capture == varied ? sample : 0];
    }
  }
  return message;
}

}  // namespace

std::vector<Witness> enumerate_witnesses(const CompiledGrammar& g, int rule) {
  const CompiledRule& r = g.rules[static_cast<size_t>(rule)];
  int groups = static_cast<int>(std::count_if(r.template_parts.begin(), r.template_parts.end(), [](const auto& p) {
    return p.kind == TemplatePart::Kind::kOptionalBegin;
  }));
  std::vector<Witness> out;
  std::set<std::string> messages;  // a combination that repeats an earlier one repeats its messages too
  auto add = [&](std::string message, std::string how) {
    if (messages.insert(message).second) out.push_back({rule, std::move(message), std::move(how)});
  };
  for (const auto& present : combinations(groups)) {
    Branch b = resolve(r.template_parts, present);
    const std::string prefix = describe_groups(b, groups);
    bool has_capture = std::any_of(b.parts.begin(), b.parts.end(),
                                   [](const TemplatePart* p) { return p->kind == TemplatePart::Kind::kCapture; });
    add(write(r, b, -1, 0), prefix + (has_capture ? "canonical samples" : "literal text only"));
    for (const TemplatePart* p : b.parts) {
      if (p->kind != TemplatePart::Kind::kCapture) continue;
      const CaptureInfo& c = r.captures[static_cast<size_t>(p->capture)];
      for (size_t s = 1; s < c.type->accepts.size(); ++s) {
        add(write(r, b, p->capture, s),
            fmt::format("{}capture {} = '{}' ({} sample {})", prefix, c.name, c.type->accepts[s], c.type->name, s + 1));
      }
    }
  }
  return out;
}

Result<OverlapReport> find_overlaps(const CompiledGrammar& g) {
  OverlapReport report;
  std::vector<int> hits;
  for (size_t i = 0; i < g.rules.size(); ++i) {
    const int rule = static_cast<int>(i);
    for (Witness& w : enumerate_witnesses(g, rule)) {
      ++report.witnesses;
      if (Status s = dispatch(g, w.message, &hits); !s.ok()) return std::move(s).take_errors();
      if (std::find(hits.begin(), hits.end(), rule) == hits.end()) {
        ++report.unmatched_witnesses;
        continue;
      }
      std::sort(hits.begin(), hits.end());
      for (int other : hits) {
        if (other != rule) report.overlaps.push_back({rule, other, w.message, w.how});
      }
    }
  }
  return report;
}

}  // namespace strictlog
