#include "ingest/repeats.h"

#include <catch2/catch.hpp>

#include <string>

#include "ingest/rfc3164.h"

namespace strictlog {
namespace {

// The header of every line below, up to the message at offset 34.
const std::string kPrefix = "Nov 22 09:15:02 vpn1 openvpn[42]: ";

// The fields unwrap_repeated may change; the rest must stay as parse_rfc3164 left them.
struct Good {
  std::string line;
  std::string program;
  std::optional<uint32_t> pid;
  std::string message;
  std::optional<uint32_t> repeat_count;
  bool last_message_repeated;
};

void check_unwrapped(const Good& g) {
  INFO("line: " << g.line);
  SyslogHeader h;
  std::string_view why;
  REQUIRE(parse_rfc3164(g.line, &h, &why));
  REQUIRE(unwrap_repeated(g.line, &h, &why));
  CHECK(h.format == HeaderFormat::kRfc3164);
  CHECK_FALSE(h.facility.has_value());
  CHECK_FALSE(h.severity.has_value());
  CHECK(h.time_form == TimeForm::kNoYear);
  CHECK(h.timestamp_text == "Nov 22 09:15:02");
  CHECK(h.year == 0);
  CHECK(h.month == 11);
  CHECK(h.day == 22);
  CHECK(h.hour == 9);
  CHECK(h.minute == 15);
  CHECK(h.second == 2);
  CHECK(h.nanos == 0);
  CHECK(h.utc_offset_seconds == 0);
  CHECK(h.hostname == "vpn1");
  CHECK(h.program == g.program);
  CHECK(h.tag_module.empty());
  CHECK(h.pid == g.pid);
  CHECK(h.procid.empty());
  CHECK(h.msgid.empty());
  CHECK(h.structured_data.empty());
  CHECK(h.message == g.message);
  CHECK(h.repeat_count == g.repeat_count);
  CHECK(h.last_message_repeated == g.last_message_repeated);
  // Still a view into the line.
  CHECK(h.message.data() >= g.line.data());
  CHECK(h.message.data() + h.message.size() <= g.line.data() + g.line.size());
}

TEST_CASE("unwrap_repeated reads rsyslog's message repeated N times", "[ingest][repeats]") {
  const Good good[] = {
      // runtime/ratelimit.c: " message repeated %d times: [%.800s]", the inner MSG with its leading space.
      {kPrefix + "message repeated 3 times: [ TLS Error: TLS handshake failed]", "openvpn", 42,
       "TLS Error: TLS handshake failed", 3, false},
      // An MSG without the leading space.
      {kPrefix + "message repeated 2 times: [TLS Error]", "openvpn", 42, "TLS Error", 2, false},
      // The closing bracket is the last byte; inner brackets are text.
      {kPrefix + "message repeated 5 times: [ [client1] Peer Connection Initiated with [AF_INET]198.51.100.7:1194]",
       "openvpn", 42, "[client1] Peer Connection Initiated with [AF_INET]198.51.100.7:1194", 5, false},
      {kPrefix + "message repeated 2 times: [ a] b]", "openvpn", 42, "a] b", 2, false},
      // Only one space is rsyslog's.
      {kPrefix + "message repeated 2 times: [  indented]", "openvpn", 42, " indented", 2, false},
      {kPrefix + "message repeated 2 times: []", "openvpn", 42, "", 2, false},
      {kPrefix + "message repeated 2 times: [ ]", "openvpn", 42, "", 2, false},
      {kPrefix + "message repeated 4294967295 times: [ x]", "openvpn", 42, "x", 4294967295u, false},
      // Not a notice's frame: ordinary messages, unchanged.
      {kPrefix + "message repeated too often", "openvpn", 42, "message repeated too often", {}, false},
      {kPrefix + "message repeated 3 times", "openvpn", 42, "message repeated 3 times", {}, false},
      {kPrefix + "message repeated 3 times:[x]", "openvpn", 42, "message repeated 3 times:[x]", {}, false},
      {kPrefix + "Message repeated 3 times: [x]", "openvpn", 42, "Message repeated 3 times: [x]", {}, false},
      {kPrefix + " message repeated 3 times: [x]", "openvpn", 42, " message repeated 3 times: [x]", {}, false},
  };
  for (const Good& g : good) check_unwrapped(g);
}

TEST_CASE("unwrap_repeated reads tagged last-message notices", "[ingest][repeats]") {
  const Good good[] = {
      // FreeBSD syslogd fprintlog_successive(): tag "syslogd", N from 1.
      {"Nov 22 09:15:02 vpn1 syslogd: last message repeated 1 times", "syslogd", {}, "", 1, true},
      // rsyslog before 7.3.2 (old format): the repeated line's tag kept.
      {kPrefix + "last message repeated 3 times", "openvpn", 42, "", 3, true},
      // syslog-ng lib/logwriter.c: the repeated line's HOST and PROGRAM, syslog-ng's own pid (dropped), the
      // first 20 bytes of the message, syslog-ng's host.
      {"Nov 22 09:15:02 vpn1 openvpn[777]: Last message 'TLS Error: TLS hands' repeated 3 times, suppressed by "
       "syslog-ng on loghost.example.org",
       "openvpn", {}, "", 3, true},
      {"Nov 22 09:15:02 vpn1 openvpn: Last message 'x' repeated 2 times, suppressed by syslog-ng on h", "openvpn",
       {}, "", 2, true},
      // The quoted text holds the closing text itself: the last candidate within 20 bytes closes it.
      {kPrefix + "Last message 'a' repeated 9 times' repeated 2 times, suppressed by syslog-ng on h", "openvpn", {},
       "", 2, true},
      // Not notices: left alone.
      {kPrefix + "last message repeated 3 times (total 5 repeats)", "openvpn", 42,
       "last message repeated 3 times (total 5 repeats)", {}, false},
      {kPrefix + "Last message repeated 3 times", "openvpn", 42, "Last message repeated 3 times", {}, false},
      {kPrefix + "Last message 'x' repeated 2 times", "openvpn", 42, "Last message 'x' repeated 2 times", {}, false},
      {kPrefix + "last message buffered 3 times", "openvpn", 42, "last message buffered 3 times", {}, false},
  };
  for (const Good& g : good) check_unwrapped(g);
}

TEST_CASE("unwrap_repeated leaves an already unwrapped untagged notice alone", "[ingest][repeats]") {
  const std::string line = "Nov 22 09:15:02 vpn1 last message repeated 3 times";
  SyslogHeader h;
  std::string_view why;
  REQUIRE(parse_rfc3164(line, &h, &why));
  REQUIRE(unwrap_repeated(line, &h, &why));
  CHECK(h.last_message_repeated);
  CHECK(h.repeat_count == 3u);
  CHECK(h.program.empty());
  CHECK(h.message.empty());
}

struct Bad {
  std::string line;
  std::string_view why;
  size_t where;
};

TEST_CASE("unwrap_repeated rejects malformed notices with a reason and an offset", "[ingest][repeats]") {
  // kPrefix is 34 bytes; "message repeated " 17 more, so form 1's count is at 51, form 2's at 56.
  const Bad bad[] = {
      {kPrefix + "message repeated 1 times: [ x]", "repeat count out of range", 51},  // rsyslog sends the line
      {kPrefix + "message repeated 0 times: [ x]", "repeat count out of range", 51},
      {kPrefix + "message repeated 4294967296 times: [ x]", "repeat count out of range", 51},
      {kPrefix + "message repeated 99999999999 times: [ x]", "repeat count out of range", 51},
      {kPrefix + "message repeated 03 times: [ x]", "repeat count is zero-padded", 51},
      {kPrefix + "message repeated x times: [ x]", "repeat count is not a number", 51},
      {kPrefix + "message repeated -1 times: [ x]", "repeat count is not a number", 51},
      {kPrefix + "message repeated 3 times: [ x", "missing ']' at the end of a repeated message", 63},
      {kPrefix + "message repeated 3 times: [", "missing ']' at the end of a repeated message", 61},
      {kPrefix + "message repeated 3 times: [ x] ", "missing ']' at the end of a repeated message", 65},
      {kPrefix + "last message repeated 0 times", "repeat count out of range", 56},
      {kPrefix + "last message repeated 007 times", "repeat count is zero-padded", 56},
      {kPrefix + "last message repeated x times", "repeat count is not a number", 56},
      // syslog-ng: "Last message '" is 14 bytes, so the quoted text starts at 48.
      {kPrefix + "Last message 'x' repeated 0 times, suppressed by syslog-ng on h", "repeat count out of range", 60},
      {kPrefix + "Last message 'x' repeated two times, suppressed by syslog-ng on h", "repeat count is not a number",
       60},
      {kPrefix + "Last message 'more than twenty bytes here' repeated 2 times, suppressed by syslog-ng on h",
       "malformed repeat notice", 48},
      {kPrefix + "Last message 'x' repeated 2 time, suppressed by syslog-ng on h", "malformed repeat notice", 66},
      {kPrefix + "Last message 'x' repeated 2 times, suppressed by syslog-ng on ", "malformed repeat notice", 96},
      {kPrefix + "Last message 'x' repeated 2 times, suppressed by syslog-ng on h x", "malformed repeat notice", 97},
  };
  for (const Bad& b : bad) {
    INFO("line: " << b.line);
    SyslogHeader h;
    std::string_view why;
    REQUIRE(parse_rfc3164(b.line, &h, &why));
    const SyslogHeader before = h;
    size_t where = 12345;
    REQUIRE_FALSE(unwrap_repeated(b.line, &h, &why, &where));
    CHECK(why == b.why);
    CHECK(where == b.where);
    CHECK(h.message == before.message);  // untouched
    CHECK_FALSE(h.repeat_count.has_value());
    CHECK_FALSE(h.last_message_repeated);
    CHECK(h.pid == before.pid);
  }
}

}  // namespace
}  // namespace strictlog
