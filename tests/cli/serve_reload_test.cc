// `strictlog serve` reloading its grammars and mappings on SIGHUP (cli/internal/reload.h), through the built
// binary on real sockets: reloads under a continuous stream that lose nothing and switch sets exactly where the
// log says, and a broken grammar that keeps the old set running until it is fixed.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "cli/serve_harness.h"
#include "ruleset/ruleset.h"

namespace strictlog {
namespace {

using namespace serve_test;

// Message seq: an event of rule tls_handshake_failed (common name `c<seq>`), unless seq ends in 9: that line no
// rule of set A matches (a NO_MATCH quarantine record) and set B's one drop rule takes.
std::string message(uint64_t seq) {
  return fmt::format("<30>Nov 22 10:41:07 vpn-gw1 openvpn[1187]: c{}/198.51.100.7:51234 {}\n", seq,
                     seq % 10 == 9 ? "no rule matches this line" : "TLS Error: TLS handshake failed");
}

// Set B: the openvpn-mini fixture (set A) and a drop rule for the lines ending in 9.
const std::string kDropRule =
    "\ndrop no_rule_matches = client:peer \" no rule matches this line\"\n"
    "  example \"c9/198.51.100.7:51234 no rule matches this line\";\n";

const std::string kGrammarFile = "rules/grammars/openvpn/2.6.grammar";

// rules/grammars and rules/mappings in work/: set A, the fixture's files under the fixture's names (so its hash
// is mini_hash()).
void write_set_a(const Sandbox& box) {
  std::filesystem::create_directories(box / "rules/grammars/openvpn");
  std::filesystem::create_directories(box / "rules/mappings/openvpn");
  write_file(box / kGrammarFile, read_all(kGrammars + "/openvpn/2.6.grammar"));
  write_file(box / "rules/mappings/openvpn/2.6.mapping", read_all(kMappings + "/openvpn/2.6.mapping"));
}

void write_set_b(const Sandbox& box) {
  write_file(box / kGrammarFile, read_all(kGrammars + "/openvpn/2.6.grammar") + kDropRule);
}

// The grammar-set hash of what rules/ holds now.
std::string hash_of_rules(const Sandbox& box) {
  auto rules = load_ruleset(box / "rules/grammars", box / "rules/mappings");
  INFO((rules ? "" : render(rules.errors())));
  REQUIRE(rules.ok());
  return (*rules)->hash;
}

std::vector<std::string> rules_args(std::vector<std::string> args) {
  args.insert(args.begin(), {"--grammars", "rules/grammars", "--mappings", "rules/mappings"});
  return args;
}

std::string serve_err(const Sandbox& box) { return read_all(box.io("serve.err")); }

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

// Waits (at most 30 s) until serve's stderr holds `what` `n` times.
void wait_for_err(const Sandbox& box, const std::string& what, size_t n = 1) {
  const auto deadline = Clock::now() + 30s;
  while (count_of(serve_err(box), what) < n) {
    INFO("waiting for serve to print '" << what << "' " << n << " times:\n" << serve_err(box));
    REQUIRE(Clock::now() < deadline);
    std::this_thread::sleep_for(5ms);
  }
}

const std::string kReloaded = "strictlog serve: reloaded grammars and mappings: grammar set ";

// A stream of messages 0, 1, 2, ... over one TCP connection, from its own thread, 100 messages per write(2) with
// a pause of 2 ms between writes, until stop(). sent() is the number written so far: every message below it is
// in the kernel's hands, every one from it on is not sent yet.
class Stream {
 public:
  explicit Stream(uint16_t port) : fd_(connect_tcp(port)) {
    thread_ = std::thread([this] { run(); });
  }
  ~Stream() {
    stop();
    if (fd_ >= 0) ::close(fd_);
  }
  uint64_t sent() const { return sent_.load(); }
  // Waits until at least `n` messages were sent (at most 30 s).
  void wait_sent(uint64_t n) const {
    const auto deadline = Clock::now() + 30s;
    while (sent() < n) {
      REQUIRE(Clock::now() < deadline);
      std::this_thread::sleep_for(1ms);
    }
  }
  // Stops sending, closes the connection and returns the number of messages sent; "" or the send error.
  uint64_t stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
    return sent_;
  }
  const std::string& error() const { return error_; }

 private:
  void run() {
    std::string chunk;
    while (!stopping_) {
      chunk.clear();
      uint64_t first = sent_;
      for (uint64_t seq = first; seq < first + 100; ++seq) chunk += message(seq);
      if (::send(fd_, chunk.data(), chunk.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(chunk.size())) {
        error_ = fmt::format("send failed: {}", std::strerror(errno));
        return;
      }
      sent_ = first + 100;
      std::this_thread::sleep_for(2ms);
    }
  }

  int fd_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> sent_{0};
  std::string error_;  // written by the thread, read after stop()
};

// What happened to each message: the grammar-set hash of its event or quarantine record, or "drop" (a drop rule
// took it: --dropped keeps the line, not the set). Fails the test on a message with two outcomes.
std::map<uint64_t, std::string> outcomes(const Sandbox& box) {
  std::map<uint64_t, std::string> by_seq;
  size_t twice = 0;
  for_each_pb_event(box / "events.pb", [&](const v1::Event& event) {
    uint64_t seq = std::stoull(event.openvpn_tls_handshake_failed().src_endpoint().common_name().substr(1));
    twice += !by_seq.emplace(seq, event.envelope().grammar_set_hash()).second;
  });
  for (const auto& record : read_jsonl<v1::QuarantineRecord>(box / "events.quarantine.jsonl")) {
    const std::string& raw = record.raw_text();
    uint64_t seq = std::stoull(raw.substr(raw.find("]: c") + 4));
    CHECK(record.reason() == v1::NO_MATCH);
    twice += !by_seq.emplace(seq, record.grammar_set_hash()).second;
  }
  for (const auto& line : split_lines(read_all(box / "dropped.log"))) {
    uint64_t seq = std::stoull(line.substr(line.find("]: c") + 4));
    twice += !by_seq.emplace(seq, "drop").second;
  }
  CHECK(twice == 0);
  return by_seq;
}

// Four reloads, alternating sets B and A, under a stream that keeps flowing. Every message sent is an event, a
// drop or a quarantine record exactly once, each under set A or B: its lines ending in 9 are quarantined under A
// and dropped under B, so which set read a line shows in the output as well as in its records' hash. Along the
// stream (one connection: serve keeps its order) the set changes exactly once per reload, and no later than the
// first message sent after the `reloaded` line.
TEST_CASE("serve reloads its grammars on SIGHUP under a continuous stream and accounts for every message",
          "[cli]") {
  Sandbox box;
  write_set_a(box);
  write_set_b(box);
  const std::string hash_b = hash_of_rules(box);
  write_set_a(box);
  const std::string hash_a = hash_of_rules(box);
  REQUIRE(hash_a == mini_hash());
  REQUIRE(hash_a != hash_b);

  Serve serve = start_serve(box, rules_args({"--tcp", "127.0.0.1:0", "--format", "pb", "--out", "events.pb",
                                             "--dropped", "dropped.log", "--threads", "2"}));
  Stream stream(serve.port(0));
  constexpr size_t kReloads = 4;
  std::vector<uint64_t> sent_after;  // sent_after[k]: messages sent once reload k+1's `reloaded` line was seen
  stream.wait_sent(2000);
  for (size_t k = 0; k < kReloads; ++k) {
    if (k % 2 == 0) {
      write_set_b(box);
    } else {
      write_set_a(box);
    }
    serve.process.signal(SIGHUP);
    wait_for_err(box, kReloaded, k + 1);
    sent_after.push_back(stream.sent());
    stream.wait_sent(sent_after.back() + 2000);  // every set gets lines
  }
  const uint64_t sent = stream.stop();
  INFO(stream.error());
  REQUIRE(stream.error().empty());
  wait_connections_closed(serve.port(0));
  Run r = serve.stop();
  INFO(r.err);
  REQUIRE(r.status == 0);

  // The log: one `reloaded` line per SIGHUP, naming the set it switched to.
  for (size_t k = 0; k < kReloads; ++k) {
    const std::string line = k % 2 == 0 ? kReloaded + hash_b + ", 4 rules in 1 grammar, loaded in "
                                        : kReloaded + hash_a + ", 3 rules in 1 grammar, loaded in ";
    CHECK(count_of(r.err, line) == kReloads / 2);
  }
  CHECK(count_of(r.err, kReloaded) == kReloads);
  CHECK(r.err.find("reload failed") == std::string::npos);

  // Every message exactly once, each under one of the two sets.
  std::map<uint64_t, std::string> by_seq = outcomes(box);
  REQUIRE(by_seq.size() == sent);
  REQUIRE(by_seq.rbegin()->first == sent - 1);
  uint64_t events = 0, dropped = 0, quarantined = 0;
  std::vector<uint64_t> switches;  // the first message of each set after the first
  std::string set = hash_a;        // serve starts with A
  for (const auto& [seq, outcome] : by_seq) {
    // The set that read the message: a drop is B's (A has no drop rule), an event or record names its set.
    std::string read_by = outcome == "drop" ? hash_b : outcome;
    INFO("message " << seq << ": " << outcome);
    REQUIRE((read_by == hash_a || read_by == hash_b));
    if (seq % 10 == 9) {
      // A quarantines these lines, B drops them.
      CHECK(outcome == (read_by == hash_a ? hash_a : "drop"));
      (outcome == "drop" ? dropped : quarantined) += 1;
    } else {
      ++events;
    }
    if (read_by != set) switches.push_back(seq);
    set = read_by;
  }
  // One change of set per reload, in order, each at or before the first message sent after its `reloaded` line.
  REQUIRE(switches.size() == kReloads);
  for (size_t k = 0; k < kReloads; ++k) {
    INFO("reload " << k + 1 << ": first message under the new set " << switches[k] << ", first sent after its log "
                   "line " << sent_after[k]);
    CHECK(switches[k] <= sent_after[k]);
  }
  CHECK(set == hash_a);  // the last reload went back to A
  CHECK(r.err.find(fmt::format("\n  accepted {} == events {} + dropped_by_rule {} + quarantined {}: ok\n", sent,
                               events, dropped, quarantined)) != std::string::npos);
  // The summary counts the drop rule of set B over both of its generations.
  CHECK(r.err.find(fmt::format("\n    {:<48} {:>10}\n", "openvpn/2.6/no_rule_matches", dropped)) != std::string::npos);
  CHECK(r.err.find(fmt::format("\n    {:<48} {:>10}\n", "openvpn/2.6/tls_handshake_failed", events)) !=
        std::string::npos);
}

// A grammar that does not compile: the reload fails with the diagnostic exactly as `normalize` prints it (file,
// line and column, the line, a caret), serve goes on with the set it had (so does a directory that is gone), and
// once the file is fixed the next SIGHUP loads it.
TEST_CASE("serve keeps its rules when a reload meets a broken grammar and loads the fixed one on the next SIGHUP",
          "[cli]") {
  Sandbox box;
  write_set_a(box);
  Serve serve = start_serve(box, rules_args({"--tcp", "127.0.0.1:0", "--format", "pb", "--out", "events.pb",
                                             "--dropped", "dropped.log"}));
  auto send_range = [&](uint64_t first, uint64_t count) {
    int fd = connect_tcp(serve.port(0));
    std::string data;
    for (uint64_t seq = first; seq < first + count; ++seq) data += message(seq);
    send_all(fd, data);
    ::close(fd);
    wait_connections_closed(serve.port(0));
  };
  send_range(0, 20);

  write_file(box / kGrammarFile, read_all(kGrammars + "/openvpn/2.6.grammar") +
                                     "\ndrop no_rule_matches = client:peer \" no rule matches \" what:ipv5\n"
                                     "  example \"c9/198.51.100.7:51234 no rule matches this line\";\n");
  serve.process.signal(SIGHUP);
  wait_for_err(box, "strictlog serve: reload failed");
  const std::string err = serve_err(box);
  CHECK(err.find("strictlog serve: listening on") != std::string::npos);
  CHECK(err.substr(err.find("\n", err.find("listening on")) + 1) ==
        "rules/grammars/openvpn/2.6.grammar:29:61: unknown field type 'ipv5': not a field type (see 'strictlog "
        "fields') nor a pattern of this grammar [unknown-field-type]\n"
        "  drop no_rule_matches = client:peer \" no rule matches \" what:ipv5\n"
        "                                                              ^\n"
        "strictlog serve: reload failed: 1 error in rules/grammars and rules/mappings; grammar set " +
            mini_hash() + " stays in use\n");
  send_range(20, 20);  // still read by set A: quarantined, not dropped

  // A missing directory is refused the same way.
  std::filesystem::rename(box / "rules/mappings", box / "rules/mappings.away");
  serve.process.signal(SIGHUP);
  wait_for_err(box, "strictlog serve: reload failed", 2);
  std::filesystem::rename(box / "rules/mappings.away", box / "rules/mappings");
  CHECK(serve_err(box).find("\n'rules/mappings' is not a directory [missing-directory]\n"
                            "strictlog serve: reload failed: 1 error in rules/grammars and rules/mappings; grammar "
                            "set " +
                            mini_hash() + " stays in use\n") != std::string::npos);

  write_set_b(box);
  serve.process.signal(SIGHUP);
  wait_for_err(box, kReloaded);
  send_range(40, 20);  // read by set B
  Run r = serve.stop();
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.err.find("\n  accepted 60 == events 54 + dropped_by_rule 2 + quarantined 4: ok\n") != std::string::npos);

  std::map<uint64_t, std::string> by_seq = outcomes(box);
  REQUIRE(by_seq.size() == 60);
  const std::string hash_b = hash_of_rules(box);
  for (const auto& [seq, outcome] : by_seq) {
    INFO("message " << seq);
    if (seq < 40) {
      CHECK(outcome == mini_hash());
    } else {
      CHECK(outcome == (seq % 10 == 9 ? "drop" : hash_b));
    }
  }
}

}  // namespace
}  // namespace strictlog
