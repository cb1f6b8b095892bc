// Year inference for RFC 3164 timestamps, which carry month, day and time but no year.
//
// The header time is read as UTC; time zones are a later stage's concern (the caller shifts the result).
// The year comes from a reference instant, normally the time the line is read (or the file's mtime):
//   1. Take the reference's year (UTC).
//   2. If the line's time would then be more than 31 days after the reference, take the year before: a
//      `Dec 31` line read on Jan 2 belongs to last year. Up to 31 days ahead is tolerated as clock skew
//      between the writer and the reader.
//   3. `Feb 29` in a year that is not a leap year steps back to the most recent leap year before it, rather
//      than becoming Mar 1: the line was certainly written on a real Feb 29.
// Pure civil-date arithmetic (std::chrono), no time zone database, no global state.
#pragma once

#include <cstdint>

#include "ingest/header.h"

namespace strictlog {

struct InferredTime {
  int64_t unix_seconds = 0;
  int year = 0;
};

inline constexpr int64_t kMaxFutureSeconds = 31 * 86400;

// Precondition: `header` was filled by a successful parse_rfc3164 (month 1-12, day valid for the month
// in some year, hour 0-23, minute and second 0-59).
InferredTime infer_unix_time(const SyslogHeader& header, int64_t reference_unix_seconds);

// The date and time of day a header with a full date (TimeForm kLocal or kOffset) shows, read as if it were
// UTC: for kOffset, subtract utc_offset_seconds to get the instant; for kLocal, it is the wall-clock time a
// TimeZone turns into one. Precondition: a parser validated the fields (day valid for the month of that year).
int64_t written_seconds(const SyslogHeader& header);

// The last second of `year` in UTC: as a reference time, every RFC 3164 date infers to that year (a stated
// year: `normalize --year`, a corpus file's `year:`).
int64_t end_of_year(int year);

// The UTC year of `unix_seconds`.
int year_of(int64_t unix_seconds);

}  // namespace strictlog
