#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdio>
#include <random>
#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "field_check.h"

namespace strictlog::testing {
namespace {

struct Case {
  std::string_view text;
  Step step;
  std::string_view error;  // exact convert error, when rejected by convert
  std::string_view why;
};

constexpr Case kCases[] = {
    {"ABCD:EF01:2345:6789:ABCD:EF01:2345:6789", Step::kAccepted, "", "RFC 4291 §2.2 form 1"},
    {"2001:DB8:0:0:8:800:200C:417A", Step::kAccepted, "", "RFC 4291 §2.2 form 1"},
    {"2001:DB8::8:800:200C:417A", Step::kAccepted, "", "RFC 4291 §2.2 form 2"},
    {"FF01::101", Step::kAccepted, "", "RFC 4291 §2.2 form 2"},
    {"::1", Step::kAccepted, "", "RFC 4291 §2.2 form 2, loopback"},
    {"::", Step::kAccepted, "", "RFC 4291 §2.2 form 2, unspecified"},
    {"0:0:0:0:0:0:13.1.68.3", Step::kAccepted, "", "RFC 4291 §2.2 form 3"},
    {"::FFFF:129.144.52.38", Step::kAccepted, "", "RFC 4291 §2.2 form 3, compressed"},
    {"::ffff:192.0.2.1", Step::kAccepted, "", "IPv4-mapped, as inet_ntop prints it"},
    {"1:2:3:4:5:6:7::", Step::kAccepted, "", "'::' standing for a single group"},
    {"::2:3:4:5:6:7:8", Step::kAccepted, "", "'::' standing for a single leading group"},
    {"0000:0000:0000:0000:0000:0000:0000:0000", Step::kAccepted, "", "leading zeros in every group"},
    {"ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", Step::kAccepted, "", "longest valid text, 45"},
    {"1::2::3", Step::kConvert, "more than one '::'", "two '::'"},
    {":::", Step::kConvert, "':::' is not a separator", "three colons"},
    {"1:2:3:4:5:6:7:8:9", Step::kConvert, "9 groups, expected 8", "nine groups"},
    {"1:2:3:4:5:6:7", Step::kConvert, "7 groups, expected 8", "seven groups, no '::'"},
    {"1:2:3:4:5:6:7:1.2.3.4", Step::kConvert, "9 groups, expected 8", "IPv4 tail after seven groups"},
    {"1::2:3:4:5:6:7:8", Step::kConvert, "8 groups and '::', at most 7", "'::' beside eight groups"},
    {":1:2:3:4:5:6:7:8", Step::kConvert, "starts with a single ':'", "leading single colon"},
    {"1:2:3:4:5:6:7:8:", Step::kConvert, "ends with a single ':'", "trailing single colon"},
    {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", Step::kConvert,
     "longer than 45 characters", "55 characters, within the regex's bounds"},
    {"::1:2:3:4:5:6:7:8", Step::kRegex, "", "'::' beside eight groups: nine colons"},
    {"12345::", Step::kRegex, "", "group of five hex digits"},
    {"fe80::1%eth0", Step::kRegex, "", "zone id (RFC 4007 §11), not supported"},
    {"2001:db8::/32", Step::kRegex, "", "prefix length (RFC 4291 §2.3)"},
    {"[::1]", Step::kRegex, "", "brackets (RFC 3986)"},
    {"::ffff:256.1.1.1", Step::kRegex, "", "IPv4 tail octet out of range"},
    {"::ffff:01.2.3.4", Step::kRegex, "", "IPv4 tail with a leading zero"},
    {"::g", Step::kRegex, "", "not a hex digit"},
    {"1.2.3.4", Step::kRegex, "", "IPv4 is not IPv6"},
    {"1:2", Step::kRegex, "", "one colon"},
    {"", Step::kRegex, "", "empty"},
};

TEST_CASE("ipv6: table of accepted and rejected texts", "[fields][ipv6]") {
  const FieldCheck check("ipv6");
  for (const Case& c : kCases) {
    INFO("'" << std::string(c.text) << "': " << std::string(c.why));
    const Outcome o = check.run(c.text);
    CHECK(o.step == c.step);
    if (o.step == Step::kAccepted) {
      CHECK(o.value.kind == ValueKind::kString);
      CHECK(o.value.text == c.text);
    }
    if (c.step == Step::kConvert) CHECK(o.error == c.error);
  }
}

TEST_CASE("ipv6: convert alone refuses what the regex keeps out", "[fields][ipv6]") {
  const FieldType& t = FieldCheck("ipv6").type();
  Value v;
  std::string error;
  CHECK_FALSE(t.convert("fe80::1%eth0", &v, &error));
  CHECK(error == "not an IPv6 address (RFC 4291 section 2.2)");
  CHECK_FALSE(t.convert("", &v, &error));
  CHECK(error == "empty");
}

std::string random_address(std::mt19937& rng, int form) {
  in6_addr a;
  for (int i = 0; i < 16; i += 2) {
    const bool zero = rng() % 2 == 0;  // frequent zero runs, so inet_ntop prints '::'
    a.s6_addr[i] = zero ? 0 : rng() % 256;
    a.s6_addr[i + 1] = zero ? 0 : rng() % 256;
  }
  char buf[64];
  if (form == 0) return inet_ntop(AF_INET6, &a, buf, sizeof buf);
  int n = 0;
  const int groups = form == 3 ? 6 : 8;
  for (int g = 0; g < groups; ++g) {
    const unsigned v = a.s6_addr[2 * g] << 8 | a.s6_addr[2 * g + 1];
    n += std::snprintf(buf + n, sizeof buf - n, form == 1 ? "%x:" : "%04X:", v);
  }
  if (form == 3) {
    n += std::snprintf(buf + n, sizeof buf - n, "%u.%u.%u.%u:", a.s6_addr[12], a.s6_addr[13],
                       a.s6_addr[14], a.s6_addr[15]);
  }
  return std::string(buf, n - 1);
}

// Differential: convert is inet_pton, so the type agrees with inet_pton exactly when the regex is a
// true superset of valid addresses. Checked on valid addresses in every form and on one-character
// mutations of them (deleted, inserted or replaced), which are mostly near misses.
TEST_CASE("ipv6: agrees with inet_pton(AF_INET6) on random addresses and their mutations",
          "[fields][ipv6]") {
  const FieldCheck check("ipv6");
  std::mt19937 rng(4291);
  const std::string_view alphabet = ":.0fF9g%/";
  int valid = 0;
  int rejected = 0;
  int wrong = 0;
  auto compare = [&](const std::string& text) {
    in6_addr a;
    const bool want = inet_pton(AF_INET6, text.c_str(), &a) == 1;
    const bool got = check.run(text).step == Step::kAccepted;
    rejected += !want;
    if (want != got && ++wrong <= 5) FAIL_CHECK(text << ": inet_pton " << want << ", ipv6 " << got);
  };
  for (int i = 0; i < 4000; ++i) {
    const std::string text = random_address(rng, i % 4);
    const Outcome o = check.run(text);
    valid += o.step == Step::kAccepted;
    if (o.step != Step::kAccepted) FAIL_CHECK(text << ": " << o.step << " " << o.error);
    for (int m = 0; m < 3; ++m) {
      std::string mutant = text;
      const size_t at = rng() % mutant.size();
      const char c = alphabet[rng() % alphabet.size()];
      if (m == 0) mutant.erase(at, 1);
      if (m == 1) mutant.insert(at, 1, c);
      if (m == 2) mutant[at] = c;
      compare(mutant);
    }
  }
  CHECK(valid == 4000);
  CHECK(wrong == 0);
  CHECK(rejected > 1000);  // the mutations do produce near misses, so the comparison is not vacuous
}

}  // namespace
}  // namespace strictlog::testing
