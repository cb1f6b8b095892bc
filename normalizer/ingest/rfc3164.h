// RFC 3164 header parser: `[<PRI>]Mmm dd hh:mm:ss HOSTNAME TAG[pid]: message`.
//
// Accepts lines as syslog daemons write them to files (`Nov 22 12:21:12 vpn1 openvpn[1234]: msg`) and as
// received on the wire with a leading PRI (`<34>Oct 11 22:14:15 mymachine su: ...`, RFC 3164 §5.4).
//
// Follows RFC 3164 §4.1.1 (PRI: '<', 1-3 digits, '>', value 0-191; leading zeros accepted) and §4.1.2
// (TIMESTAMP `Mmm dd hh:mm:ss`, English month abbreviation with that capitalisation, a day below 10 written
// as a space and the digit, hh 00-23, mm and ss 00-59, one space after TIMESTAMP and after HOSTNAME; HOSTNAME
// of printing characters). Deviations and decisions:
//   - TAG (§4.1.3) is required and must be followed by ':' or by "[pid]:", because later stages dispatch
//     on the program name; a message without a tag (§5.4's `<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!`)
//     is rejected. The one exception is the untagged repeat notice sysklogd and the BSD syslogds write,
//     `Nov 22 09:15:02 vpn1 last message repeated 3 times` (and sysklogd 2.x's `last message buffered N
//     times`): last_message_repeated, repeat_count N >= 1, program and message empty (ingest/repeats.h).
//   - TAG may be up to 48 characters (§4.1.3 says 32) drawn from [A-Za-z0-9] and `-._/@`, so that
//     `ovpn-server`, `postfix/smtpd` and `systemd-logind` are tags.
//   - TAG may carry a module in parentheses, as Linux-PAM's modules wrote before 0.99 (`sshd(pam_unix)[42]:
//     session opened ...`): program "sshd", tag_module "pam_unix". The module is 1 or more of [A-Za-z0-9] and
//     `-._`, closed by ')' right before '[', ':' (or the end: then ':' is missing). The 48-character limit
//     applies to the whole tag as written, `sshd(pam_unix)` (14), the pid excluded; so a module is at most
//     45 characters.
//   - The ':' is followed by one space, which is not part of the message, or ends the line (empty message).
//   - A zero-padded day (`Nov 02`) is rejected: §4.1.2 says MUST use a space, and daemons do.
//   - The day is checked against the month (Apr 31 is rejected); Feb 29 is accepted since the year is
//     unknown here (see syslog_time.h). Second 60 is rejected (§4.1.2 range; POSIX clocks never show it).
//   - HOSTNAME is 1-255 bytes of 0x21-0x7E.
//
// Allocates nothing: every view in SyslogHeader points into the parsed line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "ingest/header.h"

namespace strictlog {


// Why parse_rfc3164 rejected a line. Stable texts: quarantine records and tests key on them.
namespace rfc3164_reason {
inline constexpr std::string_view kMalformedPri = "malformed PRI";
inline constexpr std::string_view kPriOutOfRange = "PRI out of range";
inline constexpr std::string_view kNoTimestamp = "no RFC 3164 timestamp";
inline constexpr std::string_view kZeroPaddedDay = "zero-padded day";
inline constexpr std::string_view kDayOutOfRange = "day out of range";
inline constexpr std::string_view kHourOutOfRange = "hour out of range";
inline constexpr std::string_view kMinuteOutOfRange = "minute out of range";
inline constexpr std::string_view kSecondOutOfRange = "second out of range";
inline constexpr std::string_view kMissingHostname = "missing hostname";
inline constexpr std::string_view kBadHostname = "hostname has a non-printing byte";
inline constexpr std::string_view kLongHostname = "hostname longer than 255 bytes";
inline constexpr std::string_view kMissingTag = "missing tag";
inline constexpr std::string_view kLongTag = "tag longer than 48 characters";
inline constexpr std::string_view kPidNotNumber = "pid is not a number";
inline constexpr std::string_view kPidOutOfRange = "pid out of range";
inline constexpr std::string_view kMissingBracket = "missing ']' after pid";
inline constexpr std::string_view kEmptyModule = "empty tag module";
inline constexpr std::string_view kMissingParen = "missing ')' after tag module";
inline constexpr std::string_view kMissingColon = "missing ':' after tag";
inline constexpr std::string_view kMissingSpace = "missing ' ' after ':'";
}  // namespace rfc3164_reason

inline constexpr size_t kMaxTagLength = 48;
inline constexpr size_t kMaxHostnameLength = 255;

// Parses `line`. On success fills `*out` and returns true. Otherwise returns false, leaves `*out`
// untouched, sets `*why` to one of the rfc3164_reason texts (or, for a malformed untagged repeat notice, a
// repeat_reason text of ingest/repeats.h) and, when `where` is given, `*where` to the byte
// offset in `line` where parsing stopped (the start of the offending field or character).
bool parse_rfc3164(std::string_view line, SyslogHeader* out, std::string_view* why, size_t* where = nullptr);

}  // namespace strictlog
