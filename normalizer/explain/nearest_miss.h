// Nearest misses: how much of a message each rule can take, and what it needed where it stopped. This is
// what `strictlog explain` lists and what `normalize --explain` records for a NO_MATCH line.
//
// A rule's attempt is cut before each of its elements (literals and captures, patterns expanded) and at its
// end. The cut's prefix program is "the rule up to this element": enclosing optional groups taken, enclosing
// alternations reduced to the branch that holds the element, anchored at the start of the message and run
// leftmost-longest with the same linear-time RE2 as matching. Where it matches, the element is tried at its
// end; a literal that the line starts to spell gets to its first differing character.
//
// The rule's nearest miss is the cut the line got furthest to, counted first in elements the match went
// through (literals and captures; those of an optional group only when the line took it, and never those of
// the optional groups that hold the element tried, since taking them is the cut's assumption), then in bytes.
// Bytes alone would favour permissive captures: OpenVPN's `[cn:cn "/"] ...` takes all of a line that has no
// "/", and "expected "/" at the end" says nothing about the literal that really differs. Every element of a
// rule that ties there is listed as expected.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/diagnostic.h"
#include "ruleset/ruleset.h"

namespace strictlog {

// One element a rule needed at its reach.
struct Expectation {
  Position pos;          // the element in the grammar; the rule's own position for the end of the message
  std::string element;   // in grammar terms: `"TLS Error: "`, `port:port`, `the end of the message`
  std::string meaning;   // for a capture: what its type accepts (`a TCP/UDP port number, 0-65535`); else empty
};

struct RuleAttempt {
  size_t grammar = 0;
  size_t rule = 0;
  bool matched = false;  // the rule matches the whole message (reach == message size, expected empty)
  size_t reach = 0;      // byte offset in the message where the nearest miss failed (message size when matched)
  std::vector<Expectation> expected;  // what failed at `reach`, in grammar order; empty when matched
};

// Not thread-safe: it compiles each rule's prefix programs on first use and keeps them. Use one per thread.
class MissFinder {
 public:
  struct Cut;  // one prefix program of a rule (nearest_miss.cc)

  explicit MissFinder(std::shared_ptr<const RuleSet> rules);
  ~MissFinder();
  MissFinder(const MissFinder&) = delete;
  MissFinder& operator=(const MissFinder&) = delete;

  RuleAttempt attempt(size_t grammar, size_t rule, std::string_view message);
  const RuleSet& rules() const { return *rules_; }

  // Every rule of the listed grammars against `message`: matches first, then by reach, furthest first;
  // ties in grammar and rule order.
  std::vector<RuleAttempt> attempt_all(const std::vector<size_t>& grammars, std::string_view message);

  // The first of attempt_all()'s list, without attempting every rule: each rule's reach is bounded first
  // from RE2's DFA alone (where each prefix program's longest match ends), and only rules whose bound can
  // still beat the best reach found are attempted. `grammars` must not be empty.
  RuleAttempt nearest(const std::vector<size_t>& grammars, std::string_view message);

 private:
  const std::vector<Cut>& cuts(size_t grammar, size_t rule);
  size_t reach_bound(size_t grammar, size_t rule, std::string_view message);

  std::shared_ptr<const RuleSet> rules_;
  std::vector<std::vector<std::unique_ptr<std::vector<Cut>>>> cuts_;  // [grammar][rule], built lazily
};

// `expected` joined for one line of text: `"TLS Error: " or port:port`.
std::string describe(const std::vector<Expectation>& expected);

}  // namespace strictlog
