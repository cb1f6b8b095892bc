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
    {"192.0.2.1", Step::kAccepted, "", "IPv4, RFC 5737 documentation range"},
    {"0.0.0.0", Step::kAccepted, "", "IPv4 lowest"},
    {"2001:db8::1", Step::kAccepted, "", "IPv6, RFC 3849 documentation prefix"},
    {"::", Step::kAccepted, "", "IPv6 unspecified"},
    {"::ffff:192.0.2.1", Step::kAccepted, "", "IPv6 with an IPv4 tail"},
    {"2001:DB8:0:0:8:800:200C:417A", Step::kAccepted, "", "RFC 4291 §2.2 form 1"},
    {"256.1.1.1", Step::kRegex, "", "IPv4 octet 255 + 1"},
    {"01.2.3.4", Step::kRegex, "", "IPv4 leading zero"},
    {"1.2.3", Step::kRegex, "", "three octets"},
    {"1.2.3.4/24", Step::kRegex, "", "CIDR suffix"},
    {"fe80::1%eth0", Step::kRegex, "", "IPv6 zone id"},
    {"[::1]", Step::kRegex, "", "brackets"},
    {"1::2::3", Step::kConvert, "more than one '::'", "IPv6 with two '::': ipv6's reason"},
    {"1:2:3:4:5:6:7:8:9", Step::kConvert, "9 groups, expected 8", "nine groups"},
    {"", Step::kRegex, "", "empty"},
};

TEST_CASE("ip: table of accepted and rejected texts", "[fields][ip]") {
  const FieldCheck check("ip");
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

// `ip` is defined as the union of the other two, so it must agree with them on their own near misses.
TEST_CASE("ip: accepts exactly what ipv4 or ipv6 accepts", "[fields][ip]") {
  const FieldCheck ip("ip"), ipv4("ipv4"), ipv6("ipv6");
  int compared = 0;
  for (const FieldType* t : {&ipv4.type(), &ipv6.type()}) {
    for (const auto* list : {&t->accepts, &t->rejects}) {
      for (std::string_view text : *list) {
        INFO("'" << std::string(text) << "'");
        const bool either = ipv4.run(text).step == Step::kAccepted || ipv6.run(text).step == Step::kAccepted;
        CHECK((ip.run(text).step == Step::kAccepted) == either);
        ++compared;
      }
    }
  }
  CHECK(compared > 20);
}

}  // namespace
}  // namespace strictlog::testing
