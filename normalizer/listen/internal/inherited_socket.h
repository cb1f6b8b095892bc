// Sockets handed to the receiver open and bound (ListenAddress::fd, systemd socket activation): what must be
// true of one before a listener adopts it, and its address family. Internal to listen/; the check itself is
// public (inherited_socket_problem() in listen/receiver.h), so that a caller who knows more about the socket can
// say so in its own words first.
#pragma once

#include <asio.hpp>

#include <string>
#include <system_error>

#include "listen/receiver.h"

namespace strictlog::listen_internal {

// `cannot adopt socket 3 as udp`: the start of an error about an inherited socket, which has no address to
// name until adopted.
std::string adopting(const ListenAddress& address);

// The socket's address family as Asio's protocol (AF_INET or AF_INET6; inherited_socket_problem() refused any
// other), for assign().
asio::ip::tcp inherited_tcp_protocol(int fd, std::error_code& ec);
asio::ip::udp inherited_udp_protocol(int fd, std::error_code& ec);

// `address` with host and port read back from the adopted socket's local endpoint.
template <typename Socket>
ListenAddress inherited_bound(const ListenAddress& address, const Socket& socket, std::error_code& ec) {
  ListenAddress bound = address;
  auto local = socket.local_endpoint(ec);
  if (ec) return bound;
  bound.host = local.address().to_string();
  bound.port = local.port();
  return bound;
}

}  // namespace strictlog::listen_internal
