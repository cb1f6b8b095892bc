// Field type `ctime`: a local time as ctime(3) prints it, `Www Mmm dd HH:MM:SS YYYY`, the prefix OpenVPN
// <= 2.4 writes to its --log file, as a google.protobuf.Timestamp.
//
//   Thu Nov 22 09:15:02 2018
//   Mon Nov  5 09:15:02 2018      a day below 10 is a space and the digit (ctime's "%3d" after the month)
//
// English abbreviations as the C locale prints them, a four-digit year (ctime writes fewer before year
// 1000; no log of ours is that old). The date must exist, the weekday must be the date's (`Mon Nov 22
// 2018` is refused: Nov 22 2018 was a Thursday, so the text was not written by ctime), the clock runs
// 00:00:00 to 23:59:59, and year 0000 is refused, being outside what a Timestamp holds. ctime's trailing
// newline is not part of the field.
//
// The text has no zone, so the value reads the wall clock as UTC, as for `iso_time`; the zone is the
// envelope's business (a later `--timezone`). The capture can also map to a string field, which keeps the
// text as written.
//
// Internal to the fields stage: registry.cc includes it; other stages use field_type.h.
#pragma once

#include <string>
#include <string_view>

#include "fields/field_type.h"
#include "fields/internal/calendar.h"

namespace strictlog {
namespace fields_internal::ctime {

inline constexpr std::string_view kRegex = STRICTLOG_WEEKDAY_REGEX " " STRICTLOG_MONTH_REGEX
    " " STRICTLOG_PADDED_DAY_REGEX " " STRICTLOG_CLOCK_REGEX " [0-9]{4}";

inline constexpr std::string_view kAccepts[] = {"Thu Nov 22 09:15:02 2018", "Mon Nov  5 09:15:02 2018",
                                                "Mon Feb 29 12:00:00 2016", "Thu Jan  1 00:00:00 1970"};
inline constexpr std::string_view kRejects[] = {
    "Mon Nov 22 09:15:02 2018", "Thu Nov 05 09:15:02 2018", "Tue Feb 29 12:00:00 2022",
    "Thu Nov 22 09:15:02 18",   "Thu Nov 22 09:15:02",      "Thursday Nov 22 09:15:02 2018",
    "thu nov 22 09:15:02 2018", "Sat Jan  1 00:00:00 0000",
};

inline bool convert(std::string_view text, Value* out, std::string* error) {
  const int year = static_cast<int>(digits_at(text, 20, 4));
  const unsigned month = month_number(text.substr(4, 3)), day = padded_day_at(text, 8);
  if (!check_timestamp_year(year, error) || !check_day(year, month, day, error)) return false;
  const unsigned weekday = weekday_of(year, month, day);
  if (text.substr(0, 3) != kWeekdayAbbreviations[weekday]) {
    unsigned written = 0;
    while (kWeekdayAbbreviations[written] != text.substr(0, 3)) ++written;  // the regex admits only these
    *error = std::string(text.substr(4, 3)) + " " + std::to_string(day) + " " + std::to_string(year) + " was a " +
             std::string(kWeekdayNames[weekday]) + ", not a " + std::string(kWeekdayNames[written]);
    return false;
  }
  const int64_t seconds =
      epoch_seconds(year, month, day, digits_at(text, 11, 2), digits_at(text, 14, 2), digits_at(text, 17, 2));
  *out = Value{.kind = ValueKind::kTimestamp, .text = text, .integer = seconds};
  return true;
}

}  // namespace fields_internal::ctime

inline constexpr FieldType kCtime{
    .name = "ctime",
    .summary = "local time 'Thu Nov 22 09:15:02 2018' (ctime(3), OpenVPN <= 2.4 --log), read as UTC; or its text",
    .regex = fields_internal::ctime::kRegex,
    .output = ValueKind::kTimestamp,
    .convert = fields_internal::ctime::convert,
    .accepts = fields_internal::ctime::kAccepts,
    .rejects = fields_internal::ctime::kRejects,
};

}  // namespace strictlog
