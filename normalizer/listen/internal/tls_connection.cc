#include "listen/internal/tls_connection.h"

#include <fmt/format.h>

#include <utility>

namespace strictlog::listen_internal {

TlsConnection::TlsConnection(Context& cx, ListenerSlot& slot, TlsServer& server, asio::ip::tcp::socket socket,
                             InputSource input, const asio::ip::address& peer)
    : Connection(cx, slot, std::move(input), peer),
      server_(server),
      stream_(std::move(socket), server.context()),
      handshake_timer_(cx.io) {}

void TlsConnection::start() {
  TlsServer::set_refusal_slot(stream_.native_handle(), &refusal_);
  handshake_deadline_ = std::chrono::steady_clock::now() + server_.settings().handshake_timeout;
  arm_handshake_timer();
  auto self = std::static_pointer_cast<TlsConnection>(shared_from_this());
  stream_.async_handshake(asio::ssl::stream_base::server, [self](std::error_code ec) { self->on_handshake(ec); });
}

void TlsConnection::drain_opening() { arm_handshake_timer(); }

// The handshake's own deadline, or after stop() the drain deadline when that comes first: a close there is the
// shutdown, not a failure.
void TlsConnection::arm_handshake_timer() {
  auto deadline = handshake_deadline_;
  bool by_drain = stopping() && drain_deadline() < deadline;
  if (by_drain) deadline = drain_deadline();
  handshake_timer_.expires_at(deadline);
  auto self = std::static_pointer_cast<TlsConnection>(shared_from_this());
  handshake_timer_.async_wait([self, by_drain](std::error_code ec) {
    if (ec || self->ended() || self->handshaken_) return;
    if (by_drain) {
      self->end_unread();
      return;
    }
    double seconds = std::chrono::duration<double>(self->server_.settings().handshake_timeout).count();
    self->fail(fmt::format("no TLS handshake within {} s", seconds));
  });
}

void TlsConnection::on_handshake(std::error_code ec) {
  if (ended()) return;  // timed out, cut by the drain deadline, or abandoned: the socket was closed
  handshake_timer_.cancel();
  if (ec) {
    fail(!refusal_.empty() ? refusal_ : TlsServer::failure_reason(stream_.native_handle(), ec));
    return;
  }
  std::error_code nb;
  stream_.lowest_layer().non_blocking(true, nb);  // reads happen when the socket is readable; never block
  if (nb) {
    end_unread();
    return;
  }
  handshaken_ = true;  // after non_blocking: close_stream()'s shutdown must not block
  begin_reading();
}

void TlsConnection::fail(std::string reason) {
  slot_.update([](ListenerStats& s) { ++s.tls_handshake_failures; });
  cx_.report(ListenerEvent{ListenerEvent::Kind::kTlsHandshakeFailed, input_->name, input_->peer, std::move(reason)});
  end_unread();
}

void TlsConnection::wait_readable() {
  auto self = std::static_pointer_cast<TlsConnection>(shared_from_this());
  if (buffered_) {
    asio::post(cx_.io, [self] { self->on_readable({}); });
    return;
  }
  stream_.lowest_layer().async_wait(asio::ip::tcp::socket::wait_read,
                                    [self](std::error_code ec) { self->on_readable(ec); });
}

// Reads records until the buffer is full or nothing is left (would_block). Bytes read before an error are
// returned with it: the caller frames them, then ends the stream.
size_t TlsConnection::read(asio::mutable_buffer buffer, std::error_code& ec) {
  auto* data = static_cast<char*>(buffer.data());
  size_t total = 0;
  buffered_ = false;
  while (total < buffer.size()) {
    std::error_code read_ec;
    size_t n = stream_.read_some(asio::buffer(data + total, buffer.size() - total), read_ec);
    total += n;
    if (n == 0 && !read_ec) read_ec = asio::error::would_block;  // not expected; never loop on it
    if (read_ec) {
      bool nothing_left = read_ec == asio::error::would_block || read_ec == asio::error::try_again;
      if (!nothing_left || total == 0) ec = read_ec;
      return total;
    }
  }
  buffered_ = true;
  return total;
}

bool TlsConnection::has_unread() {
  std::error_code ec;
  return buffered_ || (stream_.lowest_layer().available(ec) > 0 && !ec);
}

// After a handshake, a close_notify goes first (one small write, which a socket whose sending side the server
// never used takes at once; the peer's own close_notify is not waited for): a client that shuts TLS down both
// ways (Python's unwrap(), `openssl s_client`) sees a clean end rather than a truncated stream.
void TlsConnection::close_stream() {
  handshake_timer_.cancel();
  std::error_code ignored;
  if (handshaken_ && stream_.lowest_layer().is_open()) stream_.shutdown(ignored);
  stream_.lowest_layer().close(ignored);
}

}  // namespace strictlog::listen_internal
