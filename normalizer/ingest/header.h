// The header of a log line, whatever format it came in: what the pipeline needs to dispatch on (the program)
// and to build the envelope (time, host, pid, PRI and the rest), with the message left for the grammars.
//
// Formats (HeaderFormat), each with its own parser:
//   - RFC 3164 (ingest/rfc3164.h): `[<PRI>]Mmm dd hh:mm:ss HOST TAG[pid]: msg`, as syslog daemons write files
//     and as BSD-style senders put it on the wire. No year, no zone.
//   - RFC 5424 (ingest/rfc5424.h): `<PRI>1 TIMESTAMP HOST APP-NAME PROCID MSGID SD [MSG]`, full date with a
//     UTC offset, MSGID and STRUCTURED-DATA.
//   - RFC 3339 file lines (ingest/rfc5424.h): rsyslog's high-precision file format,
//     `2015-04-16T18:02:50.321974+00:00 HOST TAG[pid]: msg` (RSYSLOG_FileFormat), the RFC 3164 layout with an
//     RFC 3339 timestamp.
//   - Program log (ingest/program_log.h): lines a program wrote to its own log file, with no syslog header:
//     OpenVPN's `--log` (`2026-11-22 09:15:02 msg`, before 2.5 `Sun Nov 22 09:15:02 2026 msg`, ` us=N` at
//     verb >= 4, nothing with --suppress-timestamps). The program is named by the caller (`--program`).
//
// Every view points into the parsed line, except `program` of a program log line, which is the caller's
// `program` argument; parsers allocate nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace strictlog {

enum class HeaderFormat { kRfc3164, kRfc5424, kRfc3339File, kProgramLog };

// What the timestamp says, and so how it becomes an instant.
enum class TimeForm {
  kNone,    // no timestamp (RFC 5424 NILVALUE `-`, --suppress-timestamps): the event has no time
  kNoYear,  // month, day and time of day, no year and no zone (RFC 3164): the year is inferred (syslog_time.h)
  kLocal,   // a full date and time of day without a UTC offset (OpenVPN's log): a wall-clock time in the
            // input's zone (--timezone, default UTC)
  kOffset,  // a full date and time of day with a UTC offset (RFC 5424, RFC 3339): an exact instant
};

struct SyslogHeader {
  HeaderFormat format = HeaderFormat::kRfc3164;
  std::optional<uint32_t> facility, severity;  // from PRI when present
  TimeForm time_form = TimeForm::kNoYear;
  // A program log line stamped the ctime() way (`Sun Nov 22 09:15:02 2026`), which only OpenVPN <= 2.4 writes:
  // it selects the grammar version that declares `detect timestamp ctime;` (ruleset.h).
  bool ctime_timestamp = false;
  std::string_view timestamp_text;  // as written: "Nov 22 12:21:12", "2015-04-16T18:02:50.321974+00:00",
                                    // "2026-11-22 09:15:02 us=417" (the us= suffix is part of it); empty with kNone
  int year = 0;                     // kLocal and kOffset only
  int month = 0;                    // 1-12
  int day = 0, hour = 0, minute = 0, second = 0;
  uint32_t nanos = 0;               // fraction of the second, when the timestamp has one
  int32_t utc_offset_seconds = 0;   // kOffset only: `+01:00` is 3600; local = UTC + offset
  std::string_view hostname;        // empty when the format has none (program log) or RFC 5424's `-`
  std::string_view program;         // TAG / APP-NAME without [pid] and (module), e.g. "openvpn", "sshd"
  std::string_view tag_module;      // "pam_unix" of the tag `sshd(pam_unix)[123]`; empty when absent
  std::optional<uint32_t> pid;      // the pid in `TAG[pid]`, or an RFC 5424 PROCID of digits
  std::string_view procid;          // RFC 5424 PROCID when it is not a pid (`-` gives empty)
  std::string_view msgid;           // RFC 5424 MSGID (`-` gives empty)
  std::string_view structured_data; // RFC 5424 STRUCTURED-DATA as written, validated (`-` gives empty); see
                                    // rfc5424.h for decoding its elements
  std::string_view message;         // after the header: what the grammars read
  // `message repeated N times: [ msg ]` (rsyslog's reduction of repeats; `message` is then the inner msg)
  // or `last message repeated N times` and its variants (the line stands for N more copies of a previous line
  // and has no message of its own; `program` is empty in the untagged sysklogd form, and the writer's tag,
  // e.g. `syslogd`, otherwise): N. See ingest/repeats.h.
  std::optional<uint32_t> repeat_count;
  bool last_message_repeated = false;
};

// Why a header did not parse: the format the line's first bytes announced, the parser's reason text (one of
// the *_reason constants of that format's parser) and the byte offset where it stopped.
struct HeaderError {
  HeaderFormat format = HeaderFormat::kRfc3164;
  std::string_view why;
  size_t where = 0;
  // The header parsed, but its message is a malformed repeat notice (`message repeated 1 times: [`).
  bool in_repeat_notice = false;
};

// "an RFC 3164 syslog line", "an RFC 5424 syslog line", "an RFC 3339 file line (rsyslog's high-precision
// format)", "a program log line": for messages such as "not an RFC 5424 syslog line: missing HOSTNAME at byte 31".
std::string_view header_format_text(HeaderFormat format);

// Parses a line's header. With `program` empty the line is syslog, and its first bytes choose the parser:
// `<PRI>1 ` RFC 5424, a digit RFC 3339 (rsyslog's file format), anything else RFC 3164, so one file or stream
// may mix them (each choice is unambiguous: an RFC 3164 line starts with `<` and a month name, or the month
// name). With `program` set, the line is that program's own log output (parse_program_log). Then repeats are
// recognised in any format (ingest/repeats.h). Returns false with `*error` set, leaving `*out` unspecified.
bool parse_header(std::string_view line, std::string_view program, SyslogHeader* out, HeaderError* error);

}  // namespace strictlog
