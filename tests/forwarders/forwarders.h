// The forwarder tests: syslog daemons and clients no one here wrote (rsyslog, syslog-ng, util-linux logger), run
// by the tests themselves on loopback, each with its own config, pid and state files in the test's Sandbox, sending
// to a `strictlog serve` started on port 0 (cli/serve_harness.h). What every test checks, for N messages sent:
// each message is one event whose host, program, pid, timestamp (as far as the format carries it) and text are
// the ones sent, and serve's summary says `accepted N == events N + dropped_by_rule 0 + quarantined 0: ok`.
//
// The messages are OpenSSH lines the bundled grammar maps to events (corpus/openssh/9.2/auth.cases):
// `Accepted password for alice from 192.0.2.10 port P ssh2`, each with its own port P, which the event keeps
// (openssh_authentication.src_endpoint.port), so that every event names the message it came from.
//
// A test whose program is not installed exits 77, which ctest reports as skipped (SKIP_RETURN_CODE); ctest runs
// each test case as its own process, so the exit skips that case only. Every wait is a poll with a deadline, and
// every daemon is stopped by its own PID (Child), never by name.
#pragma once

#include <fmt/format.h>

#include <cstdlib>
#include <ctime>
#include <iostream>

#include "cli/serve_harness.h"

namespace strictlog::forwarders_test {

using namespace serve_test;

// Budget: how long messages may take from the forwarder to serve's output (serve writes within 200 ms, the
// forwarders send at once; this is for a loaded CI machine).
constexpr auto kDeliveryWait = 20s;
// Budget: how long a forwarder may take to start listening on its input.
constexpr auto kStartWait = 20s;
// The first port in the messages; message i carries port kFirstPort + i.
constexpr uint32_t kFirstPort = 40001;

// Exits 77 (ctest: skipped) unless `path` is an executable file, saying what is missing.
inline void require_program(const std::string& path, const std::string& package) {
  if (::access(path.c_str(), X_OK) == 0) return;
  std::cerr << "skipped: " << path << " is not installed (Debian package " << package << ")\n";
  std::exit(77);
}

// Waits until something accepts TCP connections on 127.0.0.1:`port`, at most kStartWait; fails the test, with
// the daemon's stderr, if `daemon` exits first. The probe connection is closed without a byte sent.
inline void wait_listening(Child& daemon, uint16_t port, const std::string& what) {
  const auto deadline = Clock::now() + kStartWait;
  for (;;) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    if (connected) return;
    if (auto exited = daemon.poll()) {
      INFO(what << " exited before it listened on port " << port << ": status " << exited->status << "\n"
                << exited->out << exited->err);
      FAIL();
    }
    INFO(what << " does not listen on port " << port << " after " << kStartWait.count() << " s");
    REQUIRE(Clock::now() < deadline);
    std::this_thread::sleep_for(10ms);
  }
}

// Waits until serve has written `events` events to its stdout (`--out -`, which serve writes batch by batch,
// within about 200 ms of a message's arrival; a file --out appears only when serve stops), at most
// kDeliveryWait. Returns whether they came; on false the caller still stops serve, whose summary and
// quarantine then say where the messages went.
inline bool wait_events(const Sandbox& box, size_t events) {
  const auto deadline = Clock::now() + kDeliveryWait;
  while (split_lines(read_all(box.io("serve.out"))).size() < events) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

// One message as the test sends it to a forwarder, and what its event must say.
struct Sent {
  std::string host;
  uint32_t pid = 0;
  int64_t seconds = 0;  // the timestamp, Unix seconds (UTC)
  int32_t micros = 0;   // its fraction
  uint32_t port = 0;    // the sshd line's client port: which message this is

  std::string text() const {
    return "Accepted password for alice from 192.0.2.10 port " + std::to_string(port) + " ssh2";
  }
  // `2026-11-23T08:30:00.123456+00:00`
  std::string rfc3339() const {
    std::time_t t = seconds;
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char text[64];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
    return fmt::format("{}.{:06}+00:00", text, micros);
  }
  // RFC 3164 §4.1 with PRI 38 (auth.info), as sshd writes to /dev/log plus the host:
  // `<38>Nov  3 08:30:00 HOST sshd[PID]: MSG` (UTC).
  std::string rfc3164() const {
    std::time_t t = seconds;
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    return fmt::format("<38>{} {:2} {:02}:{:02}:{:02} {} sshd[{}]: {}", kMonths[tm.tm_mon], tm.tm_mday, tm.tm_hour,
                       tm.tm_min, tm.tm_sec, host, pid, text());
  }
  // RFC 5424 §6 with PRI 38 (auth.info): `<38>1 TIMESTAMP HOST sshd PID - - MSG`.
  std::string rfc5424() const {
    return fmt::format("<38>1 {} {} sshd {} - - {}", rfc3339(), host, pid, text());
  }
};

// `count` messages from hosts `bastion0`..`bastion2`, pids 3000+i, ports kFirstPort+i, one second apart ending a
// minute ago (the RFC 3164 forms lose the year, which serve infers from its clock: recent times infer right),
// each with its own fraction.
inline std::vector<Sent> make_messages(size_t count) {
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  std::vector<Sent> sent;
  for (size_t i = 0; i < count; ++i) {
    sent.push_back(Sent{"bastion" + std::to_string(i % 3), static_cast<uint32_t>(3000 + i),
                        now - 60 - static_cast<int64_t>(count) + static_cast<int64_t>(i),
                        static_cast<int32_t>(100001 + 7919 * i), static_cast<uint32_t>(kFirstPort + i)});
  }
  return sent;
}

// Sends `lines` to 127.0.0.1:`port` over one TCP connection, LF-framed (RFC 6587 §3.4.2), and closes it.
inline void send_lf_framed(uint16_t port, const std::vector<std::string>& lines) {
  int fd = connect_tcp(port);
  std::string data;
  for (const auto& line : lines) data += line + "\n";
  send_all(fd, data);
  ::close(fd);
}

// What the header format carries of a message.
enum class Carried { kRfc3164, kRfc5424 };

// Checks that `events` hold each of `sent` exactly once with the envelope the message had: host, program
// `sshd`, pid, the text (its port, user and address), facility auth and severity info, and the timestamp: to
// the microsecond in RFC 5424, to the second (year inferred) in RFC 3164.
inline void check_events(const std::vector<v1::Event>& events, const std::vector<Sent>& sent, Carried carried) {
  REQUIRE(events.size() == sent.size());
  std::vector<int> seen(sent.size(), 0);
  for (const auto& event : events) {
    const v1::Envelope& e = event.envelope();
    INFO(e.ShortDebugString());
    const auto& auth = event.openssh_authentication();
    const size_t i = auth.src_endpoint().port() - kFirstPort;
    REQUIRE(i < sent.size());
    ++seen[i];
    const Sent& s = sent[i];
    CHECK(e.grammar() == "openssh");
    CHECK(e.rule_id() == "auth_accepted");
    CHECK(e.hostname() == s.host);
    CHECK(e.process_name() == "sshd");
    CHECK(e.has_pid());
    CHECK(e.pid() == s.pid);
    CHECK(e.facility() == 4);  // auth
    CHECK(e.severity() == 6);  // info
    CHECK(auth.user().name() == "alice");
    CHECK(auth.src_endpoint().ip() == "192.0.2.10");
    CHECK(e.time().seconds() == s.seconds);
    if (carried == Carried::kRfc5424) {
      CHECK(e.header_format() == v1::RFC5424);
      CHECK(e.time().nanos() == s.micros * 1000);
      CHECK_FALSE(e.time_year_inferred());
    } else {
      CHECK(e.header_format() == v1::RFC3164);
      CHECK(e.time().nanos() == 0);
      CHECK(e.time_year_inferred());
    }
  }
  CHECK(std::count(seen.begin(), seen.end(), 1) == static_cast<long>(sent.size()));
}

// Stops serve (SIGTERM) and checks that its summary accounts for exactly `sent` messages, all events, and that
// nothing was quarantined. Returns serve's run: its stdout holds the events.
inline Run stop_serve_expecting(const Sandbox& box, Serve& serve, size_t sent) {
  Run r = serve.stop();
  INFO(r.err);
  CHECK(r.status == 0);
  CHECK(r.err.find(fmt::format("\n  accepted {0} == events {0} + dropped_by_rule 0 + quarantined 0: ok\n", sent)) !=
        std::string::npos);
  CHECK(read_all(box / "q.jsonl") == "");
  return r;
}

// The events serve wrote to its stdout.
inline std::vector<v1::Event> events_of(const Sandbox& box) { return read_jsonl<v1::Event>(box.io("serve.out")); }

// serve with the bundled grammars, events as JSON lines on stdout (wait_events, events()), the quarantine in
// work/q.jsonl, and `listeners`.
inline std::vector<std::string> serve_args(std::vector<std::string> listeners) {
  std::vector<std::string> args = {"--grammars", kRepoGrammars, "--mappings", kRepoMappings, "--format", "jsonl",
                                   "--out",      "-",           "--quarantine", "q.jsonl"};
  args.insert(args.end(), listeners.begin(), listeners.end());
  return args;
}

}  // namespace strictlog::forwarders_test
