#include "listen/internal/inherited_socket.h"

#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace strictlog {
namespace {

std::string type_name(int type) {
  switch (type) {
    case SOCK_STREAM: return "stream";
    case SOCK_DGRAM: return "datagram";
    case SOCK_SEQPACKET: return "seqpacket";
    case SOCK_RAW: return "raw";
    default: return fmt::format("type {}", type);
  }
}

int family_of(int fd, std::error_code& ec) {
  int domain = 0;
  socklen_t size = sizeof(domain);
  if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &size) != 0) ec = std::error_code(errno, std::system_category());
  return domain;
}

}  // namespace

std::string inherited_socket_problem(int fd, ListenAddress::Protocol protocol) {
  int type = 0;
  socklen_t size = sizeof(type);
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &size) != 0) {
    if (errno == EBADF) return "is not an open file descriptor";
    if (errno == ENOTSOCK) return "is not a socket";
    return fmt::format("cannot be inspected: {}", std::strerror(errno));
  }
  std::error_code ec;
  int family = family_of(fd, ec);
  if (ec) return fmt::format("cannot be inspected: {}", ec.message());
  if (family != AF_INET && family != AF_INET6) {
    return family == AF_UNIX ? "is a unix socket, not IPv4 or IPv6" : "is not an IPv4 or IPv6 socket";
  }
  const int wanted = protocol == ListenAddress::Protocol::kUdp ? SOCK_DGRAM : SOCK_STREAM;
  if (type != wanted) return fmt::format("is a {} socket, not {}", type_name(type), type_name(wanted));
  if (wanted == SOCK_STREAM) {
    // A connection (systemd's Accept=yes) is a stream socket too, but nothing can be accepted from it.
    int listening = 0;
    size = sizeof(listening);
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) != 0) {
      return fmt::format("cannot be inspected: {}", std::strerror(errno));
    }
    if (listening == 0) return "is a stream socket that is not listening";
    return "";
  }
  // An unbound datagram socket would get an ephemeral port at its first read: nobody would send there.
  sockaddr_storage local{};
  socklen_t length = sizeof(local);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) != 0) {
    return fmt::format("cannot be inspected: {}", std::strerror(errno));
  }
  uint16_t port = family == AF_INET ? reinterpret_cast<const sockaddr_in&>(local).sin_port
                                    : reinterpret_cast<const sockaddr_in6&>(local).sin6_port;
  if (port == 0) return "is a datagram socket that is not bound";
  return "";
}

namespace listen_internal {

std::string adopting(const ListenAddress& address) {
  std::string url = to_string(address);  // its scheme names the protocol: `udp://...`
  return fmt::format("cannot adopt socket {} as {}", address.fd, url.substr(0, url.find(':')));
}

asio::ip::tcp inherited_tcp_protocol(int fd, std::error_code& ec) {
  return family_of(fd, ec) == AF_INET6 ? asio::ip::tcp::v6() : asio::ip::tcp::v4();
}

asio::ip::udp inherited_udp_protocol(int fd, std::error_code& ec) {
  return family_of(fd, ec) == AF_INET6 ? asio::ip::udp::v6() : asio::ip::udp::v4();
}

}  // namespace listen_internal
}  // namespace strictlog
