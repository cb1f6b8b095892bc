// syslog-ng (Debian's syslog-ng-core 3.38) forwarding to `strictlog serve`: its network() destination (TCP,
// legacy BSD format, LF framing) and its syslog() destination (RFC 5424 with microseconds, octet counting). Each
// test runs its own syslog-ng in the foreground (-F) with its own config, pid file, persist file and control
// socket in the Sandbox, fed through its own syslog() source on a free port; the test sends RFC 5424 lines there
// and syslog-ng re-formats and forwards them.
//
// Where syslog-ng is: $STRICTLOG_SYSLOG_NG, else /usr/sbin/syslog-ng, else the copy tests/forwarders/
// unpack-syslog-ng.sh unpacked into the build tree (syslog-ng-core conflicts with rsyslog, so Debian installs
// one of them only). A copy outside /usr is run with its own module path and libraries.
#include <catch2/catch.hpp>

#include "forwarders/forwarders.h"

namespace strictlog {
namespace {

using namespace forwarders_test;

constexpr size_t kMessages = 20;
const std::string kSuffix = "/usr/sbin/syslog-ng";

std::string syslog_ng_program() {
  if (const char* env = std::getenv("STRICTLOG_SYSLOG_NG"); env != nullptr && *env != '\0') return env;
  if (::access(kSuffix.c_str(), X_OK) == 0) return kSuffix;
  return STRICTLOG_BINARY_DIR "/syslog-ng/root" + kSuffix;
}

// Starts syslog-ng with `destination` (a destination driver, e.g. `network("127.0.0.1" port(5514))`) fed by a
// syslog() source on a free port, and waits until that source listens. Returns the source's port.
uint16_t start_syslog_ng(const Sandbox& box, std::optional<Child>& process, const std::string& destination) {
  const std::string program = syslog_ng_program();
  require_program(program, "syslog-ng-core");
  const uint16_t port = free_port();
  // keep-hostname: the HOSTNAME sent, not the sender's address; no DNS; no statistics messages.
  write_file(box / "syslog-ng.conf",
             fmt::format("@version: 3.38\n"
                         "options {{ keep-hostname(yes); use-dns(no); stats-freq(0); }};\n"
                         "source s_in {{ syslog(ip(\"127.0.0.1\") port({}) transport(\"tcp\")); }};\n"
                         "destination d_serve {{ {} }};\n"
                         "log {{ source(s_in); destination(d_serve); }};\n",
                         port, destination));
  std::vector<std::string> args = {"-F",         "-f", box / "syslog-ng.conf", "--no-caps", "-p", box / "syslog-ng.pid",
                                   "-R",         box / "syslog-ng.persist", "-c", box / "syslog-ng.ctl"};
  std::vector<std::string> env = {"TZ=UTC"};
  if (program != kSuffix && ends_with(program, kSuffix)) {
    const std::string root = program.substr(0, program.size() - kSuffix.size());
    args.push_back("--module-path=" + root + "/usr/lib/syslog-ng/3.38");
    env.push_back("LD_LIBRARY_PATH=" + root + "/usr/lib/syslog-ng");
  }
  process.emplace(spawn_program(box, program, args, "syslog-ng", kChildTimeoutSeconds, env));
  wait_listening(*process, port, "syslog-ng");
  return port;
}

// Sends the messages to syslog-ng, octet-counted as its syslog() source wants them, waits until serve has
// written them all, and stops syslog-ng then serve.
std::vector<v1::Event> forward(const Sandbox& box, Child& syslog_ng, uint16_t port, Serve& serve,
                               const std::vector<Sent>& sent) {
  int fd = connect_tcp(port);
  std::string data;
  for (const auto& s : sent) data += std::to_string(s.rfc5424().size()) + " " + s.rfc5424();
  send_all(fd, data);
  ::close(fd);
  const bool delivered = wait_events(box, sent.size());
  syslog_ng.signal(SIGTERM);
  Run stopped = syslog_ng.wait();
  INFO("syslog-ng's stderr:\n" << stopped.err);
  CHECK(stopped.status == 0);
  CHECK(delivered);
  stop_serve_expecting(box, serve, sent.size());
  return events_of(box);
}

// network(): `<PRI>Mmm dd hh:mm:ss HOST PROGRAM[PID]: MSG` and an LF, whole seconds.
TEST_CASE("syslog-ng network() over TCP in the BSD format delivers host program pid time and text",
          "[forwarders][syslog-ng]") {
  require_program(syslog_ng_program(), "syslog-ng-core");
  Sandbox box;
  Serve serve = start_serve(box, serve_args({"--tcp", "127.0.0.1:0"}));
  std::optional<Child> syslog_ng;
  const uint16_t port = start_syslog_ng(
      box, syslog_ng, fmt::format("network(\"127.0.0.1\" port({}) transport(\"tcp\"));", serve.port(0)));
  const std::vector<Sent> sent = make_messages(kMessages);
  auto events = forward(box, *syslog_ng, port, serve, sent);
  check_events(events, sent, Carried::kRfc3164);
}

// syslog(): RFC 5424 octet-counted, with the microseconds (frac-digits), and an LF that ends every MSG.
TEST_CASE("syslog-ng syslog() over TCP in RFC 5424 octet-counted delivers host program pid microseconds and text",
          "[forwarders][syslog-ng]") {
  require_program(syslog_ng_program(), "syslog-ng-core");
  Sandbox box;
  Serve serve = start_serve(box, serve_args({"--tcp", "127.0.0.1:0"}));
  std::optional<Child> syslog_ng;
  const uint16_t port = start_syslog_ng(
      box, syslog_ng,
      fmt::format("syslog(\"127.0.0.1\" port({}) transport(\"tcp\") frac-digits(6));", serve.port(0)));
  const std::vector<Sent> sent = make_messages(kMessages);
  auto events = forward(box, *syslog_ng, port, serve, sent);
  check_events(events, sent, Carried::kRfc5424);
  for (const auto& event : events) {
    INFO(event.envelope().ShortDebugString());
    CHECK(std::regex_match(event.envelope().time_text(),
                           std::regex("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}\\+00:00")));
  }
}

}  // namespace
}  // namespace strictlog
