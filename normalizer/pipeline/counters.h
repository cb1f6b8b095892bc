// What happened to every line of a run. The invariant
//   lines_in == events + dropped_by_rule + quarantined
// holds after every line, on every path; tests assert it and the summary prints it.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "strictlog/v1/quarantine.pb.h"

namespace strictlog {

struct Counters {
  uint64_t lines_in = 0;
  uint64_t events = 0;
  uint64_t dropped_by_rule = 0;  // lines a `drop` rule matched: known noise, counted and not kept
  uint64_t quarantined = 0;
  // lines_by_rule[g][r]: lines grammars[g].rules[r] took: events for a rule, drops for a `drop` rule.
  std::vector<std::vector<uint64_t>> lines_by_rule;
  // Events of `last message repeated N times` lines, which no grammar's rule takes (ingest/header.h).
  uint64_t repeat_notices = 0;
  // quarantined_by_reason[reason]: indexed by v1::QuarantineReason's number.
  std::array<uint64_t, v1::QuarantineReason_ARRAYSIZE> quarantined_by_reason{};

  bool balanced() const { return lines_in == events + dropped_by_rule + quarantined; }

  // Adds the counts of `other`, made over the same rule set: the counts of a run's parts (the batches of
  // pipeline/parallel.h) add up to the counts of the run. An empty lines_by_rule takes `other`'s shape.
  void add(const Counters& other) {
    lines_in += other.lines_in;
    events += other.events;
    dropped_by_rule += other.dropped_by_rule;
    quarantined += other.quarantined;
    if (lines_by_rule.size() < other.lines_by_rule.size()) lines_by_rule.resize(other.lines_by_rule.size());
    for (size_t g = 0; g < other.lines_by_rule.size(); ++g) {
      const std::vector<uint64_t>& from = other.lines_by_rule[g];
      std::vector<uint64_t>& to = lines_by_rule[g];
      if (to.size() < from.size()) to.resize(from.size());
      for (size_t r = 0; r < from.size(); ++r) to[r] += from[r];
    }
    repeat_notices += other.repeat_notices;
    for (size_t i = 0; i < quarantined_by_reason.size(); ++i) {
      quarantined_by_reason[i] += other.quarantined_by_reason[i];
    }
  }

  // Every count back to zero; lines_by_rule keeps its shape.
  void clear() {
    auto shape = std::move(lines_by_rule);
    for (auto& rules : shape) std::fill(rules.begin(), rules.end(), 0);
    *this = Counters{};
    lines_by_rule = std::move(shape);
  }
};

// A counter added to Counters must be added up in add() too (clear() needs nothing): this fails until the
// new member's size is counted here.
static_assert(sizeof(Counters) == 5 * sizeof(uint64_t) + sizeof(std::vector<std::vector<uint64_t>>) +
                                      sizeof(std::array<uint64_t, v1::QuarantineReason_ARRAYSIZE>),
              "a member was added to Counters: add it to Counters::add(), then to this sum");

}  // namespace strictlog
