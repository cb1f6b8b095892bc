#include "ingest/rfc3164.h"

#include <catch2/catch.hpp>

#include <string>

namespace strictlog {
namespace {

struct Good {
  std::string line;
  std::optional<uint32_t> facility, severity;
  std::string_view timestamp_text;
  int month, day, hour, minute, second;
  std::string hostname, program;
  std::optional<uint32_t> pid;
  std::string message;
};

const std::string kTag48(48, 't');

TEST_CASE("parse_rfc3164 accepts file and wire headers", "[ingest][rfc3164]") {
  const Good good[] = {
      {"Nov 22 12:21:12 vpn1 openvpn[1234]: MANAGEMENT: Client connected", {}, {}, "Nov 22 12:21:12",
       11, 22, 12, 21, 12, "vpn1", "openvpn", 1234, "MANAGEMENT: Client connected"},
      // RFC 3164 §5.4, first example.
      {"<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8", 4, 2,
       "Oct 11 22:14:15", 10, 11, 22, 14, 15, "mymachine", "su", {}, "'su root' failed for lonvick on /dev/pts/8"},
      {"Nov  2 08:05:09 vpn1 ovpn-server[1]: TLS: Initial packet", {}, {}, "Nov  2 08:05:09", 11, 2, 8, 5, 9,
       "vpn1", "ovpn-server", 1, "TLS: Initial packet"},
      {"<0>Jan  1 00:00:00 h a:", 0, 0, "Jan  1 00:00:00", 1, 1, 0, 0, 0, "h", "a", {}, ""},
      {"<191>Dec 31 23:59:59 10.0.0.1 postfix/smtpd[4294967295]: connect", 23, 7, "Dec 31 23:59:59", 12, 31,
       23, 59, 59, "10.0.0.1", "postfix/smtpd", 4294967295u, "connect"},
      {"<007>Feb 29 06:30:00 fe80::1 systemd-logind[0]: ", 0, 7, "Feb 29 06:30:00", 2, 29, 6, 30, 0,
       "fe80::1", "systemd-logind", 0, ""},
      {"Sep  9 09:09:09 vpn1 kernel: [ 1.234] eth0: link up", {}, {}, "Sep  9 09:09:09", 9, 9, 9, 9, 9, "vpn1",
       "kernel", {}, "[ 1.234] eth0: link up"},
      {"Apr 30 10:00:00 vpn1 " + kTag48 + ":  two spaces kept", {}, {}, "Apr 30 10:00:00", 4, 30, 10, 0, 0,
       "vpn1", kTag48, {}, " two spaces kept"},
      {"Jul  4 10:00:00 " + std::string(255, 'h') + " a.b_c@d: x", {}, {}, "Jul  4 10:00:00", 7, 4, 10, 0, 0,
       std::string(255, 'h'), "a.b_c@d", {}, "x"},
  };
  for (const Good& g : good) {
    INFO("line: " << g.line);
    SyslogHeader h;
    std::string_view why;
    REQUIRE(parse_rfc3164(g.line, &h, &why));
    CHECK(h.facility == g.facility);
    CHECK(h.severity == g.severity);
    CHECK(h.timestamp_text == g.timestamp_text);
    CHECK(h.month == g.month);
    CHECK(h.day == g.day);
    CHECK(h.hour == g.hour);
    CHECK(h.minute == g.minute);
    CHECK(h.second == g.second);
    CHECK(h.hostname == g.hostname);
    CHECK(h.program == g.program);
    CHECK(h.pid == g.pid);
    CHECK(h.message == g.message);
    // Views point into the line: nothing was copied.
    CHECK(h.message.data() + h.message.size() == g.line.data() + g.line.size());
  }
}

struct Bad {
  std::string line;
  std::string_view why;
  size_t where;
};

// Tag starts at offset 21 after this prefix; a pid at 29 after "openvpn[".
const std::string kPrefix = "Nov 22 12:21:12 vpn1 ";

TEST_CASE("parse_rfc3164 rejects near misses with a reason and an offset", "[ingest][rfc3164]") {
  const Bad bad[] = {
      {"", "no RFC 3164 timestamp", 0},
      {"Hello world", "no RFC 3164 timestamp", 0},
      {"nov 22 12:21:12 vpn1 a: m", "no RFC 3164 timestamp", 0},
      {" Nov 22 12:21:12 vpn1 a: m", "no RFC 3164 timestamp", 0},
      {"Nov 22 12:21 vpn1 a: m", "no RFC 3164 timestamp", 0},
      {"Nov 2 12:21:12 vpn1 a: m", "no RFC 3164 timestamp", 0},
      {"Nov 22 12:21:123 vpn1 a: m", "no RFC 3164 timestamp", 0},
      {"2024-11-22T12:21:12Z vpn1 a: m", "no RFC 3164 timestamp", 0},
      {"<34> Oct 11 22:14:15 h a: m", "no RFC 3164 timestamp", 4},
      {"<34 Oct 11 22:14:15 h a: m", "malformed PRI", 3},
      {"<>Oct 11 22:14:15 h a: m", "malformed PRI", 1},
      {"<1234>Oct 11 22:14:15 h a: m", "malformed PRI", 4},
      {"<x>Oct 11 22:14:15 h a: m", "malformed PRI", 1},
      {"<192>Oct 11 22:14:15 h a: m", "PRI out of range", 1},
      {"<999>Oct 11 22:14:15 h a: m", "PRI out of range", 1},
      {"Nov 02 12:21:12 vpn1 a: m", "zero-padded day", 4},
      {"Nov  0 12:21:12 vpn1 a: m", "day out of range", 4},
      {"Nov 31 12:21:12 vpn1 a: m", "day out of range", 4},
      {"Feb 30 12:21:12 vpn1 a: m", "day out of range", 4},
      {"Jan 32 12:21:12 vpn1 a: m", "day out of range", 4},
      {"Nov 22 24:00:00 vpn1 a: m", "hour out of range", 7},
      {"Nov 22 23:60:00 vpn1 a: m", "minute out of range", 10},
      {"Nov 22 23:59:60 vpn1 a: m", "second out of range", 13},
      {"Nov 22 12:21:12", "missing hostname", 15},
      {"Nov 22 12:21:12 ", "missing hostname", 16},
      {"Nov 22 12:21:12  vpn1 a: m", "missing hostname", 16},
      {"Nov 22 12:21:12 vp\tn1 a: m", "hostname has a non-printing byte", 18},
      {"Nov 22 12:21:12 h\xC3\xA9 a: m", "hostname has a non-printing byte", 17},
      {"Nov 22 12:21:12 " + std::string(256, 'h') + " a: m", "hostname longer than 255 bytes", 16},
      {"Nov 22 12:21:12 vpn1", "missing tag", 20},
      {kPrefix, "missing tag", 21},
      {kPrefix + "[1]: m", "missing tag", 21},
      {kPrefix + ": m", "missing tag", 21},
      {kPrefix + std::string(49, 't') + ": m", "tag longer than 48 characters", 21},
      {kPrefix + "openvpn", "missing ':' after tag", 28},
      {kPrefix + "openvpn msg", "missing ':' after tag", 28},
      {kPrefix + "open vpn: m", "missing ':' after tag", 25},
      {kPrefix + "openvpn[1] : m", "missing ':' after tag", 31},
      {kPrefix + "openvpn[1][2]: m", "missing ':' after tag", 31},
      // RFC 3164 §5.4, second example: valid RFC 3164 without a TAG, which strictlog requires.
      {"<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!", "missing ':' after tag", 33},
      {kPrefix + "openvpn[abc]: m", "pid is not a number", 29},
      {kPrefix + "openvpn[]: m", "pid is not a number", 29},
      {kPrefix + "openvpn[12a]: m", "pid is not a number", 29},
      {kPrefix + "openvpn[12: m", "missing ']' after pid", 31},  // the digits end where the tag would
      {kPrefix + "openvpn[-1]: m", "pid is not a number", 29},
      {kPrefix + "openvpn[12", "missing ']' after pid", 31},
      {kPrefix + "openvpn[", "missing ']' after pid", 29},
      {kPrefix + "openvpn[4294967296]: m", "pid out of range", 29},
      {kPrefix + "openvpn[99999999999999999999999]: m", "pid out of range", 29},
      {kPrefix + "openvpn[18446744073709551617]: m", "pid out of range", 29},  // 2^64 + 1 must not wrap to 1
      {kPrefix + "openvpn:m", "missing ' ' after ':'", 29},
      {kPrefix + "openvpn[7]:\tm", "missing ' ' after ':'", 32},
  };
  for (const Bad& b : bad) {
    INFO("line: " << b.line);
    SyslogHeader h;
    h.hostname = "untouched";
    std::string_view why;
    size_t where = 12345;
    REQUIRE_FALSE(parse_rfc3164(b.line, &h, &why, &where));
    CHECK(why == b.why);
    CHECK(where == b.where);
    CHECK(h.hostname == "untouched");
  }
}

TEST_CASE("parse_rfc3164 works without an offset out-parameter", "[ingest][rfc3164]") {
  SyslogHeader h;
  std::string_view why;
  CHECK_FALSE(parse_rfc3164("<192>Oct 11 22:14:15 h a: m", &h, &why));
  CHECK(why == "PRI out of range");
}

// Every field of the header, for the cases below.
struct Full {
  std::string line;
  std::optional<uint32_t> facility, severity;
  std::string_view timestamp_text;
  int month, day, hour, minute, second;
  std::string hostname, program, tag_module;
  std::optional<uint32_t> pid;
  std::string message;
  std::optional<uint32_t> repeat_count;
  bool last_message_repeated;
};

void check_full(const Full& f) {
  INFO("line: " << f.line);
  SyslogHeader h;
  std::string_view why;
  REQUIRE(parse_rfc3164(f.line, &h, &why));
  CHECK(h.format == HeaderFormat::kRfc3164);
  CHECK(h.facility == f.facility);
  CHECK(h.severity == f.severity);
  CHECK(h.time_form == TimeForm::kNoYear);
  CHECK(h.timestamp_text == f.timestamp_text);
  CHECK(h.year == 0);
  CHECK(h.month == f.month);
  CHECK(h.day == f.day);
  CHECK(h.hour == f.hour);
  CHECK(h.minute == f.minute);
  CHECK(h.second == f.second);
  CHECK(h.nanos == 0);
  CHECK(h.utc_offset_seconds == 0);
  CHECK(h.hostname == f.hostname);
  CHECK(h.program == f.program);
  CHECK(h.tag_module == f.tag_module);
  CHECK(h.pid == f.pid);
  CHECK(h.procid.empty());
  CHECK(h.msgid.empty());
  CHECK(h.structured_data.empty());
  CHECK(h.message == f.message);
  CHECK(h.repeat_count == f.repeat_count);
  CHECK(h.last_message_repeated == f.last_message_repeated);
  CHECK(h.message.data() + h.message.size() == f.line.data() + f.line.size());
}

TEST_CASE("parse_rfc3164 reads Linux-PAM module tags", "[ingest][rfc3164]") {
  const Full good[] = {
      // Linux-PAM before 0.99 opened syslog with "service(module)" as the ident.
      {"Nov 22 09:15:02 vpn1 sshd(pam_unix)[4242]: session opened for user root by (uid=0)", {}, {},
       "Nov 22 09:15:02", 11, 22, 9, 15, 2, "vpn1", "sshd", "pam_unix", 4242,
       "session opened for user root by (uid=0)", {}, false},
      {"<86>Nov 22 09:15:02 vpn1 su(pam_unix): authentication failure; logname= uid=1000", 10, 6,
       "Nov 22 09:15:02", 11, 22, 9, 15, 2, "vpn1", "su", "pam_unix", {},
       "authentication failure; logname= uid=1000", {}, false},
      {"Nov 22 09:15:02 vpn1 crond(pam-unix.2_x)[7]: x", {}, {}, "Nov 22 09:15:02", 11, 22, 9, 15, 2, "vpn1",
       "crond", "pam-unix.2_x", 7, "x", {}, false},
      // Tags without a pid or module keep working.
      {"Nov 22 09:15:02 vpn1 su: 'su root' failed for lonvick on /dev/pts/8", {}, {}, "Nov 22 09:15:02", 11, 22,
       9, 15, 2, "vpn1", "su", "", {}, "'su root' failed for lonvick on /dev/pts/8", {}, false},
      // The 48-character limit counts the whole tag as written, "(module)" included, the pid not.
      {kPrefix + std::string(38, 'p') + "(pam_unix)[1]: m", {}, {}, "Nov 22 12:21:12", 11, 22, 12, 21, 12, "vpn1",
       std::string(38, 'p'), "pam_unix", 1, "m", {}, false},
      {kPrefix + "a(" + std::string(45, 'm') + "): m", {}, {}, "Nov 22 12:21:12", 11, 22, 12, 21, 12, "vpn1", "a",
       std::string(45, 'm'), {}, "m", {}, false},
  };
  for (const Full& f : good) check_full(f);
}

TEST_CASE("parse_rfc3164 reads the untagged last-message-repeated notice", "[ingest][rfc3164][repeats]") {
  const Full good[] = {
      // sysklogd 1.x / inetutils / BSD syslogd fprintlog(): timestamp, host, the notice; no tag.
      {"Nov 22 09:15:02 vpn-gw1 last message repeated 3 times", {}, {}, "Nov 22 09:15:02", 11, 22, 9, 15, 2,
       "vpn-gw1", "", "", {}, "", 3, true},
      {"<14>Nov  2 09:15:02 vpn-gw1 last message repeated 4294967295 times", 1, 6, "Nov  2 09:15:02", 11, 2, 9, 15,
       2, "vpn-gw1", "", "", {}, "", 4294967295u, true},
      // sysklogd 2.x fprintlog_successive() says "buffered", and writes 1 too (a line seen in a public
      // kernel bug report).
      {"Sep 20 22:22:37 latile last message buffered 1 times", {}, {}, "Sep 20 22:22:37", 9, 20, 22, 22, 37,
       "latile", "", "", {}, "", 1, true},
  };
  for (const Full& f : good) check_full(f);
}

// The notice starts at offset 24 after this prefix, its count at 46.
const std::string kNoticePrefix = "Nov 22 09:15:02 vpn-gw1 ";

TEST_CASE("parse_rfc3164 rejects module tags and notices that are near misses", "[ingest][rfc3164]") {
  const Bad bad[] = {
      {kPrefix + std::string(39, 'p') + "(pam_unix)[1]: m", "tag longer than 48 characters", 21},
      {kPrefix + "a(" + std::string(46, 'm') + "): m", "tag longer than 48 characters", 21},
      {kPrefix + "sshd()[1]: m", "empty tag module", 26},
      {kPrefix + "sshd(pam_unix[1]: m", "missing ')' after tag module", 34},
      {kPrefix + "sshd(pam_unix", "missing ')' after tag module", 34},
      {kPrefix + "sshd(pam unix): m", "missing ')' after tag module", 29},
      {kPrefix + "sshd(pam/unix): m", "missing ')' after tag module", 29},
      {kPrefix + "sshd(pam_unix)(x): m", "missing ':' after tag", 35},
      {kPrefix + "sshd(pam_unix) [1]: m", "missing ':' after tag", 35},
      {kPrefix + "(pam_unix)[1]: m", "missing tag", 21},
      {kPrefix + "sshd(pam_unix)[1]:m", "missing ' ' after ':'", 39},
      {kNoticePrefix + "last message repeated 0 times", "repeat count out of range", 46},
      {kNoticePrefix + "last message buffered 0 times", "repeat count out of range", 46},
      {kNoticePrefix + "last message repeated 4294967296 times", "repeat count out of range", 46},
      {kNoticePrefix + "last message repeated 03 times", "repeat count is zero-padded", 46},
      {kNoticePrefix + "last message repeated three times", "repeat count is not a number", 46},
      {kNoticePrefix + "last message repeated -1 times", "repeat count is not a number", 46},
      {kNoticePrefix + "last message repeated  3 times", "repeat count is not a number", 46},
      {kNoticePrefix + "last message repeated 3 times more", "malformed repeat notice", 53},
      {kNoticePrefix + "last message repeated 3 tims", "malformed repeat notice", 51},
      {kNoticePrefix + "last message repeated 3", "malformed repeat notice", 47},
      // Not the notice's text: read as a tag, which these are not.
      {kNoticePrefix + "last message repeated", "missing ':' after tag", 28},
      {kNoticePrefix + "Last message repeated 3 times", "missing ':' after tag", 28},
  };
  for (const Bad& b : bad) {
    INFO("line: " << b.line);
    SyslogHeader h;
    h.hostname = "untouched";
    std::string_view why;
    size_t where = 12345;
    REQUIRE_FALSE(parse_rfc3164(b.line, &h, &why, &where));
    CHECK(why == b.why);
    CHECK(where == b.where);
    CHECK(h.hostname == "untouched");
  }
}

}  // namespace
}  // namespace strictlog
