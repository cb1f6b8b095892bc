#include <re2/re2.h>

#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "field_check.h"
#include "fields/hostname.h"

namespace strictlog::testing {
namespace {

struct Case {
  std::string text;
  Step step;
  std::string error;  // exact convert error, when rejected by convert
  std::string why;
};

const std::string k63(63, 'a');  // the longest label (RFC 1035 §2.3.4)

const Case kCases[] = {
    {"vpn-gw1", Step::kAccepted, "", "a single label"},
    {"mail.example.com", Step::kAccepted, "", "RFC 2606 example domain"},
    {"3com.net", Step::kAccepted, "", "leading digit: RFC 1123 §2.1 relaxes RFC 952"},
    {"xn--bcher-kva.example", Step::kAccepted, "", "IDN A-label, '--' inside"},
    {"A.B-C.d1", Step::kAccepted, "", "either case, inner hyphen, digit at the end"},
    {"a", Step::kAccepted, "", "one character"},
    {"1194", Step::kAccepted, "", "one all-digit label: legal (RFC 1123 §2.1)"},
    {"123.example", Step::kAccepted, "", "an all-digit label before the last"},
    {k63 + ".example", Step::kAccepted, "", "63-character label"},
    {k63 + "a.example", Step::kRegex, "", "64-character label"},
    {k63 + "." + k63 + "." + k63 + "." + std::string(61, 'a'), Step::kAccepted, "", "253 characters"},
    {k63 + "." + k63 + "." + k63 + "." + std::string(62, 'a'), Step::kConvert,
     "254 characters, more than the 253 a host name may have (RFC 1035 section 2.3.4)", "254 characters"},
    {"192.0.2.1", Step::kConvert,
     "the last label '1' is all digits, so this reads as an address (RFC 1123 section 2.1)", "an IPv4 address"},
    {"host.123", Step::kConvert,
     "the last label '123' is all digits, so this reads as an address (RFC 1123 section 2.1)",
     "all-digit top-level label"},
    {"-vpn.example.com", Step::kRegex, "", "label starts with a hyphen"},
    {"vpn-.example.com", Step::kRegex, "", "label ends with a hyphen"},
    {"example.com.", Step::kRegex, "", "trailing dot (absolute form)"},
    {".example.com", Step::kRegex, "", "leading dot"},
    {"a..b", Step::kRegex, "", "empty label"},
    {"under_score.example", Step::kRegex, "", "underscore"},
    {"b\xc3\xbc" "cher.example", Step::kRegex, "", "a U-label: IDNs appear as xn--"},
    {"host name", Step::kRegex, "", "space"},
    {"", Step::kRegex, "", "empty"},
};

TEST_CASE("hostname: table of accepted and rejected texts", "[fields][hostname]") {
  const FieldCheck check("hostname");
  for (const Case& c : kCases) {
    INFO("'" << c.text << "': " << c.why);
    const Outcome o = check.run(c.text);
    CHECK(o.step == c.step);
    if (o.step == Step::kAccepted) {
      CHECK(o.value.kind == ValueKind::kString);
      CHECK(o.value.text == c.text);
    }
    if (c.step == Step::kConvert) CHECK(o.error == c.error);
  }
}

// Why the regex bounds each label but not the number of labels. RE2 (2022) refuses a counted repetition
// over 1000, and multiplies nested counts: bounding the labels too, as the 253-character limit would ask
// (at most 127 labels), nests {0,126} around each label's {0,61}, which RE2 refuses. With labels under `*`
// it compiles, with the options rules are compiled with, and `convert` checks the total length.
TEST_CASE("hostname: the regex compiles under RE2's repetition limit and the fully bounded one would not",
          "[fields][hostname]") {
  const FieldCheck check("hostname");
  const RE2 used("(?:" + std::string(check.type().regex) + ")", rule_regex_options());
  INFO(used.error());
  CHECK(used.ok());

  const std::string label(fields_internal::hostname::kLabelRegex);
  const RE2 bounded("(?:" + label + "\\.){0,126}" + label, rule_regex_options());
  CHECK_FALSE(bounded.ok());
  CHECK(bounded.error_code() == RE2::ErrorRepeatSize);
  CHECK(bounded.error() == "invalid repetition size: {0,126}");
}

}  // namespace
}  // namespace strictlog::testing
