// Test helpers for listen/: plain POSIX client sockets on loopback, and a reader of the MessageQueue that
// renders each message as one line of text. Every wait is bounded.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "listen/message_queue.h"
#include "listen/receiver.h"

namespace strictlog::testing {

using namespace std::chrono_literals;

inline int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// A socket address for `host` (IPv4 or IPv6 text) and `port`.
struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t size = 0;
  int family() const { return storage.ss_family; }
};

inline SocketAddress socket_address(const std::string& host, uint16_t port) {
  SocketAddress a;
  if (host.find(':') != std::string::npos) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    REQUIRE(inet_pton(AF_INET6, host.c_str(), &in6->sin6_addr) == 1);
    a.size = sizeof(sockaddr_in6);
  } else {
    auto* in = reinterpret_cast<sockaddr_in*>(&a.storage);
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    REQUIRE(inet_pton(AF_INET, host.c_str(), &in->sin_addr) == 1);
    a.size = sizeof(sockaddr_in);
  }
  return a;
}

// A file descriptor closed on destruction.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    reset();
    fd_ = std::exchange(other.fd_, -1);
    return *this;
  }
  ~Fd() { reset(); }
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// The `host:port` a peer sees for this socket: `127.0.0.1:40122`, `[::1]:40122`.
inline std::string local_name(int fd) {
  sockaddr_storage s{};
  socklen_t size = sizeof(s);
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&s), &size) == 0);
  char text[INET6_ADDRSTRLEN] = {};
  if (s.ss_family == AF_INET6) {
    auto& in6 = reinterpret_cast<sockaddr_in6&>(s);
    inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof(text));
    return fmt::format("[{}]:{}", text, ntohs(in6.sin6_port));
  }
  auto& in = reinterpret_cast<sockaddr_in&>(s);
  inet_ntop(AF_INET, &in.sin_addr, text, sizeof(text));
  return fmt::format("{}:{}", text, ntohs(in.sin_port));
}

// The name a UDP listener gives a datagram sent from the unconnected socket `fd` to `host` (a loopback
// address): getsockname() shows the wildcard address there.
inline std::string udp_peer_name(int fd, const std::string& host) {
  std::string local = local_name(fd);
  std::string port = local.substr(local.rfind(':') + 1);
  return host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port) : fmt::format("{}:{}", host, port);
}

// A connected, blocking TCP client.
inline Fd connect_tcp(const ListenAddress& address) {
  SocketAddress a = socket_address(address.host, address.port);
  Fd fd(socket(a.family(), SOCK_STREAM, 0));
  REQUIRE(fd.get() >= 0);
  REQUIRE(connect(fd.get(), reinterpret_cast<const sockaddr*>(&a.storage), a.size) == 0);
  return fd;
}

inline void send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    REQUIRE(n > 0);
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

// What a read on the client sees within `timeout`: "open" (nothing to read), "closed" (read returned 0),
// "reset" (ECONNRESET), or the bytes the server sent.
inline std::string peer_state(int fd, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  int ready = poll(&p, 1, static_cast<int>(timeout.count()));
  if (ready == 0) return "open";
  char buf[256];
  ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
  if (n == 0) return "closed";
  if (n < 0) return errno == ECONNRESET ? "reset" : fmt::format("error {}", std::strerror(errno));
  return std::string(buf, static_cast<size_t>(n));
}

inline Fd udp_socket(int family) {
  Fd fd(socket(family, SOCK_DGRAM, 0));
  REQUIRE(fd.get() >= 0);
  return fd;
}

inline void send_datagram(int fd, const SocketAddress& to, std::string_view bytes) {
  ssize_t n = sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<const sockaddr*>(&to.storage), to.size);
  REQUIRE(n == static_cast<ssize_t>(bytes.size()));
}

// Polls `condition` every few milliseconds until it holds or `timeout` passes; returns whether it held.
template <typename Condition>
bool eventually(Condition condition, std::chrono::milliseconds timeout = 5000ms) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

// One message as the pipeline would see it, rendered as text so that whole receptions compare as vectors:
//   `#2 @3+5 "hello"`, `#1 @3+5 "hello" | connection closed after 5 of 12 bytes of an octet-counted message`,
//   `#4 @30+13 "0123456789" OVERSIZE`. Bytes are escaped (\n, \r, \xNN).
struct Received {
  std::string text;
  std::shared_ptr<const InputSource> input;
};

inline std::string escape(std::string_view bytes) {
  std::string shown;
  for (char c : bytes) {
    auto u = static_cast<unsigned char>(c);
    if (c == '\n') {
      shown += "\\n";
    } else if (c == '\r') {
      shown += "\\r";
    } else if (u < 0x20 || u > 0x7E) {
      shown += fmt::format("\\x{:02X}", u);
    } else {
      shown += c;
    }
  }
  return shown;
}

inline void append_batch(const ReceivedBatch& batch, std::vector<Received>* out) {
  for (size_t i = 0; i < batch.messages.size(); ++i) {
    Line line = batch.line(i);
    std::string text = fmt::format("#{} @{}+{} \"{}\"", line.number, line.offset, line.length, escape(line.bytes));
    if (line.oversize) text += " OVERSIZE";
    if (!line.framing_detail.empty()) text += fmt::format(" | {}", line.framing_detail);
    out->push_back(Received{std::move(text), batch.input(i)});
  }
}

// Pops until `count` messages have come or `timeout` passes.
inline std::vector<Received> pop_messages(MessageQueue& queue, size_t count,
                                          std::chrono::milliseconds timeout = 5000ms) {
  std::vector<Received> out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (out.size() < count && std::chrono::steady_clock::now() < deadline) {
    if (auto batch = queue.pop(deadline)) append_batch(*batch, &out);
  }
  return out;
}

// Pops until the queue is closed and empty (the receiver stopped) or `timeout` passes.
inline std::vector<Received> pop_until_closed(MessageQueue& queue, std::chrono::milliseconds timeout = 5000ms) {
  std::vector<Received> out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!queue.closed_and_empty() && std::chrono::steady_clock::now() < deadline) {
    if (auto batch = queue.pop(deadline)) append_batch(*batch, &out);
  }
  return out;
}

inline std::vector<std::string> texts(const std::vector<Received>& received) {
  std::vector<std::string> out;
  for (const Received& r : received) out.push_back(r.text);
  return out;
}

inline std::unique_ptr<Receiver> open_receiver(const std::vector<ListenAddress>& addresses, ReceiverLimits limits,
                                               MessageQueue& queue) {
  auto opened = Receiver::open(addresses, limits, queue);
  if (!opened.ok()) FAIL(render(opened.errors()));
  return std::move(opened).value();
}

inline ListenAddress tcp_loopback() { return ListenAddress{ListenAddress::Protocol::kTcp, "127.0.0.1", 0}; }
inline ListenAddress udp_loopback() { return ListenAddress{ListenAddress::Protocol::kUdp, "127.0.0.1", 0}; }

// Stops the receiver, pops what is left until the queue closes, and joins the network thread.
inline std::vector<Received> stop_and_drain(Receiver& receiver, MessageQueue& queue,
                                            std::chrono::milliseconds timeout = 5000ms) {
  receiver.stop();
  std::vector<Received> rest = pop_until_closed(queue, timeout);
  REQUIRE(queue.closed_and_empty());
  receiver.join();
  return rest;
}

}  // namespace strictlog::testing
