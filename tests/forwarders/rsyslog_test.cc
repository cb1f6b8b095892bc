// rsyslog (Debian's rsyslogd 8.2302) forwarding to `strictlog serve` with omfwd: over TCP with octet counting, in
// its traditional (RFC 3164) and its RFC 5424 template, and over TLS (RFC 5425) with the OpenSSL stream driver
// and a client certificate. Each test runs its own rsyslogd in the foreground (-n) with its own config, work
// directory and pid file in the Sandbox, fed through its own imtcp input on a port it chose itself (port 0,
// listenPortFileName); the test sends RFC 5424 lines there and rsyslog re-formats and forwards them.
#include <catch2/catch.hpp>

#include "forwarders/forwarders.h"

namespace strictlog {
namespace {

using namespace forwarders_test;

const std::string kRsyslogd = "/usr/sbin/rsyslogd";
constexpr size_t kMessages = 20;

// Whether rsyslog's OpenSSL stream driver is installed: /usr/lib/<multiarch>/rsyslog/lmnsd_ossl.so.
bool has_ossl_driver() {
  std::error_code ec;
  for (const auto& dir : std::filesystem::directory_iterator("/usr/lib", ec)) {
    if (exists(dir.path() / "rsyslog" / "lmnsd_ossl.so")) return true;
  }
  return false;
}

// A running rsyslogd, forwarding what its imtcp input receives with the one `action` given.
struct Rsyslog {
  Child process;
  uint16_t input_port = 0;
};

// Starts rsyslogd with `globals` (config statements before the input, e.g. TLS files) and `action`, and waits
// until its input listens. Only the modules named here are loaded: no /dev/log, no kernel log, nothing of the
// system's rsyslog is touched. rsyslog's own messages (start, stop, errors such as a failed TLS check) go to
// work/rsyslog.log, which a failing test shows.
Rsyslog start_rsyslog(const Sandbox& box, const std::string& globals, const std::string& action) {
  require_program(kRsyslogd, "rsyslog");
  const std::string conf = fmt::format(
      "global(workDirectory=\"{work}\")\n"
      "{globals}\n"
      "module(load=\"imtcp\")\n"
      "input(type=\"imtcp\" address=\"127.0.0.1\" port=\"0\" listenPortFileName=\"{work}/rsyslog.port\" "
      "ruleset=\"forward\")\n"
      "ruleset(name=\"forward\") {{\n  {action}\n}}\n"
      "action(type=\"omfile\" file=\"{work}/rsyslog.log\")\n",
      fmt::arg("work", box.work()), fmt::arg("globals", globals), fmt::arg("action", action));
  write_file(box / "rsyslog.conf", conf);
  Rsyslog r{spawn_program(box, kRsyslogd, {"-n", "-f", box / "rsyslog.conf", "-i", box / "rsyslog.pid"}, "rsyslog",
                          kChildTimeoutSeconds, {"TZ=UTC"}),
            0};
  const auto deadline = Clock::now() + kStartWait;
  std::string port_text;
  // The file holds the port's digits, no newline; a port read half-written is caught by wait_listening().
  while ((port_text = exists(box / "rsyslog.port") ? read_all(box / "rsyslog.port") : "").empty()) {
    if (auto exited = r.process.poll()) {
      INFO("rsyslogd exited before it listened: status " << exited->status << "\n" << exited->out << exited->err);
      FAIL();
    }
    INFO("rsyslogd wrote no port file within " << kStartWait.count() << " s");
    REQUIRE(Clock::now() < deadline);
    std::this_thread::sleep_for(10ms);
  }
  r.input_port = static_cast<uint16_t>(std::stoul(port_text));
  wait_listening(r.process, r.input_port, "rsyslogd");
  return r;
}

// Sends the messages to rsyslog (in `input`'s format), waits until serve has written them all, and stops rsyslog
// then serve.
std::vector<v1::Event> forward(const Sandbox& box, Rsyslog& rsyslog, Serve& serve, const std::vector<Sent>& sent,
                               Carried input) {
  std::vector<std::string> lines;
  for (const auto& s : sent) lines.push_back(input == Carried::kRfc3164 ? s.rfc3164() : s.rfc5424());
  send_lf_framed(rsyslog.input_port, lines);
  const bool delivered = wait_events(box, sent.size());
  rsyslog.process.signal(SIGTERM);
  Run stopped = rsyslog.process.wait();
  INFO("rsyslog's stderr:\n" << stopped.err << "rsyslog.log:\n" << read_all(box / "rsyslog.log"));
  CHECK(stopped.status == 0);
  CHECK(delivered);
  stop_serve_expecting(box, serve, sent.size());
  return events_of(box);
}

// The messages of make_messages(), fed to rsyslog and forwarded with omfwd over TCP, octet-counted, in
// `template_name` to a serve on one TCP listener: the events checked against what was sent, and that listener.
std::pair<std::vector<v1::Event>, std::string> forward_omfwd_tcp(std::string_view template_name, Carried carried) {
  require_program(kRsyslogd, "rsyslog");
  Sandbox box;
  Serve serve = start_serve(box, serve_args({"--tcp", "127.0.0.1:0"}));
  Rsyslog rsyslog = start_rsyslog(
      box, "",
      fmt::format("action(type=\"omfwd\" target=\"127.0.0.1\" port=\"{}\" protocol=\"tcp\" "
                  "TCP_Framing=\"octet-counted\" template=\"{}\")",
                  serve.port(0), template_name));
  const std::vector<Sent> sent = make_messages(kMessages);
  auto events = forward(box, rsyslog, serve, sent, carried);
  check_events(events, sent, carried);
  return {std::move(events), serve.listeners[0]};
}

// omfwd's default template, RSYSLOG_TraditionalForwardFormat: `<PRI>Mmm dd hh:mm:ss HOST TAG MSG`, whole seconds,
// fed RFC 3164 lines as sshd writes them to /dev/log. (Fed RFC 5424, rsyslog 8.2302 writes the TAG without its
// colon, `sshd[3019] Accepted ...`, which serve quarantines as HEADER: missing ':' after tag.)
TEST_CASE("rsyslog omfwd over TCP octet-counted in its traditional format delivers host program pid time and text",
          "[forwarders][rsyslog]") {
  auto [events, listener] = forward_omfwd_tcp("RSYSLOG_TraditionalForwardFormat", Carried::kRfc3164);
  for (const auto& event : events) CHECK(event.envelope().input().name() == listener);
}

// RSYSLOG_SyslogProtocol23Format: RFC 5424 with the microseconds, and an LF that ends every MSG.
TEST_CASE("rsyslog omfwd over TCP octet-counted in RFC 5424 delivers host program pid microseconds and text",
          "[forwarders][rsyslog]") {
  auto [events, listener] = forward_omfwd_tcp("RSYSLOG_SyslogProtocol23Format", Carried::kRfc5424);
  for (const auto& event : events) {
    INFO(event.envelope().ShortDebugString());
    CHECK(std::regex_match(event.envelope().time_text(),
                           std::regex("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}\\+00:00")));
    CHECK(event.envelope().msgid().empty());
    CHECK(event.envelope().structured_data_size() == 0);
  }
}

// RFC 5425 with certificates made by tests/tls/make-certs.sh: rsyslog checks that the server's certificate
// names localhost (x509/name), serve that the client's is client.example.org (--tls-verify-client
// --tls-allowed-subject). RFC 5425 §4.3: octet counting.
TEST_CASE("rsyslog omfwd over TLS with a client certificate delivers host program pid microseconds and text",
          "[forwarders][rsyslog][tls]") {
  require_program(kRsyslogd, "rsyslog");
  if (!has_ossl_driver()) {
    std::cerr << "skipped: rsyslog's OpenSSL stream driver is not installed (Debian package rsyslog-openssl)\n";
    std::exit(77);
  }
  Sandbox box;
  // Fresh certificates for this test alone, in work/certs: the test CA, localhost, client.example.org.
  const std::string certs = box / "certs";
  Run made = run_program(box, STRICTLOG_SOURCE_DIR "/tests/tls/make-certs.sh", {certs}, "make-certs");
  INFO(made.err);
  REQUIRE(made.status == 0);
  Serve serve = start_serve(
      box, serve_args({"--tls", "127.0.0.1:0", "--tls-cert", certs + "/server.pem", "--tls-key", certs + "/server.key",
                       "--tls-ca", certs + "/ca.pem", "--tls-verify-client", "--tls-allowed-subject",
                       "client.example.org"}));
  REQUIRE(serve.listeners.size() == 1);
  CHECK(starts_with(serve.listeners[0], "tls://127.0.0.1:"));
  Rsyslog rsyslog = start_rsyslog(
      box,
      fmt::format("global(DefaultNetstreamDriverCAFile=\"{0}/ca.pem\" DefaultNetstreamDriverCertFile=\"{0}/client.pem\" "
                  "DefaultNetstreamDriverKeyFile=\"{0}/client.key\")",
                  certs),
      fmt::format("action(type=\"omfwd\" target=\"127.0.0.1\" port=\"{}\" protocol=\"tcp\" StreamDriver=\"ossl\" "
                  "StreamDriverMode=\"1\" StreamDriverAuthMode=\"x509/name\" "
                  "StreamDriverPermittedPeers=\"localhost\" TCP_Framing=\"octet-counted\" "
                  "template=\"RSYSLOG_SyslogProtocol23Format\")",
                  serve.port(0)));
  const std::vector<Sent> sent = make_messages(kMessages);
  auto events = forward(box, rsyslog, serve, sent, Carried::kRfc5424);
  check_events(events, sent, Carried::kRfc5424);
  for (const auto& event : events) CHECK(event.envelope().input().name() == serve.listeners[0]);
}

}  // namespace
}  // namespace strictlog
