#include "listen/internal/tcp_listener.h"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <utility>

#include "listen/internal/inherited_socket.h"
#include "listen/internal/connection.h"
#include "listen/internal/tls_connection.h"

namespace strictlog::listen_internal {

std::unique_ptr<TcpListener> TcpListener::open(Context& cx, ListenerSlot& slot, const ListenAddress& address,
                                               std::error_code& ec) {
  if (address.fd >= 0) {
    // Inherited (systemd socket activation): listening already, its options the service manager's.
    asio::ip::tcp::acceptor acceptor(cx.io);
    asio::ip::tcp protocol = inherited_tcp_protocol(address.fd, ec);
    if (!ec) acceptor.assign(protocol, address.fd, ec);
    if (ec) {
      ::close(address.fd);  // not adopted, but owned all the same (listen/receiver.h)
      return nullptr;
    }
    ListenAddress bound = inherited_bound(address, acceptor, ec);
    if (ec) return nullptr;
    return std::unique_ptr<TcpListener>(new TcpListener(cx, slot, std::move(acceptor), std::move(bound)));
  }
  asio::ip::address ip = asio::ip::make_address(address.host, ec);
  if (ec) return nullptr;
  asio::ip::tcp::endpoint endpoint(ip, address.port);
  asio::ip::tcp::acceptor acceptor(cx.io);
  acceptor.open(endpoint.protocol(), ec);
  if (ec) return nullptr;
  acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (ec) return nullptr;
  // `[::]` means IPv6 only, so that `0.0.0.0:514` and `[::]:514` can both be bound, as written.
  if (ip.is_v6()) acceptor.set_option(asio::ip::v6_only(true), ec);
  if (ec) return nullptr;
  acceptor.bind(endpoint, ec);
  if (ec) return nullptr;
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return nullptr;
  ListenAddress bound = address;
  bound.port = acceptor.local_endpoint(ec).port();
  if (ec) return nullptr;
  return std::unique_ptr<TcpListener>(new TcpListener(cx, slot, std::move(acceptor), std::move(bound)));
}

TcpListener::TcpListener(Context& cx, ListenerSlot& slot, asio::ip::tcp::acceptor acceptor, ListenAddress bound)
    : cx_(cx), slot_(slot), acceptor_(std::move(acceptor)), retry_(cx.io), bound_(std::move(bound)),
      name_(to_string(bound_)) {}

// Connections the kernel completed but nobody accepted yet are taken before the acceptor closes: closing it
// would reset them, and a client that connected, wrote and went away (logger) would lose what it wrote.
void TcpListener::stop() {
  std::error_code ec;
  acceptor_.non_blocking(true, ec);
  while (!ec && acceptor_.is_open()) {
    asio::ip::tcp::socket socket(cx_.io);
    acceptor_.accept(socket, ec);
    if (!ec) take(std::move(socket));
  }
  std::error_code ignored;
  acceptor_.close(ignored);
  retry_.cancel();
}

void TcpListener::accept() {
  // Counted until its handler runs: Asio may have accepted a connection already (it tries at once), and the
  // receiver must not count itself drained before that connection is taken.
  ++cx_.pending_accepts;
  acceptor_.async_accept([this](std::error_code ec, asio::ip::tcp::socket socket) {
    --cx_.pending_accepts;
    if (!acceptor_.is_open()) {
      // Closed by stop(); a connection accepted just before is still read, unless the queue is closed.
      if (!ec) take(std::move(socket));
      cx_.end_if_drained();
      return;
    }
    if (ec) {
      retry_.expires_after(std::chrono::milliseconds(100));
      retry_.async_wait([this](std::error_code wait_ec) {
        if (!wait_ec && acceptor_.is_open()) accept();
      });
      return;
    }
    take(std::move(socket));
    accept();
  });
}

void TcpListener::take(asio::ip::tcp::socket socket) {
  std::error_code ec;
  if (cx_.ended) {
    socket.close(ec);
    return;
  }
  if (cx_.connections.size() >= cx_.limits.max_connections) {
    slot_.update([](ListenerStats& s) { ++s.connections_refused; });  // first: counted once the peer sees it
    asio::ip::tcp::endpoint peer = socket.remote_endpoint(ec);
    std::string who = ec ? "" : peer_name(peer.address(), peer.port());
    socket.close(ec);
    cx_.report(ListenerEvent{ListenerEvent::Kind::kConnectionRefused, name_, std::move(who),
                             fmt::format("the maximum of {} open connections is reached", cx_.limits.max_connections)});
    return;
  }
  asio::ip::tcp::endpoint peer = socket.remote_endpoint(ec);
  if (ec) return;  // gone already (reset before it was accepted): nothing was received
  InputSource input{name_, peer_name(peer.address(), peer.port()),
                    fmt::format("{}.{}", cx_.start, ++cx_.connections_started), unix_seconds(), false};
  std::shared_ptr<Connection> connection;
  if (tls_ != nullptr) {
    connection =
        std::make_shared<TlsConnection>(cx_, slot_, *tls_, std::move(socket), std::move(input), peer.address());
  } else {
    connection = std::make_shared<TcpConnection>(cx_, slot_, std::move(socket), std::move(input), peer.address());
  }
  cx_.connections.insert(connection);
  slot_.update([](ListenerStats& s) {
    ++s.connections_accepted;
    ++s.connections_open;
  });
  connection->start();
  if (cx_.stopping) connection->drain();
}

}  // namespace strictlog::listen_internal
