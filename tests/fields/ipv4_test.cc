#include <arpa/inet.h>

#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "field_check.h"

namespace strictlog::testing {
namespace {

struct Case {
  std::string_view text;
  Step step;
  std::string_view why;
};

// The type's regex is exact, so no IPv4 text is ever rejected by convert.
constexpr Case kCases[] = {
    {"0.0.0.0", Step::kAccepted, "lowest octets"},
    {"255.255.255.255", Step::kAccepted, "highest octets"},
    {"10.8.0.6", Step::kAccepted, "OpenVPN tun address"},
    {"192.0.2.1", Step::kAccepted, "RFC 5737 documentation range"},
    {"249.250.199.100", Step::kAccepted, "each octet alternative"},
    {"256.1.1.1", Step::kRegex, "octet 255 + 1"},
    {"1.1.1.260", Step::kRegex, "last octet out of range"},
    {"1000.1.1.1", Step::kRegex, "four-digit octet"},
    {"01.2.3.4", Step::kRegex, "leading zero (octal to inet_aton)"},
    {"1.2.3.00", Step::kRegex, "zero written twice"},
    {"192.168.1huhuhu", Step::kRegex, "garbage after three octets"},
    {"192.168.1.1huhuhu", Step::kRegex, "garbage after four octets"},
    {"1.2.3", Step::kRegex, "three octets"},
    {"1.2.3.4.5", Step::kRegex, "five octets"},
    {"1.2.3.", Step::kRegex, "empty last octet"},
    {"1..2.3", Step::kRegex, "empty inner octet"},
    {"2130706433", Step::kRegex, "single-number form"},
    {"0x7f.0.0.1", Step::kRegex, "hex octet"},
    {"1.2.3.4/24", Step::kRegex, "CIDR suffix"},
    {" 1.2.3.4", Step::kRegex, "leading space"},
    {"", Step::kRegex, "empty"},
};

TEST_CASE("ipv4: table of accepted and rejected texts", "[fields][ipv4]") {
  const FieldCheck check("ipv4");
  for (const Case& c : kCases) {
    INFO("'" << std::string(c.text) << "': " << std::string(c.why));
    const Outcome o = check.run(c.text);
    CHECK(o.step == c.step);
    if (o.step == Step::kAccepted) {
      CHECK(o.value.kind == ValueKind::kString);
      CHECK(o.value.text == c.text);
    }
  }
}

// Differential: glibc's inet_pton(AF_INET) takes exactly the strict dotted quad (no leading zeros, no
// short forms), so it must agree with the type on every combination of these octet spellings.
TEST_CASE("ipv4: agrees with inet_pton(AF_INET) on all combinations of near-miss octets",
          "[fields][ipv4]") {
  const FieldCheck check("ipv4");
  const std::string_view octets[] = {"0",   "00",  "01",  "9",   "10",  "99",  "100", "199", "200",
                                     "249", "250", "255", "256", "260", "300", "999", "1000"};
  int accepted = 0;
  int wrong = 0;
  for (std::string_view a : octets) {
    for (std::string_view b : octets) {
      for (std::string_view c : octets) {
        for (std::string_view d : octets) {
          const std::string text = std::string(a) + '.' + std::string(b) + '.' + std::string(c) + '.' +
                                   std::string(d);
          in_addr addr;
          const bool want = inet_pton(AF_INET, text.c_str(), &addr) == 1;
          const bool got = check.run(text).step == Step::kAccepted;
          accepted += got;
          if (want != got && ++wrong <= 5) FAIL_CHECK(text << ": inet_pton " << want << ", ipv4 " << got);
        }
      }
    }
  }
  CHECK(wrong == 0);
  CHECK(accepted == 10 * 10 * 10 * 10);  // the ten canonical spellings of 0-255 above, in each position
}

}  // namespace
}  // namespace strictlog::testing
