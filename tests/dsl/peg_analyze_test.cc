// PEGTL's analyze() proves that no rule of a grammar can loop without consuming input (a star<> over a
// rule that may match empty, or left recursion). It runs over `file`, the whole-file form of each
// language, and over `next_declaration`, the rule the driver actually parses with (dsl/internal/driver.h).
// On failure it prints the offending rules to stderr (verbose = 1).
#include <tao/pegtl/contrib/analyze.hpp>

#include <catch2/catch.hpp>

#include "dsl/internal/peg.h"
#include "mapping/internal/peg.h"

namespace {

namespace p = tao::pegtl;

TEST_CASE("peg: the grammar DSL has no rule that can loop without consuming input", "[dsl][peg]") {
  CHECK(p::analyze<strictlog::dsl::peg::file>(1) == 0);
  CHECK(p::analyze<strictlog::dsl::peg::next_declaration>(1) == 0);
}

TEST_CASE("peg: the mapping language has no rule that can loop without consuming input", "[dsl][peg]") {
  CHECK(p::analyze<strictlog::mapping::peg::file>(1) == 0);
  CHECK(p::analyze<strictlog::mapping::peg::next_declaration>(1) == 0);
}

}  // namespace
