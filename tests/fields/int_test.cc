#include <cstdint>
#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "field_check.h"

namespace strictlog::testing {
namespace {

struct Case {
  std::string_view text;
  Step step;
  int64_t integer;         // when accepted
  std::string_view error;  // exact convert error, when rejected by convert
  std::string_view why;
};

constexpr Case kCases[] = {
    {"0", Step::kAccepted, 0, "", "zero"},
    {"42", Step::kAccepted, 42, "", "plain"},
    {"-12", Step::kAccepted, -12, "", "negative"},
    {"-0", Step::kAccepted, 0, "", "negative zero is zero"},
    {"-007", Step::kAccepted, -7, "", "leading zeros are allowed, as for uint"},
    {"2147483648", Step::kAccepted, 2147483648, "", "2^31: beyond int32, still an int64"},
    {"9223372036854775807", Step::kAccepted, INT64_MAX, "", "2^63 - 1"},
    {"-9223372036854775808", Step::kAccepted, INT64_MIN, "", "-2^63"},
    {"9223372036854775808", Step::kConvert, 0, "9223372036854775808 is greater than 9223372036854775807", "2^63"},
    {"-9223372036854775809", Step::kConvert, 0, "-9223372036854775809 is less than -9223372036854775808",
     "-2^63 - 1"},
    {"9999999999999999999", Step::kConvert, 0, "9999999999999999999 is greater than 9223372036854775807",
     "largest 19-digit text"},
    {"12345678901234567890", Step::kRegex, 0, "", "20 digits"},
    {"+5", Step::kRegex, 0, "", "'+': %d never prints one"},
    {"--1", Step::kRegex, 0, "", "two signs"},
    {"-", Step::kRegex, 0, "", "sign alone"},
    {"1.5", Step::kRegex, 0, "", "fraction"},
    {"1e3", Step::kRegex, 0, "", "exponent"},
    {"0x10", Step::kRegex, 0, "", "hex"},
    {"- 1", Step::kRegex, 0, "", "space after the sign"},
    {"", Step::kRegex, 0, "", "empty"},
};

TEST_CASE("int: table of accepted and rejected texts", "[fields][int]") {
  const FieldCheck check("int");
  for (const Case& c : kCases) {
    INFO("'" << std::string(c.text) << "': " << std::string(c.why));
    const Outcome o = check.run(c.text);
    CHECK(o.step == c.step);
    if (o.step == Step::kAccepted && c.step == Step::kAccepted) {
      CHECK(o.value.kind == ValueKind::kInt64);
      CHECK(o.value.integer == c.integer);
      CHECK(o.value.text == c.text);
    }
    if (c.step == Step::kConvert) CHECK(o.error == c.error);
  }
}

TEST_CASE("int: every power of ten and its neighbours with either sign", "[fields][int]") {
  const FieldCheck check("int");
  constexpr int64_t kLargest = 1000000000000000000;  // 10^18, the largest power of ten below 2^63
  for (int64_t p = 1;; p *= 10) {
    for (const int64_t n : {p - 1, p, p + 1, -(p - 1), -p, -(p + 1)}) {
      const std::string text = std::to_string(n);
      const Outcome o = check.run(text);
      INFO(text);
      CHECK(o.step == Step::kAccepted);
      CHECK(o.value.integer == n);
    }
    if (p == kLargest) break;
  }
}

}  // namespace
}  // namespace strictlog::testing
