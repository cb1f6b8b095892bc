// Field type `syslog_time`: an RFC 3164 §4.1.2 TIMESTAMP, `Mmm dd HH:MM:SS`, kept as text.
//
//   Nov 22 09:15:02       a two-digit day
//   Nov  5 09:15:02       a day below 10 is a space and the digit ("Aug  7", never "Aug 07")
//
// The month is the English abbreviation, capitalized as the C locale prints it. The day must exist in the
// month in some year (`Feb 29` is accepted, `Feb 30` and `Apr 31` are conversion errors); the clock runs
// 00:00:00 to 23:59:59. Deviations: none from RFC 3164, which is already strict here; RFC 5424 timestamps
// are not this type.
//
// The value is a string, not a google.protobuf.Timestamp: the text has no year, and which year it means
// is the envelope's business (the syslog header's time is resolved against the file's year or `--year`,
// with the zone), not a capture's. Map it to a string field; use `iso_time` or `ctime` where the log
// prints a year.
//
// Internal to the fields stage: registry.cc includes it; other stages use field_type.h.
#pragma once

#include <string>
#include <string_view>

#include "fields/field_type.h"
#include "fields/internal/calendar.h"

namespace strictlog {
namespace fields_internal::syslog_time {

inline constexpr std::string_view kRegex =
    STRICTLOG_MONTH_REGEX " " STRICTLOG_PADDED_DAY_REGEX " " STRICTLOG_CLOCK_REGEX;

inline constexpr std::string_view kAccepts[] = {"Nov 22 09:15:02", "Nov  5 09:15:02", "Feb 29 23:59:59",
                                                "Jan 31 00:00:00"};
inline constexpr std::string_view kRejects[] = {"Nov 05 09:15:02", "Nov 5 09:15:02",  "nov 22 09:15:02",
                                                "Feb 30 00:00:00", "Apr 31 00:00:00", "Nov 22 24:00:00",
                                                "Nov 22 23:59:60", "2026 Nov 22 09:15:02"};

inline bool convert(std::string_view text, Value* out, std::string* error) {
  if (!check_day(0, month_number(text.substr(0, 3)), padded_day_at(text, 4), error)) return false;
  *out = Value{ValueKind::kString, text, 0};
  return true;
}

}  // namespace fields_internal::syslog_time

inline constexpr FieldType kSyslogTime{
    .name = "syslog_time",
    .summary = "RFC 3164 time 'Nov  5 09:15:02' (day space-padded); no year, so it stays text",
    .regex = fields_internal::syslog_time::kRegex,
    .output = ValueKind::kString,
    .convert = fields_internal::syslog_time::convert,
    .accepts = fields_internal::syslog_time::kAccepts,
    .rejects = fields_internal::syslog_time::kRejects,
};

}  // namespace strictlog
