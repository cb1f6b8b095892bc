// `strictlog serve` under load, through the built binaries (label `slow`, its own executable): strictlog-loadgen
// sends a million numbered messages over four TCP connections, serve is told to stop (SIGTERM) while its queue is
// full and the senders are still sending, and then every message must be accounted for exactly once: the
// summary's equation, and every number 0..999,999 in exactly one output record.
#include <catch2/catch.hpp>

#include "cli/serve_harness.h"

namespace strictlog {
namespace {

using namespace serve_test;

constexpr uint64_t kMessages = 1000000;
constexpr uint64_t kConnections = 4;
constexpr uint64_t kPerConnection = kMessages / kConnections;
// Template line seq mod 1000 = 999 is one no rule of the openvpn-mini fixture matches: every 1000th message
// is quarantined (NO_MATCH), the others become openvpn_tls_handshake_failed events.
constexpr uint64_t kTemplateLines = 1000;
const std::string kEventLine =
    "<30>Nov 22 10:41:07 vpn-gw1 openvpn[1187]: c{seq}/198.51.100.7:51234 TLS Error: TLS handshake failed";
const std::string kNoMatchLine =
    "<30>Nov 22 10:41:07 vpn-gw1 openvpn[1187]: c{seq}/198.51.100.7:51234 no rule matches this line";
// Budget: children are killed after this; a run takes about 5 s on 2 cores.
constexpr unsigned kAlarmSeconds = 180;
// What shows that serve stopped reading its connections: this many bytes received by the kernel on serve's
// side and not read by serve.
constexpr uint64_t kUnreadWhenPaused = 256 * 1024;

// The decimal number right after the first `marker` in `text`; -1 if there is none.
int64_t number_after(std::string_view text, std::string_view marker) {
  size_t at = text.find(marker);
  if (at == std::string_view::npos) return -1;
  text.remove_prefix(at + marker.size());
  int64_t number = -1;
  for (size_t i = 0; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    number = (number < 0 ? 0 : number * 10) + (text[i] - '0');
  }
  return number;
}

TEST_CASE("serve accounts exactly for a million messages over 4 TCP connections stopped while its queue is full",
          "[cli][slow]") {
  Sandbox box;
  std::string tmpl;
  for (uint64_t i = 0; i < kTemplateLines; ++i) tmpl += (i == kTemplateLines - 1 ? kNoMatchLine : kEventLine) + "\n";
  write_file(box / "template.txt", tmpl);

  // A queue of 20000 messages and two workers, which normalize a few hundred thousand messages a second on the
  // two cores they share with the sender; the sender writes millions a second, so the queue fills within the
  // first fraction of a second and stays full for as long as the sender has something to send.
  Serve serve = start_serve(box,
                            {"--grammars", kGrammars, "--mappings", kMappings, "--tcp", "127.0.0.1:0", "--format", "pb",
                             "--out", "events.pb", "--quarantine", "q.jsonl", "--threads", "2", "--queue-messages",
                             "20000", "--no-processed-time", "--drain-timeout", "2"},
                            kAlarmSeconds);
  REQUIRE(serve.listeners.size() == 1);
  const std::string listener = serve.listeners[0];
  Child loadgen =
      spawn_program(box, kLoadgen,
                    {"--tcp", "127.0.0.1:" + std::to_string(serve.port(0)), "--messages", std::to_string(kMessages),
                     "--connections", std::to_string(kConnections), "--template", "template.txt", "--timeout", "150"},
                    "loadgen", kAlarmSeconds);

  // How the test knows the queue is full when SIGTERM is sent: the receiver stops reading a connection only
  // while the queue refuses its batch (listen/receiver.h), and then the kernel keeps what the sender writes,
  // unread, on serve's side. So: bytes pile up unread on serve's sockets while the sender is still running.
  // A sender that finished first would leave nothing to test: that fails the test.
  const auto deadline = Clock::now() + 60s;
  uint64_t unread = 0;
  while ((unread = unread_bytes(serve.port(0))) < kUnreadWhenPaused) {
    if (auto done = loadgen.poll()) {
      INFO("loadgen finished before serve's queue filled: " << done->status << "\n" << done->out << done->err);
      FAIL();
    }
    REQUIRE(Clock::now() < deadline);
    std::this_thread::sleep_for(5ms);
  }
  INFO("unread bytes on serve's connections when SIGTERM was sent: " << unread);
  CHECK_FALSE(exists(box / "events.pb"));  // without rotation, published only at shutdown
  serve.process.signal(SIGTERM);
  // Still sending after the signal: serve must read on (the connections stay open) until the sender closes them.
  std::optional<Run> finished_early = loadgen.poll();
  CHECK_FALSE(finished_early.has_value());

  Run sent = finished_early ? *finished_early : loadgen.wait();
  INFO(sent.err);
  REQUIRE(sent.status == 0);
  std::smatch m;
  REQUIRE(std::regex_match(sent.out, m,
                           std::regex("sent 1000000 messages \\((\\d+) bytes\\) over 4 tcp "
                                      "connections in [0-9.]+ s\n")));
  const uint64_t sent_bytes = std::stoull(m[1]);

  Run r = serve.process.wait();
  INFO(r.err);
  REQUIRE(r.status == 0);
  ServeSummary summary = parse_summary(r.err);
  REQUIRE(summary.listeners.count(listener) == 1);
  const ListenerCounts& l = summary.listeners[listener];
  CHECK(l.accepted == kMessages);
  CHECK(l.bytes == sent_bytes);
  CHECK(l.connections == kConnections);
  CHECK(l.refused == 0);
  CHECK(l.idle_closed == 0);
  REQUIRE(summary.equation.has_value());
  CHECK(summary.equation->accepted == kMessages);
  CHECK(summary.equation->events == kMessages - kMessages / kTemplateLines);
  CHECK(summary.equation->dropped_by_rule == 0);
  CHECK(summary.equation->quarantined == kMessages / kTemplateLines);
  CHECK(summary.equation->verdict == "ok");

  // Every number exactly once over both outputs, each in the record its template line makes. Connection c of
  // the loadgen sends [c * 250000, (c + 1) * 250000) in order, so the frame number of message seq in its
  // connection (input.line) is seq mod 250000 + 1, and all messages of one range share one input.connection.
  std::vector<uint32_t> seen(kMessages, 0);
  std::vector<std::string> connection_of_range(kConnections);
  uint64_t events = 0, bad_events = 0, bad_positions = 0, bad_connections = 0;
  auto note_position = [&](int64_t seq, const v1::Input& input) {
    const uint64_t range = static_cast<uint64_t>(seq) / kPerConnection;
    if (input.name() != listener || input.line() != static_cast<uint64_t>(seq) % kPerConnection + 1 ||
        input.peer().rfind("127.0.0.1:", 0) != 0) {
      ++bad_positions;
    }
    if (connection_of_range[range].empty()) connection_of_range[range] = input.connection();
    if (connection_of_range[range] != input.connection()) ++bad_connections;
  };
  for_each_pb_event(box / "events.pb", [&](const v1::Event& event) {
    ++events;
    int64_t seq = number_after(event.openvpn_tls_handshake_failed().src_endpoint().common_name(), "c");
    if (seq < 0 || seq >= static_cast<int64_t>(kMessages) || seq % kTemplateLines == kTemplateLines - 1) {
      ++bad_events;
      return;
    }
    ++seen[seq];
    note_position(seq, event.envelope().input());
  });
  CHECK(events == kMessages - kMessages / kTemplateLines);
  CHECK(bad_events == 0);

  auto quarantined = read_jsonl<v1::QuarantineRecord>(box / "q.jsonl");
  CHECK(quarantined.size() == kMessages / kTemplateLines);
  uint64_t bad_records = 0;
  for (const auto& record : quarantined) {
    int64_t seq = number_after(record.raw_text(), "]: c");
    if (record.reason() != v1::NO_MATCH || seq < 0 || seq >= static_cast<int64_t>(kMessages) ||
        seq % kTemplateLines != kTemplateLines - 1) {
      ++bad_records;
      continue;
    }
    ++seen[seq];
    note_position(seq, record.input());
  }
  CHECK(bad_records == 0);
  CHECK(bad_positions == 0);
  CHECK(bad_connections == 0);
  std::sort(connection_of_range.begin(), connection_of_range.end());
  CHECK(std::unique(connection_of_range.begin(), connection_of_range.end()) == connection_of_range.end());

  uint64_t missing = 0, repeated = 0;
  int64_t first_wrong = -1;
  for (uint64_t seq = 0; seq < kMessages; ++seq) {
    if (seen[seq] == 1) continue;
    (seen[seq] == 0 ? missing : repeated) += 1;
    if (first_wrong < 0) first_wrong = static_cast<int64_t>(seq);
  }
  INFO("first number not seen exactly once: " << first_wrong);
  CHECK(missing == 0);
  CHECK(repeated == 0);
  CHECK(hidden_entries(box).empty());
}

}  // namespace
}  // namespace strictlog
