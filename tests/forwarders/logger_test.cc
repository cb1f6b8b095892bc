// util-linux logger(1) (2.38, Debian's bsdutils) in every mode that reaches a network listener, against one
// `strictlog serve` with a TCP and a UDP listener: UDP (-d) and TCP (-T), LF-framed and --octet-count, RFC 3164
// and RFC 5424 with and without notime / nohost / notq, --msgid, --sd-id/--sd-param, -i and --id, --tag, -p and
// lines from a file (-f) with and without --prio-prefix. tests/cli/serve_test.cc has the plain transport x format
// cases; these are the options. What logger sends, for `-t sshd` (captured from 2.38.1):
//   --rfc3164 --id=4242    <38>Nov 23 08:44:55 HOST sshd[4242]: MSG      (HOST: the hostname up to its first dot)
//   --rfc5424              <38>1 2026-11-23T08:44:55.663395+00:00 HOST sshd - - [timeQuality tzKnown="1"
//                          isSynced="0"] MSG                            (also logger's default format)
//   --rfc5424=notime       <38>1 - HOST sshd - - - MSG   (notime implies notq: no time, no quality)
//   --rfc5424=nohost       <38>1 2026-...+00:00 - sshd - - [timeQuality ...] MSG
//   --msgid ID47 --id=4242 <38>1 2026-...+00:00 HOST sshd 4242 ID47 [timeQuality ...] MSG
#include <catch2/catch.hpp>
#include <fmt/ranges.h>

#include <set>

#include "forwarders/forwarders.h"

namespace strictlog {
namespace {

using namespace forwarders_test;

const std::string kLogger = "/usr/bin/logger";

std::string this_hostname() {
  char name[256] = {};
  REQUIRE(::gethostname(name, sizeof name - 1) == 0);
  return name;
}

int64_t now_micros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Param {
  std::string name, value;
};
struct Element {
  std::string id;
  std::vector<Param> params;
};

// A logger invocation and the envelope each of its messages must arrive with.
struct Case {
  std::vector<std::string> options;  // besides -n 127.0.0.1 -P PORT --tag sshd and the message or -f FILE
  bool udp = false;
  size_t lines = 1;          // messages: 1 from the command line, more from a file (-f) of that many lines
  bool prio_prefix = false;  // the file's lines start with `<38>` (auth.info), for --prio-prefix
  v1::HeaderFormat format = v1::RFC5424;
  bool host = true;                     // HOSTNAME sent (not nohost's `-`)
  bool time = true;                     // TIMESTAMP sent (not notime's `-`)
  std::optional<uint32_t> pid;          // the pid expected; 0: logger's own (-i), whatever it was
  uint32_t facility = 1, severity = 5;  // logger's default: user.notice
  std::string msgid;
  // The SD elements in order. timeQuality's values depend on the machine's clock (isSynced, syncAccuracy):
  // only its id is checked.
  std::vector<Element> structured_data;
};

const Element kTimeQuality{"timeQuality", {}};

const std::vector<Case>& cases() {
  static const std::vector<Case> table = {
      // -p, --id and -i, RFC 3164 over UDP, TCP and TCP octet-counted.
      {.options = {"-d", "--rfc3164", "-p", "auth.info", "--id=4242"}, .udp = true, .format = v1::RFC3164,
       .pid = 4242, .facility = 4, .severity = 6},
      {.options = {"-T", "--rfc3164", "-p", "authpriv.notice", "-i"}, .format = v1::RFC3164, .pid = 0,
       .facility = 10, .severity = 5},
      {.options = {"-T", "--octet-count", "--rfc3164", "-p", "auth.warning"}, .format = v1::RFC3164, .facility = 4,
       .severity = 4},
      // logger's default format is RFC 5424.
      {.options = {"-d"}, .udp = true, .structured_data = {kTimeQuality}},
      {.options = {"-T", "-i"}, .pid = 0, .structured_data = {kTimeQuality}},
      // --rfc5424's options, alone and together (notime implies notq).
      {.options = {"-d", "--rfc5424=notime"}, .udp = true, .time = false},
      {.options = {"-d", "--rfc5424=nohost"}, .udp = true, .host = false, .structured_data = {kTimeQuality}},
      {.options = {"-T", "--rfc5424=notq"}},
      {.options = {"-T", "--octet-count", "--rfc5424=notime,nohost,notq"}, .host = false, .time = false},
      // MSGID, PROCID, and structured data of the user's (escaped `"` and `\\`: RFC 5424 §6.3.3).
      {.options = {"-T", "--octet-count", "--rfc5424", "--msgid", "ID47", "--id=4242", "-p", "auth.err"},
       .pid = 4242, .facility = 4, .severity = 3, .msgid = "ID47", .structured_data = {kTimeQuality}},
      {.options = {"-d", "--rfc5424=notq", "--sd-id", "zoo@32473", "--sd-param", "tiger=\"hungry\"", "--sd-param",
                   "food=\"meat \\\"raw\\\" \\\\ bone\""},
       .udp = true,
       .structured_data = {{"zoo@32473", {{"tiger", "hungry"}, {"food", "meat \"raw\" \\ bone"}}}}},
      {.options = {"-T", "--octet-count", "--rfc5424", "--sd-id", "origin", "--sd-param", "ip=\"192.0.2.1\""},
       .structured_data = {kTimeQuality, {"origin", {{"ip", "192.0.2.1"}}}}},
      // Lines from a file (-f): one message each; --prio-prefix takes each line's own `<PRI>`.
      {.options = {"-T", "--rfc3164", "--id=77"}, .lines = 3, .format = v1::RFC3164, .pid = 77},
      {.options = {"-d", "--rfc5424=notq", "--prio-prefix"}, .udp = true, .lines = 3, .prio_prefix = true,
       .facility = 4, .severity = 6},
      {.options = {"-T", "--octet-count", "--rfc5424=notq", "--prio-prefix"}, .lines = 2, .prio_prefix = true,
       .facility = 4, .severity = 6},
  };
  return table;
}

// Every mode in one serve run: each message carries its own port (kFirstPort + its number), so each event
// says which case and line it came from.
TEST_CASE("logger in every network mode and option delivers host program pid time msgid and structured data",
          "[forwarders][logger]") {
  require_program(kLogger, "bsdutils");
  Sandbox box;
  Serve serve = start_serve(box, serve_args({"--tcp", "127.0.0.1:0", "--udp", "127.0.0.1:0"}));
  std::vector<size_t> messages;  // message n's case
  const int64_t before = now_micros();
  for (size_t i = 0; i < cases().size(); ++i) {
    const Case& c = cases()[i];
    std::vector<std::string> args = c.options;
    args.insert(args.end(), {"-n", "127.0.0.1", "-P", std::to_string(serve.port(c.udp ? 1 : 0)), "--tag", "sshd"});
    auto text = [&] {
      Sent s;
      s.port = static_cast<uint32_t>(kFirstPort + messages.size());
      messages.push_back(i);
      return s.text();
    };
    if (c.lines == 1 && !c.prio_prefix) {
      args.push_back(text());
    } else {
      std::string file;
      for (size_t l = 0; l < c.lines; ++l) file += (c.prio_prefix ? "<38>" : "") + text() + "\n";
      write_file(box / "lines.txt", file);
      args.insert(args.end(), {"-f", "lines.txt"});
    }
    Run sent = run_program(box, kLogger, args, "logger", {"TZ=UTC"});
    INFO("case " << i << ": " << sent.err);
    REQUIRE(sent.status == 0);
  }
  // UDP has no close to wait for: serve's output says when everything arrived.
  CHECK(wait_events(box, messages.size()));
  wait_connections_closed(serve.port(0));
  Run r = stop_serve_expecting(box, serve, messages.size());
  const int64_t after = now_micros();
  const ServeSummary summary = parse_summary(r.err);
  size_t over_udp = 0;
  for (size_t i : messages) over_udp += cases()[i].udp;
  CHECK(summary.listeners.at(serve.listeners[1]).accepted == over_udp);
  CHECK(summary.listeners.at(serve.listeners[1]).udp_lost_kernel == 0);
  CHECK(summary.listeners.at(serve.listeners[0]).accepted == messages.size() - over_udp);

  const std::string host = this_hostname();
  const auto events = events_of(box);
  REQUIRE(events.size() == messages.size());
  std::set<uint32_t> ports;
  for (const auto& event : events) {
    const auto& auth = event.openssh_authentication();
    const size_t n = auth.src_endpoint().port() - kFirstPort;
    REQUIRE(n < messages.size());
    ports.insert(auth.src_endpoint().port());
    const size_t i = messages[n];
    const Case& c = cases()[i];
    const v1::Envelope& e = event.envelope();
    INFO("case " << i << " (logger " << fmt::format("{}", fmt::join(c.options, " ")) << "): " << e.ShortDebugString());
    CHECK(e.input().name() == serve.listeners[c.udp ? 1 : 0]);
    CHECK(e.rule_id() == "auth_accepted");
    CHECK(auth.user().name() == "alice");
    CHECK(auth.src_endpoint().ip() == "192.0.2.10");
    CHECK(e.header_format() == c.format);
    CHECK(e.process_name() == "sshd");
    CHECK(e.facility() == c.facility);
    CHECK(e.severity() == c.severity);
    if (!c.host) {
      CHECK(e.hostname().empty());
    } else {
      CHECK(e.hostname() == (c.format == v1::RFC3164 ? host.substr(0, host.find('.')) : host));
    }
    if (!c.pid) {
      CHECK_FALSE(e.has_pid());
    } else if (*c.pid == 0) {
      CHECK(e.has_pid());
      CHECK(e.pid() > 0);
    } else {
      CHECK(e.pid() == *c.pid);
    }
    CHECK(e.procid().empty());
    CHECK(e.msgid() == c.msgid);
    const int64_t time = e.time().seconds() * 1000000 + e.time().nanos() / 1000;
    if (!c.time) {
      CHECK_FALSE(e.has_time());
      CHECK(e.time_text().empty());
    } else if (c.format == v1::RFC3164) {
      CHECK(std::regex_match(e.time_text(), std::regex("[A-Z][a-z]{2} [ 1-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-5][0-9]")));
      CHECK(e.time_year_inferred());
      CHECK(time >= before / 1000000 * 1000000);  // whole seconds
      CHECK(time <= after);
    } else {
      CHECK(std::regex_match(e.time_text(), std::regex("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}\\+00:00")));
      CHECK_FALSE(e.time_year_inferred());
      CHECK(time >= before);
      CHECK(time <= after);
    }
    REQUIRE(e.structured_data_size() == static_cast<int>(c.structured_data.size()));
    for (size_t k = 0; k < c.structured_data.size(); ++k) {
      const auto& got = e.structured_data(static_cast<int>(k));
      const Element& want = c.structured_data[k];
      CHECK(got.id() == want.id);
      if (want.id == "timeQuality") continue;
      REQUIRE(got.params_size() == static_cast<int>(want.params.size()));
      for (size_t p = 0; p < want.params.size(); ++p) {
        CHECK(got.params(static_cast<int>(p)).name() == want.params[p].name);
        CHECK(got.params(static_cast<int>(p)).value() == want.params[p].value);
      }
    }
  }
  CHECK(ports.size() == messages.size());
}

}  // namespace
}  // namespace strictlog
