// Runs `strictlog serve` and its clients (strictlog-loadgen, logger(1), raw sockets) in a Sandbox, for the serve
// tests: start serve on port 0 with --ready-file and wait (bounded) until every listener is bound, stop it with a
// signal, parse its summary, and read its outputs. Every wait is a poll loop with a deadline, and every child has
// an alarm(2), so a hung serve fails a test instead of hanging the suite.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <regex>
#include <thread>
#include <utility>

#include <google/protobuf/util/json_util.h>

#include "cli/harness.h"
#include "sink/record_writer.h"
#include "strictlog/v1/event.pb.h"
#include "strictlog/v1/quarantine.pb.h"

namespace strictlog::serve_test {

using namespace cli_test;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

inline const std::string kLoadgen = STRICTLOG_BINARY_DIR "/strictlog-loadgen";
inline const std::string kRepoGrammars = STRICTLOG_SOURCE_DIR "/grammars";
inline const std::string kRepoMappings = STRICTLOG_SOURCE_DIR "/mappings";

// Budget: how long serve may take to bind its listeners and write the ready file.
constexpr auto kReadyWait = 20s;

// A port on 127.0.0.1 that was free a moment ago, for sockets of `type` (the kernel's choice for port 0), for a
// program that cannot bind port 0 and say which port it got (systemd-socket-activate, rsyslog, syslog-ng).
inline uint16_t free_port(int type = SOCK_STREAM) {
  int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// A child process started by spawn_program(): stdout and stderr in io/<name>.out and io/<name>.err. Unless it was
// already waited for, the destructor kills (SIGKILL) and reaps it, so a test that fails half-way leaves no
// process behind; a reaped child is never signalled (its pid may have been reused).
class Child {
 public:
  Child(const Sandbox& box, pid_t pid, std::string name) : box_(&box), pid_(pid), name_(std::move(name)) {}
  Child(Child&& other) noexcept : box_(other.box_), pid_(std::exchange(other.pid_, -1)), name_(other.name_) {}
  Child& operator=(Child&&) = delete;
  Child(const Child&) = delete;
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  // Sends `signal`; the test fails if the child is gone.
  void signal(int signal) {
    REQUIRE(pid_ > 0);
    REQUIRE(::kill(pid_, signal) == 0);
  }

  // Waits for the child to exit (its alarm bounds the wait).
  Run wait() {
    REQUIRE(pid_ > 0);
    int wstatus = 0;
    while (::waitpid(pid_, &wstatus, 0) < 0) {
      if (errno != EINTR) throw std::runtime_error("waitpid failed");
    }
    return reaped(wstatus);
  }

  // The process id while it runs (for /proc/PID); -1 once reaped.
  pid_t pid() const { return pid_; }

  // The child's result if it has exited, without waiting.
  std::optional<Run> poll() {
    REQUIRE(pid_ > 0);
    int wstatus = 0;
    pid_t done = ::waitpid(pid_, &wstatus, WNOHANG);
    if (done == 0) return std::nullopt;
    if (done < 0) throw std::runtime_error("waitpid failed");
    return reaped(wstatus);
  }

 private:
  Run reaped(int wstatus) {
    pid_ = -1;
    Run r;
    r.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
    r.out = read_all(box_->io(name_ + ".out"));
    r.err = read_all(box_->io(name_ + ".err"));
    return r;
  }

  const Sandbox* box_;
  pid_t pid_;
  std::string name_;
};

// Starts `program args...` with cwd work/, stdin /dev/null, stdout and stderr to io/<name>.out and io/<name>.err,
// and `env` (`NAME=value`) over this process's environment; SIGALRM ends it after `alarm_seconds`.
inline Child spawn_program(const Sandbox& box, const std::string& program, const std::vector<std::string>& args,
                           const std::string& name, unsigned alarm_seconds = kChildTimeoutSeconds,
                           const std::vector<std::string>& env = {}) {
  const std::string out_path = box.io(name + ".out");
  const std::string err_path = box.io(name + ".err");
  const std::string cwd = box.work();
  std::vector<std::string> storage{program};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_storage = child_environment(env);
  std::vector<char*> envp;
  for (auto& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    // Async-signal-safe calls only until exec.
    int in = ::open("/dev/null", O_RDONLY);
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (in < 0 || out < 0 || err < 0 || ::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0 ||
        ::chdir(cwd.c_str()) != 0) {
      ::_exit(126);
    }
    ::alarm(alarm_seconds);
    // execvpe: `logger` is found on PATH; the built binaries are given as absolute paths.
    ::execvpe(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  return Child(box, pid, name);
}

// Runs a program to its end.
inline Run run_program(const Sandbox& box, const std::string& program, const std::vector<std::string>& args,
                       const std::string& name, const std::vector<std::string>& env = {}) {
  return spawn_program(box, program, args, name, kChildTimeoutSeconds, env).wait();
}

// A running `strictlog serve`, started by start_serve().
struct Serve {
  Child process;
  std::vector<std::string> listeners;  // the ready file's lines: `tcp://127.0.0.1:40123`, in the order given

  // The port of listener `i`, the digits after its last ':'.
  uint16_t port(size_t i) const {
    const std::string& url = listeners.at(i);
    return static_cast<uint16_t>(std::stoul(url.substr(url.rfind(':') + 1)));
  }

  // Sends `signal` and waits for serve to exit (its alarm bounds the wait).
  Run stop(int signal = SIGTERM) {
    process.signal(signal);
    return process.wait();
  }
};

// Starts `strictlog serve args...` in work/ (stdout, stderr: io/serve.out, io/serve.err), `args` naming its
// --ready-file `ready_file` (a name in work/) themselves, e.g. by the `ready-file` setting of a --config file,
// and waits until that file exists, at most kReadyWait; fails the test, with serve's stderr, if serve exits
// first or never gets ready. Serve writes the file atomically once every listener is bound, so it is complete
// when it exists.
inline Serve start_serve_ready_at(const Sandbox& box, std::vector<std::string> args, const std::string& ready_file,
                                  unsigned alarm_seconds = kChildTimeoutSeconds) {
  args.insert(args.begin(), "serve");
  Serve serve{spawn_program(box, STRICTLOG_BINARY, args, "serve", alarm_seconds), {}};
  const auto deadline = Clock::now() + kReadyWait;
  while (!exists(box / ready_file)) {
    if (auto exited = serve.process.poll()) {
      INFO("serve exited before it was ready: status " << exited->status << ", stderr:\n" << exited->err);
      FAIL();
    }
    INFO("serve wrote no ready file within " << kReadyWait.count() << " s");
    REQUIRE(Clock::now() < deadline);
    std::this_thread::sleep_for(10ms);
  }
  serve.listeners = split_lines(read_all(box / ready_file));
  return serve;
}

// start_serve_ready_at() with `--ready-file ready.txt` appended to `args`: `strictlog serve args... --ready-file
// ready.txt`.
inline Serve start_serve(const Sandbox& box, std::vector<std::string> args,
                         unsigned alarm_seconds = kChildTimeoutSeconds) {
  args.insert(args.end(), {"--ready-file", "ready.txt"});
  return start_serve_ready_at(box, std::move(args), "ready.txt", alarm_seconds);
}

// The final summary's lines that tests parse (serve's stderr); a field is nullopt when its line is absent.
struct ListenerCounts {
  uint64_t accepted = 0, bytes = 0;
  uint64_t connections = 0, refused = 0, idle_closed = 0;  // TCP
  uint64_t udp_lost_queue = 0, udp_lost_kernel = 0;        // UDP
};
struct Equation {
  uint64_t accepted = 0, events = 0, dropped_by_rule = 0, quarantined = 0;
  std::string verdict;  // `ok`, or whatever follows the colon
};
struct ServeSummary {
  std::map<std::string, ListenerCounts> listeners;  // by listener URL
  std::optional<Equation> equation;
};

inline ServeSummary parse_summary(const std::string& err) {
  static const std::regex tcp_line(
      "  listener (tcp://\\S+): accepted (\\d+), (\\d+) bytes, connections (\\d+) \\(refused (\\d+), idle-closed "
      "(\\d+)\\)");
  static const std::regex udp_line(
      "  listener (udp://\\S+): accepted (\\d+), (\\d+) bytes, udp_lost_queue (\\d+), udp_lost_kernel (\\d+)");
  static const std::regex equation_line(
      "  accepted (\\d+) == events (\\d+) \\+ dropped_by_rule (\\d+) \\+ quarantined (\\d+): (.*)");
  auto number = [](const std::ssub_match& m) { return std::stoull(m.str()); };
  ServeSummary summary;
  for (const auto& line : split_lines(err)) {
    std::smatch m;
    if (std::regex_match(line, m, tcp_line)) {
      summary.listeners[m[1]] = {number(m[2]), number(m[3]), number(m[4]), number(m[5]), number(m[6]), 0, 0};
    } else if (std::regex_match(line, m, udp_line)) {
      summary.listeners[m[1]] = {number(m[2]), number(m[3]), 0, 0, 0, number(m[4]), number(m[5])};
    } else if (std::regex_match(line, m, equation_line)) {
      summary.equation = Equation{number(m[1]), number(m[2]), number(m[3]), number(m[4]), m[5]};
    }
  }
  return summary;
}

// Calls `fn` on every event of a length-delimited (--format pb) file, in order; fails the test on a bad record.
inline void for_each_pb_event(const std::string& path, const std::function<void(const v1::Event&)>& fn) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  EventReader reader(in, path);
  for (;;) {
    auto event = reader.read();
    INFO(path);
    REQUIRE(event.ok());
    if (!event->has_value()) return;
    fn(**event);
  }
}

// The messages of a JSON lines file (events with --format jsonl, quarantine records), in order.
template <typename Message>
std::vector<Message> read_jsonl(const std::string& path) {
  std::vector<Message> messages;
  for (const auto& line : split_lines(read_all(path))) {
    Message m;
    auto status = google::protobuf::util::JsonStringToMessage(line, &m);
    INFO(path << ": " << line);
    REQUIRE(status.ok());
    messages.push_back(std::move(m));
  }
  return messages;
}

// The names in work/ of the rotated segments of `stem`+`ext` (`events` + `.pb`:
// `events.20261122T231500Z.000001.pb`), sorted.
inline std::vector<std::string> segments(const Sandbox& box, const std::string& stem, const std::string& ext) {
  auto quote = [](const std::string& s) {
    return std::regex_replace(s, std::regex("[.^$|()\\[\\]{}*+?\\\\]"), "\\$&");
  };
  const std::regex segment(quote(stem) + "\\.\\d{8}T\\d{6}Z\\.\\d{6}" + quote(ext));
  std::vector<std::string> names;
  for (const auto& name : box.entries()) {
    if (std::regex_match(name, segment)) names.push_back(name);
  }
  return names;
}

// Names in work/ that start with '.': the outputs' temporary files, which must not outlive a run.
inline std::vector<std::string> hidden_entries(const Sandbox& box) {
  std::vector<std::string> hidden;
  for (const auto& name : box.entries()) {
    if (starts_with(name, ".")) hidden.push_back(name);
  }
  return hidden;
}

// A TCP client socket connected to 127.0.0.1:`port` (blocking; the server is local and listening).
inline int connect_tcp(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  return fd;
}

// `127.0.0.1:40122`: the socket's own address, as serve names the peer.
inline std::string local_address(int fd) {
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  char ip[INET_ADDRSTRLEN];
  REQUIRE(::inet_ntop(AF_INET, &addr.sin_addr, ip, sizeof ip) != nullptr);
  return std::string(ip) + ":" + std::to_string(ntohs(addr.sin_port));
}

inline void send_all(int fd, const std::string& data) {
  REQUIRE(::send(fd, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size()));
}

// Calls `fn(state, queues)` for every TCP socket in /proc/net/tcp{,6} whose local port is `port` (the server's side
// of its connections): `  sl  local_address rem_address   st tx_queue:rx_queue ...`, all hex.
inline void for_each_server_socket(uint16_t port, const std::function<void(const std::string& state,
                                                                            const std::string& queues)>& fn) {
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    auto lines = split_lines(read_all(table));
    for (size_t i = 1; i < lines.size(); ++i) {
      std::istringstream fields(lines[i]);
      std::string slot, local, remote, state, queues;
      fields >> slot >> local >> remote >> state >> queues;
      if (std::stoul(local.substr(local.rfind(':') + 1), nullptr, 16) == port) fn(state, queues);
    }
  }
}

// Bytes the kernel has received on ESTABLISHED (01) sockets of `port` that the server has not read yet: the
// rx_queue column.
inline uint64_t unread_bytes(uint16_t port) {
  uint64_t total = 0;
  for_each_server_socket(port, [&](const std::string& state, const std::string& queues) {
    if (state == "01") total += std::stoull(queues.substr(queues.find(':') + 1), nullptr, 16);
  });
  return total;
}

// TCP connections on serve's side of `port` that serve has not closed yet: ESTABLISHED (01) or CLOSE_WAIT (08: the
// peer closed, serve has not).
inline size_t connections_held(uint16_t port) {
  size_t held = 0;
  for_each_server_socket(port, [&](const std::string& state, const std::string&) {
    if (state == "01" || state == "08") ++held;
  });
  return held;
}

// Waits (at most 20 s) until serve has closed every connection on `port`, once their clients closed them. Serve
// closes a connection after reading it to its end, so everything the clients sent is then in serve's queue, and a
// SIGTERM sent afterwards cannot race a connection that was still in the listen backlog.
inline void wait_connections_closed(uint16_t port) {
  const auto deadline = Clock::now() + 20s;
  while (connections_held(port) != 0) {
    INFO("serve still holds " << connections_held(port) << " connections on port " << port);
    REQUIRE(Clock::now() < deadline);
    std::this_thread::sleep_for(5ms);
  }
}

// serve with the openvpn-mini fixture (tests/fixtures/openvpn_mini.h) and `args`.
inline std::vector<std::string> mini(std::vector<std::string> args) {
  args.insert(args.begin(), {"--grammars", kGrammars, "--mappings", kMappings});
  return args;
}

}  // namespace strictlog::serve_test
