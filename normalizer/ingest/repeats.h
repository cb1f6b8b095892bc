// Repeat notices: lines a syslog daemon writes instead of repeating a message, recognised after the header
// parse (parse_header calls unwrap_repeated for every format). Texts as the daemons' sources print them:
//
//   1. rsyslog's repeated-message reduction (RepeatedMsgReduction on): the repeated line's header, its MSG
//      replaced by " message repeated %d times: [%.800s]" (rsyslog runtime/ratelimit.c ratelimitGenRepMsg();
//      before 7.3.2 tools/action.c, there without the leading space, which the file template's
//      sp-if-no-1st-sp then adds). In a file:
//        Nov 22 09:15:02 vpn1 openvpn[42]: message repeated 3 times: [ TLS Error: TLS handshake failed]
//      The bracket holds rsyslog's MSG of the repeated line, which keeps the space that followed the tag's
//      ':'; that one space is dropped, so `message` reads exactly as in the line that was repeated (the
//      header parsers drop the same space). `[msg]` without it is taken as is. The closing ']' is the last
//      byte of the message (the inner text may hold ']' itself); without it the line was cut: a reason,
//      never a silently kept bracket. rsyslog writes N >= 2 (one suppressed copy is sent as the original
//      line), so N 0 and 1 are rejected. %.800s keeps only the first 800 bytes of a longer message: the
//      line does not say so (and a cut inside a UTF-8 sequence fails the ENCODING check before this).
//      Result: repeat_count = N, message = the inner text; every other field stays as parsed.
//   2. `last message repeated N times` as the whole message after a tag: FreeBSD syslogd
//      (usr.sbin/syslogd/syslogd.c fprintlog_successive(), tag `syslogd`), rsyslog before 7.3.2 with
//      $RepeatedMsgContainsOriginalMsg off (tools/action.c, the repeated line's header kept), and programs
//      that collapse their own repeats (e.g. `mydns[12]: last message repeated 3 times`).
//   3. syslog-ng's suppress(): "Last message '%.20s' repeated %d times, suppressed by syslog-ng on %s"
//      (lib/logwriter.c log_writer_emit_suppress_summary()): an internal message given the repeated line's
//      HOST and PROGRAM, the first 20 bytes of its message, and syslog-ng's own host at the end. syslog-ng 3.x
//      makes it with log_msg_new_internal(), which sets PID to syslog-ng's own pid, so the file line reads
//      `openvpn[<syslog-ng's pid>]: Last message ...`; that pid is dropped (pid empty).
//   4. Untagged, right after HOSTNAME (`Nov 22 09:15:02 vpn-gw1 last message repeated 3 times`): sysklogd
//      1.x and inetutils syslogd (fprintlog(): timestamp, host, then the text, no tag), the BSD syslogds, and
//      `last message buffered N times` of sysklogd 2.x (troglobit/sysklogd src/syslogd.c
//      fprintlog_successive(), which writes N = 1 too). parse_rfc3164 reads these itself (no tag to read),
//      with internal/repeat_notice.h: program and pid empty.
// Forms 2-4 stand for N more copies of an earlier line and have no message of their own: last_message_repeated
// = true, repeat_count = N >= 1, message empty (a view at the end of the line). Forms 2 and 3 keep the
// program as the tag names it (the repeated line's program, or FreeBSD's `syslogd`).
//
// When a message is a notice. Only a message that has a notice's whole frame is held to it: form 1 is
// "message repeated " TOKEN " times: [" ... (TOKEN: bytes up to the next space), form 2 is exactly
// "last message repeated " TOKEN " times", form 3 starts with "Last message '" and holds
// ", suppressed by syslog-ng on ". Inside the frame every deviation is a reason (a count that is not a
// number, zero-padded or out of range, a missing ']'); a message without the frame is an ordinary message.
// The texts are matched case-sensitively, as the daemons print them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ingest/header.h"

namespace strictlog {

// Why a repeat notice was rejected. Stable texts: quarantine records and tests key on them.
namespace repeat_reason {
inline constexpr std::string_view kCountNotNumber = "repeat count is not a number";
inline constexpr std::string_view kCountZeroPadded = "repeat count is zero-padded";
inline constexpr std::string_view kCountOutOfRange = "repeat count out of range";
inline constexpr std::string_view kMissingBracket = "missing ']' at the end of a repeated message";
inline constexpr std::string_view kMalformedNotice = "malformed repeat notice";
}  // namespace repeat_reason

// Unwraps forms 1-3 in `header->message`. `header` must come from parsing `line` (its message a view into
// `line`). Returns true when the message is no notice (header unchanged) or a valid one (header rewritten as
// above). Returns false for a malformed notice, leaving `*header` untouched, with a repeat_reason text in
// `*why` and, when `where` is given, the byte offset in `line` where it stopped.
bool unwrap_repeated(std::string_view line, SyslogHeader* header, std::string_view* why, size_t* where = nullptr);

}  // namespace strictlog
