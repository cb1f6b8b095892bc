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
  uint64_t number;         // when accepted
  std::string_view error;  // exact convert error, when rejected by convert
  std::string_view why;
};

constexpr Case kCases[] = {
    {"0", Step::kAccepted, 0, "", "zero"},
    {"42", Step::kAccepted, 42, "", "plain"},
    {"007", Step::kAccepted, 7, "", "leading zeros are allowed"},
    {"00000000000000000000", Step::kAccepted, 0, "", "20 zeros: the regex bound"},
    {"4294967296", Step::kAccepted, 4294967296, "", "2^32: beyond uint32"},
    {"18446744073709551615", Step::kAccepted, UINT64_MAX, "", "2^64 - 1"},
    {"01844674407370955161", Step::kAccepted, 1844674407370955161, "", "20 digits with a leading zero"},
    {"18446744073709551616", Step::kConvert, 0, "18446744073709551616 is greater than 18446744073709551615",
     "2^64"},
    {"99999999999999999999", Step::kConvert, 0, "99999999999999999999 is greater than 18446744073709551615",
     "largest 20-digit text"},
    {"000000000000000000001", Step::kRegex, 0, "", "21 digits, though the value is 1"},
    {"123456789012345678901", Step::kRegex, 0, "", "21 digits"},
    {"", Step::kRegex, 0, "", "empty"},
    {"-1", Step::kRegex, 0, "", "negative"},
    {"+5", Step::kRegex, 0, "", "sign"},
    {"1.5", Step::kRegex, 0, "", "fraction"},
    {"1e3", Step::kRegex, 0, "", "exponent"},
    {"1_000", Step::kRegex, 0, "", "digit separator"},
};

TEST_CASE("uint: table of accepted and rejected texts", "[fields][uint]") {
  const FieldCheck check("uint");
  for (const Case& c : kCases) {
    INFO("'" << std::string(c.text) << "': " << std::string(c.why));
    const Outcome o = check.run(c.text);
    CHECK(o.step == c.step);
    if (o.step == Step::kAccepted && c.step == Step::kAccepted) {
      CHECK(o.value.kind == ValueKind::kUint64);
      CHECK(o.value.number == c.number);
      CHECK(o.value.text == c.text);
    }
    if (c.step == Step::kConvert) CHECK(o.error == c.error);
  }
}

TEST_CASE("uint: every power of ten and its neighbours up to 20 digits", "[fields][uint]") {
  const FieldCheck check("uint");
  constexpr uint64_t kLargest = 10000000000000000000u;  // 10^19, the only 20-digit power below 2^64
  for (uint64_t p = 1;; p *= 10) {
    for (const uint64_t n : {p - 1, p, p + 1}) {
      const std::string text = std::to_string(n);
      const Outcome o = check.run(text);
      INFO(text);
      CHECK(o.step == Step::kAccepted);
      CHECK(o.value.number == n);
    }
    if (p == kLargest) break;
  }
}

}  // namespace
}  // namespace strictlog::testing
