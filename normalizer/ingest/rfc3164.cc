#include "ingest/rfc3164.h"

#include <array>
#include <cstdint>

#include "ingest/internal/cursor.h"
#include "ingest/internal/repeat_notice.h"
#include "ingest/internal/syslog_fields.h"

namespace strictlog {

namespace {

using namespace rfc3164_reason;

constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
// Feb has 29: the year is not known yet.
constexpr std::array<int, 12> kMaxDay = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
constexpr size_t kTimestampLength = 15;  // "Mmm dd hh:mm:ss"
constexpr uint32_t kMaxPri = 191;        // facility 23, severity 7

using ingest_internal::digit;
using ingest_internal::is_digit;
bool is_tag_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' || c == '.' ||
         c == '_' || c == '/' || c == '@';
}
bool is_module_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' || c == '.' || c == '_';
}

// Walks the line left to right; on failure records the reason and the offset where it stopped.
struct Parser : ingest_internal::Cursor {
  using Cursor::Cursor;

  // §4.1.1: '<' 1*3DIGIT '>'.
  bool pri(SyslogHeader& h) {
    ++pos;
    uint32_t value = 0;
    size_t digits = 0;
    for (; digits < 3 && pos < line.size() && is_digit(line[pos]); ++digits, ++pos) {
      value = value * 10 + static_cast<uint32_t>(digit(line[pos]));
    }
    if (digits == 0 || !next_is('>')) return fail(kMalformedPri, pos);
    if (value > kMaxPri) return fail(kPriOutOfRange, pos - digits);
    ++pos;
    h.facility = value / 8;
    h.severity = value % 8;
    return true;
  }

  // §4.1.2: "Mmm dd hh:mm:ss" followed by one space.
  bool timestamp(SyslogHeader& h) {
    const size_t p = pos;
    std::string_view t = line.substr(p, kTimestampLength);
    if (t.size() < kTimestampLength) return fail(kNoTimestamp, p);
    int month = 0;
    while (month < 12 && t.substr(0, 3) != kMonths[static_cast<size_t>(month)]) ++month;
    bool shape = month < 12 && t[3] == ' ' && (t[4] == ' ' || is_digit(t[4])) && is_digit(t[5]) &&
                 t[6] == ' ' && is_digit(t[7]) && is_digit(t[8]) && t[9] == ':' && is_digit(t[10]) &&
                 is_digit(t[11]) && t[12] == ':' && is_digit(t[13]) && is_digit(t[14]);
    if (!shape) return fail(kNoTimestamp, p);
    if (t[4] == '0') return fail(kZeroPaddedDay, p + 4);
    int day = (t[4] == ' ' ? 0 : digit(t[4]) * 10) + digit(t[5]);
    int hour = digit(t[7]) * 10 + digit(t[8]);
    int minute = digit(t[10]) * 10 + digit(t[11]);
    int second = digit(t[13]) * 10 + digit(t[14]);
    if (day < 1 || day > kMaxDay[static_cast<size_t>(month)]) return fail(kDayOutOfRange, p + 4);
    if (hour > 23) return fail(kHourOutOfRange, p + 7);
    if (minute > 59) return fail(kMinuteOutOfRange, p + 10);
    if (second > 59) return fail(kSecondOutOfRange, p + 13);
    pos = p + kTimestampLength;
    if (at_end()) return fail(kMissingHostname, pos);
    // "Nov 22 12:21:123" is a malformed timestamp rather than a missing hostname.
    if (!next_is(' ')) return fail(kNoTimestamp, p);
    ++pos;
    h.timestamp_text = t;
    h.month = month + 1;
    h.day = day;
    h.hour = hour;
    h.minute = minute;
    h.second = second;
    return true;
  }

  // §4.1.2: HOSTNAME, printing characters, then one space.
  bool hostname(SyslogHeader& h) {
    const size_t start = pos;
    for (; pos < line.size() && line[pos] != ' '; ++pos) {
      auto c = static_cast<unsigned char>(line[pos]);
      if (c < 0x21 || c > 0x7E) return fail(kBadHostname, pos);
    }
    if (pos == start) return fail(kMissingHostname, start);
    if (pos - start > kMaxHostnameLength) return fail(kLongHostname, start);
    if (at_end()) return fail(kMissingTag, pos);
    h.hostname = line.substr(start, pos - start);
    ++pos;
    return true;
  }

  // sysklogd and the BSD syslogds write `last message repeated N times` (sysklogd 2.x: `buffered`) where the
  // tag would be (ingest/repeats.h, form 4): no tag and no message of its own.
  bool notice_or_tag(SyslogHeader& h) {
    uint32_t count = 0;
    std::string_view reason;
    size_t at = 0;
    switch (ingest_internal::parse_untagged_repeat_notice(line.substr(pos), &count, &reason, &at)) {
      case ingest_internal::RepeatNotice::kNone:
        return tag(h);
      case ingest_internal::RepeatNotice::kMalformed:
        return fail(reason, pos + at);
      case ingest_internal::RepeatNotice::kNotice:
        break;
    }
    h.last_message_repeated = true;
    h.repeat_count = count;
    pos = line.size();
    h.message = line.substr(pos);
    return true;
  }

  // §4.1.3 (with the deviations in the header): TAG ["(" module ")"] ["[" pid "]"] ":" [" " message].
  bool tag(SyslogHeader& h) {
    const size_t start = pos;
    while (pos < line.size() && is_tag_char(line[pos])) ++pos;
    if (pos == start) return fail(kMissingTag, start);
    h.program = line.substr(start, pos - start);
    if (next_is('(') && !module(h)) return false;
    if (pos - start > kMaxTagLength) return fail(kLongTag, start);
    if (next_is('[')) {
      const size_t pid_start = ++pos;
      uint64_t value = 0;
      for (; pos < line.size() && is_digit(line[pos]); ++pos) {
        if (value <= UINT32_MAX) value = value * 10 + static_cast<uint64_t>(digit(line[pos]));
      }
      if (at_end()) return fail(kMissingBracket, pos);
      // `openvpn[12: x` lacks the ']' (the digits end where the tag would); `openvpn[12a]` has a bad pid.
      if (pos > pid_start && (next_is(':') || next_is(' '))) return fail(kMissingBracket, pos);
      if (!next_is(']') || pos == pid_start) return fail(kPidNotNumber, pid_start);
      if (value > UINT32_MAX) return fail(kPidOutOfRange, pid_start);
      ++pos;
      h.pid = static_cast<uint32_t>(value);
    }
    if (!next_is(':')) return fail(kMissingColon, pos);
    ++pos;
    if (!at_end()) {
      if (!next_is(' ')) return fail(kMissingSpace, pos);
      ++pos;
    }
    h.message = line.substr(pos);
    return true;
  }

  // Linux-PAM's old tags, `sshd(pam_unix)[4242]:`: a module name in parentheses right after the program.
  bool module(SyslogHeader& h) {
    const size_t start = ++pos;
    while (pos < line.size() && is_module_char(line[pos])) ++pos;
    if (!next_is(')')) return fail(kMissingParen, pos);
    if (pos == start) return fail(kEmptyModule, pos);
    h.tag_module = line.substr(start, pos - start);
    ++pos;
    return true;
  }
};

}  // namespace

bool parse_rfc3164(std::string_view line, SyslogHeader* out, std::string_view* why, size_t* where) {
  Parser p(line);
  SyslogHeader h;
  bool ok = (!p.next_is('<') || p.pri(h)) && p.timestamp(h) && p.hostname(h) && p.notice_or_tag(h);
  if (!ok) {
    *why = p.why;
    if (where != nullptr) *where = p.where;
    return false;
  }
  *out = h;
  return true;
}

namespace ingest_internal {

bool parse_rfc3164_host_tag(std::string_view line, size_t pos, SyslogHeader* h, std::string_view* why,
                            size_t* where) {
  Parser p(line);
  p.pos = pos;
  if (p.hostname(*h) && p.notice_or_tag(*h)) return true;
  *why = p.why;
  *where = p.where;
  return false;
}

}  // namespace ingest_internal

}  // namespace strictlog
