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

// word never fails in convert: the regex is exact.
constexpr Case kCases[] = {
    {"client1", Step::kAccepted, "OpenVPN common name"},
    {"[AF_INET]10.8.0.6:1194", Step::kAccepted, "punctuation is part of a word"},
    {"x", Step::kAccepted, "one character"},
    {"caf\xc3\xa9", Step::kAccepted, "UTF-8 letter"},
    {"a\xc2\xa0" "b", Step::kAccepted, "U+00A0 is not in RE2's \\s"},
    {"a\vb", Step::kAccepted, "\\v is not in RE2's \\s (it is in Perl's)"},
    {std::string_view("a\0b", 3), Step::kAccepted, "NUL byte"},
    {"", Step::kRegex, "empty"},
    {"two words", Step::kRegex, "space"},
    {"tab\there", Step::kRegex, "\\t"},
    {"a\fb", Step::kRegex, "\\f"},
    {"a\rb", Step::kRegex, "\\r"},
    {"a\nb", Step::kRegex, "\\n"},
    {" lead", Step::kRegex, "leading space"},
    {"trail ", Step::kRegex, "trailing space"},
    {"a\xff" "b", Step::kAccepted, "bytes: invalid UTF-8 never gets here, ingest quarantines it as ENCODING"},
};

TEST_CASE("word: table of accepted and rejected texts", "[fields][word]") {
  const FieldCheck check("word");
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
