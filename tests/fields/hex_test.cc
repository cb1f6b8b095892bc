#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "field_check.h"

namespace strictlog::testing {
namespace {

struct Case {
  std::string_view text;
  Step step;
  uint64_t number;  // when accepted
  std::string_view why;
};

// hex never fails in convert: 16 digits always fit in 64 bits.
constexpr Case kCases[] = {
    {"0", Step::kAccepted, 0, "zero"},
    {"0x1f", Step::kAccepted, 0x1f, "%#x"},
    {"0X1F", Step::kAccepted, 0x1f, "%#X"},
    {"DEADBEEF", Step::kAccepted, 0xdeadbeef, "%X"},
    {"deadbeef", Step::kAccepted, 0xdeadbeef, "%x"},
    {"00ff", Step::kAccepted, 0xff, "leading zeros (%04x)"},
    {"1234", Step::kAccepted, 0x1234, "decimal digits alone read as hex"},
    {"ffffffffffffffff", Step::kAccepted, UINT64_MAX, "16 digits: 2^64 - 1"},
    {"0x0000000000000001", Step::kAccepted, 1, "16 digits after the prefix, leading zeros counted"},
    {"10000000000000000", Step::kRegex, 0, "17 digits: 2^64"},
    {"0x00000000000000001", Step::kRegex, 0, "17 digits though the value is 1"},
    {"0x", Step::kRegex, 0, "prefix alone"},
    {"x1f", Step::kRegex, 0, "prefix without its 0"},
    {"0xg", Step::kRegex, 0, "not a hex digit"},
    {"-1", Step::kRegex, 0, "sign"},
    {"1fh", Step::kRegex, 0, "assembler suffix"},
    {"de:ad", Step::kRegex, 0, "separator"},
    {"", Step::kRegex, 0, "empty"},
};

TEST_CASE("hex: table of accepted and rejected texts", "[fields][hex]") {
  const FieldCheck check("hex");
  for (const Case& c : kCases) {
    INFO("'" << std::string(c.text) << "': " << std::string(c.why));
    const Outcome o = check.run(c.text);
    CHECK(o.step == c.step);
    if (o.step == Step::kAccepted && c.step == Step::kAccepted) {
      CHECK(o.value.kind == ValueKind::kUint64);
      CHECK(o.value.number == c.number);
      CHECK(o.value.text == c.text);
    }
  }
}

TEST_CASE("hex: every power of two and its neighbours in each printf form", "[fields][hex]") {
  const FieldCheck check("hex");
  for (int bit = 0; bit < 64; ++bit) {
    const uint64_t p = uint64_t{1} << bit;
    for (const uint64_t n : {p - 1, p, p + 1}) {
      for (const char* format : {"%llx", "%llX", "%#llx", "%#llX", "%016llx"}) {
        char text[32];
        std::snprintf(text, sizeof text, format, static_cast<unsigned long long>(n));
        const Outcome o = check.run(text);
        INFO(text);
        CHECK(o.step == Step::kAccepted);
        CHECK(o.value.number == n);
      }
    }
  }
}

}  // namespace
}  // namespace strictlog::testing
