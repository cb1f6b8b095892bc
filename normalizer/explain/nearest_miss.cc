#include "explain/nearest_miss.h"

#include <fmt/format.h>

#include <algorithm>

namespace strictlog {

// One prefix program: the rule up to (not including) template part `part`, or the whole rule when part is -1.
struct MissFinder::Cut {
  int part = -1;
  std::unique_ptr<RE2> prefix;
  int base = 0;                     // elements every match of `prefix` went through
  int bound = 0;                    // the most elements a match can go through: base + all group_elements
  std::vector<int> group_elements;  // elements in capturing group k+1, counted when the match went through it
};

namespace {

using Kind = TemplatePart::Kind;

// As the DSL writes a literal (escapes \" \\ \t), so that the text can be searched for in the grammar.
std::string dsl_literal(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\t') {
      out += "\\t";
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string capture_regex(const CaptureInfo& c) {
  if (c.alternatives.empty()) return std::string(c.type->regex);
  std::string out;
  for (const auto& a : c.alternatives) {
    if (!out.empty()) out += "|";
    out += RE2::QuoteMeta(a);
  }
  return out;
}

// For each group-opening part, the index of the part that closes it; for each part, the group opening it
// sits in (-1 at top level).
struct Structure {
  std::vector<int> close;
  std::vector<int> parent;
};

Structure structure(const std::vector<TemplatePart>& parts) {
  Structure s;
  s.close.assign(parts.size(), -1);
  s.parent.assign(parts.size(), -1);
  std::vector<int> open;
  for (size_t i = 0; i < parts.size(); ++i) {
    const Kind k = parts[i].kind;
    if (k == Kind::kOptionalEnd || k == Kind::kAlternationEnd) {
      s.close[static_cast<size_t>(open.back())] = static_cast<int>(i);
      open.pop_back();
    }
    s.parent[i] = open.empty() ? -1 : open.back();
    if (k == Kind::kOptionalBegin || k == Kind::kAlternationBegin) open.push_back(static_cast<int>(i));
  }
  return s;
}

// The rule's regex up to part `target` (exclusive; parts.size() for the whole rule): groups that close before
// it as written, the groups that hold it opened and not closed (an optional one is then required), and of an
// alternation that holds it only the branch it is in. Each closed optional group and each branch of a closed
// alternation is a capturing group, so that a match tells which of them the line went through:
// `cut->group_elements[k]` counts the literals and captures directly in capturing group k+1, and `cut->base`
// those the line must have matched outside them and outside the optional groups that hold the target.
std::string prefix_regex(const CompiledRule& rule, const Structure& s, size_t target, MissFinder::Cut* cut) {
  const auto& parts = rule.template_parts;
  std::vector<bool> holds(parts.size(), false);  // group openings that enclose `target`
  if (target < parts.size()) {
    for (int p = s.parent[target]; p >= 0; p = s.parent[static_cast<size_t>(p)]) holds[static_cast<size_t>(p)] = true;
  }
  std::string re;
  int still_open = 0;
  // Capturing groups open here, innermost last; -1 for an optional group that holds the target, whose elements
  // do not count: taking it is what the cut assumes, not what the line showed (`[c:cn "/"]` takes any text).
  std::vector<int> counting;
  auto count = [&](int n = 1) {
    if (counting.empty()) {
      cut->base += n;
    } else if (counting.back() >= 0) {
      cut->group_elements[static_cast<size_t>(counting.back())] += n;
    }
  };
  std::vector<std::vector<int>> branches;  // per closed alternation open here: its branches' groups
  auto open_counting = [&] {
    counting.push_back(static_cast<int>(cut->group_elements.size()));
    cut->group_elements.push_back(0);
    re += "(";
  };
  for (size_t i = 0; i < target; ++i) {
    const TemplatePart& part = parts[i];
    switch (part.kind) {
      case Kind::kLiteral:
        re += RE2::QuoteMeta(part.literal);
        count();
        break;
      case Kind::kCapture:
        re += "(?:" + capture_regex(rule.captures[static_cast<size_t>(part.capture)]) + ")";
        count();
        break;
      case Kind::kOptionalBegin:
        if (holds[i]) {
          re += "(?:";
          ++still_open;
          counting.push_back(-1);
        } else {
          open_counting();
        }
        break;
      case Kind::kOptionalEnd:
        re += ")?";
        counting.pop_back();
        break;
      case Kind::kAlternationBegin:
        re += "(?:";
        if (holds[i]) {
          ++still_open;
          // Skip to the branch that holds the target: the last branch separator of this group before it.
          for (size_t j = target; j > i; --j) {
            if (parts[j].kind == Kind::kBranch && s.parent[j] == static_cast<int>(i)) {
              i = j;
              break;
            }
          }
        } else {
          open_counting();
          branches.push_back({counting.back()});
        }
        break;
      case Kind::kBranch:
        re += ")|";
        counting.pop_back();
        open_counting();
        branches.back().push_back(counting.back());
        break;
      case Kind::kAlternationEnd: {
        re += "))";
        counting.pop_back();
        // One branch is always taken: the fewest elements any branch has count as certain, outside the
        // groups, so that base bounds a match's progress from below as tightly as it can.
        int fewest = cut->group_elements[static_cast<size_t>(branches.back().front())];
        for (int g : branches.back()) fewest = std::min(fewest, cut->group_elements[static_cast<size_t>(g)]);
        for (int g : branches.back()) cut->group_elements[static_cast<size_t>(g)] -= fewest;
        branches.pop_back();
        count(fewest);
        break;
      }
    }
  }
  re.append(static_cast<size_t>(still_open), ')');
  return re;
}

Expectation expectation(const CompiledRule& rule, int part) {
  if (part < 0) return {rule.pos, "the end of the message", {}};
  const TemplatePart& p = rule.template_parts[static_cast<size_t>(part)];
  if (p.kind == Kind::kLiteral) return {p.pos, dsl_literal(p.literal), {}};
  const CaptureInfo& c = rule.captures[static_cast<size_t>(p.capture)];
  if (c.alternatives.empty()) return {p.pos, fmt::format("{}:{}", c.name, c.type->name), std::string(c.type->summary)};
  std::string alts;
  for (const auto& a : c.alternatives) alts += (alts.empty() ? "" : ", ") + dsl_literal(a);
  return {p.pos, fmt::format("{}:{}({})", c.name, c.type->name, alts), {}};
}

}  // namespace

MissFinder::MissFinder(std::shared_ptr<const RuleSet> rules) : rules_(std::move(rules)) {
  cuts_.resize(rules_->grammars.size());
  for (size_t g = 0; g < rules_->grammars.size(); ++g) cuts_[g].resize(rules_->grammars[g].rules.size());
}

MissFinder::~MissFinder() = default;

const std::vector<MissFinder::Cut>& MissFinder::cuts(size_t grammar, size_t rule) {
  auto& slot = cuts_[grammar][rule];
  if (slot) return *slot;
  slot = std::make_unique<std::vector<Cut>>();
  const CompiledRule& r = rules_->grammars[grammar].rules[rule];
  Structure s = structure(r.template_parts);
  RE2::Options options = rule_regex_options();
  options.set_longest_match(true);
  for (size_t i = 0; i <= r.template_parts.size(); ++i) {
    bool end = i == r.template_parts.size();
    if (!end && r.template_parts[i].kind != Kind::kLiteral && r.template_parts[i].kind != Kind::kCapture) continue;
    Cut cut;
    cut.part = end ? -1 : static_cast<int>(i);
    cut.prefix = std::make_unique<RE2>(prefix_regex(r, s, i, &cut), options);
    cut.bound = cut.base;
    for (int n : cut.group_elements) cut.bound += n;
    slot->push_back(std::move(cut));
  }
  // Most promising first, so that attempt() can stop once no cut left can reach the best progress found.
  std::stable_sort(slot->begin(), slot->end(), [](const Cut& x, const Cut& y) { return x.bound > y.bound; });
  return *slot;
}

RuleAttempt MissFinder::attempt(size_t grammar, size_t rule, std::string_view message) {
  const CompiledRule& r = rules_->grammars[grammar].rules[rule];
  RuleAttempt a{grammar, rule, false, 0, {}};
  re2::StringPiece text(message.data(), message.size());
  if (r.re->Match(text, 0, text.size(), RE2::ANCHOR_BOTH, nullptr, 0)) {
    a.matched = true;
    a.reach = message.size();
    return a;
  }
  struct Reached {
    int progress;
    size_t end;
    int part;
  };
  std::vector<Reached> reached;  // per cut whose prefix matched
  int best_progress = -1;
  for (const Cut& cut : cuts(grammar, rule)) {
    if (cut.bound < best_progress) break;  // cuts are in decreasing bound order: none left can tie
    // A prefix the regex compiler refused (over its memory budget) says nothing; the rule's own regex compiled,
    // so its pieces all but always do.
    if (!cut.prefix->ok()) continue;
    // Whether it matches at all, from RE2's DFA; only then which groups it went through, from the slower
    // engines that report submatches.
    if (!cut.prefix->Match(text, 0, text.size(), RE2::ANCHOR_START, nullptr, 0)) continue;
    const int groups = static_cast<int>(cut.group_elements.size());
    std::vector<re2::StringPiece> m(static_cast<size_t>(groups) + 1);
    if (!cut.prefix->Match(text, 0, text.size(), RE2::ANCHOR_START, m.data(), groups + 1)) continue;
    size_t end = m[0].size();
    int progress = cut.base;
    for (int k = 0; k < groups; ++k) {
      if (m[static_cast<size_t>(k) + 1].data() != nullptr) progress += cut.group_elements[static_cast<size_t>(k)];
    }
    if (cut.part >= 0) {
      const TemplatePart& p = r.template_parts[static_cast<size_t>(cut.part)];
      if (p.kind == Kind::kLiteral) {
        std::string_view rest = message.substr(end);
        size_t common = 0;
        while (common < p.literal.size() && common < rest.size() && p.literal[common] == rest[common]) ++common;
        if (common == p.literal.size()) continue;  // the literal is there: the next element's cut goes on
        // Back to the start of the character that differs: a line differing from `é` in `è` shares a first byte
        // with it, and an offset inside a character points at no character at all.
        while (common > 0 && (static_cast<unsigned char>(rest[common]) & 0xC0) == 0x80) --common;
        end += common;
      }
    }
    reached.push_back({progress, end, cut.part});
    best_progress = std::max(best_progress, progress);
  }
  // The element the line got furthest to, counted in elements, then in bytes. Bytes alone would favour a
  // permissive capture: `[cn:cn "/"] ...` takes the whole of a line without a "/", and "expected '/' at the
  // end of the line" says nothing about the element that really differs.
  best_progress = -1;
  for (const auto& x : reached) {
    if (x.progress > best_progress || (x.progress == best_progress && x.end > a.reach)) {
      best_progress = x.progress;
      a.reach = x.end;
    }
  }
  // In grammar order, the end of the message last.
  std::sort(reached.begin(), reached.end(), [](const Reached& x, const Reached& y) {
    return static_cast<unsigned>(x.part) < static_cast<unsigned>(y.part);
  });
  for (const auto& x : reached) {
    if (x.progress == best_progress && x.end == a.reach) a.expected.push_back(expectation(r, x.part));
  }
  return a;
}

size_t MissFinder::reach_bound(size_t grammar, size_t rule, std::string_view message) {
  const CompiledRule& r = rules_->grammars[grammar].rules[rule];
  re2::StringPiece text(message.data(), message.size());
  // The cuts attempt() would weigh, each with its end: the rule's best has at least the largest `base` among
  // them, so a cut whose `bound` is below that cannot be the best, and its end (often a permissive capture
  // that ran to the end of the line) does not bound the reach.
  struct Ended {
    int bound;
    size_t end;
  };
  std::vector<Ended> ended;
  int least = 0;
  for (const Cut& cut : cuts(grammar, rule)) {
    re2::StringPiece m;
    if (!cut.prefix->ok() || !cut.prefix->Match(text, 0, text.size(), RE2::ANCHOR_START, &m, 1)) continue;
    size_t end = m.size();
    if (cut.part >= 0 && r.template_parts[static_cast<size_t>(cut.part)].kind == Kind::kLiteral) {
      const std::string& literal = r.template_parts[static_cast<size_t>(cut.part)].literal;
      std::string_view rest = message.substr(end);
      size_t common = 0;
      while (common < literal.size() && common < rest.size() && literal[common] == rest[common]) ++common;
      if (common == literal.size()) continue;  // attempt() passes over it too
      end += common;
    }
    ended.push_back({cut.bound, end});
    least = std::max(least, cut.base);
  }
  size_t bound = 0;
  for (const auto& e : ended) {
    if (e.bound >= least) bound = std::max(bound, e.end);
  }
  if (r.re->Match(text, 0, text.size(), RE2::ANCHOR_BOTH, nullptr, 0)) bound = message.size();
  return bound;
}

RuleAttempt MissFinder::nearest(const std::vector<size_t>& grammars, std::string_view message) {
  struct Candidate {
    size_t grammar, rule, bound;
  };
  std::vector<Candidate> candidates;
  for (size_t g : grammars) {
    for (size_t r = 0; r < rules_->grammars[g].rules.size(); ++r) {
      candidates.push_back({g, r, reach_bound(g, r, message)});
    }
  }
  // Highest bound first. A rule whose bound is below the best reach found cannot be the nearest, and one whose
  // bound equals it can only tie, which the earlier rule wins; except that a rule reaching the end of the
  // message may match it, and a match goes before any miss.
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& x, const Candidate& y) { return x.bound > y.bound; });
  RuleAttempt best;
  bool found = false;
  for (const Candidate& c : candidates) {
    if (found) {
      const bool may_match = c.bound == message.size() && !best.matched;
      const bool later = std::pair(c.grammar, c.rule) > std::pair(best.grammar, best.rule);
      if (c.bound < best.reach || (c.bound == best.reach && later && !may_match)) continue;
    }
    RuleAttempt a = attempt(c.grammar, c.rule, message);
    if (!found || (a.matched && !best.matched) ||
        (a.matched == best.matched &&
         (a.reach > best.reach ||
          (a.reach == best.reach && std::pair(a.grammar, a.rule) < std::pair(best.grammar, best.rule))))) {
      best = std::move(a);
      found = true;
    }
  }
  return best;
}

std::vector<RuleAttempt> MissFinder::attempt_all(const std::vector<size_t>& grammars, std::string_view message) {
  std::vector<RuleAttempt> all;
  for (size_t g : grammars) {
    for (size_t r = 0; r < rules_->grammars[g].rules.size(); ++r) all.push_back(attempt(g, r, message));
  }
  std::stable_sort(all.begin(), all.end(), [](const RuleAttempt& x, const RuleAttempt& y) {
    if (x.matched != y.matched) return x.matched;
    return x.reach > y.reach;
  });
  return all;
}

std::string describe(const std::vector<Expectation>& expected) {
  std::string out;
  for (size_t i = 0; i < expected.size(); ++i) {
    if (i > 0) out += i + 1 == expected.size() ? " or " : ", ";
    out += expected[i].element;
  }
  return out;
}

}  // namespace strictlog
