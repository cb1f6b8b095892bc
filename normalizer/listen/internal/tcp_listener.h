// One TCP or TLS listening socket: accepts connections, refuses those over max_connections, and starts a
// TcpConnection, or with serve_tls() a TlsConnection, for each other one. Internal to listen/.
#pragma once

#include <asio.hpp>

#include <memory>
#include <string>

#include "listen/internal/context.h"
#include "listen/internal/tls_server.h"

namespace strictlog::listen_internal {

class TcpListener {
 public:
  // Binds and listens (reuse_address: a restarted daemon gets its port back at once), or adopts address.fd,
  // which inherited_socket_problem() found listening. Error: why not.
  static std::unique_ptr<TcpListener> open(Context& cx, ListenerSlot& slot, const ListenAddress& address,
                                           std::error_code& ec);

  ListenAddress bound() const { return bound_; }
  // Its connections are TLS ones with `server` (which outlives the listener), before start().
  void serve_tls(TlsServer& server) { tls_ = &server; }
  void start() { accept(); }
  // No new connection from now on; the open ones are not this object's.
  void stop();

 private:
  TcpListener(Context& cx, ListenerSlot& slot, asio::ip::tcp::acceptor acceptor, ListenAddress bound);
  void accept();
  void take(asio::ip::tcp::socket socket);

  Context& cx_;
  ListenerSlot& slot_;
  asio::ip::tcp::acceptor acceptor_;
  asio::steady_timer retry_;  // after a failed accept (out of descriptors): wait instead of spinning
  ListenAddress bound_;
  std::string name_;  // InputSource.name
  TlsServer* tls_ = nullptr;
};

}  // namespace strictlog::listen_internal
