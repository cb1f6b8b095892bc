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

// ident never fails in convert: the regex is exact.
constexpr Case kCases[] = {
    {"IV_VER", Step::kAccepted, "an OpenVPN peer info name"},
    {"UV_2FA", Step::kAccepted, "digits after the first character"},
    {"_x", Step::kAccepted, "a leading underscore"},
    {"Z", Step::kAccepted, "one letter"},
    {"", Step::kRegex, "empty"},
    {"2FA", Step::kRegex, "a leading digit"},
    {"IV-VER", Step::kRegex, "a hyphen"},
    {"IV_VER=2.6.8", Step::kRegex, "the '=' after a name is not part of it"},
    {"IV VER", Step::kRegex, "a space"},
    {"caf\xc3\xa9", Step::kRegex, "non-ASCII letters"},
};

TEST_CASE("ident: table of accepted and rejected texts", "[fields][ident]") {
  const FieldCheck check("ident");
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
