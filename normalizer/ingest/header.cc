#include "ingest/header.h"

#include "ingest/internal/cursor.h"
#include "ingest/program_log.h"
#include "ingest/repeats.h"
#include "ingest/rfc3164.h"
#include "ingest/rfc5424.h"

namespace strictlog {

std::string_view header_format_text(HeaderFormat format) {
  switch (format) {
    case HeaderFormat::kRfc3164:
      return "an RFC 3164 syslog line";
    case HeaderFormat::kRfc5424:
      return "an RFC 5424 syslog line";
    case HeaderFormat::kRfc3339File:
      return "an RFC 3339 file line (rsyslog's high-precision format)";
    case HeaderFormat::kProgramLog:
      return "a program log line";
  }
  return "a log line";
}

namespace {

using ingest_internal::is_digit;

// After `<PRI>`, 1-3 digits and a space are RFC 5424's VERSION (`<29>1 `); an RFC 3164 line continues with a
// month name, and an RFC 3339 file line (rsyslog's RSYSLOG_ForwardFormat puts a PRI before it) with a year.
bool announces_rfc5424(std::string_view line) {
  size_t close = line.find('>');
  if (close == std::string_view::npos || close > 4) return false;
  size_t digits = 0;
  while (close + 1 + digits < line.size() && digits < 4 && is_digit(line[close + 1 + digits])) ++digits;
  return digits >= 1 && digits <= 3 && close + 1 + digits < line.size() && line[close + 1 + digits] == ' ';
}

// `<PRI>` and a year: `<13>2015-04-16T18:02:50+00:00 host tag: msg`.
bool announces_file_line(std::string_view line) {
  size_t close = line.find('>');
  return close != std::string_view::npos && close <= 4 && line.size() > close + 5 && is_digit(line[close + 1]) &&
         is_digit(line[close + 2]) && is_digit(line[close + 3]) && is_digit(line[close + 4]) && line[close + 5] == '-';
}

}  // namespace

bool parse_header(std::string_view line, std::string_view program, SyslogHeader* out, HeaderError* error) {
  bool ok = false;
  if (!program.empty()) {
    error->format = HeaderFormat::kProgramLog;
    ok = parse_program_log(line, program, out, &error->why, &error->where);
  } else if (!line.empty() && line[0] == '<' && announces_rfc5424(line)) {
    error->format = HeaderFormat::kRfc5424;
    ok = parse_rfc5424(line, out, &error->why, &error->where);
  } else if (!line.empty() && (is_digit(line[0]) || (line[0] == '<' && announces_file_line(line)))) {
    error->format = HeaderFormat::kRfc3339File;
    ok = parse_rfc3339_file_line(line, out, &error->why, &error->where);
  } else {
    error->format = HeaderFormat::kRfc3164;
    ok = parse_rfc3164(line, out, &error->why, &error->where);
  }
  if (!ok) return false;
  if (out->last_message_repeated) return true;
  error->in_repeat_notice = true;
  if (!unwrap_repeated(line, out, &error->why, &error->where)) return false;
  error->in_repeat_notice = false;
  return true;
}

}  // namespace strictlog
