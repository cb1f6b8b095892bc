// Counters::add() and clear(): the counts of a run's parts add up to the run's (pipeline/parallel.h merges
// each batch's counts so).
#include "pipeline/counters.h"

#include <catch2/catch.hpp>

namespace strictlog {
namespace {

Counters shaped(uint64_t base) {
  Counters c;
  c.lines_in = base + 10;
  c.events = base + 4;
  c.dropped_by_rule = 3;
  c.quarantined = 3;
  c.lines_by_rule = {{base + 1, 2}, {3}};
  c.repeat_notices = base;
  c.quarantined_by_reason[v1::NO_MATCH] = 2;
  c.quarantined_by_reason[v1::HEADER] = 1;
  return c;
}

}  // namespace

TEST_CASE("Counters::add sums every count and a shapeless Counters takes the other's shape", "[pipeline]") {
  Counters total;
  total.add(shaped(0));
  total.add(shaped(5));
  CHECK(total.lines_in == 25);
  CHECK(total.events == 13);
  CHECK(total.dropped_by_rule == 6);
  CHECK(total.quarantined == 6);
  CHECK(total.lines_by_rule == std::vector<std::vector<uint64_t>>{{7, 4}, {6}});
  CHECK(total.repeat_notices == 5);
  CHECK(total.quarantined_by_reason[v1::NO_MATCH] == 4);
  CHECK(total.quarantined_by_reason[v1::HEADER] == 2);
  CHECK(total.quarantined_by_reason[v1::ENCODING] == 0);
}

TEST_CASE("Counters::clear zeroes every count and keeps the shape of lines_by_rule", "[pipeline]") {
  Counters c = shaped(7);
  c.clear();
  CHECK(c.lines_in == 0);
  CHECK(c.events == 0);
  CHECK(c.dropped_by_rule == 0);
  CHECK(c.quarantined == 0);
  CHECK(c.lines_by_rule == std::vector<std::vector<uint64_t>>{{0, 0}, {0}});
  CHECK(c.repeat_notices == 0);
  CHECK(c.quarantined_by_reason == decltype(c.quarantined_by_reason){});
}

}  // namespace strictlog
