#include "listen/internal/tcp_connection.h"

#include <string_view>
#include <utility>

namespace strictlog::listen_internal {

TcpConnection::TcpConnection(Context& cx, ListenerSlot& slot, asio::ip::tcp::socket socket, InputSource input)
    : cx_(cx),
      slot_(slot),
      socket_(std::move(socket)),
      timer_(cx.io),
      input_(std::make_shared<const InputSource>(std::move(input))),
      decoder_([this](const Frame& frame) { on_frame(frame); }, cx.limits.max_message) {}

void TcpConnection::start() {
  std::error_code ec;
  socket_.non_blocking(true, ec);  // reads happen when the socket is readable; never block the thread
  if (ec) {
    end();
    deliver();
    return;
  }
  wait_readable();
  arm_timer();
}

void TcpConnection::drain() {
  if (!paused_ && !ended_) arm_timer();
}

void TcpConnection::wait_readable() {
  socket_.async_wait(asio::ip::tcp::socket::wait_read,
                     [self = shared_from_this()](std::error_code ec) { self->on_readable(ec); });
}

void TcpConnection::on_readable(std::error_code ec) {
  if (ended_) return;  // a timeout closed the socket while the wait was pending
  size_t n = 0;
  if (!ec) n = socket_.read_some(asio::buffer(cx_.buffer), ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again || ec == asio::error::interrupted) {
    wait_readable();
    return;
  }
  if (ec) {  // end of stream, or a reset: what was received is delivered, a cut frame as FRAMING
    end();
    deliver();
    return;
  }
  slot_.update([n](ListenerStats& s) { s.bytes += n; });
  refresh_input();
  decoder_.push(std::string_view(cx_.buffer.data(), n));
  // After a bad octet count no later frame can be found: the rest is one error frame, so stop reading.
  if (decoder_.failed()) end();
  deliver();
}

void TcpConnection::on_frame(const Frame& frame) {
  if (pending_.inputs.empty() || pending_.inputs.back() != input_) pending_.inputs.push_back(input_);
  ReceivedMessage m;
  m.input = static_cast<uint32_t>(pending_.inputs.size() - 1);
  m.start = static_cast<uint32_t>(pending_.bytes.size());
  m.size = static_cast<uint32_t>(frame.bytes.size());
  pending_.bytes.append(frame.bytes);
  if (frame.error) {
    m.detail_start = static_cast<uint32_t>(pending_.bytes.size());
    m.detail_size = static_cast<uint32_t>(frame.error->detail.size());
    pending_.bytes.append(frame.error->detail);
  }
  m.number = frame.number;
  m.offset = frame.offset;
  m.length = frame.length;
  pending_.messages.push_back(m);
}

void TcpConnection::end() {
  ended_ = true;
  ++timer_generation_;
  timer_.cancel();
  std::error_code ignored;
  socket_.close(ignored);  // a pending wait completes with operation_aborted and finds ended_
  refresh_input();
  decoder_.finish();
}

// Hands the pending batch to the queue, or pauses. A connection queues behind those already paused, so the
// room freed for them is not taken by a connection that came later.
void TcpConnection::deliver() {
  if (!pending_.empty() && (!cx_.paused.empty() || !push())) {
    if (cx_.queue.closed()) {
      abandon();
      return;
    }
    paused_ = true;
    ++timer_generation_;
    timer_.cancel();  // a paused connection is never idle: the server is the one not reading
    cx_.paused.push_back(shared_from_this());
    return;
  }
  proceed();
}

bool TcpConnection::resume() {
  if (!push()) {
    if (!cx_.queue.closed()) return false;
    abandon();
    return true;
  }
  paused_ = false;
  proceed();
  return true;
}

void TcpConnection::proceed() {
  if (ended_) {
    close();
    return;
  }
  wait_readable();
  arm_timer();
}

bool TcpConnection::push() {
  uint64_t messages = pending_.messages.size();
  if (!cx_.queue.try_push(&pending_)) return false;
  slot_.update([messages](ListenerStats& s) { s.messages += messages; });
  return true;
}

// Restarts the idle timer (after a read, on resume), or, after stop(), sets the drain deadline: one instant
// for every connection, stop()'s time plus drain_timeout, so a sender that never stops cannot hold the
// shutdown. Idle closes are counted; a close at the deadline is not (it is the shutdown), unless the idle
// timeout comes first. An idle timer that finds bytes waiting is not idleness: the read is pending, and
// closing with unread bytes would reset the connection and lose what its sender already wrote.
void TcpConnection::arm_timer() {
  const ReceiverLimits& limits = cx_.limits;
  auto now = std::chrono::steady_clock::now();
  bool idle = limits.idle_timeout.count() != 0 && (!cx_.stopping || now + limits.idle_timeout < cx_.drain_deadline);
  uint64_t generation = ++timer_generation_;
  if (idle) {
    timer_.expires_after(limits.idle_timeout);
  } else if (cx_.stopping) {
    timer_.expires_at(cx_.drain_deadline);
  } else {
    timer_.cancel();
    return;
  }
  timer_.async_wait([self = shared_from_this(), generation, idle](std::error_code ec) {
    if (ec || generation != self->timer_generation_ || self->ended_ || self->paused_) return;
    if (idle) {
      std::error_code available_ec;
      if (self->socket_.available(available_ec) > 0 && !available_ec) {
        self->arm_timer();
        return;
      }
      self->slot_.update([](ListenerStats& s) { ++s.connections_idle_closed; });
    }
    self->end();
    self->deliver();
  });
}

void TcpConnection::abandon() {
  pending_.clear();
  paused_ = false;
  if (!ended_) {
    ended_ = true;
    ++timer_generation_;
    timer_.cancel();
    std::error_code ignored;
    socket_.close(ignored);  // without decoder_.finish(): its last frame would have nowhere to go
  }
  close();
}

void TcpConnection::close() {
  if (closed_) return;
  closed_ = true;
  auto self = shared_from_this();  // the set may hold the last reference
  cx_.connections.erase(self);
  slot_.update([](ListenerStats& s) { --s.connections_open; });
  cx_.end_if_drained();
}

// A new InputSource when the second changes, the same one otherwise: a worker starts an input only where the
// pointer changes (pipeline/parallel.h).
void TcpConnection::refresh_input() {
  int64_t now = unix_seconds();
  if (now == input_->reference_time) return;
  auto next = std::make_shared<InputSource>(*input_);
  next->reference_time = now;
  input_ = std::move(next);
}

}  // namespace strictlog::listen_internal
