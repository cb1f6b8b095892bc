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

// cn never fails in convert: the regex is exact.
constexpr Case kCases[] = {
    {"client1", Step::kAccepted, "plain CN"},
    {"vpn client 01", Step::kAccepted, "spaces, seen in a real 2.x log (FORMAT-NOTES.md §3)"},
    {"ou=ops/laptop-ana", Step::kAccepted, "'/' inside a CN"},
    {"Zo\xc3\xab", Step::kAccepted, "UTF-8 letter counts as one character"},
    {"x", Step::kAccepted, "one character"},
    {"0123456789012345678901234567890123456789012345678901234567890123", Step::kAccepted,
     "64 characters: RFC 5280 ub-common-name"},
    {"\xc3\xa9t\xc3\xa9 \xe2\x82\xac", Step::kAccepted, "multi-byte characters are runs of bytes >= 0x80"},
    {"", Step::kRegex, "empty"},
    {"tab\there", Step::kRegex, "control character \\t"},
    {"del\x7f", Step::kRegex, "DEL"},
};

TEST_CASE("cn: table of accepted and rejected texts", "[fields][cn]") {
  const FieldCheck check("cn");
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

}  // namespace
}  // namespace strictlog::testing
