// One accepted TLS connection (RFC 5425): the TLS handshake, bounded by TlsSettings::handshake_timeout (and
// after stop() by the drain deadline), then a Connection reading the decrypted stream. Internal to listen/.
//
// The handshake is asynchronous on the network thread. Its failure is counted (tls_handshake_failures),
// reported (ListenerEvent::kTlsHandshakeFailed) and closes this connection only. Reads after it are
// non-blocking: each takes what the socket and OpenSSL hold, up to the shared buffer; when the buffer filled
// up, the stream may hold more, and the next read is posted rather than waited for, since the socket may
// never become readable again for bytes OpenSSL already took from it.
#pragma once

#include <asio.hpp>
#include <asio/ssl.hpp>

#include <chrono>
#include <string>

#include "listen/internal/connection.h"
#include "listen/internal/tls_server.h"

namespace strictlog::listen_internal {

class TlsConnection final : public Connection {
 public:
  TlsConnection(Context& cx, ListenerSlot& slot, TlsServer& server, asio::ip::tcp::socket socket, InputSource input,
                const asio::ip::address& peer);
  void start() override;

 private:
  void drain_opening() override;
  void arm_handshake_timer();
  void on_handshake(std::error_code ec);
  void fail(std::string reason);

  void wait_readable() override;
  size_t read(asio::mutable_buffer buffer, std::error_code& ec) override;
  bool has_unread() override;
  void close_stream() override;

  TlsServer& server_;
  asio::ssl::stream<asio::ip::tcp::socket> stream_;
  asio::steady_timer handshake_timer_;
  std::chrono::steady_clock::time_point handshake_deadline_;
  std::string refusal_;    // set by TlsServer's verify callback when the allow-list refuses the certificate
  bool handshaken_ = false;
  bool buffered_ = false;  // the last read filled the buffer: the stream may hold more
};

}  // namespace strictlog::listen_internal
