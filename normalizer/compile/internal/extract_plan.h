// Capture extraction by pieces: how extract() avoids running a rule's whole regex through RE2's capture
// engines, which are slow on whole lines (BitState backtracks over the line from every choice, and past
// 256 Kbit of program x text RE2 falls back to the NFA).
//
// A rule's regex is a concatenation of units: its literals, captures, optional groups and alternations, with
// pattern references expanded in place (a pattern's body is a concatenation too). Every match of the rule
// puts each literal unit somewhere; where that place is forced, the line splits there, and the pieces between
// forced literals are matched on their own (anchored at both ends) by the regex of just their units, which
// RE2 runs with its fast engines (OnePass for up to four captures, BitState on a short text).
//
// A literal's place is forced when it is next to the end of the text or to a literal already placed (no unit
// between), or when it occurs exactly once in the text between the literals already placed on either side.
// Literals are placed longest first (long ones are the rare ones), and an unplaced literal is tried again
// once a neighbour is placed. A literal that occurs more than once stays inside its piece, whose regex spans
// it. With the splits forced, the pieces are independent: RE2's leftmost-first choice over the whole line is,
// piece by piece, the leftmost-first choice of each piece over its own text, because every choice a piece
// makes comes before every choice of the pieces after it. So extraction gives exactly what the rule's full
// regex gives, and fails exactly when it fails (tests/compile/extract_test.cc checks both against the full
// regex).
//
// A piece whose first choice point is an optional group or an alternation (only literals before it) is matched
// as its choices in order of preference, the first that matches winning: the group present, then absent; each
// branch in turn. Each choice is a concatenation of units again (the group's body or the branch in place),
// placed and split the same way: OpenVPN's `[cn "/"] (ipv4 ":" port | ipv6)` client-instance prefix is split at
// its '/' when the common name is there, dropped at once (no '/' to place) when it is not, and its IPv4 branch
// is split at the ':'. Trying choices can multiply on a line made for it, so a line gets kPieceBudget piece
// matches and kSearchBudget searches of its length; past them extract() falls back to the rule's own regex,
// which RE2 matches in linear time.
//
// The regexes of pieces are compiled on first use, at most kMaxPieces per rule (past them, the rule's own
// regex again), and shared by all threads.
#pragma once

#include <re2/re2.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace strictlog::extract_plan {

// Pieces built per rule at most: lines crafted to leave literals unplaced in ever new combinations cannot grow
// memory without bound.
inline constexpr size_t kMaxPieces = 256;
// Piece matches per line at most, choices tried included.
inline constexpr int kPieceBudget = 64;
// Bytes searched for literals per line at most: kSearchBudget times the line's length, plus kSearchSlack. A
// literal is searched once per concatenation it is placed in, and again when a neighbour placed later narrows
// its window; normal lines search each byte a few times.
inline constexpr size_t kSearchBudget = 32;
inline constexpr size_t kSearchSlack = 4096;
// Units per concatenation at most; a longer one is not split.
inline constexpr size_t kMaxUnits = 64;

struct Node;

// One unit of a concatenation, recorded while the rule's regex is built (compile.cc, RegexBuilder).
struct Unit {
  // kCapture: one capture of a field type, the whole unit; kOpaque: anything else without a structure of its own.
  enum class Kind { kLiteral, kCapture, kOpaque, kOptional, kAlternation };
  Kind kind = Kind::kOpaque;
  size_t begin = 0, end = 0;  // byte range in the rule's regex; each unit's text is a regex of its own
  std::string literal;        // kLiteral: the text it matches, unescaped
  int capture_begin = 0;      // the rule's captures inside the unit: [capture_begin, capture_end)
  int capture_end = 0;
  // kOptional: the group's body; kAlternation: each branch. Each a concatenation of its own.
  std::vector<std::shared_ptr<Node>> branches;
  std::string regex;  // filled by ExtractPlan from [begin, end) of the rule's regex
};

struct Node {
  std::vector<Unit> units;
};

// Whether the pieces found the captures; kUnavailable when the plan gave up (a budget, or RE2 refused a
// piece's regex): the caller then extracts with the rule's own regex.
enum class Fit { kMatch, kNoMatch, kUnavailable };

class ExtractPlan {
 public:
  // `root` is the rule's whole concatenation, recorded over `regex`. A root of more than kMaxUnits units
  // makes an unusable plan.
  ExtractPlan(const Node& root, const std::string& regex, int64_t max_mem);
  ~ExtractPlan();

  bool usable() const { return root_ != nullptr; }

  // Matches all of `text`; on kMatch, groups[c + 1] is capture c (data() == nullptr when absent) and
  // groups[0] is unspecified. `groups` has room for every capture of the rule plus one.
  Fit match(std::string_view text, re2::StringPiece* groups) const;

 private:
  struct Concat;
  struct Piece;
  struct Budget {
    int pieces;           // piece matches left
    size_t search_bytes;  // bytes that literal searches may still look at
  };
  Fit match_concat(const Concat& c, std::string_view text, re2::StringPiece* groups, Budget* budget) const;
  Fit match_piece(const Concat& c, size_t first, size_t last, std::string_view text, re2::StringPiece* groups,
                  Budget* budget) const;
  const Piece* piece(const Concat& c, size_t first, size_t last) const;
  std::unique_ptr<Concat> make_concat(std::vector<Unit> units) const;

  int64_t max_mem_;
  std::unique_ptr<Concat> root_;
  mutable std::mutex mu_;  // guards building the pieces below; a built piece is read without it
  mutable std::vector<std::unique_ptr<Piece>> pieces_;
  mutable std::vector<std::unique_ptr<Concat>> choices_;
};

}  // namespace strictlog::extract_plan
