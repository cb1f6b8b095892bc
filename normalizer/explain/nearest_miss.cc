#include "explain/nearest_miss.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>

namespace strictlog {

// One prefix program: the rule up to (not including) template part `part`, or the whole rule when part is -1.
// Evidence is literal text of the rule found in the line, in bytes (see nearest_miss.h).
struct MissFinder::Cut {
  int part = -1;
  std::unique_ptr<RE2> prefix;
  size_t base = 0;                  // literal bytes every match of `prefix` went through
  std::vector<size_t> group_bytes;  // literal bytes directly in capturing group k+1, when the match went through it
  size_t literal = 0;               // the length of the literal the cut tries, 0 for a capture or the end
  size_t bound = 0;                 // the most evidence the cut can give: base + all group_bytes + literal - 1
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
// `cut->group_bytes[k]` counts the literal bytes directly in capturing group k+1, and `cut->base` those the
// line must have matched outside them.
std::string prefix_regex(const CompiledRule& rule, const Structure& s, size_t target, MissFinder::Cut* cut) {
  const auto& parts = rule.template_parts;
  std::vector<bool> holds(parts.size(), false);  // group openings that enclose `target`
  if (target < parts.size()) {
    for (int p = s.parent[target]; p >= 0; p = s.parent[static_cast<size_t>(p)]) holds[static_cast<size_t>(p)] = true;
  }
  std::string re;
  int still_open = 0;
  std::vector<size_t> counting;  // capturing groups open here, innermost last
  auto count = [&](size_t n) {
    if (counting.empty()) {
      cut->base += n;
    } else {
      cut->group_bytes[counting.back()] += n;
    }
  };
  auto open_counting = [&] {
    counting.push_back(cut->group_bytes.size());
    cut->group_bytes.push_back(0);
    re += "(";
  };
  std::vector<std::vector<size_t>> branches;  // per closed alternation open here: its branches' groups
  for (size_t i = 0; i < target; ++i) {
    const TemplatePart& part = parts[i];
    switch (part.kind) {
      case Kind::kLiteral:
        re += RE2::QuoteMeta(part.literal);
        count(part.literal.size());
        break;
      case Kind::kCapture:
        re += "(?:" + capture_regex(rule.captures[static_cast<size_t>(part.capture)]) + ")";
        break;
      case Kind::kOptionalBegin:
        if (holds[i]) {
          re += "(?:";
          ++still_open;
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
        // One branch is always taken: the least literal text of any branch counts as certain, outside the
        // groups, so that `base` bounds a match's evidence from below as tightly as it can.
        size_t least = cut->group_bytes[branches.back().front()];
        for (size_t g : branches.back()) least = std::min(least, cut->group_bytes[g]);
        for (size_t g : branches.back()) cut->group_bytes[g] -= least;
        branches.pop_back();
        count(least);
        break;
      }
    }
  }
  re.append(static_cast<size_t>(still_open), ')');
  return re;
}

// How much of `literal` the text at the start of `rest` spells, backed off to a character boundary: a line
// differing from `é` in `è` shares a first byte with it, and an offset inside a character points at none.
size_t spelled(std::string_view literal, std::string_view rest) {
  size_t common = 0;
  while (common < literal.size() && common < rest.size() && literal[common] == rest[common]) ++common;
  if (common == literal.size()) return common;
  while (common > 0 && common < rest.size() && (static_cast<unsigned char>(rest[common]) & 0xC0) == 0x80) --common;
  return common;
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
    if (!end && r.template_parts[i].kind == Kind::kLiteral) cut.literal = r.template_parts[i].literal.size();
    cut.bound = cut.base + (cut.literal > 0 ? cut.literal - 1 : 0);
    for (size_t n : cut.group_bytes) cut.bound += n;
    slot->push_back(std::move(cut));
  }
  // Most promising first, so that attempt() can stop once no cut left can reach the best evidence found.
  std::stable_sort(slot->begin(), slot->end(), [](const Cut& x, const Cut& y) { return x.bound > y.bound; });
  return *slot;
}

RuleAttempt MissFinder::attempt(size_t grammar, size_t rule, std::string_view message) {
  const CompiledRule& r = rules_->grammars[grammar].rules[rule];
  RuleAttempt a{grammar, rule, false, 0, 0, {}};
  re2::StringPiece text(message.data(), message.size());
  if (r.re->Match(text, 0, text.size(), RE2::ANCHOR_BOTH, nullptr, 0)) {
    a.matched = true;
    a.reach = message.size();
    return a;
  }
  struct Reached {
    size_t evidence;
    size_t end;
    int part;
  };
  std::vector<Reached> reached;  // per cut whose prefix matched
  std::vector<re2::StringPiece> m;
  size_t best = 0;
  for (const Cut& cut : cuts(grammar, rule)) {
    if (!reached.empty() && cut.bound < best) break;  // cuts are in decreasing bound order: none left can tie
    // A prefix the regex compiler refused (over its memory budget) says nothing; the rule's own regex compiled,
    // so its pieces all but always do.
    if (!cut.prefix->ok()) continue;
    // Whether it matches at all, from RE2's DFA; only then which groups it went through, from the slower
    // engines that report submatches.
    if (!cut.prefix->Match(text, 0, text.size(), RE2::ANCHOR_START, nullptr, 0)) continue;
    const size_t groups = cut.group_bytes.size();
    m.assign(groups + 1, re2::StringPiece());
    if (!cut.prefix->Match(text, 0, text.size(), RE2::ANCHOR_START, m.data(), static_cast<int>(groups) + 1)) continue;
    size_t end = m[0].size();
    size_t evidence = cut.base;
    for (size_t k = 0; k < groups; ++k) {
      if (m[k + 1].data() != nullptr) evidence += cut.group_bytes[k];
    }
    if (cut.literal > 0) {
      size_t common = spelled(r.template_parts[static_cast<size_t>(cut.part)].literal, message.substr(end));
      if (common == cut.literal) continue;  // the literal is there: the next element's cut goes on
      end += common;
      evidence += common;
    }
    reached.push_back({evidence, end, cut.part});
    best = std::max(best, evidence);
  }
  // The cut with the most evidence, then the furthest byte. Bytes alone would favour a permissive capture:
  // `[cn:cn "/"] ...` takes all of a line without a "/", and "expected "/" at the end" says nothing about the
  // literal that really differs.
  for (const auto& x : reached) {
    if (x.evidence > a.evidence || (x.evidence == a.evidence && x.end > a.reach)) {
      a.evidence = x.evidence;
      a.reach = x.end;
    }
  }
  // In grammar order, the end of the message last.
  std::sort(reached.begin(), reached.end(), [](const Reached& x, const Reached& y) {
    return static_cast<unsigned>(x.part) < static_cast<unsigned>(y.part);
  });
  for (const auto& x : reached) {
    if (x.evidence == a.evidence && x.end == a.reach) a.expected.push_back(expectation(r, x.part));
  }
  return a;
}

size_t MissFinder::evidence_bound(size_t grammar, size_t rule, std::string_view message) {
  const CompiledRule& r = rules_->grammars[grammar].rules[rule];
  re2::StringPiece text(message.data(), message.size());
  if (r.re->Match(text, 0, text.size(), RE2::ANCHOR_BOTH, nullptr, 0)) return SIZE_MAX;
  size_t bound = 0;
  for (const Cut& cut : cuts(grammar, rule)) {
    re2::StringPiece end;
    if (!cut.prefix->ok() || !cut.prefix->Match(text, 0, text.size(), RE2::ANCHOR_START, &end, 1)) continue;
    size_t most = cut.bound - (cut.literal > 0 ? cut.literal - 1 : 0);  // what the groups can give
    if (cut.literal > 0) {
      size_t common = spelled(r.template_parts[static_cast<size_t>(cut.part)].literal, message.substr(end.size()));
      if (common == cut.literal) continue;
      most += common;
    }
    bound = std::max(bound, most);
  }
  return bound;
}

namespace {

// attempt_all()'s order: matches first, then the most evidence, then the furthest byte; the earlier rule on a tie.
bool nearer(const RuleAttempt& x, const RuleAttempt& y) {
  if (x.matched != y.matched) return x.matched;
  if (x.evidence != y.evidence) return x.evidence > y.evidence;
  if (x.reach != y.reach) return x.reach > y.reach;
  return std::pair(x.grammar, x.rule) < std::pair(y.grammar, y.rule);
}

}  // namespace

std::optional<RuleAttempt> MissFinder::nearest(const std::vector<size_t>& grammars, std::string_view message) {
  struct Candidate {
    size_t grammar, rule, bound;
  };
  std::vector<Candidate> candidates;
  for (size_t g : grammars) {
    for (size_t r = 0; r < rules_->grammars[g].rules.size(); ++r) {
      candidates.push_back({g, r, evidence_bound(g, r, message)});
    }
  }
  // Highest bound first. A rule whose bound is below the best evidence found cannot be the nearest; one whose
  // bound equals it may still tie and win on bytes or order, so it is attempted.
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& x, const Candidate& y) { return x.bound > y.bound; });
  std::optional<RuleAttempt> best;
  for (const Candidate& c : candidates) {
    if (best && (best->matched || c.bound < best->evidence)) break;
    RuleAttempt a = attempt(c.grammar, c.rule, message);
    if (!best || nearer(a, *best)) best = std::move(a);
  }
  return best;
}

std::vector<RuleAttempt> MissFinder::attempt_all(const std::vector<size_t>& grammars, std::string_view message) {
  std::vector<RuleAttempt> all;
  for (size_t g : grammars) {
    for (size_t r = 0; r < rules_->grammars[g].rules.size(); ++r) all.push_back(attempt(g, r, message));
  }
  std::sort(all.begin(), all.end(), nearer);
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
