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
    {"2026-11-22 09:15:02", Step::kAccepted, 1795338902, "", "OpenVPN 2.6 --log prefix"},
    {"1970-01-01 00:00:00", Step::kAccepted, 0, "", "the epoch"},
    {"1969-12-31 23:59:59", Step::kAccepted, -1, "", "before the epoch"},
    {"2024-02-29 23:59:59", Step::kAccepted, 1709251199, "", "leap year: divisible by 4"},
    {"2000-02-29 00:00:00", Step::kAccepted, 951782400, "", "leap year: divisible by 400"},
    {"2038-01-19 03:14:08", Step::kAccepted, 2147483648, "", "past 32-bit time_t"},
    {"0001-01-01 00:00:00", Step::kAccepted, -62135596800, "", "first second a Timestamp holds"},
    {"9999-12-31 23:59:59", Step::kAccepted, 253402300799, "", "last second a Timestamp holds"},
    {"2023-02-29 00:00:00", Step::kConvert, 0, "2023 is not a leap year: February has no day 29", "common year"},
    {"1900-02-29 00:00:00", Step::kConvert, 0, "1900 is not a leap year: February has no day 29",
     "divisible by 100, not by 400"},
    {"2026-02-30 00:00:00", Step::kConvert, 0, "February has no day 30", "no year has February 30"},
    {"2026-04-31 12:00:00", Step::kConvert, 0, "April has no day 31", "30-day month"},
    {"0000-01-01 00:00:00", Step::kConvert, 0,
     "year 0000 is before 0001, the first year a google.protobuf.Timestamp holds", "year zero"},
    {"2026-13-01 00:00:00", Step::kRegex, 0, "", "month 13"},
    {"2026-00-10 00:00:00", Step::kRegex, 0, "", "month 0"},
    {"2026-11-00 00:00:00", Step::kRegex, 0, "", "day 0"},
    {"2026-11-32 00:00:00", Step::kRegex, 0, "", "day 32"},
    {"2026-11-22 24:00:00", Step::kRegex, 0, "", "hour 24"},
    {"2026-11-22 23:59:60", Step::kRegex, 0, "", "leap second"},
    {"2026-11-22T09:15:02", Step::kRegex, 0, "", "ISO 8601 'T'"},
    {"2026-11-22 09:15:02Z", Step::kRegex, 0, "", "a zone"},
    {"2026-11-22 09:15:02.5", Step::kRegex, 0, "", "a fraction"},
    {"2026-11-22 9:15:02", Step::kRegex, 0, "", "one-digit hour"},
    {"2026-1-22 09:15:02", Step::kRegex, 0, "", "one-digit month"},
    {"26-11-22 09:15:02", Step::kRegex, 0, "", "two-digit year"},
    {"12026-11-22 09:15:02", Step::kRegex, 0, "", "five-digit year"},
    {"2026-11-22  09:15:02", Step::kRegex, 0, "", "two spaces"},
    {"", Step::kRegex, 0, "", "empty"},
};

TEST_CASE("iso_time: table of accepted and rejected texts", "[fields][iso_time]") {
  const FieldCheck check("iso_time");
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

// Differential: what strftime prints for a time_t read back gives that time_t, over two centuries that
// hold every kind of leap-year rule, at a random second of every day.
TEST_CASE("iso_time: reads back what gmtime and strftime print for every day of 1896-2104", "[fields][iso_time]") {
  const FieldCheck check("iso_time");
  std::mt19937 rng(8601);
  constexpr int64_t kFirst = -2335219200;  // 1896-01-01T00:00:00Z
  constexpr int64_t kDays = 76701;         // to 2105-01-01
  int wrong = 0;
  for (int64_t day = 0; day < kDays; ++day) {
    const time_t t = static_cast<time_t>(kFirst + day * 86400 + rng() % 86400);
    std::tm tm;
    gmtime_r(&t, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &tm);
    const Outcome o = check.run(text);
    if ((o.step != Step::kAccepted || o.value.integer != t) && ++wrong <= 5) {
      FAIL_CHECK(text << ": " << o.step << " " << o.error << " " << o.value.integer << " != " << t);
    }
  }
  CHECK(wrong == 0);
}

// Every day 1-31 of every month, in years with each leap-year rule: accepted exactly when timegm agrees
// the date exists (it normalizes a date that does not, e.g. April 31 to May 1).
TEST_CASE("iso_time: a date is accepted exactly when it exists", "[fields][iso_time]") {
  const FieldCheck check("iso_time");
  for (int year : {1900, 2000, 2023, 2024, 2100}) {
    for (int month = 1; month <= 12; ++month) {
      for (int day = 1; day <= 31; ++day) {
        std::tm tm{};
        tm.tm_year = year - 1900;
        tm.tm_mon = month - 1;
        tm.tm_mday = day;
        timegm(&tm);
        const bool exists = tm.tm_mday == day;
        char text[32];
        std::snprintf(text, sizeof text, "%04d-%02d-%02d 00:00:00", year, month, day);
        INFO(text);
        CHECK((check.run(text).step == Step::kAccepted) == exists);
      }
    }
  }
}

}  // namespace
}  // namespace strictlog::testing
