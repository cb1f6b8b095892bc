#include "listen/message_queue.h"

#include <utility>

namespace strictlog {

MessageQueue::MessageQueue(size_t max_messages, size_t max_bytes) : max_messages_(max_messages), max_bytes_(max_bytes) {}

bool MessageQueue::try_push(ReceivedBatch* batch) {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return false;
    if (!batches_.empty() && (messages_ >= max_messages_ || bytes_ >= max_bytes_)) {
      refused_ = true;  // the next pop() tells the producer, through on_space, that room was made
      return false;
    }
    messages_ += batch->messages.size();
    bytes_ += batch->bytes.size();
    if (messages_ > high_water_) high_water_ = messages_;
    batches_.push_back(std::move(*batch));
  }
  batch->clear();  // moved from: give the caller an empty batch to fill again
  ready_.notify_one();
  return true;
}

std::optional<ReceivedBatch> MessageQueue::pop(std::chrono::steady_clock::time_point deadline) {
  std::function<void()> on_space;
  std::optional<ReceivedBatch> batch;
  {
    std::unique_lock lock(mutex_);
    if (!ready_.wait_until(lock, deadline, [this] { return !batches_.empty() || closed_; })) return std::nullopt;
    if (batches_.empty()) return std::nullopt;  // closed and empty
    batch.emplace(std::move(batches_.front()));
    batches_.pop_front();
    messages_ -= batch->messages.size();
    bytes_ -= batch->bytes.size();
    if (refused_) {
      refused_ = false;
      on_space = on_space_;
    }
  }
  // Outside the lock: the callback may take its own locks (the network thread's posting) in any order.
  if (on_space) on_space();
  return batch;
}

void MessageQueue::set_on_space(std::function<void()> on_space) {
  std::lock_guard lock(mutex_);
  on_space_ = std::move(on_space);
}

void MessageQueue::close() {
  std::function<void()> on_space;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    closed_ = true;
    on_space = on_space_;
  }
  ready_.notify_all();
  if (on_space) on_space();  // a producer waiting for room learns there will be none
}

bool MessageQueue::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

bool MessageQueue::closed_and_empty() const {
  std::lock_guard lock(mutex_);
  return closed_ && batches_.empty();
}

size_t MessageQueue::depth_messages() const {
  std::lock_guard lock(mutex_);
  return messages_;
}

size_t MessageQueue::depth_bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

size_t MessageQueue::high_water_messages() const {
  std::lock_guard lock(mutex_);
  return high_water_;
}

}  // namespace strictlog
