// What happened to every line of a run. The invariant
//   lines_in == events + dropped_by_rule + quarantined
// holds after every line, on every path; tests assert it and the summary prints it.
#pragma once

#include <array>
#include <cstdint>
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
  // quarantined_by_reason[reason]: indexed by v1::QuarantineReason's number.
  std::array<uint64_t, v1::QuarantineReason_ARRAYSIZE> quarantined_by_reason{};

  bool balanced() const { return lines_in == events + dropped_by_rule + quarantined; }
};

}  // namespace strictlog
