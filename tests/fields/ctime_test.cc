#include <ctime>
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
  int64_t seconds;         // when accepted: since 1970-01-01T00:00:00Z, the text read as UTC
  std::string_view error;  // exact convert error, when rejected by convert
  std::string_view why;
};

constexpr Case kCases[] = {
    {"Thu Nov 22 09:15:02 2018", Step::kAccepted, 1542878102, "", "OpenVPN 2.4 --log prefix"},
    {"Mon Nov  5 09:15:02 2018", Step::kAccepted, 1541409302, "", "ctime's %3d: a space before a single digit"},
    {"Mon Feb 29 12:00:00 2016", Step::kAccepted, 1456747200, "", "leap day"},
    {"Thu Jan  1 00:00:00 1970", Step::kAccepted, 0, "", "the epoch"},
    {"Mon Nov 22 09:15:02 2018", Step::kConvert, 0, "Nov 22 2018 was a Thursday, not a Monday",
     "weekday not the date's"},
    {"Sun Nov  5 09:15:02 2018", Step::kConvert, 0, "Nov 5 2018 was a Monday, not a Sunday",
     "weekday not the date's, padded day"},
    {"Tue Feb 29 12:00:00 2022", Step::kConvert, 0, "2022 is not a leap year: February has no day 29",
     "common year"},
    {"Wed Apr 31 12:00:00 2026", Step::kConvert, 0, "April has no day 31", "30-day month"},
    {"Sat Jan  1 00:00:00 0000", Step::kConvert, 0,
     "year 0000 is before 0001, the first year a google.protobuf.Timestamp holds", "year zero"},
    {"Thu Nov 05 09:15:02 2018", Step::kRegex, 0, "", "zero-padded day: ctime pads with a space"},
    {"Mon Nov 5 09:15:02 2018", Step::kRegex, 0, "", "unpadded day"},
    {"Thu Nov 22 09:15:02 18", Step::kRegex, 0, "", "two-digit year"},
    {"Thu Nov 22 09:15:02", Step::kRegex, 0, "", "no year: that is syslog_time with a weekday"},
    {"Thu Nov 22 09:15:02 2018\n", Step::kRegex, 0, "", "ctime's newline"},
    {"Thursday Nov 22 09:15:02 2018", Step::kRegex, 0, "", "full weekday name"},
    {"thu nov 22 09:15:02 2018", Step::kRegex, 0, "", "lower case"},
    {"Thu Nov 22 24:00:00 2018", Step::kRegex, 0, "", "hour 24"},
    {"Thu Nov 22 23:59:60 2018", Step::kRegex, 0, "", "leap second"},
    {"Thu, 22 Nov 2018 09:15:02", Step::kRegex, 0, "", "RFC 5322 date"},
    {"", Step::kRegex, 0, "", "empty"},
};

TEST_CASE("ctime: table of accepted and rejected texts", "[fields][ctime]") {
  const FieldCheck check("ctime");
  for (const Case& c : kCases) {
    INFO("'" << std::string(c.text) << "': " << std::string(c.why));
    const Outcome o = check.run(c.text);
    CHECK(o.step == c.step);
    if (o.step == Step::kAccepted && c.step == Step::kAccepted) {
      CHECK(o.value.kind == ValueKind::kTimestamp);
      CHECK(o.value.integer == c.seconds);
      CHECK(o.value.text == c.text);
    }
    if (c.step == Step::kConvert) CHECK(o.error == c.error);
  }
}

// Differential: asctime_r is ctime's formatter ("%.3s %.3s%3d %.2d:%.2d:%.2d %d\n"). What it prints for a
// time read back gives that time; with the weekday swapped for the next one, it is refused.
TEST_CASE("ctime: reads back what asctime prints for every day of 1896-2104", "[fields][ctime]") {
  const FieldCheck check("ctime");
  std::mt19937 rng(1003);
  constexpr int64_t kFirst = -2335219200;  // 1896-01-01T00:00:00Z
  constexpr int64_t kDays = 76701;         // to 2105-01-01
  const std::string_view weekdays = "SunMonTueWedThuFriSat";
  int wrong = 0;
  for (int64_t day = 0; day < kDays; ++day) {
    const time_t t = static_cast<time_t>(kFirst + day * 86400 + rng() % 86400);
    std::tm tm;
    gmtime_r(&t, &tm);
    char buffer[64];
    std::string text = asctime_r(&tm, buffer);
    text.pop_back();  // the newline
    const Outcome o = check.run(text);
    if ((o.step != Step::kAccepted || o.value.integer != t) && ++wrong <= 5) {
      FAIL_CHECK(text << ": " << o.step << " " << o.error << " " << o.value.integer << " != " << t);
    }
    text.replace(0, 3, weekdays.substr(static_cast<size_t>((tm.tm_wday + 1) % 7) * 3, 3));
    if (check.run(text).step != Step::kConvert && ++wrong <= 5) FAIL_CHECK(text << ": wrong weekday accepted");
  }
  CHECK(wrong == 0);
}

}  // namespace
}  // namespace strictlog::testing
