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
    {"0", Step::kAccepted, 0, "", "lowest port"},
    {"1194", Step::kAccepted, 1194, "", "OpenVPN default"},
    {"65535", Step::kAccepted, 65535, "", "highest port"},
    {"65536", Step::kConvert, 0, "65536 is greater than 65535", "highest port + 1"},
    {"99999", Step::kConvert, 0, "99999 is greater than 65535", "largest 5-digit text"},
    {"080", Step::kConvert, 0, "leading zero in '080'", "OpenVPN prints %d: never a leading zero"},
    {"00", Step::kConvert, 0, "leading zero in '00'", "zero written twice"},
    {"123456", Step::kRegex, 0, "", "six digits"},
    {"", Step::kRegex, 0, "", "empty"},
    {"+1194", Step::kRegex, 0, "", "sign"},
    {"-1", Step::kRegex, 0, "", "negative"},
    {"11 94", Step::kRegex, 0, "", "inner space"},
    {"0x50", Step::kRegex, 0, "", "hex"},
};

TEST_CASE("port: table of accepted and rejected texts", "[fields][port]") {
  const FieldCheck check("port");
  for (const Case& c : kCases) {
    INFO("'" << std::string(c.text) << "': " << std::string(c.why));
    const Outcome o = check.run(c.text);
    CHECK(o.step == c.step);
    if (o.step == Step::kAccepted && c.step == Step::kAccepted) {
      CHECK(o.value.kind == ValueKind::kUint32);
      CHECK(o.value.number == c.number);
      CHECK(o.value.text == c.text);
    }
    if (c.step == Step::kConvert) CHECK(o.error == c.error);
  }
}

TEST_CASE("port: every number 0-99999 written plainly is accepted exactly when <= 65535", "[fields][port]") {
  const FieldCheck check("port");
  int wrong = 0;
  for (uint64_t n = 0; n <= 99999; ++n) {
    const std::string text = std::to_string(n);
    const Outcome o = check.run(text);
    const bool ok = n <= 65535 ? o.step == Step::kAccepted && o.value.number == n
                               : o.step == Step::kConvert && o.error == text + " is greater than 65535";
    if (!ok && ++wrong <= 5) FAIL_CHECK("port " << text << ": " << o.step << " " << o.error);
  }
  CHECK(wrong == 0);
}

}  // namespace
}  // namespace strictlog::testing
