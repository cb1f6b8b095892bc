#include "compile/internal/extract_plan.h"

#include <algorithm>

#include "compile/compile.h"

namespace strictlog::extract_plan {

// A concatenation of units as matched: the rule's, or a variant of a piece of it.
struct ExtractPlan::Concat {
  std::vector<Unit> units;
  std::vector<size_t> order;  // the literal units, in the order they are placed: longest first, then leftmost
  // The piece of units [first, last) is slots[first * (units.size() + 1) + last], built on first use.
  std::unique_ptr<std::atomic<const Piece*>[]> slots;
};

// The units [first, last) of a concatenation, matched either by one regex or, when their first choice point is
// an optional group or an alternation, as its choices in order of preference.
struct ExtractPlan::Piece {
  std::unique_ptr<RE2> re;
  // Group g + 1 of `re` is the rule's capture capture_begin + g, or scatter[g] when a choice left a gap in the
  // piece's captures (another branch's).
  int capture_begin = 0, capture_count = 0;
  std::vector<int> scatter;
  // The piece is one capture unit: the capture is all of the text when `re` matches it, which RE2's DFA
  // answers faster than its capture engines.
  bool whole_capture = false;
  struct Choice {
    const Concat* units;
    // The group's captures that this choice leaves absent: [begin, end) and [begin2, end2).
    int begin, end, begin2, end2;
  };
  std::vector<Choice> choices;  // empty when `re` matches the piece
};

namespace {

void fill_regex(std::vector<Unit>* units, const std::string& regex) {
  for (Unit& u : *units) {
    u.regex = regex.substr(u.begin, u.end - u.begin);
    for (auto& branch : u.branches) {
      branch = std::make_shared<Node>(*branch);  // the plan's own copy, shared by the choices made of it
      fill_regex(&branch->units, regex);
    }
  }
}

}  // namespace

ExtractPlan::ExtractPlan(const Node& root, const std::string& regex, int64_t max_mem) : max_mem_(max_mem) {
  if (root.units.empty() || root.units.size() > kMaxUnits) return;
  std::vector<Unit> units = root.units;
  fill_regex(&units, regex);
  root_ = make_concat(std::move(units));
}

ExtractPlan::~ExtractPlan() = default;

std::unique_ptr<ExtractPlan::Concat> ExtractPlan::make_concat(std::vector<Unit> units) const {
  auto c = std::make_unique<Concat>();
  c->units = std::move(units);
  for (size_t i = 0; i < c->units.size(); ++i) {
    if (c->units[i].kind == Unit::Kind::kLiteral && !c->units[i].literal.empty()) c->order.push_back(i);
  }
  std::stable_sort(c->order.begin(), c->order.end(), [&](size_t a, size_t b) {
    return c->units[a].literal.size() > c->units[b].literal.size();
  });
  const size_t n = c->units.size() + 1;
  c->slots.reset(new std::atomic<const Piece*>[n * n]());
  return c;
}

const ExtractPlan::Piece* ExtractPlan::piece(const Concat& c, size_t first, size_t last) const {
  std::atomic<const Piece*>& slot = c.slots[first * (c.units.size() + 1) + last];
  if (const Piece* p = slot.load(std::memory_order_acquire)) return p;
  std::lock_guard<std::mutex> lock(mu_);
  if (const Piece* p = slot.load(std::memory_order_relaxed)) return p;
  if (pieces_.size() >= kMaxPieces) return nullptr;
  auto p = std::make_unique<Piece>();
  size_t k = first;
  while (k < last && c.units[k].kind == Unit::Kind::kLiteral) ++k;
  const Unit* group = k < last && (c.units[k].kind == Unit::Kind::kOptional ||
                                   c.units[k].kind == Unit::Kind::kAlternation) ? &c.units[k] : nullptr;
  for (size_t b = 0; group && b < group->branches.size(); ++b) {
    if (last - first - 1 + group->branches[b]->units.size() > kMaxUnits) group = nullptr;
  }
  if (group) {
    std::vector<Unit> around(c.units.begin() + static_cast<ptrdiff_t>(first),
                             c.units.begin() + static_cast<ptrdiff_t>(last));
    const auto at = around.erase(around.begin() + static_cast<ptrdiff_t>(k - first)) - around.begin();
    for (const auto& branch : group->branches) {
      std::vector<Unit> units = around;
      units.insert(units.begin() + at, branch->units.begin(), branch->units.end());
      // The branch's captures lie between those of the branches before and after it.
      const int begin = branch->units.empty() ? group->capture_begin : branch->units.front().capture_begin;
      const int end = branch->units.empty() ? group->capture_begin : branch->units.back().capture_end;
      choices_.push_back(make_concat(std::move(units)));
      p->choices.push_back({choices_.back().get(), group->capture_begin, begin, end, group->capture_end});
    }
    if (group->kind == Unit::Kind::kOptional) {
      choices_.push_back(make_concat(std::move(around)));
      p->choices.push_back({choices_.back().get(), group->capture_begin, group->capture_end, 0, 0});
    }
  } else {
    std::string regex;
    for (size_t u = first; u < last; ++u) {
      regex += c.units[u].regex;
      for (int i = c.units[u].capture_begin; i < c.units[u].capture_end; ++i) p->scatter.push_back(i);
    }
    p->capture_count = static_cast<int>(p->scatter.size());
    p->whole_capture = last - first == 1 && c.units[first].kind == Unit::Kind::kCapture && p->capture_count == 1;
    if (!p->scatter.empty()) p->capture_begin = p->scatter.front();
    if (p->scatter.empty() || p->scatter.back() - p->scatter.front() + 1 == p->capture_count) p->scatter.clear();
    p->re = std::make_unique<RE2>(regex, rule_regex_options(max_mem_));
    if (!p->re->ok()) return nullptr;  // a piece of a regex RE2 accepted; should it refuse one, fall back
  }
  pieces_.push_back(std::move(p));
  slot.store(pieces_.back().get(), std::memory_order_release);
  return pieces_.back().get();
}

Fit ExtractPlan::match_piece(const Concat& c, size_t first, size_t last, std::string_view text,
                             re2::StringPiece* groups, Budget* budget) const {
  if (first == last) return text.empty() ? Fit::kMatch : Fit::kNoMatch;
  if (--budget->pieces < 0) return Fit::kUnavailable;
  const Piece* p = piece(c, first, last);
  if (!p) return Fit::kUnavailable;
  for (const Piece::Choice& choice : p->choices) {
    Fit f = match_concat(*choice.units, text, groups, budget);
    if (f == Fit::kNoMatch) continue;
    // After the match, which may have written a piece's whole match into the slot of one of these.
    for (int i = choice.begin; i < choice.end; ++i) groups[i + 1] = re2::StringPiece();
    for (int i = choice.begin2; i < choice.end2; ++i) groups[i + 1] = re2::StringPiece();
    return f;
  }
  if (!p->re) return Fit::kNoMatch;
  re2::StringPiece t(text.data(), text.size());
  const int n = p->capture_count;
  if (n == 0 || p->whole_capture) {
    if (!p->re->Match(t, 0, t.size(), RE2::ANCHOR_BOTH, nullptr, 0)) return Fit::kNoMatch;
    if (p->whole_capture) groups[p->capture_begin + 1] = t;
    return Fit::kMatch;
  }
  if (p->scatter.empty()) {
    // RE2 writes the piece's whole match to groups[capture_begin], the slot of the capture before the piece:
    // pieces are matched right to left, so that capture's own piece overwrites it afterwards (or, for
    // another branch's, the choice clears it).
    return p->re->Match(t, 0, t.size(), RE2::ANCHOR_BOTH, groups + p->capture_begin, n + 1) ? Fit::kMatch
                                                                                               : Fit::kNoMatch;
  }
  std::vector<re2::StringPiece> found(static_cast<size_t>(n) + 1);
  if (!p->re->Match(t, 0, t.size(), RE2::ANCHOR_BOTH, found.data(), n + 1)) return Fit::kNoMatch;
  for (int g = 0; g < n; ++g) groups[p->scatter[static_cast<size_t>(g)] + 1] = found[static_cast<size_t>(g) + 1];
  return Fit::kMatch;
}

Fit ExtractPlan::match_concat(const Concat& c, std::string_view text, re2::StringPiece* groups,
                              Budget* budget) const {
  constexpr size_t kUnplaced = SIZE_MAX;
  const size_t n = c.units.size();
  size_t at[kMaxUnits];  // where each placed literal starts
  std::fill(at, at + n, kUnplaced);
  auto end_of = [&](size_t u) { return at[u] + c.units[u].literal.size(); };
  for (bool progress = true; progress;) {
    progress = false;
    for (size_t u : c.order) {
      if (at[u] != kUnplaced) continue;
      size_t left = u, right = u + 1;  // nearest placed literal on either side: left - 1 and right
      while (left > 0 && at[left - 1] == kUnplaced) --left;
      while (right < n && at[right] == kUnplaced) ++right;
      const size_t lo = left == 0 ? 0 : end_of(left - 1);
      const size_t hi = right == n ? text.size() : at[right];
      const std::string& lit = c.units[u].literal;
      if (lo > hi || hi - lo < lit.size()) return Fit::kNoMatch;
      size_t pos;
      if (left == u || right == u + 1) {
        // Next to the line's end or to a placed literal, with no unit between: placed there.
        pos = left == u ? lo : hi - lit.size();
        if ((left == u && right == u + 1 && pos + lit.size() != hi) || text.compare(pos, lit.size(), lit) != 0) {
          return Fit::kNoMatch;
        }
      } else {
        std::string_view window = text.substr(lo, hi - lo);
        if (window.size() > budget->search_bytes) return Fit::kUnavailable;
        budget->search_bytes -= window.size();
        size_t found = window.find(lit);
        if (found == std::string_view::npos) return Fit::kNoMatch;
        if (window.find(lit, found + 1) != std::string_view::npos) continue;  // not forced: stays in its piece
        pos = lo + found;
      }
      at[u] = pos;
      progress = true;
    }
  }
  // The pieces between placed literals, right to left (see match_piece).
  size_t last = n, hi = text.size();
  for (size_t u = n; u-- > 0;) {
    if (at[u] == kUnplaced) continue;
    Fit f = match_piece(c, u + 1, last, text.substr(end_of(u), hi - end_of(u)), groups, budget);
    if (f != Fit::kMatch) return f;
    last = u;
    hi = at[u];
  }
  return match_piece(c, 0, last, text.substr(0, hi), groups, budget);
}

Fit ExtractPlan::match(std::string_view text, re2::StringPiece* groups) const {
  if (!root_) return Fit::kUnavailable;
  Budget budget{kPieceBudget, kSearchBudget * text.size() + kSearchSlack};
  return match_concat(*root_, text, groups, &budget);
}

}  // namespace strictlog::extract_plan
