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
    {"Nov 22 09:15:02", Step::kAccepted, "", "two-digit day"},
    {"Aug  7 22:14:15", Step::kAccepted, "", "RFC 3164 §4.1.2: a day below 10 is a space and the digit"},
    {"Oct 11 22:14:15", Step::kAccepted, "", "RFC 3164 §5.4 example 1"},
    {"Feb 29 23:59:59", Step::kAccepted, "", "no year, so February 29 may exist"},
    {"Jan 31 00:00:00", Step::kAccepted, "", "last day of a 31-day month, midnight"},
    {"Feb 30 00:00:00", Step::kConvert, "February has no day 30", "no year has February 30"},
    {"Apr 31 00:00:00", Step::kConvert, "April has no day 31", "30-day month"},
    {"Nov 31 12:00:00", Step::kConvert, "November has no day 31", "30-day month"},
    {"Aug 07 22:14:15", Step::kRegex, "", "RFC 3164 §4.1.2: 'Aug 07' is incorrect"},
    {"Aug 7 22:14:15", Step::kRegex, "", "single space before a single digit"},
    {"Nov 32 09:15:02", Step::kRegex, "", "day 32"},
    {"Nov  0 09:15:02", Step::kRegex, "", "day 0"},
    {"nov 22 09:15:02", Step::kRegex, "", "lower-case month"},
    {"November 22 09:15:02", Step::kRegex, "", "full month name"},
    {"Nov 22 24:00:00", Step::kRegex, "", "hour 24"},
    {"Nov 22 23:60:00", Step::kRegex, "", "minute 60"},
    {"Nov 22 23:59:60", Step::kRegex, "", "leap second"},
    {"Nov 22 9:15:02", Step::kRegex, "", "one-digit hour"},
    {"Nov 22 09:15:02.123", Step::kRegex, "", "fraction"},
    {"2026 Nov 22 09:15:02", Step::kRegex, "", "a year"},
    {"2026-11-22T09:15:02Z", Step::kRegex, "", "RFC 5424 TIMESTAMP"},
    {"", Step::kRegex, "", "empty"},
};

TEST_CASE("syslog_time: table of accepted and rejected texts", "[fields][syslog_time]") {
  const FieldCheck check("syslog_time");
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

TEST_CASE("syslog_time: every day 1-31 of every month, accepted exactly when it exists in a leap year",
          "[fields][syslog_time]") {
  const FieldCheck check("syslog_time");
  const char* const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  for (int m = 0; m < 12; ++m) {
    for (int d = 1; d <= 31; ++d) {
      char text[32];
      std::snprintf(text, sizeof text, "%s %2d 12:00:00", months[m], d);
      INFO(text);
      CHECK((check.run(text).step == Step::kAccepted) == (d <= days[m]));
    }
  }
}

}  // namespace
}  // namespace strictlog::testing
