#include "listen/internal/udp_listener.h"

#include <fmt/format.h>
#include <linux/sock_diag.h>  // SK_MEMINFO_DROPS
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <string_view>
#include <utility>

#include "listen/internal/inherited_socket.h"

namespace strictlog::listen_internal {
namespace {

constexpr size_t kDatagramsPerWakeup = 256;  // then other sockets get their turn
constexpr size_t kWakeupsAtStop = 4096;      // stop() reads at most this many rounds (1 M datagrams): a flood cannot hold it
constexpr size_t kMaxPeers = 1024;

// The socket's cumulative drop count (sk_drops) now. SO_RXQ_OVFL only reports it with a datagram that
// arrives after a drop, so drops while the queue stays full show here first. 0 when unsupported.
uint32_t kernel_drop_count(int fd) {
  uint32_t meminfo[SK_MEMINFO_VARS] = {};
  socklen_t size = sizeof(meminfo);
  if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, meminfo, &size) != 0 || size <= SK_MEMINFO_DROPS * sizeof(uint32_t))
    return 0;
  return meminfo[SK_MEMINFO_DROPS];
}

// The sender's IP address; none for another family (not expected on an IP socket).
std::optional<asio::ip::address> peer_address(const sockaddr_storage& peer) {
  if (peer.ss_family == AF_INET) {
    asio::ip::address_v4::bytes_type bytes;
    std::memcpy(bytes.data(), &reinterpret_cast<const sockaddr_in&>(peer).sin_addr, bytes.size());
    return asio::ip::address_v4(bytes);
  }
  if (peer.ss_family == AF_INET6) {
    asio::ip::address_v6::bytes_type bytes;
    std::memcpy(bytes.data(), &reinterpret_cast<const sockaddr_in6&>(peer).sin6_addr, bytes.size());
    return asio::ip::address_v6(bytes);
  }
  return std::nullopt;
}

std::string peer_text(const sockaddr_storage& peer) {
  if (peer.ss_family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(peer);
    asio::ip::address_v4::bytes_type bytes;
    std::memcpy(bytes.data(), &in.sin_addr, bytes.size());
    return peer_name(asio::ip::address_v4(bytes), ntohs(in.sin_port));
  }
  if (peer.ss_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(peer);
    asio::ip::address_v6::bytes_type bytes;
    std::memcpy(bytes.data(), &in6.sin6_addr, bytes.size());
    return peer_name(asio::ip::address_v6(bytes, in6.sin6_scope_id), ntohs(in6.sin6_port));
  }
  return "";
}

}  // namespace

std::unique_ptr<UdpListener> UdpListener::open(Context& cx, ListenerSlot& slot, const ListenAddress& address,
                                               std::error_code& ec) {
  asio::ip::udp::socket socket(cx.io);
  asio::ip::udp::endpoint endpoint;
  if (address.fd >= 0) {
    // Inherited (systemd socket activation): bound already; the options below are set on it all the same.
    asio::ip::udp protocol = inherited_udp_protocol(address.fd, ec);
    if (!ec) socket.assign(protocol, address.fd, ec);
    if (ec) {
      ::close(address.fd);  // not adopted, but owned all the same (listen/receiver.h)
      return nullptr;
    }
  } else {
    asio::ip::address ip = asio::ip::make_address(address.host, ec);
    if (ec) return nullptr;
    endpoint = asio::ip::udp::endpoint(ip, address.port);
    socket.open(endpoint.protocol(), ec);
    if (ec) return nullptr;
  }
  int on = 1;
  if (setsockopt(socket.native_handle(), SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof(on)) != 0) {
    ec = std::error_code(errno, std::system_category());
    return nullptr;
  }
  if (cx.limits.udp_receive_buffer != 0) {
    socket.set_option(asio::socket_base::receive_buffer_size(static_cast<int>(cx.limits.udp_receive_buffer)), ec);
    if (ec) return nullptr;
  }
  if (address.fd >= 0) {
    ListenAddress bound = inherited_bound(address, socket, ec);
    if (ec) return nullptr;
    return std::unique_ptr<UdpListener>(new UdpListener(cx, slot, std::move(socket), std::move(bound)));
  }
  socket.bind(endpoint, ec);
  if (ec) return nullptr;
  ListenAddress bound = address;
  bound.port = socket.local_endpoint(ec).port();
  if (ec) return nullptr;
  return std::unique_ptr<UdpListener>(new UdpListener(cx, slot, std::move(socket), std::move(bound)));
}

UdpListener::UdpListener(Context& cx, ListenerSlot& slot, asio::ip::udp::socket socket, ListenAddress bound)
    : cx_(cx),
      slot_(slot),
      socket_(std::move(socket)),
      bound_(std::move(bound)),
      name_(to_string(bound_)),
      buffer_(std::max<size_t>(cx.limits.max_message + 2, 64 * 1024)) {}

void UdpListener::wait() {
  socket_.async_wait(asio::ip::udp::socket::wait_read, [this](std::error_code ec) {
    if (ec || !socket_.is_open()) return;  // closed by stop()
    receive(kDatagramsPerWakeup);
    wait();
  });
}

void UdpListener::stop() {
  if (!socket_.is_open()) return;
  for (size_t i = 0; i < kWakeupsAtStop && !receive(kDatagramsPerWakeup); ++i) {
  }
  std::error_code ignored;
  socket_.close(ignored);
}

bool UdpListener::receive(size_t limit) {
  if (connection_.empty()) connection_ = fmt::format("{}.0", cx_.start);
  ReceivedBatch batch;
  uint64_t bytes = 0;
  uint64_t rate_limited = 0;
  auto now = std::chrono::steady_clock::now();
  bool empty = false;
  for (size_t i = 0; i < limit; ++i) {
    sockaddr_storage peer{};
    iovec iov{buffer_.data(), buffer_.size()};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(uint32_t))];
    msghdr msg{};
    msg.msg_name = &peer;
    msg.msg_namelen = sizeof(peer);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    // MSG_TRUNC: the datagram's real length even past the buffer (only an IPv6 jumbogram can be).
    ssize_t got = recvmsg(socket_.native_handle(), &msg, MSG_DONTWAIT | MSG_TRUNC);
    if (got < 0) {
      if (errno == EINTR) continue;
      empty = errno == EAGAIN || errno == EWOULDBLOCK;
      break;  // another error (none is expected on an unconnected socket): the next wakeup tries again
    }
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
        uint32_t drops;
        std::memcpy(&drops, CMSG_DATA(c), sizeof(drops));
        kernel_drops_ = std::max(kernel_drops_, drops);
      }
    }
    auto real = static_cast<size_t>(got);
    size_t have = std::min(real, buffer_.size());
    std::string_view data(buffer_.data(), have);
    size_t length = real;
    if (have == real) {  // one trailing LF or CR LF is the sender's, not the message's
      if (data.ends_with("\r\n")) {
        length -= 2;
      } else if (data.ends_with('\n')) {
        length -= 1;
      }
    }
    if (cx_.limiter.enabled()) {
      auto from = peer_address(peer);
      if (from && !cx_.limiter.admit(*cx_.limiter.peer(*from, now), name_, now)) {
        ++rate_limited;  // read, numbered and counted in bytes, like a datagram the full queue refuses
        ++number_;
        offset_ += real;
        bytes += real;
        continue;
      }
    }
    size_t kept = std::min({length, have, cx_.limits.max_message});
    std::shared_ptr<const InputSource> input = input_for(peer, msg.msg_namelen);
    if (batch.inputs.empty() || batch.inputs.back() != input) batch.inputs.push_back(std::move(input));
    ReceivedMessage m;
    m.input = static_cast<uint32_t>(batch.inputs.size() - 1);
    m.start = static_cast<uint32_t>(batch.bytes.size());
    m.size = static_cast<uint32_t>(kept);
    batch.bytes.append(data.substr(0, kept));
    m.number = ++number_;
    m.offset = offset_;
    m.length = length;
    m.oversize = length > cx_.limits.max_message;
    batch.messages.push_back(m);
    offset_ += real;
    bytes += real;
  }
  kernel_drops_ = std::max(kernel_drops_, kernel_drop_count(socket_.native_handle()));
  uint64_t messages = batch.messages.size();
  bool pushed = messages != 0 && cx_.queue.try_push(&batch);
  slot_.update([&](ListenerStats& s) {
    s.bytes += bytes;
    s.udp_lost_rate_limit += rate_limited;
    (pushed ? s.messages : s.udp_lost_queue) += messages;  // never waited for: UDP cannot slow a sender
    s.udp_lost_kernel = kernel_drops_;
  });
  return empty;
}

std::shared_ptr<const InputSource> UdpListener::input_for(const sockaddr_storage& peer, socklen_t size) {
  int64_t now = unix_seconds();
  if (now != inputs_second_ || inputs_.size() >= kMaxPeers) {
    inputs_.clear();
    inputs_second_ = now;
  }
  std::string key(reinterpret_cast<const char*>(&peer), std::min<size_t>(size, sizeof(peer)));
  auto [it, inserted] = inputs_.try_emplace(std::move(key));
  if (inserted) it->second = std::make_shared<const InputSource>(InputSource{name_, peer_text(peer), connection_, now, false});
  return it->second;
}

}  // namespace strictlog::listen_internal
