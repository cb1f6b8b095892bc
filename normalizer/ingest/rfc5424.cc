#include "ingest/rfc5424.h"

#include <cstdint>

#include "ingest/internal/cursor.h"
#include "ingest/internal/syslog_fields.h"
#include "ingest/rfc3164.h"

namespace strictlog {

namespace {

using namespace rfc5424_reason;

constexpr uint32_t kMaxPri = 191;  // facility 23, severity 7
constexpr uint32_t kPow10[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000};
constexpr std::string_view kBom = "\xEF\xBB\xBF";

using ingest_internal::digit;
using ingest_internal::is_digit;
// PRINTUSASCII (§6): %d33-126.
bool is_print(char c) {
  auto u = static_cast<unsigned char>(c);
  return u >= 0x21 && u <= 0x7E;
}
// SD-NAME (§6.3): PRINTUSASCII except '=', SP, ']' and '"' (SP is not PRINTUSASCII anyway).
bool is_sd_name_char(char c) { return is_print(c) && c != '=' && c != ']' && c != '"'; }

bool is_leap(int year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }
int days_in_month(int year, int month) {
  constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

// HOSTNAME, APP-NAME, PROCID and MSGID (§6.2.4-§6.2.7) differ only in their limit and reasons.
struct HeaderField {
  size_t max_length;
  std::string_view missing, bad, too_long;
};
constexpr HeaderField kHostname{rfc5424_limits::kHostname, kMissingHostname, kBadHostname, kLongHostname};
constexpr HeaderField kAppName{rfc5424_limits::kAppName, kMissingAppName, kBadAppName, kLongAppName};
constexpr HeaderField kProcid{rfc5424_limits::kProcid, kMissingProcid, kBadProcid, kLongProcid};
constexpr HeaderField kMsgid{rfc5424_limits::kMsgid, kMissingMsgid, kBadMsgid, kLongMsgid};

// A PROCID is a pid when it reads back as written: decimal, no leading zero, at most UINT32_MAX.
void set_procid(std::string_view text, SyslogHeader& h) {
  bool number = !text.empty() && text.size() <= 10 && (text.size() == 1 || text[0] != '0');
  uint64_t value = 0;
  for (size_t i = 0; number && i < text.size(); ++i) {
    number = is_digit(text[i]);
    value = value * 10 + static_cast<uint64_t>(digit(text[i]));
  }
  if (number && value <= UINT32_MAX) {
    h.pid = static_cast<uint32_t>(value);
  } else {
    h.procid = text;
  }
}

// Walks the line left to right; on failure records the reason and the offset where it stopped.
struct Parser : ingest_internal::Cursor {
  using Cursor::Cursor;

  // §6.2.1: "<" PRIVAL ">", PRIVAL 1*3DIGIT in 0-191; "leading "0"s MUST NOT be used" except in "<0>".
  bool pri(SyslogHeader& h) {
    if (!next_is('<')) return fail(kMalformedPri, pos);
    const size_t start = ++pos;
    uint32_t value = 0;
    for (; pos - start < 3 && pos < line.size() && is_digit(line[pos]); ++pos) {
      value = value * 10 + static_cast<uint32_t>(digit(line[pos]));
    }
    if (pos == start || !next_is('>')) return fail(kMalformedPri, pos);
    if (line[start] == '0' && pos - start > 1) return fail(kPriLeadingZero, start);
    if (value > kMaxPri) return fail(kPriOutOfRange, start);
    ++pos;
    h.facility = value / 8;
    h.severity = value % 8;
    return true;
  }

  // §6.2.2: VERSION = NONZERO-DIGIT 0*2DIGIT, of which this parser knows 1; then SP.
  bool version() {
    const size_t start = pos;
    while (pos < line.size() && is_digit(line[pos])) ++pos;
    const size_t n = pos - start;
    if (n == 0 || n > 3 || line[start] == '0' || (!at_end() && !next_is(' '))) {
      return fail(kMalformedVersion, start);
    }
    if (n != 1 || line[start] != '1') return fail(kUnsupportedVersion, start);
    if (at_end()) return fail(kMissingTimestamp, pos);
    ++pos;
    return true;
  }

  // `n` digits; fails at the first byte that is not one.
  bool digits(size_t n, int* value) {
    int v = 0;
    for (size_t i = 0; i < n; ++i, ++pos) {
      if (at_end() || !is_digit(line[pos])) return fail(kMalformedTimestamp, pos);
      v = v * 10 + digit(line[pos]);
    }
    *value = v;
    return true;
  }
  bool literal(char c) {
    if (!next_is(c)) return fail(kMalformedTimestamp, pos);
    ++pos;
    return true;
  }
  // 'T' or 'Z': §6.2.3 says they MUST be upper case.
  bool upper_case(char upper, char lower) {
    if (next_is(lower)) return fail(kLowercaseTimestamp, pos);
    return literal(upper);
  }
  // Two digits no larger than `max`, else `out_of_range` at the first digit.
  bool bounded(int max, std::string_view out_of_range, int* value) {
    const size_t at = pos;
    if (!digits(2, value)) return false;
    if (*value > max) return fail(out_of_range, at);
    return true;
  }

  // RFC 3339 §5.6 with RFC 5424 §6.2.3's restrictions: FULL-DATE "T" TIME-HOUR ":" TIME-MINUTE ":" TIME-SECOND
  // [TIME-SECFRAC] TIME-OFFSET, checked left to right.
  bool rfc3339(SyslogHeader& h) {
    const size_t start = pos;
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (!digits(4, &year) || !literal('-')) return false;
    size_t at = pos;
    if (!digits(2, &month)) return false;
    if (month < 1 || month > 12) return fail(kMonthOutOfRange, at);
    if (!literal('-')) return false;
    at = pos;
    if (!digits(2, &day)) return false;
    if (day < 1 || day > days_in_month(year, month)) return fail(kDayOutOfRange, at);
    if (!upper_case('T', 't') || !bounded(23, kHourOutOfRange, &hour) || !literal(':') ||
        !bounded(59, kMinuteOutOfRange, &minute) || !literal(':') ||
        !bounded(59, kSecondOutOfRange, &second)) {  // no leap second: §6.2.3
      return false;
    }
    uint32_t nanos = 0;
    if (next_is('.')) {
      const size_t first = ++pos;
      uint32_t fraction = 0;
      for (; pos < line.size() && is_digit(line[pos]); ++pos) {
        if (pos - first == rfc5424_limits::kSecfracDigits) return fail(kLongSecfrac, pos);
        fraction = fraction * 10 + static_cast<uint32_t>(digit(line[pos]));
      }
      if (pos == first) return fail(kMalformedTimestamp, pos);
      nanos = fraction * kPow10[9 - (pos - first)];
    }
    int32_t offset = 0;
    if (at_end() || next_is(' ')) return fail(kMissingTimeOffset, pos);
    if (next_is('+') || next_is('-')) {
      const int32_t sign = line[pos++] == '-' ? -1 : 1;
      int offset_hour = 0, offset_minute = 0;
      if (!bounded(23, kTimeOffsetOutOfRange, &offset_hour) || !literal(':') ||
          !bounded(59, kTimeOffsetOutOfRange, &offset_minute)) {
        return false;
      }
      offset = sign * (offset_hour * 3600 + offset_minute * 60);
    } else if (!upper_case('Z', 'z')) {
      return false;
    }
    h.time_form = TimeForm::kOffset;
    h.timestamp_text = line.substr(start, pos - start);
    h.year = year;
    h.month = month;
    h.day = day;
    h.hour = hour;
    h.minute = minute;
    h.second = second;
    h.nanos = nanos;
    h.utc_offset_seconds = offset;
    return true;
  }

  // The SP after TIMESTAMP; `missing` when the line ends instead.
  bool space_after_timestamp(std::string_view missing) {
    if (at_end()) return fail(missing, pos);
    if (!next_is(' ')) return fail(kMalformedTimestamp, pos);
    ++pos;
    return true;
  }

  // §6.2.3: NILVALUE or an RFC 3339 timestamp, then SP.
  bool timestamp(SyslogHeader& h) {
    if (at_end()) return fail(kMissingTimestamp, pos);
    if (next_is('-')) {
      h.time_form = TimeForm::kNone;
      h.timestamp_text = line.substr(pos, 0);
      ++pos;
    } else if (!rfc3339(h)) {
      return false;
    }
    return space_after_timestamp(kMissingHostname);
  }

  // §6.2.4-§6.2.7: NILVALUE (empty `*value`) or 1*max PRINTUSASCII, then SP; `next_missing` when the line
  // ends after the field.
  bool header_field(const HeaderField& f, std::string_view next_missing, std::string_view* value) {
    const size_t start = pos;
    for (; pos < line.size() && line[pos] != ' '; ++pos) {
      if (!is_print(line[pos])) return fail(f.bad, pos);
    }
    if (pos == start) return fail(f.missing, start);
    if (pos - start > f.max_length) return fail(f.too_long, start);
    std::string_view text = line.substr(start, pos - start);
    if (at_end()) return fail(next_missing, pos);
    ++pos;
    *value = text == "-" ? text.substr(0, 0) : text;
    return true;
  }

  // SD-NAME (§6.3): 1-32 PRINTUSASCII except '=', SP, ']' and '"'. A byte outside PRINTUSASCII (other than SP)
  // right after the name is `bad`.
  bool sd_name(std::string_view missing, std::string_view bad, std::string_view too_long) {
    const size_t start = pos;
    while (pos < line.size() && is_sd_name_char(line[pos])) ++pos;
    if (pos - start > rfc5424_limits::kSdName) return fail(too_long, start);
    if (at_end()) return fail(kUnterminatedSdElement, pos);
    if (!is_print(line[pos]) && line[pos] != ' ') return fail(bad, pos);
    if (pos == start) return fail(missing, pos);
    return true;
  }

  // SD-PARAM (§6.3.3): PARAM-NAME "=" %d34 PARAM-VALUE %d34, where '"', '\' and ']' are escaped with '\'.
  bool sd_param() {
    if (!sd_name(kMissingParamName, kBadParamName, kLongParamName)) return false;
    if (!next_is('=')) return fail(kMissingEquals, pos);  // SP, ']' or '"' (sd_name saw the rest)
    ++pos;
    if (at_end()) return fail(kUnterminatedSdElement, pos);
    if (!next_is('"')) return fail(kMissingQuote, pos);
    ++pos;
    for (; !next_is('"'); ++pos) {
      if (at_end()) return fail(kUnterminatedParamValue, pos);
      if (line[pos] == ']') return fail(kUnescapedBracket, pos);
      // The byte after '\' is taken as it is: an escaped '"', '\' or ']', or (§6.3.3) any other byte kept
      // with its backslash.
      if (line[pos] == '\\' && pos + 1 < line.size()) ++pos;
    }
    ++pos;
    return true;
  }

  // SD-ELEMENT (§6.3.1): "[" SD-ID *(SP SD-PARAM) "]".
  bool sd_element() {
    ++pos;  // '['
    if (!sd_name(kMissingSdId, kBadSdId, kLongSdId)) return false;
    if (!next_is(' ') && !next_is(']')) return fail(kBadSdId, pos);  // '=' or '"'
    while (next_is(' ')) {
      ++pos;
      if (!sd_param()) return false;
      if (at_end()) return fail(kUnterminatedSdElement, pos);
      if (!next_is(' ') && !next_is(']')) return fail(kMissingParamSeparator, pos);
    }
    ++pos;  // ']'
    return true;
  }

  // §6.3: STRUCTURED-DATA = NILVALUE / 1*SD-ELEMENT, the elements with nothing between them.
  bool structured_data(SyslogHeader& h) {
    const size_t start = pos;
    if (at_end() || next_is(' ')) return fail(kMissingStructuredData, pos);
    if (next_is('-')) {
      ++pos;
      h.structured_data = line.substr(start, 0);
      return true;
    }
    if (!next_is('[')) return fail(kMalformedStructuredData, pos);
    while (next_is('[')) {
      if (!sd_element()) return false;
    }
    h.structured_data = line.substr(start, pos - start);
    return true;
  }

  // §6: [SP MSG]. §6.4: a leading BOM marks MSG as UTF-8 and is not part of the message.
  bool msg(SyslogHeader& h) {
    if (!at_end()) {
      if (!next_is(' ')) return fail(kMissingSpaceBeforeMsg, pos);
      ++pos;
    }
    std::string_view message = line.substr(pos);
    if (message.starts_with(kBom)) message.remove_prefix(kBom.size());
    h.message = message;
    return true;
  }
};

}  // namespace

bool parse_rfc5424(std::string_view line, SyslogHeader* out, std::string_view* why, size_t* where) {
  Parser p(line);
  SyslogHeader h;
  h.format = HeaderFormat::kRfc5424;
  std::string_view procid;
  bool ok = p.pri(h) && p.version() && p.timestamp(h) &&
            p.header_field(kHostname, kMissingAppName, &h.hostname) &&
            p.header_field(kAppName, kMissingProcid, &h.program) &&
            p.header_field(kProcid, kMissingMsgid, &procid) &&
            p.header_field(kMsgid, kMissingStructuredData, &h.msgid) && p.structured_data(h) && p.msg(h);
  if (!ok) {
    *why = p.why;
    if (where != nullptr) *where = p.where;
    return false;
  }
  if (!procid.empty()) set_procid(procid, h);
  *out = h;
  return true;
}

bool parse_rfc3339_file_line(std::string_view line, SyslogHeader* out, std::string_view* why, size_t* where) {
  Parser p(line);
  SyslogHeader h;
  h.format = HeaderFormat::kRfc3339File;
  bool ok = (!p.next_is('<') || p.pri(h)) && p.rfc3339(h) &&
            p.space_after_timestamp(rfc3164_reason::kMissingHostname) &&
            ingest_internal::parse_rfc3164_host_tag(line, p.pos, &h, &p.why, &p.where);
  if (!ok) {
    *why = p.why;
    if (where != nullptr) *where = p.where;
    return false;
  }
  *out = h;
  return true;
}

namespace rfc5424_internal {

SdItem next_sd_item(std::string_view sd, size_t* pos, std::string_view* name, std::string_view* escaped) {
  size_t i = *pos;
  *pos = sd.size();  // unless an item is found below
  if (i < sd.size() && sd[i] == ']') ++i;  // the end of the previous element
  if (i >= sd.size()) return SdItem::kEnd;
  if (sd[i] == '[') {
    const size_t start = ++i;
    while (i < sd.size() && sd[i] != ' ' && sd[i] != ']') ++i;
    *name = sd.substr(start, i - start);
    *pos = i;
    return SdItem::kElement;
  }
  if (sd[i] != ' ') return SdItem::kEnd;
  const size_t start = ++i;
  while (i < sd.size() && sd[i] != '=') ++i;
  if (i + 1 >= sd.size() || sd[i + 1] != '"') return SdItem::kEnd;
  *name = sd.substr(start, i - start);
  i += 2;
  const size_t value_start = i;
  while (i < sd.size() && sd[i] != '"') i += sd[i] == '\\' ? 2 : 1;
  if (i >= sd.size()) return SdItem::kEnd;
  *escaped = sd.substr(value_start, i - value_start);
  *pos = i + 1;
  return SdItem::kParam;
}

}  // namespace rfc5424_internal

void unescape_param_value(std::string_view escaped, std::string* out) {
  out->clear();
  out->reserve(escaped.size());
  for (size_t i = 0; i < escaped.size(); ++i) {
    const char c = escaped[i];
    if (c == '\\' && i + 1 < escaped.size()) {
      const char next = escaped[i + 1];
      if (next == '"' || next == '\\' || next == ']') {
        out->push_back(next);
        ++i;
        continue;
      }
    }
    out->push_back(c);
  }
}

}  // namespace strictlog
