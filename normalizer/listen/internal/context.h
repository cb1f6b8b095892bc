// What the listeners of one Receiver share on its network thread: the io_context, the queue, the limits,
// the open TCP and TLS connections and those paused by a full queue, the rate limiter, the event hook, and
// the shutdown state. Internal to listen/.
//
// Threads: everything here is used on the network thread only, except ListenerSlot (any thread) and `io`
// (asio::post from any thread).
#pragma once

#include <asio.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "listen/internal/rate_limiter.h"
#include "listen/message_queue.h"
#include "listen/receiver.h"

namespace strictlog::listen_internal {

// One listener's counters: written on the network thread, read by Receiver::stats() on any thread.
class ListenerSlot {
 public:
  template <typename Update>
  void update(Update&& update) {
    std::lock_guard lock(mutex_);
    update(stats_);
  }
  ListenerStats snapshot() const {
    std::lock_guard lock(mutex_);
    return stats_;
  }

 private:
  mutable std::mutex mutex_;
  ListenerStats stats_;
};

class Connection;

struct Context {
  Context(MessageQueue& q, ReceiverLimits l)
      : queue(q),
        limits(l),
        limiter(io, l.rate_limit, l.rate_limit_burst, [this](const ListenerEvent& e) { report(e); }) {}

  // Pushes the paused connections' batches again, oldest refusal first, until the queue refuses one: the
  // queue's on_space, posted here.
  void resume_paused();
  // After stop(): once no connection is left, closes the queue and lets the io_context run out of work.
  void end_if_drained();
  // Hands an event to the hook, if any.
  void report(const ListenerEvent& event) const {
    if (hook) hook(event);
  }

  asio::io_context io;  // first member: destroyed last, after every socket and timer below
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work{asio::make_work_guard(io)};
  MessageQueue& queue;
  const ReceiverLimits limits;
  std::string start;  // the receiver's start time in microseconds since the epoch, the <start> of `<start>.<n>`
  // Every TCP read (TLS: its decrypted bytes) goes here first: reads run one at a time on the one thread, and
  // the FrameDecoder copies what it keeps, so one buffer serves every connection (64 KiB, not 64 KiB per
  // connection).
  std::vector<char> buffer = std::vector<char>(64 * 1024);
  bool stopping = false;  // stop() was handled: connections drain, listeners are closed
  // stop()'s time plus drain_timeout: every connection still open then is closed (ReceiverLimits).
  std::chrono::steady_clock::time_point drain_deadline;
  bool ended = false;     // the queue is closed: nothing more may be read
  uint64_t connections_started = 0;  // the <n> of the last connection
  size_t pending_accepts = 0;        // async_accept operations whose handler has not run yet
  // The open TCP and TLS connections of every listener (max_connections counts them), paused ones included.
  std::unordered_set<std::shared_ptr<Connection>> connections;
  // Connections whose batch the queue refused, in the order refused. While one waits, the others wait
  // behind it rather than take the room it is waiting for.
  std::deque<std::shared_ptr<Connection>> paused;
  ListenerEventHook hook;  // Receiver::set_event_hook(), before start()
  RateLimiter limiter;
};

// Current time in seconds since the epoch: InputSource.reference_time.
int64_t unix_seconds();

// `127.0.0.1:40122`, `[::1]:40122`; an IPv4-mapped IPv6 address (a dual-stack listener on `::`) as IPv4.
std::string peer_name(const asio::ip::address& address, uint16_t port);

}  // namespace strictlog::listen_internal
