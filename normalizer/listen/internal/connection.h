// One accepted stream connection, TCP or TLS: reads the stream, frames it (FrameDecoder), hands each read's
// messages to the queue as one batch, and pauses while the queue refuses it or while its peer is over the
// rate limit. Internal to listen/; see listen/receiver.h for the contract (backpressure, idle timeout, rate
// limit, drain at shutdown).
//
// Connection holds everything a stream's reading needs; a subclass supplies the bytes (TcpConnection here, a
// socket; TlsConnection in tls_connection.h, TLS over one, after its handshake).
//
// States, all on the network thread:
//   opening      - before reading: TLS runs its handshake (a TCP connection reads at once);
//   reading      - a wait for readability is pending (or a read is posted), and the idle (or drain) timer runs;
//   paused       - the batch was refused: no wait, no timer, listed in Context::paused until resume() succeeds;
//   rate-paused  - the peer is over the rate limit: no wait; the timer fires when the bucket has a token again;
//   ended        - the stream is over (peer closed, error, bad octet count, timeout): the socket is closed, the
//                  decoder finished; once the last batch is in the queue the connection is removed.
// A queue closed by its consumer ends every state: the connection is abandoned.
#pragma once

#include <asio.hpp>

#include <cstdint>
#include <memory>

#include "ingest/framing.h"
#include "listen/internal/context.h"
#include "listen/internal/rate_limiter.h"
#include "pipeline/normalizer.h"

namespace strictlog::listen_internal {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Context& cx, ListenerSlot& slot, InputSource input, const asio::ip::address& peer);
  virtual ~Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Begins: opens the stream (TLS: the handshake), then reads. The connection is already in
  // Context::connections.
  virtual void start() = 0;
  // stop() was handled: from now on the drain timeout applies (a paused connection keeps waiting for room;
  // a rate-paused one reads again at once, the limit being off).
  void drain();
  // Paused, and first in Context::paused: pushes the batch again. False: refused again, still paused. True
  // also when the queue is closed (the connection is abandoned).
  bool resume();
  // The queue is closed, nothing can be delivered any more: drops the batch read (not counted in `messages`)
  // and closes the connection at once, so the sender keeps what it did not send.
  void abandon();

 protected:
  // For the subclass: the stream is open and the first read may begin.
  void begin_reading();
  // The stream ended before it was read (a failed TLS handshake): closes, nothing to deliver.
  void end_unread();
  // Called by the subclass's wait with its outcome; reads then.
  void on_readable(std::error_code ec);
  bool ended() const { return ended_; }
  bool stopping() const { return cx_.stopping; }
  // A wait of the subclass's for the first read (the handshake) should end by this time after stop().
  std::chrono::steady_clock::time_point drain_deadline() const { return cx_.drain_deadline; }
  // stop() was handled while the stream is still opening: the subclass bounds its opening by the drain deadline.
  virtual void drain_opening() {}

  Context& cx_;
  ListenerSlot& slot_;
  std::shared_ptr<const InputSource> input_;  // replaced when the second changes (reference_time)

 private:
  // The subclass's stream. wait_readable: calls on_readable() once the stream may have bytes (at once when
  // it holds decrypted ones). read: non-blocking, would_block when there is nothing. available: bytes
  // received and not read yet (idle check). close_stream: closes the socket; a pending wait completes.
  virtual void wait_readable() = 0;
  virtual size_t read(asio::mutable_buffer buffer, std::error_code& ec) = 0;
  virtual bool has_unread() = 0;
  virtual void close_stream() = 0;

  void on_frame(const Frame& frame);
  void end();
  void deliver();
  void proceed();
  bool push();
  void arm_timer();
  void rate_pause(std::chrono::steady_clock::duration wait);
  void close();
  void refresh_input();

  asio::steady_timer timer_;
  uint64_t timer_generation_ = 0;  // a timer handler of an older generation was superseded: it does nothing
  FrameDecoder decoder_;
  ReceivedBatch pending_;  // the frames of the last read, until the queue takes them
  std::shared_ptr<RateLimiter::Peer> peer_;  // the peer's bucket when the rate limit is on
  bool reading_ = false;  // begin_reading() was called
  bool paused_ = false;
  bool rate_paused_ = false;
  bool ended_ = false;
  bool closed_ = false;
};

// A plain TCP connection (RFC 6587).
class TcpConnection final : public Connection {
 public:
  TcpConnection(Context& cx, ListenerSlot& slot, asio::ip::tcp::socket socket, InputSource input,
                const asio::ip::address& peer);
  void start() override;

 private:
  void wait_readable() override;
  size_t read(asio::mutable_buffer buffer, std::error_code& ec) override;
  bool has_unread() override;
  void close_stream() override;

  asio::ip::tcp::socket socket_;
};

}  // namespace strictlog::listen_internal
