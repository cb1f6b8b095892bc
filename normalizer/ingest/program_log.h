// Program log parser: lines a program wrote to its own log file, with no syslog header. The program is
// named by the caller (`--program NAME`); the formats are those OpenVPN 2.x writes with `--log`, `--log-append`
// or to stdout (src/openvpn/error.c x_msg_va(), src/openvpn/otime.c time_string(); see
// /work/shared/openvpn/FORMAT-NOTES.md §1 and §2):
//
//   (a) OpenVPN >= 2.5   `2026-11-22 09:15:02 msg`       "%04d-%02d-%02d %02d:%02d:%02d" of localtime()
//   (b) OpenVPN <= 2.4   `Sun Nov 22 09:15:02 2026 msg`  ctime() without its '\n' (day padded with a space)
//   (c) either, at --verb >= 4, followed by ` us=N`: `2026-11-22 09:15:02 us=417 msg`, N printed with %ld
//       (1-6 digits, no zero padding). OpenVPN omits ` us=` when the microseconds are 0; `us=0` is accepted
//       all the same, since it can mean nothing else.
//   (d) no timestamp (--suppress-timestamps, as the systemd units shipped with OpenVPN use, and M_NOPREFIX
//       lines in any log): the whole line is the message.
//   (e) --machine-readable-output `1700000000.123456 1 msg`: epoch seconds, '.', 6-digit microseconds, the
//       msg() flags in lowercase hex (%x), then the message. The epoch is UTC.
//
// Output: format kProgramLog, `program` as given, no hostname, PRI or pid; `message` is everything after the
// timestamp and its one space (so it starts with the client-instance prefix when there is one).
//   (a), (b): time_form kLocal (a wall-clock time of the input's zone, --timezone), nanos = N * 1000 with
//             (c); timestamp_text is the timestamp as written including ` us=N`.
//   (d):      time_form kNone, timestamp_text empty, every time field 0, message = the whole line.
//   (e):      time_form kOffset with utc_offset_seconds 0, date and time of day in UTC from the epoch, nanos
//             from the microseconds; timestamp_text is `<epoch>.<usec>`. The flags are checked but not kept:
//             SyslogHeader has no field for them (they hold the verb level, M_FATAL/M_NONFATAL/M_WARN, ...).
//
// Which lines are (d), and which are broken timestamps. A line is read as timestamp-less only when it does
// not begin like a timestamp; one that does must be a complete, valid timestamp or it is rejected (HEADER
// quarantine), never read as a message that happens to start with digits. "Begins like a timestamp" is:
//   - 4 digits, '-', a digit (`2026-1`): form (a). A client prefix whose common name starts that way (CNs
//     are free text) is rejected under --suppress-timestamps too; a CN such as `2024-laptop` is not, since
//     the 6th byte is not a digit.
//   - an English weekday abbreviation, ' ', an English month abbreviation (`Tue Aug`): form (b);
//   - 1 or more digits, '.', 6 digits, then ' ' or the end (`1700000000.123456 `): form (e). An IPv4 client
//     prefix (`198.51.100.7:1194 ...`) never has 6 digits after its first dot, so it stays a message.
//   - `us=` and a digit right after the timestamp: the microseconds, which must then be valid; `us=`
//     followed by anything else is the start of the message.
// The R/W characters --verb 5 writes to stderr without a newline land in front of the next line's
// timestamp (`WRRWRRTue Aug  1 23:17:36 2017 us=613106 ...`). A line that is a run of R, W, r, w followed
// by something that begins like a timestamp is rejected ("packet-trace characters before the timestamp"),
// at offset 0: stripping them would make the line parse, but hides that the file mixes stderr noise into
// the log. Under --suppress-timestamps they cannot be told from the message and stay in it.
//
// Checks, with the reasons in program_log_reason:
//   - the layout byte by byte: two-digit fields zero-padded as printf writes them (ctime's day is padded
//     with a space: `Aug 01` is "zero-padded day"), one space after the timestamp (a second one belongs to
//     the message);
//   - year 1969-9999 (a clock at the Unix epoch shows 1969-12-31 west of UTC; four digits end at 9999),
//     month 1-12, the day against the month and, the year being known, Feb 29 only in leap years;
//   - hour 0-23, minute 0-59, second 0-59. Second 60 is rejected: localtime() gives tm_sec 60 only with a
//     leap-second ("right/") zone, whose time_t is not POSIX time, so such a line could not be placed on
//     the time line anyway (parse_rfc3164 rejects it too);
//   - ctime's weekday must be the weekday of the date: ctime() derives it from the date and never prints a
//     wrong one, so a mismatch means a corrupt or hand-edited line;
//   - machine-readable: epoch 0-253402300799 (the end of 9999) without leading zeros, flags 1-8 lowercase
//     hex digits without leading zeros (as %x prints an unsigned int).
// A line that ends right after its timestamp (or machine-readable flags) is rejected ("missing ' ' after
// timestamp", "... after message flags"): OpenVPN always writes the space, so the line lost its end
// (trailing-space trimming, truncation).
//
// `program` is not checked here: the caller validates --program once.
// Allocates nothing: every view in SyslogHeader points into `line` or `program`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ingest/header.h"

namespace strictlog {

// Why parse_program_log rejected a line. Stable texts: quarantine records and tests key on them.
namespace program_log_reason {
inline constexpr std::string_view kPacketTrace = "packet-trace characters before the timestamp";
inline constexpr std::string_view kMalformedTimestamp = "malformed timestamp";
inline constexpr std::string_view kMissingSpace = "missing ' ' after timestamp";
inline constexpr std::string_view kYearOutOfRange = "year out of range";
inline constexpr std::string_view kMonthOutOfRange = "month out of range";
inline constexpr std::string_view kZeroPaddedDay = "zero-padded day";
inline constexpr std::string_view kDayOutOfRange = "day out of range";
inline constexpr std::string_view kHourOutOfRange = "hour out of range";
inline constexpr std::string_view kMinuteOutOfRange = "minute out of range";
inline constexpr std::string_view kSecondOutOfRange = "second out of range";
inline constexpr std::string_view kWrongWeekday = "weekday does not match the date";
inline constexpr std::string_view kZeroPaddedMicroseconds = "zero-padded us=";
inline constexpr std::string_view kMicrosecondsOutOfRange = "us= out of range";
inline constexpr std::string_view kMalformedEpoch = "epoch has a leading zero";
inline constexpr std::string_view kEpochOutOfRange = "epoch out of range";
inline constexpr std::string_view kMalformedFlags = "malformed message flags";
inline constexpr std::string_view kMissingFlagsSpace = "missing ' ' after message flags";
}  // namespace program_log_reason

inline constexpr int kMinProgramLogYear = 1969;
inline constexpr int kMaxProgramLogYear = 9999;
inline constexpr int64_t kMaxProgramLogEpoch = 253402300799;  // 9999-12-31T23:59:59Z

// Parses `line`, written by `program`. On success fills `*out` and returns true. Otherwise returns false,
// leaves `*out` untouched, sets `*why` to one of the program_log_reason texts and, when `where` is given,
// `*where` to the byte offset in `line` where parsing stopped (the first byte that does not fit, or the
// start of the field out of range).
bool parse_program_log(std::string_view line, std::string_view program, SyslogHeader* out, std::string_view* why,
                       size_t* where = nullptr);

}  // namespace strictlog
