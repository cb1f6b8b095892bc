#include "listen/message_queue.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

namespace strictlog {
namespace {

using namespace std::chrono_literals;

// A batch of `n` one-byte messages `c`, then `extra` more bytes of padding in the buffer.
ReceivedBatch batch_of(size_t n, char c = 'a', size_t extra = 0) {
  ReceivedBatch b;
  b.inputs.push_back(std::make_shared<const InputSource>());
  for (size_t i = 0; i < n; ++i) {
    ReceivedMessage m;
    m.start = static_cast<uint32_t>(b.bytes.size());
    m.size = 1;
    m.number = i + 1;
    m.length = 1;
    b.bytes += c;
    b.messages.push_back(m);
  }
  b.bytes.append(extra, '.');
  return b;
}

auto soon() { return std::chrono::steady_clock::now() + 50ms; }

TEST_CASE("message queue: bounded by messages and an empty queue takes any batch", "[listen][queue]") {
  MessageQueue queue(4, 1 << 20);
  ReceivedBatch big = batch_of(10, 'a');
  REQUIRE(queue.try_push(&big));  // empty: taken though over the bound
  CHECK(big.empty());
  CHECK(big.bytes.empty());
  CHECK(queue.depth_messages() == 10);
  ReceivedBatch next = batch_of(1, 'b');
  CHECK_FALSE(queue.try_push(&next));  // holds 10 >= 4
  CHECK(next.messages.size() == 1);    // left as it was
  CHECK(next.bytes == "b");
  auto popped = queue.pop(soon());
  REQUIRE(popped);
  CHECK(popped->messages.size() == 10);
  CHECK(popped->bytes == "aaaaaaaaaa");
  CHECK(queue.depth_messages() == 0);
  REQUIRE(queue.try_push(&next));
  ReceivedBatch three = batch_of(3, 'c');
  REQUIRE(queue.try_push(&three));  // holds 1 < 4
  ReceivedBatch more = batch_of(1, 'd');
  CHECK_FALSE(queue.try_push(&more));  // holds 4
  CHECK(queue.depth_messages() == 4);
  CHECK(queue.depth_bytes() == 4);
  CHECK(queue.high_water_messages() == 10);
}

TEST_CASE("message queue: bounded by bytes", "[listen][queue]") {
  MessageQueue queue(100, 10);
  ReceivedBatch a = batch_of(1, 'a', 8);  // 9 bytes
  REQUIRE(queue.try_push(&a));
  ReceivedBatch b = batch_of(1, 'b');  // 9 < 10: taken, now 10
  REQUIRE(queue.try_push(&b));
  ReceivedBatch c = batch_of(1, 'c');
  CHECK_FALSE(queue.try_push(&c));
  CHECK(queue.depth_bytes() == 10);
  CHECK(queue.depth_messages() == 2);
}

TEST_CASE("message queue: pop returns nothing at the deadline", "[listen][queue]") {
  MessageQueue queue(4, 100);
  auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(queue.pop(start + 20ms));
  CHECK(std::chrono::steady_clock::now() - start >= 20ms);
  CHECK_FALSE(queue.closed_and_empty());
}

TEST_CASE("message queue: on_space is called once after a pop that follows a refused push", "[listen][queue]") {
  MessageQueue queue(1, 100);
  int calls = 0;
  queue.set_on_space([&] { ++calls; });
  ReceivedBatch a1 = batch_of(1, 'a'), a2 = batch_of(1, 'a'), b = batch_of(1, 'b'), c = batch_of(1, 'c');
  REQUIRE(queue.try_push(&a1));
  REQUIRE(queue.pop(soon()));
  CHECK(calls == 0);  // nothing was refused
  REQUIRE(queue.try_push(&a2));
  CHECK_FALSE(queue.try_push(&b));
  CHECK_FALSE(queue.try_push(&c));
  CHECK(calls == 0);
  REQUIRE(queue.pop(soon()));
  CHECK(calls == 1);
  REQUIRE(queue.try_push(&b));
  REQUIRE(queue.pop(soon()));
  CHECK(calls == 1);  // the refusals were answered already
  queue.close();
  CHECK(calls == 2);  // no room will come: a producer waiting for it must know
  CHECK(queue.closed());
  queue.close();
  CHECK(calls == 2);  // the first close only
}

TEST_CASE("message queue: close refuses pushes and pop drains what is queued", "[listen][queue]") {
  MessageQueue queue(10, 100);
  ReceivedBatch a = batch_of(2, 'a'), b = batch_of(1, 'b');
  REQUIRE(queue.try_push(&a));
  queue.close();
  CHECK_FALSE(queue.try_push(&b));
  CHECK(b.bytes == "b");
  CHECK_FALSE(queue.closed_and_empty());
  auto popped = queue.pop(soon());
  REQUIRE(popped);
  CHECK(popped->bytes == "aa");
  CHECK(queue.closed_and_empty());
  auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(queue.pop(start + 5s));  // closed and empty: at once, not at the deadline
  CHECK(std::chrono::steady_clock::now() - start < 1s);
}

TEST_CASE("message queue: a waiting pop is woken by a push and by close on another thread", "[listen][queue]") {
  MessageQueue queue(10, 100);
  std::thread producer([&] {
    std::this_thread::sleep_for(20ms);
    ReceivedBatch a = batch_of(1, 'x');
    CHECK(queue.try_push(&a));
    std::this_thread::sleep_for(20ms);
    queue.close();
  });
  auto first = queue.pop(std::chrono::steady_clock::now() + 5s);
  auto second = queue.pop(std::chrono::steady_clock::now() + 5s);
  producer.join();
  REQUIRE(first);
  CHECK(first->bytes == "x");
  CHECK_FALSE(second);
  CHECK(queue.closed_and_empty());
}

}  // namespace
}  // namespace strictlog
