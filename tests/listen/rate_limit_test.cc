// The per-peer rate limit (ReceiverLimits::rate_limit) on real loopback sockets: a TCP sender over it is read
// more slowly and loses nothing; UDP datagrams over it are dropped and counted exactly; each episode is
// reported once when it begins and once when it ends.
#include <catch2/catch.hpp>

#include <regex>
#include <string>
#include <vector>

#include "listen/loopback.h"
#include "listen/receiver.h"
#include "listen/tls_client.h"

namespace strictlog {
namespace {

using namespace std::chrono_literals;
using namespace testing;
using Strings = std::vector<std::string>;

struct LimitedServer {
  LimitedServer(ListenAddress address, ReceiverLimits limits, const TlsSettings& tls = {})
      : queue(100000, 64 << 20) {
    auto opened = Receiver::open({address}, limits, queue, tls);
    if (!opened.ok()) FAIL(render(opened.errors()));
    receiver = std::move(opened).value();
    receiver->set_event_hook(events.hook());
    REQUIRE(receiver->start().ok());
    bound = receiver->addresses().at(0);
  }
  ListenerStats stats() const { return receiver->stats().at(0); }

  EventLog events;
  MessageQueue queue;
  std::unique_ptr<Receiver> receiver;
  ListenAddress bound;
};

std::string numbered_lines(size_t count) {
  std::string text;
  for (size_t i = 1; i <= count; ++i) text += fmt::format("message {:04}\n", i);
  return text;
}

// Whether `events` is one episode of `peer` on `listener`: its begin, then its end with `dropped` and
// `pauses` (the end's duration is whatever it was).
void check_one_episode(const Strings& events, const std::string& listener, uint64_t dropped, uint64_t pauses,
                       const std::string& limit) {
  REQUIRE(events.size() == 2);
  CHECK(events[0] == fmt::format("rate_limit_begins {} 127.0.0.1: {}", listener, limit));
  CHECK(std::regex_match(events[1], std::regex(fmt::format("rate_limit_ends {} 127\\.0\\.0\\.1: dropped {} datagrams, "
                                                           "paused reading {} times in [0-9]+\\.[0-9] s",
                                                           listener, dropped, pauses))));
}

TEST_CASE("rate limit: a TCP sender over the limit is read more slowly and loses nothing", "[listen][rate]") {
  ReceiverLimits limits;
  limits.rate_limit = 2000;
  limits.rate_limit_burst = 100;
  LimitedServer server(tcp_loopback(), limits);
  const size_t count = 2000;
  Fd client = connect_tcp(server.bound);
  send_all(client.get(), numbered_lines(count));
  client.reset();
  std::vector<Received> got = pop_messages(server.queue, count, 10000ms);
  REQUIRE(got.size() == count);
  for (size_t i = 0; i < count; ++i) {
    INFO(i);
    CHECK(got[i].text.find(fmt::format("\"message {:04}\"", i + 1)) != std::string::npos);
  }
  CHECK(eventually([&] { return server.events.size() == 2; }));  // the end: once the bucket is full again
  ListenerStats s = server.stats();
  CHECK(s.messages == count);
  CHECK(s.rate_limit_pauses > 0);
  CHECK(s.udp_lost_rate_limit == 0);
  std::string listener = fmt::format("tcp://127.0.0.1:{}", server.bound.port);
  check_one_episode(server.events.lines(), listener, 0, s.rate_limit_pauses, "2000 messages/s (burst 100)");
  CHECK(stop_and_drain(*server.receiver, server.queue).empty());
  CHECK(server.events.size() == 2);  // no second end at stop
}

// A peer over its limit cannot get one more read's worth per new connection: a new connection waits for the
// bucket before its first read, and the debt is at most one burst, so a pause stays short.
TEST_CASE("rate limit: new connections of a peer over the limit wait before their first read", "[listen][rate]") {
  ReceiverLimits limits;
  limits.rate_limit = 10;
  limits.rate_limit_burst = 10;
  LimitedServer server(tcp_loopback(), limits);
  Fd first = connect_tcp(server.bound);
  send_all(first.get(), numbered_lines(500));  // one read takes them all: the peer is over, in debt
  REQUIRE(pop_messages(server.queue, 500, 5000ms).size() == 500);
  std::vector<Fd> more;
  for (int i = 0; i < 5; ++i) {
    more.push_back(connect_tcp(server.bound));
    send_all(more.back().get(), numbered_lines(100));
  }
  // Within the debt's pause (at most (burst + 1) / rate = 1.1 s) nothing more is read: the 5 × 100 lines wait.
  std::this_thread::sleep_for(300ms);
  CHECK(server.stats().messages == 500);
  // Then the peer gets its messages in again, all of them, none lost.
  std::vector<Received> got = pop_messages(server.queue, 500, 20000ms);
  CHECK(got.size() == 500);
  CHECK(server.stats().messages == 1000);
  CHECK(server.stats().rate_limit_pauses > 0);
  first.reset();
  more.clear();
  CHECK(stop_and_drain(*server.receiver, server.queue).empty());
}

TEST_CASE("rate limit: a TLS sender over the limit is read more slowly and loses nothing", "[listen][rate]") {
  ReceiverLimits limits;
  limits.rate_limit = 2000;
  limits.rate_limit_burst = 100;
  LimitedServer server(tls_loopback(), limits, server_tls());
  const size_t count = 1000;
  TlsClient client(server.bound);
  REQUIRE(client.handshake());
  REQUIRE(client.send(numbered_lines(count)));
  // Open until everything arrived: a TLS read takes the stream's end with the last bytes, and a stream that
  // ended is closed, not paused.
  std::vector<Received> got = pop_messages(server.queue, count, 10000ms);
  client.close();
  REQUIRE(got.size() == count);
  CHECK(got.back().text.find(fmt::format("\"message {:04}\"", count)) != std::string::npos);
  CHECK(eventually([&] { return server.events.size() == 2; }));
  ListenerStats s = server.stats();
  CHECK(s.messages == count);
  CHECK(s.rate_limit_pauses > 0);
  check_one_episode(server.events.lines(), fmt::format("tls://127.0.0.1:{}", server.bound.port), 0,
                    s.rate_limit_pauses, "2000 messages/s (burst 100)");
}

TEST_CASE("rate limit: UDP datagrams over the limit are dropped before they are accepted and counted",
          "[listen][rate]") {
  ReceiverLimits limits;
  limits.rate_limit = 20;
  limits.rate_limit_burst = 30;
  limits.udp_receive_buffer = 4 << 20;
  LimitedServer server(udp_loopback(), limits);
  const uint64_t sent = 200;
  Fd sender = udp_socket(AF_INET);
  SocketAddress to = socket_address("127.0.0.1", server.bound.port);
  for (uint64_t i = 1; i <= sent; ++i) send_datagram(sender.get(), to, fmt::format("datagram {}", i));
  auto handled = [&] {
    ListenerStats s = server.stats();
    return s.messages + s.udp_lost_rate_limit + s.udp_lost_kernel + s.udp_lost_queue;
  };
  CHECK(eventually([&] { return handled() == sent; }));
  std::vector<Received> got = pop_messages(server.queue, server.stats().messages);
  stop_and_drain(*server.receiver, server.queue);  // reports the episode's end
  ListenerStats s = server.stats();
  CHECK(s.udp_lost_kernel == 0);
  CHECK(s.udp_lost_queue == 0);
  CHECK(sent == s.messages + s.udp_lost_rate_limit);
  CHECK(got.size() == s.messages);
  CHECK(s.messages >= 30);             // the burst at least
  CHECK(s.udp_lost_rate_limit > 0);
  CHECK(s.rate_limit_pauses == 0);
  check_one_episode(server.events.lines(), fmt::format("udp://127.0.0.1:{}", server.bound.port), s.udp_lost_rate_limit,
                    0, "20 messages/s (burst 30)");
}

TEST_CASE("rate limit: off by default", "[listen][rate]") {
  LimitedServer server(udp_loopback(), ReceiverLimits{});
  Fd sender = udp_socket(AF_INET);
  SocketAddress to = socket_address("127.0.0.1", server.bound.port);
  for (int i = 0; i < 100; ++i) send_datagram(sender.get(), to, "x");
  CHECK(pop_messages(server.queue, 100).size() == 100);
  stop_and_drain(*server.receiver, server.queue);
  CHECK(server.stats().udp_lost_rate_limit == 0);
  CHECK(server.events.lines().empty());
}

}  // namespace
}  // namespace strictlog
