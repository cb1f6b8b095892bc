#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
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
  double real;             // when accepted
  std::string_view error;  // exact convert error, when rejected by convert
  std::string_view why;
};

constexpr Case kCases[] = {
    {"0", Step::kAccepted, 0.0, "", "zero"},
    {"42", Step::kAccepted, 42.0, "", "an integer is a number too"},
    {"1.5", Step::kAccepted, 1.5, "", "%f"},
    {"-0.25", Step::kAccepted, -0.25, "", "negative"},
    {"6.02e23", Step::kAccepted, 6.02e23, "", "%g"},
    {"1E-9", Step::kAccepted, 1e-9, "", "capital E"},
    {"1.000000e+00", Step::kAccepted, 1.0, "", "%e"},
    {"1.7976931348623157e308", Step::kAccepted, std::numeric_limits<double>::max(), "", "largest double"},
    {"4.9e-324", Step::kAccepted, std::numeric_limits<double>::denorm_min(), "", "smallest denormal"},
    {"0.1", Step::kAccepted, 0.1, "", "nearest double, not exact"},
    {"1e999", Step::kConvert, 0, "1e999 is outside the range of a double", "overflow: never infinity"},
    {"1.8e308", Step::kConvert, 0, "1.8e308 is outside the range of a double", "just beyond the largest"},
    {"1e-999", Step::kConvert, 0, "1e-999 is outside the range of a double", "underflow: never a silent 0"},
    {"inf", Step::kRegex, 0, "", "infinity"},
    {"-inf", Step::kRegex, 0, "", "negative infinity"},
    {"nan", Step::kRegex, 0, "", "not a number"},
    {".5", Step::kRegex, 0, "", "no digit before '.'"},
    {"1.", Step::kRegex, 0, "", "no digit after '.'"},
    {"+1.5", Step::kRegex, 0, "", "'+'"},
    {"1e", Step::kRegex, 0, "", "exponent without digits"},
    {"1e+", Step::kRegex, 0, "", "exponent sign without digits"},
    {"0x1p3", Step::kRegex, 0, "", "hex float"},
    {"1,5", Step::kRegex, 0, "", "decimal comma"},
    {"1.5.2", Step::kRegex, 0, "", "two points"},
    {"", Step::kRegex, 0, "", "empty"},
};

TEST_CASE("float: table of accepted and rejected texts", "[fields][float]") {
  const FieldCheck check("float");
  for (const Case& c : kCases) {
    INFO("'" << std::string(c.text) << "': " << std::string(c.why));
    const Outcome o = check.run(c.text);
    CHECK(o.step == c.step);
    if (o.step == Step::kAccepted && c.step == Step::kAccepted) {
      CHECK(o.value.kind == ValueKind::kDouble);
      CHECK(o.value.real == c.real);
      CHECK(o.value.text == c.text);
    }
    if (c.step == Step::kConvert) CHECK(o.error == c.error);
  }
}

// Differential: strtod rounds to nearest too, so the two must agree bit for bit on every text the type
// accepts; printed with %.17g, %e and %f, random doubles must all be accepted.
TEST_CASE("float: agrees with strtod on random doubles printed by printf", "[fields][float]") {
  const FieldCheck check("float");
  std::mt19937_64 rng(754);
  std::uniform_real_distribution<double> exponent(-300, 300);
  int wrong = 0;
  for (int i = 0; i < 3000; ++i) {
    const double d = std::pow(10.0, exponent(rng)) * (rng() % 2 ? 1 : -1);
    for (const char* format : {"%.17g", "%e", "%f"}) {
      char text[512];
      std::snprintf(text, sizeof text, format, d);
      const Outcome o = check.run(text);
      const double want = std::strtod(text, nullptr);
      if ((o.step != Step::kAccepted || o.value.real != want) && ++wrong <= 5) {
        FAIL_CHECK(text << ": " << o.step << " " << o.error);
      }
    }
  }
  CHECK(wrong == 0);
}

}  // namespace
}  // namespace strictlog::testing
