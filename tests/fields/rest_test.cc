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

// rest never fails in convert: the regex is exact.
constexpr Case kCases[] = {
    {"", Step::kAccepted, "nothing left on the line"},
    {"Initialization Sequence Completed", Step::kAccepted, "OpenVPN message text"},
    {"  spaced\tout  ", Step::kAccepted, "whitespace is kept"},
    {"caf\xc3\xa9", Step::kAccepted, "UTF-8"},
    {"a\rb", Step::kAccepted, "a stray \\r inside the line"},
    {"two\nlines", Step::kRegex, "dot_nl=false: '.' never matches \\n"},
    {"end\n", Step::kRegex, "line terminator left on the line"},
    {"a\xff" "b", Step::kAccepted, "bytes: invalid UTF-8 never gets here, ingest quarantines it as ENCODING"},
};

TEST_CASE("rest: table of accepted and rejected texts", "[fields][rest]") {
  const FieldCheck check("rest");
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
