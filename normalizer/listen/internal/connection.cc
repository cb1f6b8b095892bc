#include "listen/internal/connection.h"

#include <string_view>
#include <utility>

namespace strictlog::listen_internal {

Connection::Connection(Context& cx, ListenerSlot& slot, InputSource input, const asio::ip::address& peer)
    : cx_(cx),
      slot_(slot),
      input_(std::make_shared<const InputSource>(std::move(input))),
      timer_(cx.io),
      decoder_([this](const Frame& frame) { on_frame(frame); }, cx.limits.max_message) {
  if (cx.limiter.enabled()) peer_ = cx.limiter.peer(peer, std::chrono::steady_clock::now());
}

// Through proceed(): a new connection of a peer already over its limit waits before its first read, or each
// new connection would take one more read's worth past the limit.
void Connection::begin_reading() {
  reading_ = true;
  proceed();
}

void Connection::end_unread() {
  if (ended_) return;
  ended_ = true;
  ++timer_generation_;
  timer_.cancel();
  close_stream();
  close();
}

void Connection::drain() {
  if (ended_ || paused_) return;
  if (!reading_) {
    drain_opening();
    return;
  }
  if (rate_paused_) {  // the limit is off from now on
    rate_paused_ = false;
    proceed();
    return;
  }
  arm_timer();
}

void Connection::on_readable(std::error_code ec) {
  if (ended_) return;  // a timeout closed the socket while the wait was pending
  size_t n = 0;
  if (!ec) n = read(asio::buffer(cx_.buffer), ec);
  if (n == 0 && (ec == asio::error::would_block || ec == asio::error::try_again || ec == asio::error::interrupted)) {
    wait_readable();
    return;
  }
  if (n == 0 && ec) {  // end of stream, or a reset: what was received is delivered, a cut frame as FRAMING
    end();
    deliver();
    return;
  }
  slot_.update([n](ListenerStats& s) { s.bytes += n; });
  refresh_input();
  decoder_.push(std::string_view(cx_.buffer.data(), n));
  if (peer_) cx_.limiter.take(*peer_, pending_.messages.size(), input_->name, std::chrono::steady_clock::now());
  // After a bad octet count no later frame can be found: the rest is one error frame, so stop reading. A read
  // that brought bytes and then the stream's end (TLS reads several records at once) ends it too.
  bool over = ec && ec != asio::error::would_block && ec != asio::error::try_again && ec != asio::error::interrupted;
  if (decoder_.failed() || over) end();
  deliver();
}

void Connection::on_frame(const Frame& frame) {
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

void Connection::end() {
  ended_ = true;
  ++timer_generation_;
  timer_.cancel();
  close_stream();  // a pending wait completes with operation_aborted and finds ended_
  refresh_input();
  decoder_.finish();
}

// Hands the pending batch to the queue, or pauses. A connection queues behind those already paused, so the
// room freed for them is not taken by a connection that came later.
void Connection::deliver() {
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

bool Connection::resume() {
  if (!push()) {
    if (!cx_.queue.closed()) return false;
    abandon();
    return true;
  }
  paused_ = false;
  proceed();
  return true;
}

void Connection::proceed() {
  if (ended_) {
    close();
    return;
  }
  if (peer_) {
    if (auto wait = cx_.limiter.wait(*peer_, std::chrono::steady_clock::now()); wait.count() > 0) {
      ++peer_->pauses;
      slot_.update([](ListenerStats& s) { ++s.rate_limit_pauses; });
      rate_pause(wait);
      return;
    }
  }
  wait_readable();
  arm_timer();
}

// No read and no idle timer (the server is the one not reading) until the peer's bucket has a token again.
void Connection::rate_pause(std::chrono::steady_clock::duration wait) {
  rate_paused_ = true;
  uint64_t generation = ++timer_generation_;
  timer_.expires_after(wait);
  timer_.async_wait([self = shared_from_this(), generation](std::error_code ec) {
    if (ec || generation != self->timer_generation_ || self->ended_ || !self->rate_paused_) return;
    auto more = self->cx_.limiter.wait(*self->peer_, std::chrono::steady_clock::now());
    if (more.count() > 0) {  // the same pause, as the bucket was shared with other connections of the peer
      self->rate_pause(more);
      return;
    }
    self->rate_paused_ = false;
    self->wait_readable();
    self->arm_timer();
  });
}

bool Connection::push() {
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
void Connection::arm_timer() {
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
      if (self->has_unread()) {
        self->arm_timer();
        return;
      }
      self->slot_.update([](ListenerStats& s) { ++s.connections_idle_closed; });
    }
    self->end();
    self->deliver();
  });
}

void Connection::abandon() {
  pending_.clear();
  paused_ = false;
  rate_paused_ = false;
  if (!ended_) {
    ended_ = true;
    ++timer_generation_;
    timer_.cancel();
    close_stream();  // without decoder_.finish(): its last frame would have nowhere to go
  }
  close();
}

void Connection::close() {
  if (closed_) return;
  closed_ = true;
  auto self = shared_from_this();  // the set may hold the last reference
  cx_.connections.erase(self);
  slot_.update([](ListenerStats& s) { --s.connections_open; });
  cx_.end_if_drained();
}

// A new InputSource when the second changes, the same one otherwise: a worker starts an input only where the
// pointer changes (pipeline/parallel.h).
void Connection::refresh_input() {
  int64_t now = unix_seconds();
  if (now == input_->reference_time) return;
  auto next = std::make_shared<InputSource>(*input_);
  next->reference_time = now;
  input_ = std::move(next);
}

TcpConnection::TcpConnection(Context& cx, ListenerSlot& slot, asio::ip::tcp::socket socket, InputSource input,
                             const asio::ip::address& peer)
    : Connection(cx, slot, std::move(input), peer), socket_(std::move(socket)) {}

void TcpConnection::start() {
  std::error_code ec;
  socket_.non_blocking(true, ec);  // reads happen when the socket is readable; never block the thread
  if (ec) {
    end_unread();
    return;
  }
  begin_reading();
}

void TcpConnection::wait_readable() {
  socket_.async_wait(asio::ip::tcp::socket::wait_read,
                     [self = std::static_pointer_cast<TcpConnection>(shared_from_this())](std::error_code ec) {
                       self->on_readable(ec);
                     });
}

size_t TcpConnection::read(asio::mutable_buffer buffer, std::error_code& ec) { return socket_.read_some(buffer, ec); }

bool TcpConnection::has_unread() {
  std::error_code ec;
  return socket_.available(ec) > 0 && !ec;
}

void TcpConnection::close_stream() {
  std::error_code ignored;
  socket_.close(ignored);
}

}  // namespace strictlog::listen_internal
