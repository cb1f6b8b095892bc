// Nearest misses: how much of a message each rule can take, and what it needed where it stopped. This is
// what `strictlog explain` lists and what `normalize --explain` records for a NO_MATCH line.
//
// A rule's attempt is cut before each of its elements (literals and captures, patterns expanded) and at its
// end. The cut's prefix program is "the rule up to this element": enclosing optional groups taken, enclosing
// alternations reduced to the branch that holds the element, anchored at the start of the message and run
// leftmost-longest with the same linear-time RE2 as matching. Where it matches, the element is tried at its
// end; a literal that the line starts to spell gets to its first differing character.
//
// Nearness is evidence, then bytes. Evidence is how much of the rule's literal text the line holds on the way
// to the element, in bytes (the literals of the optional groups and branches the match went through, and the
// part of the failing literal the line spells). A rule's nearest miss is its cut with the most evidence, then
// the furthest byte; every element that ties there is listed as expected. Rules are ranked the same way.
// Bytes alone would favour permissive captures: OpenVPN's `[cn:cn "/"] ...` takes all of a line that has no
// "/", and "expected "/" at the end", which every rule with that prefix would say, points at no rule in
// particular; a capture matches almost anything, while literal text is what tells one message from another.
#pragma once

#include <memory>
#include <optional>
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
  size_t evidence = 0;   // literal bytes of the rule found on the way there (0 when matched)
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

  // Every rule of the listed grammars against `message`: matches first, then the most evidence, then the
  // furthest reach; ties in grammar and rule order.
  std::vector<RuleAttempt> attempt_all(const std::vector<size_t>& grammars, std::string_view message);

  // The first of attempt_all()'s list, without attempting every rule: each rule's evidence is bounded first
  // from RE2's DFA alone (which prefix programs match, and where they end), and only rules whose bound can
  // still reach the best evidence found are attempted. nullopt when the grammars have no rules.
  std::optional<RuleAttempt> nearest(const std::vector<size_t>& grammars, std::string_view message);

 private:
  const std::vector<Cut>& cuts(size_t grammar, size_t rule);
  size_t evidence_bound(size_t grammar, size_t rule, std::string_view message);  // SIZE_MAX when it matches

  std::shared_ptr<const RuleSet> rules_;
  std::vector<std::vector<std::unique_ptr<std::vector<Cut>>>> cuts_;  // [grammar][rule], built lazily
};

// `expected` joined for one line of text: `"TLS Error: " or port:port`.
std::string describe(const std::vector<Expectation>& expected);

}  // namespace strictlog
