// `strictlog serve` when things go wrong or change under it, through the built binary: a full disk (RLIMIT_FSIZE)
// in the middle of a stream, rotation by time and by SIGUSR1, the --config file and its mistakes, UDP losses that
// must still add up, a connection over --max-connections, a stream output that cannot be rotated, and a grammar
// that does not load. The happy paths are serve_test.cc.
#include <catch2/catch.hpp>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/resource.h>

#include <algorithm>
#include <csignal>
#include <ctime>
#include <map>
#include <numeric>

#include "cli/serve_harness.h"

namespace strictlog {
namespace {

using namespace serve_test;

// strictlog-loadgen's template: message seq is an event (rule tls_handshake_failed, seq in the common name
// `c<seq>`) unless seq ends in 9, which no rule matches (a NO_MATCH quarantine record holding `]: c<seq>/`).
// No line is a drop rule's, so every message accepted is exactly one record.
void write_template(const Sandbox& box) {
  std::string tmpl;
  for (int i = 0; i < 9; ++i) {
    tmpl += "<30>Nov 22 10:41:07 vpn-gw1 openvpn[1187]: c{seq}/198.51.100.7:51234 TLS Error: TLS handshake failed\n";
  }
  tmpl += "<30>Nov 22 10:41:07 vpn-gw1 openvpn[1187]: c{seq}/198.51.100.7:51234 no rule matches this line\n";
  write_file(box / "template.txt", tmpl);
}

// Sends messages first..first+count-1 of the template over one TCP connection to 127.0.0.1:`port`.
Run send_tcp(const Sandbox& box, uint16_t port, uint64_t first, uint64_t count, double timeout = 60) {
  return run_program(box, kLoadgen,
                     {"--tcp", "127.0.0.1:" + std::to_string(port), "--first", std::to_string(first), "--messages",
                      std::to_string(count), "--connections", "1", "--template", "template.txt", "--timeout",
                      fmt::format("{}", timeout)},
                     "loadgen");
}

// The message numbers in a segment's files, sorted: the events (--format pb) of `events` and the quarantine records
// of `quarantine`. Fails the test on a record that does not read, or one in the wrong file for its message.
std::vector<uint64_t> messages_in(const Sandbox& box, const std::string& events, const std::string& quarantine) {
  std::vector<uint64_t> seqs;
  size_t misplaced = 0;
  for_each_pb_event(box / events, [&](const v1::Event& event) {
    seqs.push_back(std::stoull(event.openvpn_tls_handshake_failed().src_endpoint().common_name().substr(1)));
    misplaced += seqs.back() % 10 == 9;
  });
  for (const auto& record : read_jsonl<v1::QuarantineRecord>(box / quarantine)) {
    const std::string& raw = record.raw_text();
    seqs.push_back(std::stoull(raw.substr(raw.find("]: c") + 4)));
    misplaced += seqs.back() % 10 != 9 || record.reason() != v1::NO_MATCH;
  }
  INFO(events << " " << quarantine);
  CHECK(misplaced == 0);
  std::sort(seqs.begin(), seqs.end());
  return seqs;
}

// first, first+1, ..., first+count-1.
std::vector<uint64_t> range(uint64_t first, uint64_t count) {
  std::vector<uint64_t> seqs(count);
  std::iota(seqs.begin(), seqs.end(), first);
  return seqs;
}

// Waits (at most 20 s) until `count` event segments of events.pb are published.
void wait_segments(const Sandbox& box, size_t count) {
  const auto deadline = Clock::now() + 20s;
  while (segments(box, "events", ".pb").size() < count) {
    INFO("waiting for segment " << count);
    REQUIRE(Clock::now() < deadline);
    std::this_thread::sleep_for(5ms);
  }
}

// `20261122T231500Z`: now, as segment names give their UTC start.
std::string utc_stamp_now() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  return fmt::format("{:%Y%m%dT%H%M%SZ}", tm);
}


// The error text of serve's stderr file so far (io/serve.err), for waiting on a line serve prints while it runs.
std::string serve_err(const Sandbox& box) { return read_all(box.io("serve.err")); }

void wait_for_err(const Sandbox& box, const std::string& text) {
  const auto deadline = Clock::now() + 30s;
  while (serve_err(box).find(text) == std::string::npos) {
    INFO("waiting for serve to print: " << text << "\n" << serve_err(box));
    REQUIRE(Clock::now() < deadline);
    std::this_thread::sleep_for(10ms);
  }
}

// A file size limit (RLIMIT_FSIZE: EFBIG, as a full disk gives ENOSPC) under one output file: serve takes the
// batch that did not fit back, stops reading (the sender waits, nothing is dropped) and tries again every
// second. A signal gives up: the file is published holding every batch written whole, and the report says
// exactly how many accepted messages that is.
TEST_CASE("serve on a full disk stops reading and a signal gives up publishing every whole batch it wrote",
          "[cli]") {
  Sandbox box;
  write_template(box);
  // Over one batch (2,048 messages make about 0.7 MB of events), so that a batch fits an empty file.
  constexpr rlim_t kFileLimit = 1024 * 1024;
  auto limit = std::make_unique<ChildFileSizeLimit>(kFileLimit);
  Serve serve = start_serve(box, mini({"--tcp", "127.0.0.1:0", "--format", "pb", "--out", "events.pb", "--quarantine",
                                       "events.quarantine.jsonl", "--queue-messages", "500", "--threads", "1"}));
  limit.reset();  // serve keeps its own; loadgen and this process need none

  // 100 messages first, written as a batch of their own once serve's queue is idle (the events file, still a
  // hidden temporary file, grows).
  Run first = send_tcp(box, serve.port(0), 0, 100);
  INFO(first.err);
  REQUIRE(first.status == 0);
  const auto written_by = Clock::now() + 20s;
  auto events_written = [&] {
    for (const auto& name : hidden_entries(box)) {
      if (name.rfind(".events.pb.tmp.", 0) == 0 && std::filesystem::file_size(box / name) > 0) return true;
    }
    return false;
  };
  while (!events_written()) {
    REQUIRE(Clock::now() < written_by);
    std::this_thread::sleep_for(10ms);
  }
  // Then 200,000 (20 MB): far more than the queue, the batches in flight and the sockets' buffers hold, so the
  // sender blocks once serve stops reading.
  Child sender = spawn_program(box, kLoadgen,
                               {"--tcp", "127.0.0.1:" + std::to_string(serve.port(0)), "--first", "100",
                                "--messages", "200000", "--connections", "1", "--template", "template.txt",
                                "--timeout", "60"},
                               "loadgen");
  wait_for_err(box, "; reading paused, writing again every second (SIGTERM or SIGINT gives up and keeps what was "
                    "published)\n");
  std::this_thread::sleep_for(300ms);        // not synchronization: time for a sender that could go on to finish
  CHECK_FALSE(sender.poll().has_value());  // blocked, not refused: serve holds it back
  Run r = serve.stop();
  INFO(r.err);
  CHECK(r.status == 3);  // kExitIoError
  Run sent = sender.wait();  // the connection closed: loadgen stops (it could not send everything)
  CHECK(sent.status == 3);

  const std::vector<std::string> lines = split_lines(r.err);
  REQUIRE(lines.size() >= 4);
  CHECK(lines[0] == "strictlog serve: listening on " + serve.listeners[0]);
  CHECK(lines[1] == "strictlog serve: cannot write 'events.pb': File too large; reading paused, writing again every "
                    "second (SIGTERM or SIGINT gives up and keeps what was published)");
  CHECK(lines[2] == "strictlog serve: cannot write 'events.pb': File too large");
  std::smatch m;
  REQUIRE(std::regex_match(lines.back(), m,
                           std::regex("strictlog serve: stopped; (\\d+) of (\\d+) accepted messages are in the 1 "
                                      "published segment; the other (\\d+) were not written")));
  const uint64_t published = std::stoull(m[1]), accepted = std::stoull(m[2]), unwritten = std::stoull(m[3]);
  const ListenerCounts listener = parse_summary(r.err).listeners[serve.listeners[0]];
  CHECK(accepted == listener.accepted);
  CHECK(published + unwritten == accepted);
  CHECK(published > 0);
  CHECK(unwritten > 0);
  CHECK(published >= 100);
  CHECK(accepted < 200100);  // serve stopped reading: the rest stayed with the sender

  // events.pb is published within the limit and holds exactly the first `published` messages, once each.
  REQUIRE(exists(box / "events.pb"));
  CHECK(std::filesystem::file_size(box / "events.pb") <= kFileLimit);
  std::vector<uint64_t> seqs = messages_in(box, "events.pb", "events.quarantine.jsonl");
  std::sort(seqs.begin(), seqs.end());
  CHECK(seqs == range(0, published));
  CHECK(hidden_entries(box).empty());
}

// The same limit with rotation: a segment the limit cuts short is published as it is and the batch goes to
// the next segment, so nothing is lost and serve never pauses.
TEST_CASE("serve with rotation under a file size limit starts a new segment and loses nothing", "[cli]") {
  Sandbox box;
  write_template(box);
  constexpr rlim_t kFileLimit = 1024 * 1024;  // over one batch, as above
  auto limit = std::make_unique<ChildFileSizeLimit>(kFileLimit);
  Serve serve = start_serve(box, mini({"--tcp", "127.0.0.1:0", "--format", "pb", "--out", "events.pb", "--quarantine",
                                       "events.quarantine.jsonl", "--rotate-bytes", "100000000"}));
  limit.reset();
  // 20,000 messages make about 6 MB of events: the limit, not the size, cuts the segments.
  Run sent = send_tcp(box, serve.port(0), 0, 20000);
  INFO(sent.err);
  REQUIRE(sent.status == 0);
  wait_connections_closed(serve.port(0));
  Run r = serve.stop();
  INFO(r.err);
  CHECK(r.status == 0);
  CHECK(r.err.find("reading paused") == std::string::npos);
  CHECK(r.err.find("\n  accepted 20000 == events 18000 + dropped_by_rule 0 + quarantined 2000: ok\n") !=
        std::string::npos);
  const std::vector<std::string> events = segments(box, "events", ".pb");
  const std::vector<std::string> quarantine = segments(box, "events.quarantine", ".jsonl");
  REQUIRE(events.size() == quarantine.size());
  CHECK(events.size() >= 4);  // 18,000 events of about 300 bytes in files of at most 1 MiB
  std::vector<uint64_t> seqs;
  for (size_t i = 0; i < events.size(); ++i) {
    INFO(events[i]);
    CHECK(std::filesystem::file_size(box / events[i]) <= kFileLimit);
    auto in_segment = messages_in(box, events[i], quarantine[i]);
    seqs.insert(seqs.end(), in_segment.begin(), in_segment.end());
  }
  std::sort(seqs.begin(), seqs.end());
  CHECK(seqs == range(0, 20000));
  CHECK(hidden_entries(box).empty());
}

// --rotate-seconds 1: a burst, the first segment published by age alone (no size, no signal), a second burst, then
// SIGTERM publishes the second segment.
TEST_CASE("serve --rotate-seconds 1 publishes a segment by age and names every segment by its UTC start and number",
          "[cli]") {
  Sandbox box;
  write_template(box);
  const std::string before = utc_stamp_now();
  const auto started = Clock::now();
  Serve serve = start_serve(box, mini({"--tcp", "127.0.0.1:0", "--format", "pb", "--out", "events.pb", "--quarantine",
                                       "events.quarantine.jsonl", "--rotate-seconds", "1"}));
  Run burst1 = send_tcp(box, serve.port(0), 0, 50);
  INFO(burst1.err);
  REQUIRE(burst1.status == 0);
  wait_segments(box, 1);
  CHECK(Clock::now() - started >= 1s);  // not before the segment is 1 s old
  Run burst2 = send_tcp(box, serve.port(0), 50, 50);
  INFO(burst2.err);
  REQUIRE(burst2.status == 0);
  wait_connections_closed(serve.port(0));
  Run r = serve.stop();
  const std::string after = utc_stamp_now();
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.err.find("\n  accepted 100 == events 90 + dropped_by_rule 0 + quarantined 10: ok\n") != std::string::npos);

  // Everything in work/ besides the template is a segment file named <stem>.<YYYYmmddTHHMMSSZ>.<NNNNNN><ext>, its
  // start within the run, numbered from 000001 without a gap, events and quarantine in pairs.
  const std::regex name("(events|events\\.quarantine)\\.(\\d{8}T\\d{6}Z)\\.(\\d{6})(\\.pb|\\.jsonl)");
  std::map<std::string, std::vector<std::string>> by_id;  // `20261122T231500Z.000001` -> its files
  for (const auto& entry : box.entries()) {
    if (entry == "template.txt") continue;
    std::smatch m;
    INFO(entry);
    REQUIRE(std::regex_match(entry, m, name));
    CHECK((m[1] == "events") == (m[4] == ".pb"));
    CHECK(m[2] >= before);
    CHECK(m[2] <= after);
    by_id[m[2].str() + "." + m[3].str()].push_back(entry);
  }
  REQUIRE(by_id.size() >= 2);
  size_t number = 0;
  for (const auto& [id, files] : by_id) {
    INFO(id);
    CHECK(id.substr(17) == fmt::format("{:06}", ++number));
    CHECK(files.size() == 2);
  }

  // Each message exactly once across the segments; the second burst, sent after the first segment was
  // published, is in none of the first's files.
  const std::vector<std::string> events = segments(box, "events", ".pb");
  const std::vector<std::string> quarantine = segments(box, "events.quarantine", ".jsonl");
  REQUIRE(events.size() == by_id.size());
  REQUIRE(quarantine.size() == by_id.size());
  std::vector<uint64_t> all;
  for (size_t i = 0; i < events.size(); ++i) {
    auto seqs = messages_in(box, events[i], quarantine[i]);
    if (i == 0) CHECK(std::all_of(seqs.begin(), seqs.end(), [](uint64_t seq) { return seq < 50; }));
    all.insert(all.end(), seqs.begin(), seqs.end());
  }
  std::sort(all.begin(), all.end());
  CHECK(all == range(0, 100));
  CHECK(hidden_entries(box).empty());
}

// SIGUSR1 publishes the segment at once and serve goes on. --rotate-seconds 3600 enables rotation without
// rotating by itself during the test. Each burst is 50 messages (about 5 KiB) in one write(2), so serve reads it
// in one read, one batch on its queue; the connection is closed (wait_connections_closed) only after that batch
// was queued, and serve flushes every batch it took before it rotates: so the first segment holds exactly the
// first burst.
TEST_CASE("serve rotates on SIGUSR1 and goes on receiving", "[cli]") {
  Sandbox box;
  write_template(box);
  Serve serve = start_serve(box, mini({"--tcp", "127.0.0.1:0", "--format", "pb", "--out", "events.pb", "--quarantine",
                                       "events.quarantine.jsonl", "--rotate-seconds", "3600"}));
  Run burst1 = send_tcp(box, serve.port(0), 0, 50);
  INFO(burst1.err);
  REQUIRE(burst1.status == 0);
  wait_connections_closed(serve.port(0));
  serve.process.signal(SIGUSR1);
  wait_segments(box, 1);
  Run burst2 = send_tcp(box, serve.port(0), 50, 50);
  INFO(burst2.err);
  REQUIRE(burst2.status == 0);
  wait_connections_closed(serve.port(0));
  REQUIRE(segments(box, "events", ".pb").size() == 1);
  Run r = serve.stop();
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.err.find("\n  accepted 100 == events 90 + dropped_by_rule 0 + quarantined 10: ok\n") != std::string::npos);
  CHECK(r.err.find("strictlog serve: signal 10 (") == std::string::npos);  // SIGUSR1 is no stop signal
  CHECK(r.err.find("reload") == std::string::npos);                           // nor a reload

  const std::vector<std::string> events = segments(box, "events", ".pb");
  const std::vector<std::string> quarantine = segments(box, "events.quarantine", ".jsonl");
  REQUIRE(events.size() == 2);
  REQUIRE(quarantine.size() == 2);
  CHECK(events[0].substr(24) == "000001.pb");
  CHECK(events[1].substr(24) == "000002.pb");
  CHECK(messages_in(box, events[0], quarantine[0]) == range(0, 50));
  CHECK(messages_in(box, events[1], quarantine[1]) == range(50, 50));
  CHECK(hidden_entries(box).empty());
}

// The settings of a --config file are serve's long options without `--`; the command line wins over them.
TEST_CASE("serve --config reads serve's long options from TOML and the command line wins", "[cli]") {
  Sandbox box;
  write_file(box / "serve.toml", fmt::format("tcp = [\"127.0.0.1:0\"]\n"
                                             "format = \"jsonl\"\n"
                                             "out = \"from-file.jsonl\"\n"
                                             "ready-file = \"listening.txt\"\n"
                                             "grammars = \"{}\"\n"
                                             "mappings = \"{}\"\n"
                                             "no-processed-time = true\n",
                                             kGrammars, kMappings));
  Serve serve =
      start_serve_ready_at(box, {"--config", "serve.toml", "--out", "from-command-line.jsonl"}, "listening.txt");
  // Only the file's tcp listener: without it serve would listen on TCP and UDP 127.0.0.1:5514.
  REQUIRE(serve.listeners.size() == 1);
  CHECK(std::regex_match(serve.listeners[0], std::regex("tcp://127\\.0\\.0\\.1:[1-9][0-9]*")));
  int fd = connect_tcp(serve.port(0));
  send_all(fd, "<30>Nov 22 10:41:07 vpn-gw1 openvpn[1187]: 198.51.100.7:51234 TLS Error: TLS handshake failed\n");
  ::close(fd);
  wait_connections_closed(serve.port(0));
  Run r = serve.stop();
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.err.find("\n  accepted 1 == events 1 + dropped_by_rule 0 + quarantined 0: ok\n") != std::string::npos);
  // The file's ready file went when serve did.
  CHECK(box.entries() ==
        std::vector<std::string>{"from-command-line.jsonl", "from-command-line.quarantine.jsonl", "serve.toml"});
  auto events = read_jsonl<v1::Event>(box / "from-command-line.jsonl");  // the file's format
  REQUIRE(events.size() == 1);
  CHECK(events[0].envelope().rule_id() == "tls_handshake_failed");
  CHECK(events[0].openvpn_tls_handshake_failed().src_endpoint().port() == 51234);
  CHECK_FALSE(events[0].envelope().has_processed_time());  // the file's flag
  CHECK(read_all(box / "from-command-line.quarantine.jsonl").empty());
}

TEST_CASE("serve --config refuses an unknown setting a bad value and a missing file as usage errors", "[cli]") {
  Sandbox box;
  write_file(box / "bogus.toml", "tcp = [\"127.0.0.1:0\"]\nbogus-key = 1\n");
  Run unknown = run_strictlog(box, with_rules({"serve", "--config", "bogus.toml", "--out", "e.pb"}));
  CHECK(unknown.status == 1);
  CHECK(unknown.err ==
        "strictlog serve: bogus.toml: unknown setting 'bogus-key' (the settings are serve's long options without "
        "'--', e.g. tcp, out, rotate-seconds)\n");

  write_file(box / "range.toml", "tcp = [\"127.0.0.1:0\"]\nmax-connections = 0\n");
  Run range = run_strictlog(box, with_rules({"serve", "--config", "range.toml", "--out", "e.pb"}));
  CHECK(range.status == 1);
  CHECK(range.err ==
        "strictlog serve: range.toml: setting 'max-connections': --max-connections: Value 0 not in range 1 to "
        "1048576\n");

  Run missing = run_strictlog(box, with_rules({"serve", "--config", "missing.toml", "--out", "e.pb"}));
  CHECK(missing.status == 1);
  CHECK(missing.err == "strictlog serve: cannot read config file 'missing.toml': No such file or directory\n");

  // None of them listened or wrote anything.
  CHECK(box.entries() == std::vector<std::string>{"bogus.toml", "range.toml"});
}

// Datagrams cannot be slowed down: those serve could not take are counted, on the queue (udp_lost_queue) or in the
// kernel (udp_lost_kernel, the socket's drop count), and with those that were accepted they add up to what was sent.
TEST_CASE("serve over UDP accounts for every datagram sent as accepted or lost and writes each accepted one once",
          "[cli]") {
  Sandbox box;
  Serve serve = start_serve(
      box, mini({"--udp", "127.0.0.1:0", "--format", "pb", "--out", "events.pb", "--quarantine", "q.jsonl"}));
  constexpr uint64_t kSent = 5000;
  Run sent = run_program(box, kLoadgen,
                         {"--udp", "127.0.0.1:" + std::to_string(serve.port(0)), "--messages", std::to_string(kSent),
                          "--connections", "1", "--timeout", "30"},
                         "loadgen");
  INFO(sent.err);
  REQUIRE(sent.status == 0);
  CHECK(starts_with(sent.out, fmt::format("sent {} messages (", kSent)));
  // Serve reads its UDP sockets until they are empty when it stops (listen/receiver.h).
  Run r = serve.stop();
  INFO(r.err);
  REQUIRE(r.status == 0);
  ServeSummary summary = parse_summary(r.err);
  REQUIRE(summary.listeners.count(serve.listeners[0]) == 1);
  const ListenerCounts& udp = summary.listeners[serve.listeners[0]];
  INFO("accepted " << udp.accepted << ", udp_lost_queue " << udp.udp_lost_queue << ", udp_lost_kernel "
                   << udp.udp_lost_kernel);
  CHECK(udp.accepted + udp.udp_lost_queue + udp.udp_lost_kernel == kSent);
  CHECK(udp.accepted > 0);
  REQUIRE(summary.equation);
  CHECK(summary.equation->accepted == udp.accepted);
  CHECK(summary.equation->events == udp.accepted);  // the built-in template: every message is an event
  CHECK(summary.equation->quarantined == 0);
  CHECK(summary.equation->verdict == "ok");

  std::vector<uint64_t> seqs;
  for_each_pb_event(box / "events.pb", [&](const v1::Event& event) {
    seqs.push_back(std::stoull(event.openvpn_tls_handshake_failed().src_endpoint().common_name().substr(1)));
  });
  CHECK(seqs.size() == udp.accepted);
  std::sort(seqs.begin(), seqs.end());
  CHECK(std::adjacent_find(seqs.begin(), seqs.end()) == seqs.end());  // none twice
  CHECK((seqs.empty() || seqs.back() < kSent));
  CHECK(read_all(box / "q.jsonl").empty());
}

// The connection over the limit is accepted and closed at once; the one inside it is not disturbed.
TEST_CASE("serve --max-connections 1 closes a second concurrent connection and counts it as refused", "[cli]") {
  Sandbox box;
  Serve serve = start_serve(box, mini({"--tcp", "127.0.0.1:0", "--max-connections", "1", "--format", "jsonl", "--out",
                                       "events.jsonl", "--quarantine", "q.jsonl"}));
  auto line = [](int n) {
    return "<30>Nov 22 10:41:07 vpn-gw1 openvpn[1187]: 198.51.100.7:5123" + std::to_string(n) +
           " TLS Error: TLS handshake failed\n";
  };
  int first = connect_tcp(serve.port(0));
  send_all(first, line(1));
  int second = connect_tcp(serve.port(0));
  pollfd p{second, POLLIN, 0};
  int ready = ::poll(&p, 1, 10000);
  INFO("poll: " << ready);
  REQUIRE(ready == 1);
  char byte;
  CHECK(::recv(second, &byte, 1, 0) == 0);  // closed by serve, nothing sent
  ::close(second);
  send_all(first, line(2));
  ::close(first);
  wait_connections_closed(serve.port(0));
  Run r = serve.stop();
  INFO(r.err);
  REQUIRE(r.status == 0);
  const ListenerCounts tcp = parse_summary(r.err).listeners[serve.listeners[0]];
  CHECK(r.err.find(fmt::format("\n  listener {}: accepted 2, {} bytes, connections 1 (refused 1, idle-closed 0)\n",
                               serve.listeners[0], 2 * line(1).size())) != std::string::npos);
  CHECK(tcp.refused == 1);
  auto events = read_jsonl<v1::Event>(box / "events.jsonl");
  REQUIRE(events.size() == 2);
  CHECK(events[0].openvpn_tls_handshake_failed().src_endpoint().port() == 51231);
  CHECK(events[1].openvpn_tls_handshake_failed().src_endpoint().port() == 51232);
}

TEST_CASE("serve refuses to rotate stdout as a usage error before it listens", "[cli]") {
  Sandbox box;
  Run r = run_strictlog(box, with_rules({"serve", "--tcp", "127.0.0.1:0", "--out", "-", "--rotate-bytes", "1000",
                                         "--ready-file", "ready.txt"}));
  CHECK(r.status == 1);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "strictlog serve: '-' is a stream (stdout, a device or a FIFO): it cannot be rotated; give file paths with "
        "--rotate-bytes or --rotate-seconds\n");
  CHECK(box.entries().empty());  // no ready file, and no `listening on` line above: it never listened
}

TEST_CASE("serve refuses --user with a ClickHouse sink as a usage error before it listens", "[cli]") {
  Sandbox box;
  Run r = run_strictlog(box, with_rules({"serve", "--tcp", "127.0.0.1:0", "--sink", "clickhouse://127.0.0.1:1/db",
                                         "--user", "nobody", "--ready-file", "ready.txt"}));
  CHECK(r.status == 1);
  CHECK(r.err ==
        "strictlog serve: --user cannot be used with a ClickHouse --sink yet (its spool directory is created before "
        "privileges are dropped): run serve as that user from the start\n");
  CHECK(box.entries().empty());
}

TEST_CASE("serve with a grammar that fails to load exits 2 with the pointed diagnostic and never listens", "[cli]") {
  Sandbox box;
  std::filesystem::create_directory(box / "grammars");
  write_file(box / "grammars/broken.grammar",
             "grammar broken 1.0;\nprograms \"x\";\nrule r = ip:ipv5 \" up\"\n  example \"1.2.3.4 up\";\n");
  Run r = run_strictlog(box, {"serve", "--grammars", "grammars", "--mappings", kMappings, "--tcp", "127.0.0.1:0",
                              "--ready-file", "ready.txt", "--out", "e.pb"});
  CHECK(r.status == 2);  // kExitLoadError
  CHECK(r.out.empty());
  CHECK(r.err ==
        "grammars/broken.grammar:3:13: unknown field type 'ipv5': not a field type (see 'strictlog fields') nor a "
        "pattern of this grammar [unknown-field-type]\n"
        "  rule r = ip:ipv5 \" up\"\n"
        "              ^\n"
        "strictlog serve: 1 error; nothing was processed\n");
  CHECK(box.entries() == std::vector<std::string>{"grammars"});  // no ready file, no output, no `listening on`
}

}  // namespace
}  // namespace strictlog
