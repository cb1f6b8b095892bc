#include "ingest/repeats.h"

#include "ingest/internal/cursor.h"
#include "ingest/internal/repeat_notice.h"

namespace strictlog {

namespace {

using namespace repeat_reason;

// Form 1 (rsyslog): "message repeated " N " times: [" text "]".
constexpr std::string_view kRsyslogPrefix = "message repeated ";
constexpr std::string_view kRsyslogMiddle = " times: [";
constexpr uint32_t kMinRsyslogCount = 2;
// Forms 2 and 4: "last message repeated " N " times"; form 4 also "last message buffered " N " times".
constexpr std::string_view kLastRepeated = "last message repeated ";
constexpr std::string_view kLastBuffered = "last message buffered ";
constexpr std::string_view kTimes = " times";
// Form 3 (syslog-ng): "Last message '" up to 20 bytes "' repeated " N " times, suppressed by syslog-ng on " host.
constexpr std::string_view kSyslogNgPrefix = "Last message '";
constexpr std::string_view kSyslogNgRepeated = "' repeated ";
constexpr std::string_view kSyslogNgFrame = ", suppressed by syslog-ng on ";
constexpr std::string_view kSyslogNgSuffix = " times, suppressed by syslog-ng on ";
constexpr size_t kSyslogNgQuoted = 20;  // %.20s
constexpr uint32_t kMinLastCount = 1;

constexpr size_t kMaxCountDigits = 10;  // UINT32_MAX has 10

using ingest_internal::is_digit;

// The bytes of `s` from `at` up to the next space (or the end).
std::string_view token_at(std::string_view s, size_t at) {
  size_t end = s.find(' ', at);
  return s.substr(at, (end == std::string_view::npos ? s.size() : end) - at);
}

// The first index where `s` and `expected` differ, npos when they are equal.
size_t mismatch(std::string_view s, std::string_view expected) {
  size_t i = 0;
  while (i < s.size() && i < expected.size() && s[i] == expected[i]) ++i;
  return i == s.size() && i == expected.size() ? std::string_view::npos : i;
}

// A count as %d / %zu print it: digits, no zero padding, within [min, UINT32_MAX]. Returns the reason it is
// not, or an empty view when it is (and then sets *count).
std::string_view read_count(std::string_view token, uint32_t min, uint32_t* count) {
  if (token.empty()) return kCountNotNumber;
  for (char c : token) {
    if (!is_digit(c)) return kCountNotNumber;
  }
  if (token.size() > 1 && token[0] == '0') return kCountZeroPadded;
  if (token.size() > kMaxCountDigits) return kCountOutOfRange;
  uint64_t value = 0;
  for (char c : token) value = value * 10 + static_cast<uint64_t>(c - '0');
  if (value < min || value > UINT32_MAX) return kCountOutOfRange;
  *count = static_cast<uint32_t>(value);
  return {};
}

enum class Outcome { kNone, kUnwrapped, kMalformed };

// Reads one form from the message `m` into `h`; a failure's offset is in `m`.
struct Reader {
  explicit Reader(std::string_view message) : m(message) {}

  std::string_view m;
  std::string_view why;
  size_t at = 0;

  Outcome fail(std::string_view reason, size_t offset) {
    why = reason;
    at = offset;
    return Outcome::kMalformed;
  }
  Outcome count(std::string_view token, size_t offset, uint32_t min, uint32_t* n) {
    std::string_view reason = read_count(token, min, n);
    return reason.empty() ? Outcome::kUnwrapped : fail(reason, offset);
  }
  // No message of its own: an empty view at the end of the line.
  void stands_for_earlier_line(SyslogHeader& h, uint32_t n) const {
    h.last_message_repeated = true;
    h.repeat_count = n;
    h.message = m.substr(m.size());
  }

  Outcome rsyslog(SyslogHeader& h) {
    if (!m.starts_with(kRsyslogPrefix)) return Outcome::kNone;
    const size_t at_count = kRsyslogPrefix.size();
    std::string_view token = token_at(m, at_count);
    size_t inner = at_count + token.size();
    if (!m.substr(inner).starts_with(kRsyslogMiddle)) return Outcome::kNone;
    inner += kRsyslogMiddle.size();
    uint32_t n = 0;
    if (count(token, at_count, kMinRsyslogCount, &n) == Outcome::kMalformed) return Outcome::kMalformed;
    if (m.size() == inner || m.back() != ']') return fail(kMissingBracket, m.size());
    std::string_view text = m.substr(inner, m.size() - 1 - inner);
    if (text.starts_with(' ')) text.remove_prefix(1);
    h.repeat_count = n;
    h.message = text;
    return Outcome::kUnwrapped;
  }

  Outcome last_message(SyslogHeader& h) {
    if (!m.starts_with(kLastRepeated)) return Outcome::kNone;
    const size_t at_count = kLastRepeated.size();
    std::string_view token = token_at(m, at_count);
    if (m.substr(at_count + token.size()) != kTimes) return Outcome::kNone;
    uint32_t n = 0;
    if (count(token, at_count, kMinLastCount, &n) == Outcome::kMalformed) return Outcome::kMalformed;
    stands_for_earlier_line(h, n);
    return Outcome::kUnwrapped;
  }

  Outcome syslog_ng(SyslogHeader& h) {
    if (!m.starts_with(kSyslogNgPrefix) || m.find(kSyslogNgFrame) == std::string_view::npos) return Outcome::kNone;
    const size_t quoted = kSyslogNgPrefix.size();
    // The quote closes within 20 bytes; the last candidate is the real one (the quoted text may hold it too).
    size_t close = std::string_view::npos;
    for (size_t k = 0; k <= kSyslogNgQuoted && quoted + k < m.size(); ++k) {
      if (m.substr(quoted + k).starts_with(kSyslogNgRepeated)) close = quoted + k;
    }
    if (close == std::string_view::npos) return fail(kMalformedNotice, quoted);
    const size_t at_count = close + kSyslogNgRepeated.size();
    std::string_view token = token_at(m, at_count);
    uint32_t n = 0;
    if (count(token, at_count, kMinLastCount, &n) == Outcome::kMalformed) return Outcome::kMalformed;
    size_t pos = at_count + token.size();
    std::string_view rest = m.substr(pos);
    if (!rest.starts_with(kSyslogNgSuffix)) return fail(kMalformedNotice, pos + mismatch(rest, kSyslogNgSuffix));
    pos += kSyslogNgSuffix.size();
    if (pos == m.size()) return fail(kMalformedNotice, pos);  // syslog-ng's own host name
    for (; pos < m.size(); ++pos) {
      auto c = static_cast<unsigned char>(m[pos]);
      if (c < 0x21 || c > 0x7E) return fail(kMalformedNotice, pos);
    }
    stands_for_earlier_line(h, n);
    h.pid.reset();  // syslog-ng's own pid, not the repeated line's
    return Outcome::kUnwrapped;
  }
};

}  // namespace

bool unwrap_repeated(std::string_view line, SyslogHeader* header, std::string_view* why, size_t* where) {
  SyslogHeader h = *header;
  Reader r(header->message);
  Outcome outcome = r.rsyslog(h);
  if (outcome == Outcome::kNone) outcome = r.last_message(h);
  if (outcome == Outcome::kNone) outcome = r.syslog_ng(h);
  if (outcome == Outcome::kMalformed) {
    *why = r.why;
    if (where != nullptr) *where = static_cast<size_t>(header->message.data() - line.data()) + r.at;
    return false;
  }
  if (outcome == Outcome::kUnwrapped) *header = h;
  return true;
}

namespace ingest_internal {

RepeatNotice parse_untagged_repeat_notice(std::string_view text, uint32_t* count, std::string_view* why,
                                          size_t* where) {
  size_t at_count = 0;
  if (text.starts_with(kLastRepeated)) {
    at_count = kLastRepeated.size();
  } else if (text.starts_with(kLastBuffered)) {
    at_count = kLastBuffered.size();
  } else {
    return RepeatNotice::kNone;
  }
  std::string_view token = token_at(text, at_count);
  std::string_view reason = read_count(token, kMinLastCount, count);
  if (!reason.empty()) {
    *why = reason;
    *where = at_count;
    return RepeatNotice::kMalformed;
  }
  const size_t pos = at_count + token.size();
  size_t differs = mismatch(text.substr(pos), kTimes);
  if (differs != std::string_view::npos) {
    *why = kMalformedNotice;
    *where = pos + differs;
    return RepeatNotice::kMalformed;
  }
  return RepeatNotice::kNotice;
}

}  // namespace ingest_internal

}  // namespace strictlog
