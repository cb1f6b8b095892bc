#include "cli/internal/systemd.h"

#include <fmt/format.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <atomic>
#include <iterator>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

#include "cli/internal/log.h"

namespace strictlog::cli {
namespace {

// The names a socket may have, and what each is.
struct SocketKind {
  std::string_view name;
  ListenAddress::Protocol protocol;
};
constexpr SocketKind kSocketKinds[] = {
    {"tcp", ListenAddress::Protocol::kTcp},
    {"udp", ListenAddress::Protocol::kUdp},
    {"tls", ListenAddress::Protocol::kTls},
};

const SocketKind* kind_named(std::string_view name) {
  for (const SocketKind& kind : kSocketKinds) {
    if (kind.name == name) return &kind;
  }
  return nullptr;
}

// `tcp, udp or tls`: the names, for messages.
std::string kind_names() {
  std::string names;
  for (size_t i = 0; i < std::size(kSocketKinds); ++i) {
    names += i == 0 ? "" : i + 1 == std::size(kSocketKinds) ? " or " : ", ";
    names += kSocketKinds[i].name;
  }
  return names;
}

// STATUS= is one line: a newline would start another assignment.
std::string one_line(std::string_view text) {
  std::string line(text);
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return line;
}

std::atomic<bool> g_notify_failed{false};  // logged once: the next failure has the same cause

void notify(const std::string& message) {
  int r = sd_notify(0, message.c_str());  // 0 without NOTIFY_SOCKET
  if (r >= 0 || g_notify_failed.exchange(true)) return;
  const char* socket = std::getenv("NOTIFY_SOCKET");
  log_event("serve", LogLevel::kWarning, LogCode::kNotifyFailed,
            fmt::format("cannot notify the service manager at NOTIFY_SOCKET '{}': {}", socket ? socket : "",
                        std::strerror(-r)),
            {{"error", std::strerror(-r)}});
}

}  // namespace

Result<std::vector<ListenAddress>> systemd_sockets() {
  // sd_listen_fds_with_names() names every socket `unknown` when LISTEN_FDNAMES is unset, which cannot be
  // told from a socket named so: look first.
  const bool named = std::getenv("LISTEN_FDNAMES") != nullptr;
  char** names = nullptr;
  int n = sd_listen_fds_with_names(1, &names);
  if (n < 0) {
    return plain_error("systemd", fmt::format("cannot take the sockets systemd passed (LISTEN_FDS, LISTEN_PID): {}",
                                              std::strerror(-n)));
  }
  std::vector<ListenAddress> sockets;
  Diagnostics errors;
  for (int i = 0; i < n; ++i) {
    const int fd = SD_LISTEN_FDS_START + i;
    const std::string name = named && names != nullptr && names[i] != nullptr ? names[i] : "";
    const SocketKind* kind = kind_named(name);
    std::string problem;
    if (name.empty()) {
      problem = fmt::format("socket {} has no name: set FileDescriptorName={} in the .socket unit "
                            "(systemd-socket-activate: --fdname)",
                            fd, kind_names());
    } else if (kind == nullptr) {
      problem = fmt::format("socket {} is named '{}', not {} (FileDescriptorName= in the .socket unit)", fd, name,
                            kind_names());
    } else if (std::string why = inherited_socket_problem(fd, kind->protocol); !why.empty()) {
      problem = fmt::format("socket {} (name '{}') {}", fd, name, why);
    }
    if (!problem.empty()) {
      errors.push_back(plain_error("systemd", std::move(problem)));
      ::close(fd);  // ours: nobody else will use it
      continue;
    }
    ListenAddress address;
    address.protocol = kind->protocol;
    address.fd = fd;
    sockets.push_back(std::move(address));
  }
  if (names != nullptr) {
    for (int i = 0; i < n; ++i) std::free(names[i]);
    std::free(names);
  }
  if (!errors.empty()) {
    for (const ListenAddress& taken : sockets) ::close(taken.fd);
    return errors;
  }
  return sockets;
}

std::string listener_usage_problem(const ServeListenerArgs& args, const std::vector<ListenAddress>& passed) {
  ServeListenerArgs with = args;
  for (const ListenAddress& socket : passed) {
    if (socket.protocol != ListenAddress::Protocol::kTls) continue;
    if (args.tls_cert.empty() || args.tls_key.empty()) {
      return fmt::format("socket {} (name 'tls') needs --tls-cert and --tls-key", socket.fd);
    }
    with.tls.push_back(fmt::format("socket {}", socket.fd));  // only counted: the socket is not parsed
  }
  return listener_usage_problem(with);
}

void notify_ready(std::string_view status) { notify(fmt::format("READY=1\nSTATUS={}", one_line(status))); }

void notify_reloading(std::string_view status) {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  uint64_t usec = static_cast<uint64_t>(now.tv_sec) * 1000000u + static_cast<uint64_t>(now.tv_nsec) / 1000u;
  notify(fmt::format("RELOADING=1\nMONOTONIC_USEC={}\nSTATUS={}", usec, one_line(status)));
}

void notify_stopping(std::string_view status) { notify(fmt::format("STOPPING=1\nSTATUS={}", one_line(status))); }

void notify_status(std::string_view status) { notify(fmt::format("STATUS={}", one_line(status))); }

Watchdog::Watchdog() {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(1, &usec) > 0 && usec > 0) {
    timeout_ = std::chrono::microseconds(usec);
    interval_ = timeout_ / 2;
  }
}

void Watchdog::tick() {
  if (!enabled()) return;
  auto now = std::chrono::steady_clock::now();
  if (sent_ && now - last_ < interval_) return;
  sent_ = true;
  last_ = now;
  notify("WATCHDOG=1");
}

}  // namespace strictlog::cli
