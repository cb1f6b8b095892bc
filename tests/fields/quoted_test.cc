#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "field_check.h"

namespace strictlog::testing {
namespace {

struct Case {
  std::string_view text;
  Step step;
  std::string_view value;  // the text between the quotes, when accepted
  std::string_view why;
};

// quoted never fails in convert: the regex is exact.
constexpr Case kCases[] = {
    {"'AES-256-GCM'", Step::kAccepted, "AES-256-GCM", "OpenVPN: Data Channel: cipher 'AES-256-GCM'"},
    {"\"x\"", Step::kAccepted, "x", "double quotes"},
    {"''", Step::kAccepted, "", "nothing between the quotes"},
    {"'peer-id 0'", Step::kAccepted, "peer-id 0", "spaces inside"},
    {"\"it's\"", Step::kAccepted, "it's", "the other quote inside"},
    {"'say \"hi\"'", Step::kAccepted, "say \"hi\"", "double quotes inside single ones"},
    {"'caf\xc3\xa9'", Step::kAccepted, "caf\xc3\xa9", "UTF-8"},
    {"AES-256-GCM", Step::kRegex, "", "no quotes"},
    {"'AES-256-GCM\"", Step::kRegex, "", "closing quote of the other kind"},
    {"'it''s'", Step::kRegex, "", "the opening quote inside: no doubling"},
    {"\"a\\\"b\"", Step::kRegex, "", "no backslash escapes"},
    {"'", Step::kRegex, "", "a lone quote"},
    {"'open", Step::kRegex, "", "unterminated"},
    {"'a' ", Step::kRegex, "", "trailing space"},
    {"`a`", Step::kRegex, "", "backticks"},
    {"", Step::kRegex, "", "empty"},
};

TEST_CASE("quoted: table of accepted and rejected texts", "[fields][quoted]") {
  const FieldCheck check("quoted");
  for (const Case& c : kCases) {
    INFO("'" << std::string(c.text) << "': " << std::string(c.why));
    const Outcome o = check.run(c.text);
    CHECK(o.step == c.step);
    if (o.step == Step::kAccepted) {
      CHECK(o.value.kind == ValueKind::kString);
      CHECK(o.value.text == c.value);
      // The inside of the matched text itself, not a copy: one past the opening quote.
      CHECK(o.value.text.data() == c.text.data() + 1);
    }
  }
}

}  // namespace
}  // namespace strictlog::testing
