// Calendar pieces shared by the time field types (syslog_time.h, iso_time.h, ctime.h): English month and
// weekday abbreviations as the C locale prints them (strftime %b, %a; ctime(3)), the regex fragments for
// them, and the conversion of a proleptic Gregorian date and wall-clock time to seconds since the epoch.
// Nothing here allocates except to write an error.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace strictlog::fields_internal {

// Macros only so that each time type can splice them into its regex literal.
#define STRICTLOG_MONTH_REGEX "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
#define STRICTLOG_WEEKDAY_REGEX "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
// A day of the month as ctime(3) and RFC 3164 print it: a space before a single digit (`%2d`).
#define STRICTLOG_PADDED_DAY_REGEX "(?: [1-9]|[12][0-9]|3[01])"
// 00:00:00 to 23:59:59. A leap second (`23:59:60`) is refused: POSIX time, and so a Timestamp, has none.
#define STRICTLOG_CLOCK_REGEX "(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"

inline constexpr std::string_view kMonthAbbreviations[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
inline constexpr std::string_view kMonthNames[] = {"January", "February", "March",     "April",   "May",      "June",
                                                   "July",    "August",   "September", "October", "November", "December"};
// In std::chrono::weekday's order: Sunday is 0.
inline constexpr std::string_view kWeekdayAbbreviations[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
inline constexpr std::string_view kWeekdayNames[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                     "Thursday", "Friday", "Saturday"};

// 1-12 for an abbreviation in kMonthAbbreviations, else 0.
inline unsigned month_number(std::string_view abbreviation) {
  for (unsigned m = 0; m < 12; ++m) {
    if (kMonthAbbreviations[m] == abbreviation) return m + 1;
  }
  return 0;
}

// The value of the `n` ASCII digits at `text[at]`; the caller's regex guarantees they are digits.
inline unsigned digits_at(std::string_view text, size_t at, size_t n) {
  unsigned v = 0;
  for (size_t i = at; i < at + n; ++i) v = v * 10 + static_cast<unsigned>(text[i] - '0');
  return v;
}

// A day of the month matched by STRICTLOG_PADDED_DAY_REGEX (` 5` or `15`).
inline unsigned padded_day_at(std::string_view text, size_t at) {
  return text[at] == ' ' ? digits_at(text, at + 1, 1) : digits_at(text, at, 2);
}

// Checks that `day` exists in `month` (1-12) of `year`; a year of 0 means "any year", so February 29 is
// allowed. On failure sets *error, e.g. "April has no day 31" or "2023 is not a leap year: February has no
// day 29".
inline bool check_day(int year, unsigned month, unsigned day, std::string* error) {
  using namespace std::chrono;
  const bool any_year = year == 0;
  const year_month_day ymd{std::chrono::year{any_year ? 2000 : year}, std::chrono::month{month},
                           std::chrono::day{day}};
  if (ymd.ok()) return true;
  if (month == 2 && day == 29) {
    *error = std::to_string(year) + " is not a leap year: February has no day 29";
  } else {
    *error = std::string(kMonthNames[month - 1]) + " has no day " + std::to_string(day);
  }
  return false;
}

// A google.protobuf.Timestamp holds 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z (timestamp.proto); a
// four-digit year can only fall outside that range as year 0000.
inline bool check_timestamp_year(int year, std::string* error) {
  if (year >= 1) return true;
  *error = "year 0000 is before 0001, the first year a google.protobuf.Timestamp holds";
  return false;
}

// A valid date (check_day) and time of day, read as UTC, in seconds since 1970-01-01T00:00:00Z.
inline int64_t epoch_seconds(int year, unsigned month, unsigned day, unsigned hour, unsigned minute,
                             unsigned second) {
  using namespace std::chrono;
  const sys_days date{year_month_day{std::chrono::year{year}, std::chrono::month{month}, std::chrono::day{day}}};
  return date.time_since_epoch() / std::chrono::seconds{1} + int64_t{hour} * 3600 + int64_t{minute} * 60 + second;
}

// 0 (Sunday) to 6 (Saturday), of a valid date.
inline unsigned weekday_of(int year, unsigned month, unsigned day) {
  using namespace std::chrono;
  return std::chrono::weekday{sys_days{year_month_day{std::chrono::year{year}, std::chrono::month{month},
                                                      std::chrono::day{day}}}}
      .c_encoding();
}

}  // namespace strictlog::fields_internal
