// One accepted TCP connection: reads the stream, frames it (FrameDecoder), hands each read's messages to the
// queue as one batch, and pauses while the queue refuses it. Internal to listen/; see listen/receiver.h for
// the contract (backpressure, idle timeout, drain at shutdown).
//
// States, all on the network thread:
//   reading  - a wait for readability is pending, and the idle (or drain) timer runs;
//   paused   - the batch was refused: no wait, no timer, listed in Context::paused until resume() succeeds;
//   ended    - the stream is over (peer closed, error, bad octet count, timeout): the socket is closed, the
//              decoder finished; once the last batch is in the queue the connection is removed.
// A queue closed by its consumer ends every state: the connection is abandoned.
#pragma once

#include <asio.hpp>

#include <cstdint>
#include <memory>

#include "ingest/framing.h"
#include "listen/internal/context.h"
#include "pipeline/normalizer.h"

namespace strictlog::listen_internal {

class TcpConnection : public std::enable_shared_from_this<TcpConnection> {
 public:
  TcpConnection(Context& cx, ListenerSlot& slot, asio::ip::tcp::socket socket, InputSource input);
  TcpConnection(const TcpConnection&) = delete;
  TcpConnection& operator=(const TcpConnection&) = delete;

  // Begins reading. The connection is already in Context::connections.
  void start();
  // stop() was handled: from now on the drain timeout applies (a paused connection keeps waiting for room).
  void drain();
  // Paused, and first in Context::paused: pushes the batch again. False: refused again, still paused. True
  // also when the queue is closed (the connection is abandoned).
  bool resume();
  // The queue is closed, nothing can be delivered any more: drops the batch read (not counted in `messages`)
  // and closes the connection at once, so the sender keeps what it did not send.
  void abandon();

 private:
  void wait_readable();
  void on_readable(std::error_code ec);
  void on_frame(const Frame& frame);
  void end();
  void deliver();
  void proceed();
  bool push();
  void arm_timer();
  void close();
  void refresh_input();

  Context& cx_;
  ListenerSlot& slot_;
  asio::ip::tcp::socket socket_;
  asio::steady_timer timer_;
  uint64_t timer_generation_ = 0;  // a timer handler of an older generation was superseded: it does nothing
  std::shared_ptr<const InputSource> input_;  // replaced when the second changes (reference_time)
  FrameDecoder decoder_;
  ReceivedBatch pending_;  // the frames of the last read, until the queue takes them
  bool paused_ = false;
  bool ended_ = false;
  bool closed_ = false;
};

}  // namespace strictlog::listen_internal
