// `strictlog serve` through the built binary, with real clients: util-linux logger(1) over UDP, TCP and TCP with
// octet counting in both header formats; strictlog-loadgen for rotation; a raw socket for a frame cut by its
// sender. Plus the edges: a stop with nothing received, and a listener address that is not an IP address.
// The slow million-message run is serve_load_test.cc.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <set>

#include "cli/serve_harness.h"

namespace strictlog {
namespace {

using namespace serve_test;

std::string this_hostname() {
  char name[256] = {};
  REQUIRE(::gethostname(name, sizeof name - 1) == 0);
  return name;
}

int64_t now_micros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST_CASE("serve stopped by SIGTERM before any message exits 0 with its outputs published empty", "[cli]") {
  Sandbox box;
  Serve serve = start_serve(box, mini({"--tcp", "127.0.0.1:0", "--udp", "127.0.0.1:0", "--format", "jsonl", "--out",
                                       "events.jsonl", "--quarantine", "q.jsonl"}));
  REQUIRE(serve.listeners.size() == 2);
  CHECK(std::regex_match(serve.listeners[0], std::regex("tcp://127\\.0\\.0\\.1:[1-9][0-9]*")));
  CHECK(std::regex_match(serve.listeners[1], std::regex("udp://127\\.0\\.0\\.1:[1-9][0-9]*")));
  Run r = serve.stop();
  INFO(r.err);
  CHECK(r.status == 0);
  ServeSummary summary = parse_summary(r.err);
  REQUIRE(summary.listeners.size() == 2);
  const ListenerCounts& tcp = summary.listeners[serve.listeners[0]];
  const ListenerCounts& udp = summary.listeners[serve.listeners[1]];
  CHECK((tcp.accepted == 0 && tcp.bytes == 0 && tcp.connections == 0 && tcp.refused == 0 && tcp.idle_closed == 0));
  CHECK((udp.accepted == 0 && udp.bytes == 0 && udp.udp_lost_queue == 0 && udp.udp_lost_kernel == 0));
  CHECK(r.err.find("\n  accepted 0 == events 0 + dropped_by_rule 0 + quarantined 0: ok\n") != std::string::npos);
  REQUIRE(exists(box / "events.jsonl"));
  REQUIRE(exists(box / "q.jsonl"));
  CHECK(read_all(box / "events.jsonl").empty());
  CHECK(read_all(box / "q.jsonl").empty());
  CHECK(mode_of(box / "q.jsonl") == 0600);
  CHECK(hidden_entries(box).empty());
}

// Names are refused rather than resolved: the address bound must be the one meant (listen/receiver.h).
TEST_CASE("serve refuses a listener given by host name as a usage error and says what it wants", "[cli]") {
  Sandbox box;
  Run r = run_strictlog(box, with_rules({"serve", "--tcp", "localhost:514"}));
  CHECK(r.status == 1);  // kExitUsage (cli/exit_codes.h), as every command's bad command line
  CHECK(r.err ==
        "strictlog serve: 'localhost:514' is not HOST:PORT with HOST an IP address (e.g. 127.0.0.1:514 or "
        "[::1]:514)\n");
  CHECK(box.entries().empty());
}

// RFC 6587 §3.4.1: a frame of 20 octets announced, 11 sent, then the connection closed.
TEST_CASE("serve quarantines an octet-counted frame cut by its sender's close as FRAMING with the peer's address",
          "[cli]") {
  Sandbox box;
  Serve serve = start_serve(box, mini({"--tcp", "127.0.0.1:0", "--format", "jsonl", "--out", "events.jsonl",
                                       "--quarantine", "q.jsonl", "--no-processed-time"}));
  const std::string line =
      "<30>Nov 22 10:41:07 vpn-gw1 openvpn[1187]: 198.51.100.7:51234 TLS Error: TLS handshake failed";
  const std::string first_frame = std::to_string(line.size()) + " " + line;
  int fd = connect_tcp(serve.port(0));
  const std::string peer = local_address(fd);
  send_all(fd, first_frame + "120 <30>Nov 22");
  ::close(fd);
  wait_connections_closed(serve.port(0));
  Run r = serve.stop();
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.err.find("\n  accepted 2 == events 1 + dropped_by_rule 0 + quarantined 1: ok\n") != std::string::npos);
  const ListenerCounts l = parse_summary(r.err).listeners[serve.listeners[0]];
  CHECK(l.accepted == 2);
  CHECK(l.bytes == first_frame.size() + 14);
  CHECK(l.connections == 1);

  auto events = read_jsonl<v1::Event>(box / "events.jsonl");
  REQUIRE(events.size() == 1);
  const v1::Input& event_input = events[0].envelope().input();
  CHECK(event_input.name() == serve.listeners[0]);
  CHECK(event_input.line() == 1);
  CHECK(event_input.offset() == 3);  // after `93 `: offsets count MSG-LEN but point at MSG
  CHECK(event_input.peer() == peer);
  CHECK(std::regex_match(event_input.connection(), std::regex("[1-9][0-9]{15}\\.1")));
  CHECK(events[0].openvpn_tls_handshake_failed().src_endpoint().port() == 51234);

  auto records = read_jsonl<v1::QuarantineRecord>(box / "q.jsonl");
  REQUIRE(records.size() == 1);
  const v1::QuarantineRecord& record = records[0];
  CHECK(record.reason() == v1::FRAMING);
  CHECK(record.raw_text() == "<30>Nov 22");
  CHECK(record.detail() == "connection closed after 10 of 120 bytes of an octet-counted message");
  CHECK(record.input().name() == serve.listeners[0]);
  CHECK(record.input().line() == 2);
  CHECK(record.input().offset() == first_frame.size() + 4);  // after `120 `
  CHECK(record.input().peer() == peer);
  CHECK(record.input().connection() == event_input.connection());
}

// The start and number of a segment's name, `20261122T231500Z.000001` of `events.20261122T231500Z.000001.pb`.
std::string segment_id(const std::string& name, const std::string& stem) { return name.substr(stem.size() + 1, 23); }

// --rotate-bytes 4096 and five chunks of 200 messages (every 10th one no rule matches), each from its own loadgen
// run, the next one sent only once the previous one made serve publish a segment: a chunk writes about 60 KiB
// of events, so at least one rotation happens while it is written, whatever serve's write batches are.
TEST_CASE("serve --rotate-bytes publishes complete segments that hold every message exactly once", "[cli]") {
  Sandbox box;
  std::string tmpl;
  for (int i = 0; i < 9; ++i) {
    tmpl += "<30>Nov 22 10:41:07 vpn-gw1 openvpn[1187]: c{seq}/198.51.100.7:51234 TLS Error: TLS handshake failed\n";
  }
  tmpl += "<30>Nov 22 10:41:07 vpn-gw1 openvpn[1187]: c{seq}/198.51.100.7:51234 no rule matches this line\n";
  write_file(box / "template.txt", tmpl);
  constexpr uint64_t kRotateBytes = 4096;
  Serve serve = start_serve(box, mini({"--tcp", "127.0.0.1:0", "--format", "pb", "--out", "events.pb", "--quarantine",
                                       "events.quarantine.jsonl", "--rotate-bytes", std::to_string(kRotateBytes)}));
  for (size_t chunk = 0; chunk < 5; ++chunk) {
    Run sent =
        run_program(box, kLoadgen,
                    {"--tcp", "127.0.0.1:" + std::to_string(serve.port(0)), "--first", std::to_string(chunk * 200),
                     "--messages", "200", "--connections", "1", "--template", "template.txt"},
                    "loadgen");
    INFO(sent.err);
    REQUIRE(sent.status == 0);
    const auto deadline = Clock::now() + 20s;
    while (segments(box, "events", ".pb").size() <= chunk) {
      REQUIRE(Clock::now() < deadline);
      std::this_thread::sleep_for(5ms);
    }
  }
  wait_connections_closed(serve.port(0));
  Run r = serve.stop();
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.err.find("\n  accepted 1000 == events 900 + dropped_by_rule 0 + quarantined 100: ok\n") != std::string::npos);

  // A segment's files are published together, numbered from 000001 in this run; each but the last was rotated
  // because it reached --rotate-bytes, counting the bytes of all its files.
  const std::vector<std::string> event_segments = segments(box, "events", ".pb");
  const std::vector<std::string> quarantine_segments = segments(box, "events.quarantine", ".jsonl");
  REQUIRE(event_segments.size() >= 5);
  REQUIRE(quarantine_segments.size() == event_segments.size());
  for (size_t i = 0; i < event_segments.size(); ++i) {
    const std::string id = segment_id(event_segments[i], "events");
    INFO(event_segments[i]);
    CHECK(segment_id(quarantine_segments[i], "events.quarantine") == id);
    CHECK(id.substr(17) == fmt::format("{:06}", i + 1));
    const uint64_t bytes =
        std::filesystem::file_size(box / event_segments[i]) + std::filesystem::file_size(box / quarantine_segments[i]);
    if (i + 1 < event_segments.size()) CHECK(bytes >= kRotateBytes);
  }
  CHECK(!exists(box / "events.pb"));
  CHECK(!exists(box / "events.quarantine.jsonl"));

  std::vector<int> seen(1000, 0);
  size_t misplaced = 0;
  for (const auto& name : event_segments) {
    for_each_pb_event(box / name, [&](const v1::Event& event) {
      const int seq = std::stoi(event.openvpn_tls_handshake_failed().src_endpoint().common_name().substr(1));
      misplaced += seq % 10 == 9;
      ++seen.at(seq);
    });
  }
  for (const auto& name : quarantine_segments) {
    for (const auto& record : read_jsonl<v1::QuarantineRecord>(box / name)) {
      const std::string& raw = record.raw_text();
      const int seq = std::stoi(raw.substr(raw.find("]: c") + 4));
      misplaced += seq % 10 != 9;
      ++seen.at(seq);
    }
  }
  CHECK(misplaced == 0);
  CHECK(std::count(seen.begin(), seen.end(), 1) == 1000);
  CHECK(hidden_entries(box).empty());
}

// logger(1) from util-linux, a syslog client no one here wrote. It sends `<13>` (user.notice), the machine's
// hostname (RFC 3164: up to the first dot) and the current time: `Nov 22 23:13:41` (RFC 3164), or
// `2026-11-22T23:13:41.026915+00:00` (RFC 5424, with `[timeQuality ...]` structured data). Over TCP it frames with
// LF unless --octet-count. The message is the corpus' `TLS handshake failed` line, each case with its own port.
TEST_CASE("logger over UDP and TCP and TCP with octet counting in RFC 3164 and RFC 5424 arrives as events", "[cli]") {
  struct Case {
    std::vector<std::string> transport;  // logger's options
    bool udp;
    std::string format;  // --rfc3164 or --rfc5424
  };
  const std::vector<Case> cases = {
      {{"-d"}, true, "--rfc3164"},
      {{"-d"}, true, "--rfc5424"},
      {{"-T"}, false, "--rfc3164"},
      {{"-T"}, false, "--rfc5424"},
      {{"-T", "--octet-count"}, false, "--rfc3164"},
      {{"-T", "--octet-count"}, false, "--rfc5424"},
  };
  Sandbox box;
  Serve serve =
      start_serve(box, {"--grammars", kRepoGrammars, "--mappings", kRepoMappings, "--tcp", "127.0.0.1:0", "--udp",
                        "127.0.0.1:0", "--format", "jsonl", "--out", "events.jsonl", "--quarantine", "q.jsonl"});
  const int64_t before = now_micros();
  for (size_t i = 0; i < cases.size(); ++i) {
    std::vector<std::string> args = cases[i].transport;
    const uint16_t port = serve.port(cases[i].udp ? 1 : 0);
    args.insert(args.end(), {"-n", "127.0.0.1", "-P", std::to_string(port), cases[i].format, "-t", "openvpn",
                             "203.0.113.45:5210" + std::to_string(i) + " TLS Error: TLS handshake failed"});
    Run sent = run_program(box, "logger", args, "logger", {"TZ=UTC"});
    INFO("logger " << i << ": " << sent.err);
    REQUIRE(sent.status == 0);
  }
  wait_connections_closed(serve.port(0));
  Run r = serve.stop();
  const int64_t after = now_micros();
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.err.find("\n  accepted 6 == events 6 + dropped_by_rule 0 + quarantined 0: ok\n") != std::string::npos);
  CHECK(read_all(box / "q.jsonl").empty());

  const std::string host = this_hostname();
  auto events = read_jsonl<v1::Event>(box / "events.jsonl");
  REQUIRE(events.size() == cases.size());
  std::set<uint32_t> ports;
  for (const auto& event : events) {
    const uint32_t port = event.openvpn_tls_handshake_failed().src_endpoint().port();
    const size_t i = port - 52100;
    REQUIRE(i < cases.size());
    ports.insert(port);
    const Case& c = cases[i];
    const v1::Envelope& e = event.envelope();
    INFO("case " << i << ": " << e.ShortDebugString());
    CHECK(e.input().name() == serve.listeners[c.udp ? 1 : 0]);
    CHECK(e.input().peer().rfind("127.0.0.1:", 0) == 0);
    CHECK(e.process_name() == "openvpn");
    CHECK(e.rule_id() == "tls_handshake_failed");
    CHECK(event.openvpn_tls_handshake_failed().src_endpoint().ip() == "203.0.113.45");
    CHECK(e.facility() == 1);  // user
    CHECK(e.severity() == 5);  // notice
    const int64_t time = e.time().seconds() * 1000000 + e.time().nanos() / 1000;
    if (c.format == "--rfc3164") {
      CHECK(e.header_format() == v1::RFC3164);
      CHECK(e.hostname() == host.substr(0, host.find('.')));
      CHECK(std::regex_match(e.time_text(), std::regex("[A-Z][a-z]{2} [ 1-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-5][0-9]")));
      CHECK(e.time_year_inferred());
      CHECK(time >= before / 1000000 * 1000000);  // whole seconds
    } else {
      CHECK(e.header_format() == v1::RFC5424);
      CHECK(e.hostname() == host);
      CHECK(std::regex_match(e.time_text(), std::regex("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}\\+00:00")));
      CHECK_FALSE(e.time_year_inferred());
      CHECK(time >= before);
      REQUIRE(e.structured_data_size() == 1);
      CHECK(e.structured_data(0).id() == "timeQuality");
    }
    CHECK(time <= after);
  }
  CHECK(ports.size() == cases.size());
}

}  // namespace
}  // namespace strictlog
