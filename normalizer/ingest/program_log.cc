#include "ingest/program_log.h"

#include <array>
#include <chrono>
#include <cstdint>

#include "ingest/internal/cursor.h"

namespace strictlog {

namespace {

using namespace program_log_reason;
namespace chr = std::chrono;

constexpr std::array<std::string_view, 7> kWeekdays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
// The layouts, byte by byte: 'D' a digit, '_' a space or a digit, 'A' anything (checked on its own), any
// other character itself.
constexpr std::string_view kIsoShape = "DDDD-DD-DD DD:DD:DD";        // OpenVPN >= 2.5
constexpr std::string_view kCtimeShape = "AAA AAA _D DD:DD:DD DDDD";  // ctime(), OpenVPN <= 2.4
constexpr size_t kUsecDigits = 6;
constexpr size_t kMaxEpochDigits = 12;  // kMaxProgramLogEpoch has 12
constexpr size_t kMaxFlagDigits = 8;    // an unsigned int in %x

using ingest_internal::digit;
using ingest_internal::is_digit;
bool is_packet_trace_char(char c) { return c == 'R' || c == 'W' || c == 'r' || c == 'w'; }
bool is_lower_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }

// The index of `word` in `names`, or -1.
template <size_t N>
int index_of(const std::array<std::string_view, N>& names, std::string_view word) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == word) return static_cast<int>(i);
  }
  return -1;
}

int number(std::string_view s, size_t at, size_t digits) {
  int value = 0;
  for (size_t i = at; i < at + digits; ++i) value = value * 10 + digit(s[i]);
  return value;
}

size_t leading_digits(std::string_view s) {
  size_t n = 0;
  while (n < s.size() && is_digit(s[n])) ++n;
  return n;
}

// What makes a line "begin like a timestamp" (see the header); each one commits the line to that form.
bool begins_iso(std::string_view s) {
  return s.size() >= 6 && leading_digits(s.substr(0, 4)) == 4 && s[4] == '-' && is_digit(s[5]);
}
bool begins_ctime(std::string_view s) {
  return s.size() >= 7 && index_of(kWeekdays, s.substr(0, 3)) >= 0 && s[3] == ' ' &&
         index_of(kMonths, s.substr(4, 3)) >= 0;
}
bool begins_epoch(std::string_view s) {
  size_t n = leading_digits(s);
  if (n == 0 || n >= s.size() || s[n] != '.') return false;
  if (leading_digits(s.substr(n + 1)) != kUsecDigits) return false;
  size_t end = n + 1 + kUsecDigits;
  return end == s.size() || s[end] == ' ';
}
bool begins_timestamp(std::string_view s) { return begins_iso(s) || begins_ctime(s) || begins_epoch(s); }

// R, W, r, w glued in front of something that begins like a timestamp (the timestamp may itself start with
// 'W': `RWWed Aug  2 ...`, so every position inside the run is tried).
bool has_packet_trace(std::string_view line) {
  for (size_t i = 1; i <= line.size() && is_packet_trace_char(line[i - 1]); ++i) {
    if (begins_timestamp(line.substr(i))) return true;
  }
  return false;
}

// One byte of a shape (see kIsoShape).
bool fits_byte(char shape, char c) {
  switch (shape) {
    case 'A':
      return true;
    case 'D':
      return is_digit(c);
    case '_':
      return c == ' ' || is_digit(c);
    default:
      return c == shape;
  }
}

bool is_valid_day(int year, int month, int day) {
  chr::year_month_day_last last{chr::year{year}, chr::month_day_last{chr::month{static_cast<unsigned>(month)}}};
  return day >= 1 && static_cast<unsigned>(day) <= static_cast<unsigned>(last.day());
}

// Walks the line left to right; on failure records the reason and the offset where it stopped.
struct Parser : ingest_internal::Cursor {
  using Cursor::Cursor;

  // The line from `pos` fits `shape`; otherwise fails at the first byte that does not.
  bool fits(std::string_view shape) {
    for (size_t i = 0; i < shape.size(); ++i) {
      size_t at = pos + i;
      if (at >= line.size()) return fail(kMalformedTimestamp, at);
      if (!fits_byte(shape[i], line[at])) return fail(kMalformedTimestamp, at);
    }
    return true;
  }

  // `hh:mm:ss` at `at`.
  bool time_of_day(size_t at, SyslogHeader& h) {
    h.hour = number(line, at, 2);
    h.minute = number(line, at + 3, 2);
    h.second = number(line, at + 6, 2);
    if (h.hour > 23) return fail(kHourOutOfRange, at);
    if (h.minute > 59) return fail(kMinuteOutOfRange, at + 3);
    if (h.second > 59) return fail(kSecondOutOfRange, at + 6);
    return true;
  }

  bool year(int value, size_t at, SyslogHeader& h) {
    if (value < kMinProgramLogYear || value > kMaxProgramLogYear) return fail(kYearOutOfRange, at);
    h.year = value;
    return true;
  }

  // (a) `YYYY-MM-DD HH:MM:SS`.
  bool iso(SyslogHeader& h) {
    if (!fits(kIsoShape)) return false;
    if (!year(number(line, 0, 4), 0, h)) return false;
    h.month = number(line, 5, 2);
    if (h.month < 1 || h.month > 12) return fail(kMonthOutOfRange, 5);
    h.day = number(line, 8, 2);
    if (!is_valid_day(h.year, h.month, h.day)) return fail(kDayOutOfRange, 8);
    if (!time_of_day(11, h)) return false;
    pos = kIsoShape.size();
    return after_timestamp(h);
  }

  // (b) `Www Mmm dd HH:MM:SS YYYY`, the day padded with a space; begins_ctime() checked the two names.
  bool ctime(SyslogHeader& h) {
    if (!fits(kCtimeShape)) return false;
    h.month = index_of(kMonths, line.substr(4, 3)) + 1;
    if (line[8] == '0') return fail(kZeroPaddedDay, 8);
    h.day = (line[8] == ' ' ? 0 : digit(line[8]) * 10) + digit(line[9]);
    // Against the month in a leap year (2000) first: whether Feb 29 exists waits for the year, which comes last.
    if (!is_valid_day(2000, h.month, h.day)) return fail(kDayOutOfRange, 8);
    if (!time_of_day(11, h)) return false;
    if (!year(number(line, 20, 4), 20, h)) return false;
    if (!is_valid_day(h.year, h.month, h.day)) return fail(kDayOutOfRange, 8);
    chr::year_month_day date{chr::year{h.year}, chr::month{static_cast<unsigned>(h.month)},
                             chr::day{static_cast<unsigned>(h.day)}};
    auto weekday = chr::weekday{chr::sys_days{date}}.c_encoding();
    if (index_of(kWeekdays, line.substr(0, 3)) != static_cast<int>(weekday)) return fail(kWrongWeekday, 0);
    pos = kCtimeShape.size();
    h.ctime_timestamp = true;
    return after_timestamp(h);
  }

  // (a) and (b) go on with ` ` [`us=N `] message.
  bool after_timestamp(SyslogHeader& h) {
    size_t end = pos;
    if (at_end()) return fail(kMissingSpace, pos);
    if (!next_is(' ')) return fail(kMalformedTimestamp, pos);
    ++pos;
    if (line.substr(pos, 3) == "us=" && pos + 3 < line.size() && is_digit(line[pos + 3])) {
      const size_t start = pos + 3;
      const size_t digits = leading_digits(line.substr(start));
      if (digits > 1 && line[start] == '0') return fail(kZeroPaddedMicroseconds, start);
      if (digits > kUsecDigits) return fail(kMicrosecondsOutOfRange, start);
      h.nanos = static_cast<uint32_t>(number(line, start, digits)) * 1000;
      pos = end = start + digits;
      if (at_end()) return fail(kMissingSpace, pos);
      if (!next_is(' ')) return fail(kMalformedTimestamp, pos);
      ++pos;
    }
    h.time_form = TimeForm::kLocal;
    h.timestamp_text = line.substr(0, end);
    h.message = line.substr(pos);
    return true;
  }

  // (e) `<epoch>.<usec6> <flags-hex> message`; begins_epoch() checked the digits, the '.' and what follows.
  bool epoch(SyslogHeader& h) {
    const size_t digits = leading_digits(line);
    if (digits > 1 && line[0] == '0') return fail(kMalformedEpoch, 0);
    if (digits > kMaxEpochDigits) return fail(kEpochOutOfRange, 0);
    int64_t seconds = 0;
    for (size_t i = 0; i < digits; ++i) seconds = seconds * 10 + digit(line[i]);
    if (seconds > kMaxProgramLogEpoch) return fail(kEpochOutOfRange, 0);
    const uint32_t usec = static_cast<uint32_t>(number(line, digits + 1, kUsecDigits));
    pos = digits + 1 + kUsecDigits;
    const size_t end = pos;
    if (at_end()) return fail(kMissingSpace, pos);
    ++pos;
    const size_t flags = pos;
    while (pos < line.size() && is_lower_hex(line[pos])) ++pos;
    if (pos == flags || pos - flags > kMaxFlagDigits || (pos - flags > 1 && line[flags] == '0')) {
      return fail(kMalformedFlags, flags);
    }
    if (at_end()) return fail(kMissingFlagsSpace, pos);
    if (!next_is(' ')) return fail(kMalformedFlags, flags);
    ++pos;

    chr::sys_seconds instant{chr::seconds{seconds}};
    chr::sys_days days = chr::floor<chr::days>(instant);
    chr::year_month_day date{days};
    chr::hh_mm_ss<chr::seconds> time{instant - days};
    h.time_form = TimeForm::kOffset;
    h.utc_offset_seconds = 0;
    h.year = static_cast<int>(date.year());
    h.month = static_cast<int>(static_cast<unsigned>(date.month()));
    h.day = static_cast<int>(static_cast<unsigned>(date.day()));
    h.hour = static_cast<int>(time.hours().count());
    h.minute = static_cast<int>(time.minutes().count());
    h.second = static_cast<int>(time.seconds().count());
    h.nanos = usec * 1000;
    h.timestamp_text = line.substr(0, end);
    h.message = line.substr(pos);
    return true;
  }
};

}  // namespace

bool parse_program_log(std::string_view line, std::string_view program, SyslogHeader* out, std::string_view* why,
                       size_t* where) {
  Parser p(line);
  SyslogHeader h;
  h.format = HeaderFormat::kProgramLog;
  h.program = program;
  bool ok = true;
  if (begins_iso(line)) {
    ok = p.iso(h);
  } else if (begins_ctime(line)) {
    ok = p.ctime(h);
  } else if (begins_epoch(line)) {
    ok = p.epoch(h);
  } else if (has_packet_trace(line)) {
    ok = p.fail(kPacketTrace, 0);
  } else {
    h.time_form = TimeForm::kNone;
    h.message = line;
  }
  if (!ok) {
    *why = p.why;
    if (where != nullptr) *where = p.where;
    return false;
  }
  *out = h;
  return true;
}

}  // namespace strictlog
