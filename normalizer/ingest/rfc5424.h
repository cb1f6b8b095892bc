// RFC 5424 header parser, `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [SP MSG]`, and the
// parser for rsyslog's high-precision file lines, which put the same RFC 3339 timestamp in front of an RFC 3164
// `HOSTNAME TAG[pid]: msg`.
//
// parse_rfc5424 follows the ABNF of RFC 5424 §6 and the text of its sections. Decisions:
//   - PRI (§6.2.1): 1-3 digits, 0-191. "<0>" is the only PRI that starts with 0: "leading "0"s MUST NOT be
//     used", so "<00>" and "<013>" are refused (parse_rfc3164 accepts them, although RFC 3164 §4.1.1 has the
//     same sentence).
//   - VERSION (§6.2.2): `NONZERO-DIGIT 0*2DIGIT`; a well-formed VERSION other than 1 is "unsupported VERSION",
//     anything else "malformed VERSION".
//   - TIMESTAMP (§6.2.3, RFC 3339 §5.6 as §6.2.3 restricts it): NILVALUE, or `YYYY-MM-DDThh:mm:ss[.f]` and
//     `Z` or `+hh:mm` / `-hh:mm`. 'T' and 'Z' upper case; no leap second (second 60 is refused); at most 6
//     fraction digits (§6.2.3.1 example 5 is refused); month 01-12, day valid for the month in that year
//     (Gregorian leap years: 2000-02-29 is a date, 1900-02-29 is not), hour 00-23, minute 00-59, offset hours
//     00-23 and minutes 00-59. Year 0000 is accepted, as the ABNF's 4DIGIT allows. `-00:00` (RFC 3339 §4.3:
//     UTC known, local offset unknown) gives offset 0, like `Z`.
//   - HOSTNAME, APP-NAME, PROCID, MSGID (§6.2.4-§6.2.7): NILVALUE or 1-255, 1-48, 1-128, 1-32 PRINTUSASCII
//     (0x21-0x7E); only `-` alone is NILVALUE (`--` is an APP-NAME). Exactly one SP between fields.
//   - PROCID becomes `pid` when it is a decimal number that fits 32 bits written without a leading zero
//     ("0" itself is pid 0); any other PROCID (`0123`, `worker-1`, `99999999999`) stays text in `procid`,
//     so the value always reads back as written.
//   - STRUCTURED-DATA (§6.3): NILVALUE or SD-ELEMENTs with nothing between them. SD-ID and PARAM-NAME are
//     1-32 PRINTUSASCII except '=', SP, ']' and '"'. In a PARAM-VALUE, '"', '\' and ']' MUST be escaped with
//     '\' (§6.3.3): an unescaped ']' is refused although it could be parsed, since the RFC requires the escape
//     precisely so that receivers need not guess; a '\' before any other byte stays as written (§6.3.3).
//     Not checked: that an SD-ID occurs only once (§6.3.2: a check costs time quadratic in the number of
//     elements of a hostile line; the elements are kept in order, nothing is lost), and that SD-IDs without
//     '@' are IANA-registered or that those with one end in an enterprise number (§6.3.2).
//   - MSG (§6.4): may be absent, with or without the SP before it (both give an empty message). A leading
//     UTF-8 BOM (EF BB BF), which §6.4 uses to mark MSG as UTF-8, is not part of `message`.
//   - Encoding: PARAM-VALUE and MSG are not checked for UTF-8 here; ingest checks every line with
//     check_encoding (utf8.h) before a header parser sees it.
//
// parse_rfc3339_file_line reads rsyslog's RSYSLOG_FileFormat,
//   `%TIMESTAMP:::date-rfc3339% %HOSTNAME% %syslogtag%%msg:::sp-if-no-1st-sp%%msg:::drop-last-lf%\n`,
// e.g. `2015-04-16T18:02:50.321974+00:00 host sshd[123]: msg`: the TIMESTAMP grammar above without NILVALUE
// (rsyslog always writes a time, with 0-6 fraction digits and `Z` or a numeric offset), one SP, then
// HOSTNAME, TAG and message exactly as parse_rfc3164 reads them, with its reasons (rfc3164_reason). An optional
// leading `<PRI>` (the PRI rules above) is accepted because rsyslog's RSYSLOG_ForwardFormat writes the same
// line behind one: `<%PRI%>%TIMESTAMP:::date-rfc3339% %HOSTNAME% %syslogtag:1:32%...`.
//
// Both parsers allocate nothing: every view in SyslogHeader points into the parsed line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ingest/header.h"

namespace strictlog {

// Why parse_rfc5424 or parse_rfc3339_file_line rejected a line. Stable texts: quarantine records and tests
// key on them. (parse_rfc3339_file_line reports HOSTNAME and TAG problems with rfc3164_reason texts.)
namespace rfc5424_reason {
inline constexpr std::string_view kMalformedPri = "malformed PRI";
inline constexpr std::string_view kPriLeadingZero = "PRI has a leading zero";
inline constexpr std::string_view kPriOutOfRange = "PRI out of range";
inline constexpr std::string_view kMalformedVersion = "malformed VERSION";
inline constexpr std::string_view kUnsupportedVersion = "unsupported VERSION";
inline constexpr std::string_view kMissingTimestamp = "missing TIMESTAMP";
inline constexpr std::string_view kMalformedTimestamp = "malformed TIMESTAMP";
inline constexpr std::string_view kLowercaseTimestamp = "'T' and 'Z' in TIMESTAMP must be upper case";
inline constexpr std::string_view kMonthOutOfRange = "month out of range";
inline constexpr std::string_view kDayOutOfRange = "day out of range";
inline constexpr std::string_view kHourOutOfRange = "hour out of range";
inline constexpr std::string_view kMinuteOutOfRange = "minute out of range";
inline constexpr std::string_view kSecondOutOfRange = "second out of range";
inline constexpr std::string_view kLongSecfrac = "TIME-SECFRAC longer than 6 digits";
inline constexpr std::string_view kMissingTimeOffset = "missing TIME-OFFSET";
inline constexpr std::string_view kTimeOffsetOutOfRange = "TIME-OFFSET out of range";
inline constexpr std::string_view kMissingHostname = "missing HOSTNAME";
inline constexpr std::string_view kBadHostname = "HOSTNAME has a non-printing byte";
inline constexpr std::string_view kLongHostname = "HOSTNAME longer than 255 characters";
inline constexpr std::string_view kMissingAppName = "missing APP-NAME";
inline constexpr std::string_view kBadAppName = "APP-NAME has a non-printing byte";
inline constexpr std::string_view kLongAppName = "APP-NAME longer than 48 characters";
inline constexpr std::string_view kMissingProcid = "missing PROCID";
inline constexpr std::string_view kBadProcid = "PROCID has a non-printing byte";
inline constexpr std::string_view kLongProcid = "PROCID longer than 128 characters";
inline constexpr std::string_view kMissingMsgid = "missing MSGID";
inline constexpr std::string_view kBadMsgid = "MSGID has a non-printing byte";
inline constexpr std::string_view kLongMsgid = "MSGID longer than 32 characters";
inline constexpr std::string_view kMissingStructuredData = "missing STRUCTURED-DATA";
inline constexpr std::string_view kMalformedStructuredData = "malformed STRUCTURED-DATA";
inline constexpr std::string_view kMissingSdId = "missing SD-ID";
inline constexpr std::string_view kBadSdId = "bad character in SD-ID";
inline constexpr std::string_view kLongSdId = "SD-ID longer than 32 characters";
inline constexpr std::string_view kMissingParamName = "missing PARAM-NAME";
inline constexpr std::string_view kBadParamName = "bad character in PARAM-NAME";
inline constexpr std::string_view kLongParamName = "PARAM-NAME longer than 32 characters";
inline constexpr std::string_view kMissingEquals = "missing '=' after PARAM-NAME";
inline constexpr std::string_view kMissingQuote = "missing '\"' before PARAM-VALUE";
inline constexpr std::string_view kUnescapedBracket = "unescaped ']' in PARAM-VALUE";
inline constexpr std::string_view kUnterminatedParamValue = "unterminated PARAM-VALUE";
inline constexpr std::string_view kMissingParamSeparator = "missing ' ' or ']' after PARAM-VALUE";
inline constexpr std::string_view kUnterminatedSdElement = "unterminated SD-ELEMENT";
inline constexpr std::string_view kMissingSpaceBeforeMsg = "missing ' ' before MSG";
}  // namespace rfc5424_reason

// The RFC 5424 §6 field limits, in characters (= bytes: the fields are PRINTUSASCII).
namespace rfc5424_limits {
inline constexpr size_t kHostname = 255;
inline constexpr size_t kAppName = 48;
inline constexpr size_t kProcid = 128;
inline constexpr size_t kMsgid = 32;
inline constexpr size_t kSdName = 32;        // SD-ID and PARAM-NAME
inline constexpr size_t kSecfracDigits = 6;  // TIME-SECFRAC
}  // namespace rfc5424_limits

// Parses an RFC 5424 line. On success fills `*out` (format kRfc5424; facility and severity; time_form kNone
// for a NILVALUE TIMESTAMP, else kOffset with year..second, nanos and utc_offset_seconds; timestamp_text as
// written; hostname, program (APP-NAME), msgid empty for NILVALUE; pid or procid; structured_data as written,
// empty for NILVALUE; message without a leading BOM) and returns true. Otherwise returns false, leaves `*out`
// untouched, sets `*why` to one of the rfc5424_reason texts and, when `where` is given, `*where` to the byte
// offset in `line` where parsing stopped (the offending byte, or the start of the offending field).
bool parse_rfc5424(std::string_view line, SyslogHeader* out, std::string_view* why, size_t* where = nullptr);

// Parses an rsyslog RSYSLOG_FileFormat line (optionally behind a `<PRI>`). On success fills `*out` (format
// kRfc3339File, time_form kOffset, the time fields as parse_rfc5424 does, and what parse_rfc3164 fills from
// HOSTNAME on) and returns true. Otherwise as parse_rfc5424, with an rfc5424_reason text for PRI and
// TIMESTAMP problems and an rfc3164_reason text from HOSTNAME on.
bool parse_rfc3339_file_line(std::string_view line, SyslogHeader* out, std::string_view* why,
                             size_t* where = nullptr);

namespace rfc5424_internal {
enum class SdItem { kEnd, kElement, kParam };
// One step of for_each_sd_element: the SD-ELEMENT (its SD-ID in *name) or SD-PARAM (*name, and the
// PARAM-VALUE as written in *escaped) at sd[*pos], advancing *pos past it; kEnd at the end or at anything
// STRUCTURED-DATA cannot hold.
SdItem next_sd_item(std::string_view sd, size_t* pos, std::string_view* name, std::string_view* escaped);
}  // namespace rfc5424_internal

// Walks STRUCTURED-DATA that parse_rfc5424 accepted (SyslogHeader::structured_data) in the order written:
// on_element(std::string_view sd_id) for each SD-ELEMENT, then on_param(std::string_view name,
// std::string_view escaped) for each of that element's SD-PARAMs, where `escaped` is the PARAM-VALUE between
// its quotes as written (`a\"b` for the value `a"b`; unescape_param_value decodes it). Allocates nothing.
// Text parse_rfc5424 did not accept is walked safely, never past its end, but may be cut short.
//
//   for_each_sd_element(h.structured_data,
//                       [&](std::string_view id) { ... },
//                       [&](std::string_view name, std::string_view escaped) { ... });
template <class OnElement, class OnParam>
void for_each_sd_element(std::string_view sd, OnElement&& on_element, OnParam&& on_param) {
  size_t pos = 0;
  std::string_view name, escaped;
  for (;;) {
    switch (rfc5424_internal::next_sd_item(sd, &pos, &name, &escaped)) {
      case rfc5424_internal::SdItem::kEnd:
        return;
      case rfc5424_internal::SdItem::kElement:
        on_element(name);
        break;
      case rfc5424_internal::SdItem::kParam:
        on_param(name, escaped);
        break;
    }
  }
}

// Sets `*out` to the value of a PARAM-VALUE as written (the `escaped` of for_each_sd_element): `\"`, `\\` and
// `\]` become `"`, `\` and `]`; a '\' before any other byte is kept with that byte (§6.3.3: `\n` stays
// the two characters '\' 'n').
void unescape_param_value(std::string_view escaped, std::string* out);

}  // namespace strictlog
