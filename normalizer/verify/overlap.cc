#include "verify/overlap.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <utility>

namespace strictlog {
namespace {

// A choice point of a rule: an optional group (choice 0 present, 1 absent) or an alternation (choice = the
// branch). Numbered separately in order of appearance, as variant masks number optional groups.
struct Point {
  bool optional;
  int choices;
  int number;  // among points of its own kind
  // The innermost point this one is nested in (-1: none), and that point's choice that holds this one: 0
  // for an optional group (present), the branch for an alternation.
  int parent = -1;
  int parent_choice = 0;
};

std::vector<Point> choice_points(const std::vector<TemplatePart>& parts) {
  std::vector<Point> points;
  std::vector<size_t> open;  // index in `points` of each open group, innermost last
  int optionals = 0, alternations = 0;
  auto add = [&](bool optional, int choices, int number) {
    Point p{optional, choices, number};
    if (!open.empty()) {
      p.parent = static_cast<int>(open.back());
      p.parent_choice = points[open.back()].optional ? 0 : points[open.back()].choices - 1;
    }
    open.push_back(points.size());
    points.push_back(p);
  };
  for (const TemplatePart& p : parts) {
    switch (p.kind) {
      case TemplatePart::Kind::kOptionalBegin: add(true, 2, optionals++); break;
      case TemplatePart::Kind::kAlternationBegin: add(false, 1, alternations++); break;
      case TemplatePart::Kind::kBranch: ++points[open.back()].choices; break;
      case TemplatePart::Kind::kOptionalEnd:
      case TemplatePart::Kind::kAlternationEnd: open.pop_back(); break;
      default: break;
    }
  }
  return points;
}

// One combination of a rule's choice points: the rule's parts with the choices resolved, so only literals and
// captures remain, and the points actually in effect (a point inside an unchosen part has none).
struct Branch {
  std::vector<const TemplatePart*> parts;
  std::vector<int> present;                     // optional groups present, by number
  std::vector<std::pair<int, int>> alternatives;  // (alternation number, branch) for alternations reached
};

Branch resolve(const std::vector<TemplatePart>& parts, const std::vector<Point>& points, const std::vector<int>& choice) {
  Branch b;
  struct Open {
    bool on;       // is this group, and everything around it, in effect?
    size_t point;  // for alternations: which point, to follow kBranch
    int branch;
    bool outer_on;
  };
  std::vector<Open> open;
  size_t next = 0;
  for (const TemplatePart& p : parts) {
    bool on = open.empty() || open.back().on;
    switch (p.kind) {
      case TemplatePart::Kind::kOptionalBegin: {
        size_t i = next++;
        bool here = on && choice[i] == 0;
        if (here) b.present.push_back(points[i].number);
        open.push_back({here, i, 0, on});
        break;
      }
      case TemplatePart::Kind::kAlternationBegin: {
        size_t i = next++;
        if (on) b.alternatives.emplace_back(points[i].number, choice[i]);
        open.push_back({on && choice[i] == 0, i, 0, on});
        break;
      }
      case TemplatePart::Kind::kBranch: {
        Open& o = open.back();
        ++o.branch;
        o.on = o.outer_on && choice[o.point] == o.branch;
        break;
      }
      case TemplatePart::Kind::kOptionalEnd:
      case TemplatePart::Kind::kAlternationEnd:
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

// The combinations to enumerate: every one while there are at most kMaxWitnessCombinations, in order with
// point 0 most significant and choice 0 (present, first branch) first, as build_variants() orders variants.
// Past that: all choices 0, all choices last (every group absent, every last branch), then each point at each
// other choice with the rest at 0, except the points it is nested in, which take the choice that holds it (a
// change inside an unchosen branch would change nothing).
std::vector<std::vector<int>> combinations(const std::vector<Point>& points) {
  const size_t n = points.size();
  size_t total = 1;
  for (const Point& p : points) {
    total *= static_cast<size_t>(p.choices);
    if (total > kMaxWitnessCombinations) break;
  }
  std::vector<std::vector<int>> out;
  if (total <= kMaxWitnessCombinations) {
    std::vector<int> c(n, 0);
    for (;;) {
      out.push_back(c);
      size_t i = n;
      while (i > 0 && ++c[i - 1] == points[i - 1].choices) c[--i] = 0;
      if (i == 0) break;
    }
    return out;
  }
  out.push_back(std::vector<int>(n, 0));
  std::vector<int> last(n);
  for (size_t i = 0; i < n; ++i) last[i] = points[i].choices - 1;
  out.push_back(last);
  for (size_t i = 0; i < n; ++i) {
    for (int k = 1; k < points[i].choices; ++k) {
      std::vector<int> c(n, 0);
      c[i] = k;
      for (size_t child = i; points[child].parent >= 0; child = static_cast<size_t>(points[child].parent)) {
        c[static_cast<size_t>(points[child].parent)] = points[child].parent_choice;
      }
      if (c != last) out.push_back(std::move(c));
    }
  }
  return out;
}

std::string describe_groups(const Branch& b, int groups, const std::vector<Point>& points) {
  std::string out;
  if (groups > 0) {
    std::string numbers;
    for (int g : b.present) numbers += fmt::format("{}{}", numbers.empty() ? "" : ", ", g + 1);
    out = fmt::format("optional groups present: {} (of {}); ", numbers.empty() ? "none" : numbers, groups);
  }
  for (auto [number, branch] : b.alternatives) {
    int choices = 0;
    for (const Point& p : points) {
      if (!p.optional && p.number == number) choices = p.choices;
    }
    out += fmt::format("alternation {}: branch {} (of {}); ", number + 1, branch + 1, choices);
  }
  return out;
}

// `b` written out with every capture at its canonical sample, except capture `varied` at sample `sample`.
std::string write(const CompiledRule& r, const Branch& b, int varied, size_t sample) {
  std::string message;
  for (const TemplatePart* p : b.parts) {
    if (p->kind == TemplatePart::Kind::kLiteral) {
      message += p->literal;
    } else {
      const auto samples = capture_samples(r.captures[static_cast<size_t>(p->capture)]);
      message += samples[p->capture == varied ? sample : 0];
    }
  }
  return message;
}

}  // namespace

std::vector<Witness> enumerate_witnesses(const CompiledGrammar& g, int rule) {
  const CompiledRule& r = g.rules[static_cast<size_t>(rule)];
  const std::vector<Point> points = choice_points(r.template_parts);
  int groups = static_cast<int>(std::count_if(points.begin(), points.end(), [](const Point& p) { return p.optional; }));
  std::vector<Witness> out;
  std::set<std::string> messages;  // a combination that repeats an earlier one repeats its messages too
  auto add = [&](std::string message, std::string how) {
    if (messages.insert(message).second) out.push_back({rule, std::move(message), std::move(how)});
  };
  for (const auto& choice : combinations(points)) {
    Branch b = resolve(r.template_parts, points, choice);
    const std::string prefix = describe_groups(b, groups, points);
    bool has_capture = std::any_of(b.parts.begin(), b.parts.end(),
                                   [](const TemplatePart* p) { return p->kind == TemplatePart::Kind::kCapture; });
    add(write(r, b, -1, 0), prefix + (has_capture ? "canonical samples" : "literal text only"));
    for (const TemplatePart* p : b.parts) {
      if (p->kind != TemplatePart::Kind::kCapture) continue;
      const CaptureInfo& c = r.captures[static_cast<size_t>(p->capture)];
      const auto samples = capture_samples(c);
      for (size_t s = 1; s < samples.size(); ++s) {
        add(write(r, b, p->capture, s),
            fmt::format("{}capture {} = '{}' ({} sample {})", prefix, c.name, samples[s], c.type->name, s + 1));
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
      // A pair that a `prefer` declaration orders is resolved, whichever way: the line goes where the
      // grammar says.
      for (int other : hits) {
        if (other != rule && !ordered(g, rule, other)) report.overlaps.push_back({rule, other, w.message, w.how});
      }
    }
  }
  return report;
}

}  // namespace strictlog
