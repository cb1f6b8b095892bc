// MessageQueue: the bounded queue between the listeners (one network thread) and the pipeline (one consumer).
//
// Bounded by messages and by bytes: try_push() refuses a batch when the queue already holds max_messages
// messages or max_bytes bytes (an empty queue takes any batch, so a batch bigger than the bounds still
// passes). The producer never blocks: a TCP connection whose batch is refused stops reading until
// on_space fires (backpressure: the sender's kernel buffers fill and its writes block), a UDP batch refused is
// counted as lost (udp_lost_queue). Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>

#include "listen/received.h"

namespace strictlog {

class MessageQueue {
 public:
  MessageQueue(size_t max_messages, size_t max_bytes);

  // Takes the batch and returns true, or returns false and leaves `*batch` as it was. After close(): false.
  bool try_push(ReceivedBatch* batch);

  // The oldest batch; waits until one comes or `deadline` passes (nothing), or the queue is closed and
  // empty (nothing, and closed_and_empty() is true).
  std::optional<ReceivedBatch> pop(std::chrono::steady_clock::time_point deadline);

  // Called, on the thread that pops, after a pop that follows a refused try_push(): room was made; and, on the
  // thread that closes, by the first close(): no room will ever be made, so a producer waiting for it must
  // give up. It must not call back into the queue synchronously (the network thread posts the resumption to
  // its io_context).
  void set_on_space(std::function<void()> on_space);

  // No batch is taken from now on; pop() still returns those queued. The consumer may close the queue first
  // (it cannot take more): the Receiver then stops, and closes its connections, dropping what they had read.
  void close();
  bool closed() const;
  bool closed_and_empty() const;

  size_t depth_messages() const;
  size_t depth_bytes() const;
  // The most messages the queue held at once (a test shows backpressure took place).
  size_t high_water_messages() const;

 private:
  const size_t max_messages_, max_bytes_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<ReceivedBatch> batches_;
  size_t messages_ = 0, bytes_ = 0, high_water_ = 0;
  bool refused_ = false;  // a try_push() was refused since the last on_space
  bool closed_ = false;
  std::function<void()> on_space_;
};

}  // namespace strictlog
