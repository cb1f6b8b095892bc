// `strictlog serve` under systemd (cli/internal/systemd.h) and its privilege drop (cli/internal/privileges.h),
// with real processes and sockets: sockets passed by the real systemd-socket-activate(1), the sd_notify(3)
// messages read from a datagram socket this test holds as NOTIFY_SOCKET, and --user, which needs root (its
// cases exit 77, skipped, otherwise). Registered per tag in tests/CMakeLists.txt, labels `cli` and `systemd`.
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <grp.h>
#include <pwd.h>
#include <sys/un.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <tuple>

#include "cli/serve_harness.h"
#include "listen/tls_client.h"

namespace strictlog {
namespace {

using namespace serve_test;

const std::string kActivate = "systemd-socket-activate";  // systemd 252's, on PATH
const std::string kLine =
    "<30>Nov 22 10:41:07 vpn-gw1 openvpn[1187]: 198.51.100.7:51234 TLS Error: TLS handshake failed";

std::string replaced_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// Exits 77 (ctest: skipped) unless `program` is on PATH.
void require_program(const std::string& program) {
  Sandbox box;
  if (run_program(box, "sh", {"-c", "command -v " + program}, "which").status == 0) return;
  WARN(program << " is not installed: skipped");
  std::exit(77);
}

// Waits until a socket is bound to 127.0.0.1:`port` (TCP: listening there), as /proc/net/{tcp,udp} show, at most
// 20 s; fails the test if `child` exits first.
void wait_bound(Child& child, int type, uint16_t port) {
  const std::string local = fmt::format("0100007F:{:04X}", port);  // 127.0.0.1 as the kernel prints it
  const std::string table = type == SOCK_STREAM ? "/proc/net/tcp" : "/proc/net/udp";
  const auto deadline = Clock::now() + 20s;
  for (;;) {
    for (const auto& line : split_lines(read_all(table))) {
      std::istringstream fields(line);
      std::string slot, address, remote, state;
      fields >> slot >> address >> remote >> state;
      if (address == local && (type != SOCK_STREAM || state == "0A")) return;
    }
    if (auto exited = child.poll()) FAIL("exited before binding: " << exited->status << "\n" << exited->err);
    REQUIRE(Clock::now() < deadline);
    std::this_thread::sleep_for(5ms);
  }
}

// Connects to 127.0.0.1:`port` once something listens there (the activator, started at the same time), at
// most 20 s; fails the test if `child` exits first.
int connect_when_listening(Child& child, uint16_t port) {
  const auto deadline = Clock::now() + 20s;
  for (;;) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return fd;
    ::close(fd);
    if (auto exited = child.poll()) FAIL("exited before listening: " << exited->status << "\n" << exited->err);
    REQUIRE(Clock::now() < deadline);
    std::this_thread::sleep_for(5ms);
  }
}

void send_datagram(uint16_t port, const std::string& data) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::sendto(fd, data.data(), data.size(), 0, reinterpret_cast<sockaddr*>(&addr), sizeof addr) ==
          static_cast<ssize_t>(data.size()));
  ::close(fd);
}

// Waits (at most kReadyWait) for serve's ready file; fails the test, with its stderr, if it exits first.
std::vector<std::string> wait_ready(const Sandbox& box, Child& serve) {
  const auto deadline = Clock::now() + kReadyWait;
  while (!exists(box / "ready.txt")) {
    if (auto exited = serve.poll()) FAIL("serve exited before it was ready: " << exited->status << "\n" << exited->err);
    REQUIRE(Clock::now() < deadline);
    std::this_thread::sleep_for(5ms);
  }
  return split_lines(read_all(box / "ready.txt"));
}

// The sockets process `pid` listens on, from /proc/net: `tcp 127.0.0.1:514` for a listening TCP socket (state
// 0A), `udp 127.0.0.1:514` for a UDP one, `tcp6 :514` and `udp6 :514` for IPv6 ones; connections are left out.
std::set<std::string> listening_sockets(pid_t pid) {
  std::set<std::string> inodes;
  const std::string fds = fmt::format("/proc/{}/fd", pid);
  for (const auto& entry : std::filesystem::directory_iterator(fds)) {
    std::error_code ec;
    std::string target = std::filesystem::read_symlink(entry.path(), ec).string();
    if (!ec && starts_with(target, "socket:[")) inodes.insert(target.substr(8, target.size() - 9));
  }
  std::set<std::string> found;
  for (const std::string table : {"tcp", "udp", "tcp6", "udp6"}) {
    auto lines = split_lines(read_all("/proc/net/" + table));
    for (size_t i = 1; i < lines.size(); ++i) {
      std::istringstream fields(lines[i]);
      std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
      fields >> slot >> local >> remote >> state >> queues >> timer >> retransmits >> uid >> timeout >> inode;
      if (!inodes.count(inode) || (starts_with(table, "tcp") && state != "0A")) continue;
      const size_t colon = local.find(':');
      const unsigned long port = std::stoul(local.substr(colon + 1), nullptr, 16);
      if (ends_with(table, "6")) {
        found.insert(fmt::format("{} :{}", table, port));
        continue;
      }
      in_addr a{};
      a.s_addr = static_cast<in_addr_t>(std::stoul(local.substr(0, colon), nullptr, 16));  // the bytes as stored
      found.insert(fmt::format("{} {}:{}", table, inet_ntoa(a), port));
    }
  }
  return found;
}

// A datagram socket this test listens on as NOTIFY_SOCKET: serve's sd_notify(3) messages, in order.
class NotifySocket {
 public:
  explicit NotifySocket(std::string path) : path_(std::move(path)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    REQUIRE(path_.size() < sizeof addr.sun_path);
    std::memcpy(addr.sun_path, path_.c_str(), path_.size() + 1);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    timeval wait{20, 0};  // the bound of every receive
    REQUIRE(::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait) == 0);
  }
  ~NotifySocket() { ::close(fd_); }
  const std::string& path() const { return path_; }

  // The next message other than WATCHDOG=1 (those are counted); fails the test after 20 s without one.
  std::string next_state() {
    for (;;) {
      std::string m = receive();
      if (m != "WATCHDOG=1") return m;
      ++watchdogs_;
    }
  }
  // Receives until `n` WATCHDOG=1 have come in all, keeping any other message for next_state().
  void wait_watchdogs(int n) {
    while (watchdogs_ < n) {
      std::string m = receive();
      INFO("a state came while waiting for WATCHDOG=1");
      REQUIRE(m == "WATCHDOG=1");
      ++watchdogs_;
    }
  }
  int watchdogs() const { return watchdogs_; }

 private:
  std::string receive() {
    char buffer[4096];
    ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    INFO("no sd_notify message within 20 s");
    REQUIRE(n > 0);
    return std::string(buffer, static_cast<size_t>(n));
  }

  std::string path_;
  int fd_ = -1;
  int watchdogs_ = 0;
};

// ---- [activation] socket activation with the real systemd-socket-activate ----

// systemd-socket-activate 252 listens on its sockets and execs its command (in the same process) at the first
// connection or datagram; --datagram makes all of its sockets datagram ones, and it passes on the sockets it
// inherited, so one activator per kind, chained, gives serve a TCP and a UDP socket named by --fdname.
TEST_CASE("serve adopts the TCP and UDP sockets systemd-socket-activate passes and binds none itself",
          "[activation]") {
  require_program(kActivate);
  Sandbox box;
  const uint16_t tcp_port = free_port(SOCK_STREAM), udp_port = free_port(SOCK_DGRAM);
  std::vector<std::string> args = {"-l", fmt::format("127.0.0.1:{}", tcp_port), kActivate, "--datagram", "-l",
                                   fmt::format("127.0.0.1:{}", udp_port), "--fdname=tcp:udp", STRICTLOG_BINARY,
                                   "serve"};
  for (const auto& a : mini({"--format", "jsonl", "--out", "events.jsonl", "--quarantine", "q.jsonl",
                             "--no-processed-time", "--ready-file", "ready.txt"})) {
    args.push_back(a);
  }
  Child serve = spawn_program(box, kActivate, args, "serve");
  int fd = connect_when_listening(serve, tcp_port);  // waits in the backlog until serve accepts it
  const std::string peer = local_address(fd);
  send_all(fd, kLine + "\n");
  const std::vector<std::string> listeners = wait_ready(box, serve);
  const std::string tcp = fmt::format("tcp://127.0.0.1:{}", tcp_port);
  const std::string udp = fmt::format("udp://127.0.0.1:{}", udp_port);
  CHECK(listeners == std::vector<std::string>{tcp, udp});
  // Exactly the two sockets passed: nothing bound by serve, not the 127.0.0.1:5514 it binds without listeners.
  CHECK(listening_sockets(serve.pid()) ==
        std::set<std::string>{fmt::format("tcp 127.0.0.1:{}", tcp_port), fmt::format("udp 127.0.0.1:{}", udp_port)});
  send_datagram(udp_port, kLine + "\n");
  ::close(fd);
  wait_connections_closed(tcp_port);
  serve.signal(SIGTERM);  // UDP sockets are read until empty at the stop: the datagram is accepted
  Run r = serve.wait();
  INFO(r.err);
  REQUIRE(r.status == 0);
  ServeSummary summary = parse_summary(r.err);
  CHECK(summary.listeners[tcp].accepted == 1);
  CHECK(summary.listeners[tcp].connections == 1);
  CHECK(summary.listeners[udp].accepted == 1);
  CHECK(r.err.find("\n  accepted 2 == events 2 + dropped_by_rule 0 + quarantined 0: ok\n") != std::string::npos);
  auto events = read_jsonl<v1::Event>(box / "events.jsonl");
  REQUIRE(events.size() == 2);
  std::set<std::string> inputs;
  for (const auto& e : events) inputs.insert(e.envelope().input().name());
  CHECK(inputs == std::set<std::string>{tcp, udp});
  CHECK(events[0].envelope().input().name() == tcp);
  CHECK(events[0].envelope().input().peer() == peer);
}

TEST_CASE("serve listens on the sockets systemd passes in addition to those its command line names",
          "[activation]") {
  require_program(kActivate);
  Sandbox box;
  const uint16_t tcp_port = free_port(SOCK_STREAM);
  std::vector<std::string> args = {"-l", fmt::format("127.0.0.1:{}", tcp_port), "--fdname=tcp", STRICTLOG_BINARY,
                                   "serve"};
  for (const auto& a : mini({"--udp", "127.0.0.1:0", "--out", "events.pb", "--ready-file", "ready.txt"})) {
    args.push_back(a);
  }
  Child serve = spawn_program(box, kActivate, args, "serve");
  ::close(connect_when_listening(serve, tcp_port));
  const std::vector<std::string> listeners = wait_ready(box, serve);
  REQUIRE(listeners.size() == 2);
  CHECK(std::regex_match(listeners[0], std::regex("udp://127\\.0\\.0\\.1:[1-9][0-9]*")));  // the command line's first
  CHECK(listeners[1] == fmt::format("tcp://127.0.0.1:{}", tcp_port));
  const std::string udp_port = listeners[0].substr(listeners[0].rfind(':') + 1);
  CHECK(listening_sockets(serve.pid()) ==  // the one serve bound, the one it was passed
        std::set<std::string>{"udp 127.0.0.1:" + udp_port, fmt::format("tcp 127.0.0.1:{}", tcp_port)});
  serve.signal(SIGTERM);
  Run r = serve.wait();
  INFO(r.err);
  CHECK(r.status == 0);
}

TEST_CASE("serve adopts a TLS socket systemd passes under the name tls", "[activation]") {
  require_program(kActivate);
  Sandbox box;
  const uint16_t port = free_port(SOCK_STREAM);
  std::vector<std::string> args = {"-l", fmt::format("127.0.0.1:{}", port), "--fdname=tls", STRICTLOG_BINARY,
                                   "serve"};
  for (const auto& a : mini({"--tls-cert", testing::cert_file("server.pem"), "--tls-key",
                             testing::cert_file("server.key"), "--format", "jsonl", "--out", "events.jsonl",
                             "--quarantine", "q.jsonl", "--ready-file", "ready.txt"})) {
    args.push_back(a);
  }
  Child serve = spawn_program(box, kActivate, args, "serve");
  wait_bound(serve, SOCK_STREAM, port);
  const std::string frame = std::to_string(kLine.size()) + " " + kLine;  // RFC 5425: octet counting
  {
    // Its connection makes the activator exec serve, which accepts it and completes the handshake.
    testing::TlsClient client(ListenAddress{ListenAddress::Protocol::kTls, "127.0.0.1", port});
    REQUIRE(client.handshake());
    REQUIRE(client.send(frame));
    client.close();
  }
  const std::string tls = fmt::format("tls://127.0.0.1:{}", port);
  CHECK(wait_ready(box, serve) == std::vector<std::string>{tls});
  wait_connections_closed(port);
  serve.signal(SIGTERM);
  Run r = serve.wait();
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.err.find("\n  accepted 1 == events 1 + dropped_by_rule 0 + quarantined 0: ok\n") != std::string::npos);
  auto events = read_jsonl<v1::Event>(box / "events.jsonl");
  REQUIRE(events.size() == 1);
  CHECK(events[0].envelope().input().name() == tls);
}

// ---- [usage] what serve refuses, each with its exact message and nothing written ----

// Each socket's FileDescriptorName= says what it is; a socket named otherwise, or of the wrong type, is refused
// (exit 1, kExitUsage) before anything is loaded or opened.
TEST_CASE("serve refuses a passed socket that is unnamed or misnamed or of the wrong type", "[usage]") {
  require_program(kActivate);
  struct Case {
    std::vector<std::string> activate;  // the options, before the address
    bool datagram;
    std::string error;
  };
  const std::vector<Case> cases = {
      {{"--fdname=udp"}, false, "socket 3 (name 'udp') is a stream socket, not datagram"},
      {{"--datagram", "--fdname=tcp"}, true, "socket 3 (name 'tcp') is a datagram socket, not stream"},
      {{"--datagram", "--fdname=tls"}, true, "socket 3 (name 'tls') is a datagram socket, not stream"},
      {{"--fdname=tls"}, false, "socket 3 (name 'tls') needs --tls-cert and --tls-key"},
      {{"--fdname=syslog"}, false,
       "socket 3 is named 'syslog', not tcp, udp or tls (FileDescriptorName= in the .socket unit)"},
      {{}, false,
       "socket 3 has no name: set FileDescriptorName=tcp, udp or tls in the .socket unit "
       "(systemd-socket-activate: --fdname)"},
  };
  for (const Case& c : cases) {
    Sandbox box;
    const uint16_t port = free_port(c.datagram ? SOCK_DGRAM : SOCK_STREAM);
    std::vector<std::string> args = c.activate;
    args.insert(args.end(), {"-l", fmt::format("127.0.0.1:{}", port), STRICTLOG_BINARY, "serve"});
    for (const auto& a : mini({"--out", "events.pb", "--ready-file", "ready.txt"})) args.push_back(a);
    Child serve = spawn_program(box, kActivate, args, "serve");
    if (c.datagram) {
      wait_bound(serve, SOCK_DGRAM, port);
      send_datagram(port, "x");
    } else {
      ::close(connect_when_listening(serve, port));
    }
    Run r = serve.wait();
    INFO(c.error << "\n" << r.err);
    CHECK(r.status == 1);
    CHECK(ends_with(r.err, "strictlog serve: " + c.error + "\n"));
    CHECK(box.entries().empty());
  }
}

TEST_CASE("serve --user refuses to start unless root and --group needs --user", "[usage]") {
  Sandbox box;
  // As root, the child becomes nobody first (setpriv, util-linux); otherwise it is not root already.
  std::vector<std::string> serve = {STRICTLOG_BINARY, "serve", "--tcp", "127.0.0.1:0", "--user", "nobody"};
  if (::geteuid() == 0) {
    require_program("setpriv");
    serve.insert(serve.begin(), {"setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"});
  }
  Run r = run_program(box, serve[0], std::vector<std::string>(serve.begin() + 1, serve.end()), "serve");
  CHECK(r.status == 1);
  CHECK(r.err == "strictlog serve: --user needs serve to start as root\n");
  r = run_strictlog(box, with_rules({"serve", "--tcp", "127.0.0.1:0", "--group", "nogroup"}));
  CHECK(r.status == 1);
  CHECK(r.err == "strictlog serve: --group needs --user\n");
  CHECK(box.entries().empty());
}

// ---- [notify] sd_notify ----

TEST_CASE("serve notifies READY once bound then RELOADING and READY on SIGHUP and STOPPING on SIGTERM",
          "[notify]") {
  Sandbox box;
  NotifySocket notify(box / "notify.sock");
  // WatchdogSec=0.2: WATCHDOG=1 every 0.1 s from the main loop.
  Child serve = spawn_program(
      box, STRICTLOG_BINARY,
      {"serve", "--grammars", kGrammars, "--mappings", kMappings, "--tcp", "127.0.0.1:0", "--udp", "127.0.0.1:0",
       "--out", "events.pb", "--ready-file", "ready.txt"},
      "serve", kChildTimeoutSeconds, {"NOTIFY_SOCKET=" + notify.path(), "WATCHDOG_USEC=200000"});
  const std::string ready = notify.next_state();
  // Sent once the listeners are bound: the ready file, written then, exists already and names them, and they
  // take connections.
  REQUIRE(exists(box / "ready.txt"));
  const std::vector<std::string> listeners = split_lines(read_all(box / "ready.txt"));
  REQUIRE(listeners.size() == 2);
  const std::string status = "listening on " + listeners[0] + ", " + listeners[1];
  CHECK(ready == "READY=1\nSTATUS=" + status);
  Serve probe{std::move(serve), listeners};
  ::close(connect_tcp(probe.port(0)));
  notify.wait_watchdogs(2);

  probe.process.signal(SIGHUP);
  const std::string reloading = notify.next_state();
  CHECK(std::regex_match(reloading, std::regex("RELOADING=1\nMONOTONIC_USEC=[1-9][0-9]*\nSTATUS=reloading the "
                                               "grammars and mappings \\(SIGHUP\\)")));
  CHECK(notify.next_state() == "READY=1\nSTATUS=" + status + "; reloaded");

  probe.process.signal(SIGTERM);
  CHECK(notify.next_state() == "STOPPING=1\nSTATUS=signal 15: draining");
  Run r = probe.process.wait();
  INFO(r.err);
  CHECK(r.status == 0);
  CHECK(notify.watchdogs() >= 2);
}

// ---- [user] --user, as root ----

void require_root() {
  if (::geteuid() == 0) return;
  WARN("--user needs root: skipped");
  std::exit(77);
}

passwd nobody() {
  passwd* pw = ::getpwnam("nobody");
  REQUIRE(pw != nullptr);
  return *pw;
}

// A port below 1024 on 127.0.0.1 free for TCP and UDP now (the tests run as root).
uint16_t free_privileged_port() {
  for (uint16_t port = 1023; port >= 600; --port) {
    int tcp = ::socket(AF_INET, SOCK_STREAM, 0), udp = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool free = ::bind(tcp, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                ::bind(udp, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(tcp);
    ::close(udp);
    if (free) return port;
  }
  FAIL("no free port in 600-1023");
  return 0;
}

// `Uid:` and the like of /proc/PID/status, the tabs between values as single spaces.
std::map<std::string, std::string> proc_status(pid_t pid) {
  std::map<std::string, std::string> fields;
  for (const auto& line : split_lines(read_all(fmt::format("/proc/{}/status", pid)))) {
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string value = std::regex_replace(line.substr(colon + 1), std::regex("\\s+"), " ");
    fields[line.substr(0, colon)] = std::regex_replace(value, std::regex("^ | $"), "");
  }
  return fields;
}

TEST_CASE("serve --user nobody binds a port below 1024 then runs as nobody and writes what it receives", "[user]") {
  require_root();
  Sandbox box;
  const passwd pw = nobody();
  REQUIRE(::chown(box.work().c_str(), pw.pw_uid, pw.pw_gid) == 0);  // outputs are published there as nobody
  const uint16_t port = free_privileged_port();
  const std::string address = fmt::format("127.0.0.1:{}", port);
  Serve serve = start_serve(box, mini({"--tcp", address, "--udp", address, "--user", "nobody", "--format", "jsonl",
                                       "--out", "events.jsonl", "--quarantine", "q.jsonl", "--no-processed-time"}));
  CHECK(serve.listeners == std::vector<std::string>{"tcp://" + address, "udp://" + address});

  auto status = proc_status(serve.process.pid());
  const std::string uid = std::to_string(pw.pw_uid), gid = std::to_string(pw.pw_gid);
  CHECK(status["Uid"] == fmt::format("{0} {0} {0} {0}", uid));  // real, effective, saved, filesystem
  CHECK(status["Gid"] == fmt::format("{0} {0} {0} {0}", gid));
  int count = 64;
  std::vector<gid_t> groups(count);
  REQUIRE(::getgrouplist("nobody", pw.pw_gid, groups.data(), &count) >= 0);
  groups.resize(static_cast<size_t>(count));
  std::sort(groups.begin(), groups.end());
  CHECK(status["Groups"] == fmt::format("{}", fmt::join(groups, " ")));
  CHECK(status["CapEff"] == "0000000000000000");
  CHECK(status["CapPrm"] == "0000000000000000");

  int fd = connect_tcp(port);
  send_all(fd, kLine + "\n");
  ::close(fd);
  send_datagram(port, kLine);
  wait_connections_closed(port);
  Run r = serve.stop();
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.err.find(fmt::format("strictlog serve: running as user 'nobody' (uid {}, gid {}, groups {})\n", uid, gid,
                               fmt::join(groups, ","))) != std::string::npos);
  CHECK(r.err.find("\n  accepted 2 == events 2 + dropped_by_rule 0 + quarantined 0: ok\n") != std::string::npos);
  auto events = read_jsonl<v1::Event>(box / "events.jsonl");
  REQUIRE(events.size() == 2);
  std::set<std::string> inputs;
  for (const auto& e : events) inputs.insert(e.envelope().input().name());
  CHECK(inputs == std::set<std::string>{"tcp://" + address, "udp://" + address});
  CHECK(box.entries() == std::vector<std::string>{"events.jsonl", "q.jsonl"});  // published, ready file gone
}

TEST_CASE("serve --user refuses an unknown user or group and an output directory the user cannot write",
          "[user]") {
  require_root();
  Sandbox box;  // work/ is root's, mode 0755: nobody cannot write there
  Run r = run_strictlog(box, with_rules({"serve", "--tcp", "127.0.0.1:0", "--user", "no-such-user"}));
  CHECK(r.status == 1);
  CHECK(r.err == "strictlog serve: unknown user 'no-such-user'\n");
  r = run_strictlog(box, with_rules({"serve", "--tcp", "127.0.0.1:0", "--user", "nobody", "--group", "no-such-group"}));
  CHECK(r.status == 1);
  CHECK(r.err == "strictlog serve: unknown group 'no-such-group'\n");
  r = run_strictlog(box, with_rules({"serve", "--tcp", "127.0.0.1:0", "--user", "root"}));
  CHECK(r.status == 1);
  CHECK(r.err == "strictlog serve: --user 'root' is root: name an unprivileged user\n");
  r = run_strictlog(box, with_rules({"serve", "--tcp", "127.0.0.1:0", "--user", "nobody", "--out", "events.pb"}));
  CHECK(r.status == 1);
  CHECK(r.err ==
        "strictlog serve: user 'nobody' cannot write the directory '.' of 'events.pb' (outputs are published and "
        "rotated there): Permission denied\n");
  CHECK(box.entries().empty());  // refused before any output was opened
}

// ---- [units] tools/systemd ----

const std::string kUnits = STRICTLOG_SOURCE_DIR "/tools/systemd";

// `Key=value` lines of a unit or `key = value` ones of a TOML file, in order (comments left out).
std::vector<std::pair<std::string, std::string>> settings(const std::string& path) {
  std::vector<std::pair<std::string, std::string>> found;
  static const std::regex setting("\\s*([A-Za-z-]+)\\s*=\\s*(.*?)\\s*");
  for (const auto& line : split_lines(read_all(path))) {
    std::smatch m;
    if (!starts_with(line, "#") && std::regex_match(line, m, setting)) found.emplace_back(m[1], m[2]);
  }
  return found;
}

std::string setting_of(const std::string& path, const std::string& key) {
  for (const auto& [k, v] : settings(path)) {
    if (k == key) return v;
  }
  FAIL(path << " has no " << key);
  return "";
}

// systemd-analyze checks the units offline (no running systemd needed), with ExecStart= pointed at the built
// binary since it checks that the command exists.
TEST_CASE("the systemd units pass systemd-analyze verify and its offline security review", "[units]") {
  require_program("systemd-analyze");
  Sandbox box;
  const std::vector<std::string> units = {"strictlog.service", "strictlog-tcp.socket", "strictlog-udp.socket",
                                          "strictlog-tls.socket"};
  for (const auto& unit : units) {
    write_file(box / unit, replaced_all(read_all(kUnits + "/" + unit), "/usr/local/bin/strictlog", STRICTLOG_BINARY));
  }
  std::vector<std::string> args = {"verify", "--man=no"};
  for (const auto& unit : units) args.push_back("./" + unit);
  Run r = run_program(box, "systemd-analyze", args, "verify");
  INFO(r.err);
  CHECK(r.status == 0);
  CHECK(r.err.empty());
  // Exposure 0.0 (safest) to 10.0, --threshold= in tenths: the service scores 1.2 with its hardening, 9.6 without.
  r = run_program(box, "systemd-analyze", {"security", "--offline=yes", "--threshold=20", "./strictlog.service"},
                  "security");
  INFO(r.out << r.err);
  CHECK(r.status == 0);
}

TEST_CASE("the systemd units agree with serve about socket names and the drain timeout", "[units]") {
  // Each socket unit names its sockets for what they are (serve refuses any other name or type).
  const std::vector<std::tuple<std::string, std::string, std::string>> sockets = {
      {"strictlog-tcp.socket", "ListenStream", "tcp"},
      {"strictlog-udp.socket", "ListenDatagram", "udp"},
      {"strictlog-tls.socket", "ListenStream", "tls"}};
  for (const auto& [unit, listen, name] : sockets) {
    INFO(unit);
    CHECK(setting_of(kUnits + "/" + unit, "FileDescriptorName") == name);
    CHECK(!setting_of(kUnits + "/" + unit, listen).empty());
    CHECK(setting_of(kUnits + "/" + unit, "Service") == "strictlog.service");
  }
  // systemd kills serve TimeoutStopSec= after SIGTERM: the drain (drain-timeout) and the publication after it
  // must fit, or the last segment is lost.
  const std::string service = kUnits + "/strictlog.service";
  const double drain = std::stod(setting_of(kUnits + "/serve.toml", "drain-timeout"));
  CHECK(std::stod(setting_of(service, "TimeoutStopSec")) >= drain + 30);
  CHECK(setting_of(service, "Type") == "notify");
  CHECK(setting_of(service, "ExecStart") == "/usr/local/bin/strictlog serve --config /etc/strictlog/serve.toml");
}

// The example configuration is one serve accepts: every setting is an option (the command line overrides the
// paths, which are a production machine's).
TEST_CASE("serve runs with the example serve.toml of tools/systemd", "[units]") {
  Sandbox box;
  Serve serve = start_serve(box, mini({"--config", kUnits + "/serve.toml", "--tcp", "127.0.0.1:0", "--out",
                                       "events.pb", "--quarantine", "q.jsonl", "--metrics", "127.0.0.1:0"}));
  Run r = serve.stop();
  INFO(r.err);
  CHECK(r.status == 0);
}

}  // namespace
}  // namespace strictlog
