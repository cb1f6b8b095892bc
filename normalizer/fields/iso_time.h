// Field type `iso_time`: a local date and time `YYYY-MM-DD HH:MM:SS`, the prefix OpenVPN >= 2.5 writes to
// its --log file (strftime "%Y-%m-%d %H:%M:%S"), as a google.protobuf.Timestamp.
//
// Exactly that form: four-digit year, two-digit month, day, hour, minute and second, one space between
// date and time. The date must exist (leap years by the Gregorian rule: 2024-02-29 and 2000-02-29 are
// dates, 2023-02-29 and 1900-02-29 are not); the clock runs 00:00:00 to 23:59:59; year 0000 is refused,
// being outside what a Timestamp holds. Deviations from ISO 8601 / RFC 3339: a space, not `T`; no
// fraction; no zone.
//
// The text has no zone, so the value reads the wall clock as UTC: `2026-11-22 09:15:02` becomes
// 2026-11-22T09:15:02Z whatever zone the program ran in. The zone is the envelope's business, like a
// syslog header's; a later `--timezone` shifts these values. The capture can also map to a string field,
// which keeps the text as written.
//
// Internal to the fields stage: registry.cc includes it; other stages use field_type.h.
#pragma once

#include <string>
#include <string_view>

#include "fields/field_type.h"
#include "fields/internal/calendar.h"

namespace strictlog {
namespace fields_internal::iso_time {

inline constexpr std::string_view kRegex =
    "[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01]) " STRICTLOG_CLOCK_REGEX;

inline constexpr std::string_view kAccepts[] = {"2026-11-22 09:15:02", "2024-02-29 23:59:59",
                                                "1970-01-01 00:00:00", "0001-01-01 00:00:00"};
inline constexpr std::string_view kRejects[] = {"2023-02-29 00:00:00", "2026-04-31 12:00:00", "2026-13-01 00:00:00",
                                                "2026-11-22T09:15:02", "2026-11-22 9:15:02",  "2026-11-22 24:00:00",
                                                "0000-01-01 00:00:00", "26-11-22 09:15:02"};

inline bool convert(std::string_view text, Value* out, std::string* error) {
  const int year = static_cast<int>(digits_at(text, 0, 4));
  const unsigned month = digits_at(text, 5, 2), day = digits_at(text, 8, 2);
  if (!check_timestamp_year(year, error) || !check_day(year, month, day, error)) return false;
  const int64_t seconds =
      epoch_seconds(year, month, day, digits_at(text, 11, 2), digits_at(text, 14, 2), digits_at(text, 17, 2));
  *out = Value{.kind = ValueKind::kTimestamp, .text = text, .integer = seconds};
  return true;
}

}  // namespace fields_internal::iso_time

inline constexpr FieldType kIsoTime{
    .name = "iso_time",
    .summary = "local time '2026-11-22 09:15:02' (OpenVPN >= 2.5 --log), read as UTC; or its text",
    .regex = fields_internal::iso_time::kRegex,
    .output = ValueKind::kTimestamp,
    .convert = fields_internal::iso_time::convert,
    .accepts = fields_internal::iso_time::kAccepts,
    .rejects = fields_internal::iso_time::kRejects,
};

}  // namespace strictlog
