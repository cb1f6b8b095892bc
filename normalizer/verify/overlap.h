// Overlap detection beyond the examples: `strictlog test` writes witness lines for every rule of a grammar
// from the rule's structure (CompiledRule::template_parts) and the sample texts of its field types, then
// checks that no other rule of the grammar matches them (issue 5, section 4).
//
// Enumeration. For each rule, every combination of its choice points, each optional group present or absent
// and each alternation at each branch (a point nested in an unchosen part has no effect; combinations that
// give the same structure are written once), and for each combination: one witness with every capture at its
// canonical sample (capture_samples(): an enum's first alternative, else FieldType::accepts[0]), then one
// witness per further sample of each capture, the others canonical. That is linear in the samples, not their
// product. Rules with more than kMaxWitnessCombinations combinations get all-first, all-last, and each single
// point moved off its first choice. Identical messages of one rule are kept once. A pair of rules ordered by
// `prefer` is never reported.
//
// What it proves and what it does not:
//   - An overlap it reports is real: the witness is a concrete message that both rules' regexes match, so
//     dispatch() would hit both (AMBIGUOUS) or, with the other rule alone, take the wrong one. Matching is
//     at the regex level, like dispatch(): `n=007` matches a `port` capture's regex even though the port's
//     conversion would reject it, and that still makes the line ambiguous.
//   - No report is not a proof that two rules are disjoint. Lines outside the samples are not tried: an
//     overlap that needs a value no type lists (a common name that contains another rule's literal), two
//     captures at non-canonical samples at once, or, past kMaxWitnessCombinations, a mixed combination of
//     choices, goes unseen. Deciding disjointness exactly needs the intersection of the two regular languages,
//     which RE2 does not offer.
//
// Every witness is expected to match its own rule (the regex is the concatenation of the literals and the
// types' regexes, and each sample matches its type's regex: tests/fields/registry_test.cc), so a witness
// that does not is counted in unmatched_witnesses, not checked further; a count above zero is a bug.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "common/result.h"
#include "compile/compile.h"

namespace strictlog {

// Rules whose optional groups and alternations give at most this many combinations get all of them
// enumerated (three optional groups: 2^3); others get a linear set (overlap.cc: combinations()).
inline constexpr size_t kMaxWitnessCombinations = 8;

// One enumerated message of `rule` (an index in CompiledGrammar::rules). `how` says how it was written, e.g.
// "optional groups present: 1 (of 2); capture client.port = '65535' (port sample 3)" or, for a rule without
// optional groups, "canonical samples". Samples are numbered from 1 in the type's `accepts` list.
struct Witness {
  int rule;
  std::string message;
  std::string how;
};

// A witness of `rule` that `other` (another rule of the same grammar) matches too.
struct Overlap {
  int rule;
  int other;
  std::string witness;
  std::string how;  // the witness's
};

struct OverlapReport {
  std::vector<Overlap> overlaps;   // by rule, then witness, then other rule: in enumeration order
  size_t witnesses = 0;            // enumerated, over all rules
  size_t unmatched_witnesses = 0;  // of those, not matched by their own rule (see above: should be 0)
};

// Every witness message enumerated for `rule` of `g`, in order: combinations of optional groups as the
// variants are ordered (compile.h: the first group present before absent, ...), and within one the canonical
// witness first, then the captures in order, each through its samples. Precondition: 0 <= rule <
// g.rules.size().
std::vector<Witness> enumerate_witnesses(const CompiledGrammar& g, int rule);

// Enumerates the witnesses of every rule and reports each that another rule of `g` matches too, once per
// (rule, other rule, witness). Deterministic. Fails only when dispatch() does (RE2 out of memory).
Result<OverlapReport> find_overlaps(const CompiledGrammar& g);

}  // namespace strictlog
