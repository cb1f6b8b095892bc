// The Receiver's TCP listeners with real sockets on loopback: framing over reads, framing errors, stalled and
// paused connections, limits, shutdown and binding. UDP is in udp_test.cc.
#include "listen/receiver.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "listen/loopback.h"

namespace strictlog {
namespace {

using namespace std::chrono_literals;
using namespace testing;
using Strings = std::vector<std::string>;

// Whether a connection to 127.0.0.1:port is refused (nothing listens there).
bool connect_refused(uint16_t port) {
  SocketAddress to = socket_address("127.0.0.1", port);
  Fd probe(socket(AF_INET, SOCK_STREAM, 0));
  return connect(probe.get(), reinterpret_cast<const sockaddr*>(&to.storage), to.size) != 0 && errno == ECONNREFUSED;
}

// One receiver on tcp://127.0.0.1:<any port>, started.
struct TcpServer {
  explicit TcpServer(ReceiverLimits limits = {}, size_t max_messages = 1000, size_t max_bytes = 1 << 20)
      : queue(max_messages, max_bytes), receiver(open_receiver({tcp_loopback()}, limits, queue)) {
    REQUIRE(receiver->start().ok());
    address = receiver->addresses().at(0);
  }
  ListenerStats stats() const { return receiver->stats().at(0); }

  MessageQueue queue;
  std::unique_ptr<Receiver> receiver;
  ListenAddress address;
};

TEST_CASE("tcp: an octet count split across reads, and the input of a connection", "[listen][tcp]") {
  TcpServer server;
  int64_t before = unix_now();
  Fd client = connect_tcp(server.address);
  send_all(client.get(), "1");
  std::this_thread::sleep_for(50ms);  // not synchronization: makes the server read the count in two pieces
  send_all(client.get(), "2 hello world!");
  std::vector<Received> got = pop_messages(server.queue, 1);
  int64_t after = unix_now();
  CHECK(texts(got) == Strings{"#1 @3+12 \"hello world!\""});
  REQUIRE(got.size() == 1);
  const InputSource& input = *got[0].input;
  CHECK(server.address.port != 0);
  CHECK(input.name == fmt::format("tcp://127.0.0.1:{}", server.address.port));
  CHECK(input.peer == local_name(client.get()));
  CHECK(std::regex_match(input.connection, std::regex("[1-9][0-9]{15}\\.1")));  // microseconds since 2001
  CHECK(input.reference_time >= before);
  CHECK(input.reference_time <= after);
  CHECK_FALSE(input.year_fixed);
  client.reset();
  CHECK(stop_and_drain(*server.receiver, server.queue).empty());
  ListenerStats s = server.stats();
  CHECK(s.address == input.name);
  CHECK(s.messages == 1);
  CHECK(s.bytes == 15);
  CHECK(s.connections_accepted == 1);
  CHECK(s.connections_open == 0);
  CHECK(s.connections_refused == 0);
  CHECK(s.connections_idle_closed == 0);
}

TEST_CASE("tcp: an octet count over max_message fails the connection, which the server closes", "[listen][tcp]") {
  ReceiverLimits limits;
  limits.max_message = 100;
  TcpServer server(limits);
  Fd client = connect_tcp(server.address);
  send_all(client.get(), "5 hello1000 abc");
  CHECK(peer_state(client.get(), 5000ms) == "closed");
  CHECK(texts(pop_messages(server.queue, 2)) ==
        Strings{"#1 @2+5 \"hello\"",
                "#2 @7+8 \"1000 abc\" | the octet count exceeds the maximum message size of 100 bytes"});
  CHECK(eventually([&] { return server.stats().connections_open == 0; }));
  CHECK(server.stats().messages == 2);
  CHECK(server.stats().bytes == 15);
}

TEST_CASE("tcp: a byte other than a digit where an octet count starts fails the connection", "[listen][tcp]") {
  TcpServer server;
  Fd client = connect_tcp(server.address);
  send_all(client.get(), "5 hellox 3 abc");
  CHECK(peer_state(client.get(), 5000ms) == "closed");
  CHECK(texts(pop_messages(server.queue, 2)) ==
        Strings{"#1 @2+5 \"hello\"", "#2 @7+7 \"x 3 abc\" | expected an octet count, found 'x'"});
}

TEST_CASE("tcp: LF framing emits the last frame without its LF when the peer closes", "[listen][tcp]") {
  TcpServer server;
  Fd client = connect_tcp(server.address);
  send_all(client.get(), "first\r\nsecond\nthird");
  client.reset();
  CHECK(texts(pop_messages(server.queue, 3)) ==
        Strings{"#1 @0+5 \"first\"", "#2 @7+6 \"second\"", "#3 @14+5 \"third\""});
}

TEST_CASE("tcp: a peer that closes inside an octet-counted frame leaves a truncated frame", "[listen][tcp]") {
  TcpServer server;
  Fd client = connect_tcp(server.address);
  send_all(client.get(), "3 abc12 hello");
  client.reset();
  CHECK(texts(pop_messages(server.queue, 2)) ==
        Strings{"#1 @2+3 \"abc\"",
                "#2 @8+5 \"hello\" | connection closed after 5 of 12 bytes of an octet-counted message"});
}

TEST_CASE("tcp: a stalled client does not hold back the others", "[listen][tcp]") {
  TcpServer server;
  Fd stalled = connect_tcp(server.address);
  send_all(stalled.get(), "12 hello");
  REQUIRE(eventually([&] { return server.stats().bytes == 8; }));
  Fd other = connect_tcp(server.address);
  send_all(other.get(), "one\ntwo\n");
  std::vector<Received> got = pop_messages(server.queue, 2);
  CHECK(texts(got) == Strings{"#1 @0+3 \"one\"", "#2 @4+3 \"two\""});
  REQUIRE(got.size() == 2);
  CHECK(got[0].input->connection.ends_with(".2"));
  CHECK(got[0].input->peer == local_name(other.get()));
  send_all(stalled.get(), " world!");
  got = pop_messages(server.queue, 1);
  CHECK(texts(got) == Strings{"#1 @3+12 \"hello world!\""});
  REQUIRE(got.size() == 1);
  CHECK(got[0].input->connection.ends_with(".1"));
  CHECK(got[0].input->peer == local_name(stalled.get()));
}

// Messages `message 000001 ...` of 100 bytes with their LF.
std::string numbered(size_t i) {
  std::string m = fmt::format("message {:06}", i);
  m.resize(99, '.');
  return m;
}

TEST_CASE("tcp: a full queue pauses the connection until the sender blocks, and nothing is lost", "[listen][tcp]") {
  TcpServer server({}, 4);
  Fd client = connect_tcp(server.address);
  int small = 16 * 1024;
  REQUIRE(setsockopt(client.get(), SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)) == 0);
  REQUIRE(fcntl(client.get(), F_SETFL, O_NONBLOCK) == 0);
  std::string stream;
  size_t sent = 0;
  bool blocked = false;
  // Writes until the kernel buffers are full: a write that stays refused for 500 ms. Bounded at 64 MiB.
  for (size_t i = 1; !blocked && stream.size() < (64u << 20); ++i) {
    stream += numbered(i) + "\n";
    while (sent < stream.size()) {
      ssize_t n = send(client.get(), stream.data() + sent, stream.size() - sent, MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<size_t>(n);
        continue;
      }
      REQUIRE((errno == EAGAIN || errno == EWOULDBLOCK));
      pollfd p{client.get(), POLLOUT, 0};
      if (poll(&p, 1, 500) == 0) {
        blocked = true;
        break;
      }
    }
  }
  REQUIRE(blocked);
  size_t depth = server.queue.depth_messages();
  CHECK(depth > 0);
  // Batches are taken while the queue holds fewer than 4 messages, then one read's worth (64 KiB: at most 656
  // messages of 100 bytes) at most: the reads after it waited.
  CHECK(depth <= 3 + 656);
  CHECK(server.queue.high_water_messages() == depth);
  // Sends the rest of the last message (the kernel takes it as the queue drains), then closes.
  size_t total = stream.size() / 100;
  std::thread finisher([&] {
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (sent < stream.size() && std::chrono::steady_clock::now() < deadline) {
      ssize_t n = send(client.get(), stream.data() + sent, stream.size() - sent, MSG_NOSIGNAL);
      if (n > 0) {
        sent += static_cast<size_t>(n);
      } else {
        pollfd p{client.get(), POLLOUT, 0};
        poll(&p, 1, 100);
      }
    }
    shutdown(client.get(), SHUT_WR);
  });
  std::vector<Received> got = pop_messages(server.queue, total, 20000ms);
  finisher.join();
  REQUIRE(sent == stream.size());
  REQUIRE(got.size() == total);
  for (size_t i = 0; i < total; ++i) {
    std::string expected = fmt::format("#{} @{}+99 \"{}\"", i + 1, i * 100, numbered(i + 1));
    if (got[i].text != expected) FAIL("message " << i + 1 << ": " << got[i].text);
  }
  CHECK(server.queue.high_water_messages() <= 3 + 656);
  CHECK(stop_and_drain(*server.receiver, server.queue).empty());
  CHECK(server.stats().messages == total);
  CHECK(server.stats().bytes == stream.size());
}

TEST_CASE("tcp: the idle timeout closes a silent connection", "[listen][tcp]") {
  ReceiverLimits limits;
  limits.idle_timeout = 200ms;
  TcpServer server(limits);
  Fd client = connect_tcp(server.address);
  send_all(client.get(), "partial");
  CHECK(peer_state(client.get(), 5000ms) == "closed");
  CHECK(texts(pop_messages(server.queue, 1)) == Strings{"#1 @0+7 \"partial\""});
  CHECK(eventually([&] { return server.stats().connections_open == 0; }));
  CHECK(server.stats().connections_idle_closed == 1);
}

TEST_CASE("tcp: the idle timeout does not close a connection paused by a full queue", "[listen][tcp]") {
  ReceiverLimits limits;
  limits.idle_timeout = 300ms;
  TcpServer server(limits, 1);
  Fd client = connect_tcp(server.address);
  send_all(client.get(), "a\n");
  REQUIRE(eventually([&] { return server.queue.depth_messages() == 1; }));
  send_all(client.get(), "b\n");
  REQUIRE(eventually([&] { return server.stats().bytes == 4; }));  // read, and refused: paused
  // Three idle timeouts pass while the connection waits for room (the point of the test, not a synchronization).
  std::this_thread::sleep_for(900ms);
  CHECK(server.stats().connections_idle_closed == 0);
  CHECK(peer_state(client.get(), 0ms) == "open");
  CHECK(texts(pop_messages(server.queue, 2)) == Strings{"#1 @0+1 \"a\"", "#2 @2+1 \"b\""});
  send_all(client.get(), "c\n");
  CHECK(texts(pop_messages(server.queue, 1)) == Strings{"#3 @4+1 \"c\""});
  CHECK(server.stats().connections_idle_closed == 0);
  CHECK(server.stats().connections_open == 1);
}

TEST_CASE("tcp: a connection over max_connections is closed at once and counted", "[listen][tcp]") {
  ReceiverLimits limits;
  limits.max_connections = 2;
  TcpServer server(limits);
  Fd first = connect_tcp(server.address);
  Fd second = connect_tcp(server.address);
  REQUIRE(eventually([&] { return server.stats().connections_accepted == 2; }));
  Fd third = connect_tcp(server.address);
  CHECK(peer_state(third.get(), 5000ms) == "closed");
  ListenerStats s = server.stats();
  CHECK(s.connections_refused == 1);
  CHECK(s.connections_accepted == 2);
  CHECK(s.connections_open == 2);
  send_all(second.get(), "still here\n");
  std::vector<Received> got = pop_messages(server.queue, 1);
  CHECK(texts(got) == Strings{"#1 @0+10 \"still here\""});
  REQUIRE(got.size() == 1);
  CHECK(got[0].input->connection.ends_with(".2"));
  CHECK(peer_state(first.get(), 0ms) == "open");
}

TEST_CASE("tcp: stop reads open connections until their peers close or the drain timeout", "[listen][tcp]") {
  ReceiverLimits limits;
  limits.drain_timeout = 300ms;
  TcpServer server(limits);
  Fd a = connect_tcp(server.address);
  Fd b = connect_tcp(server.address);
  Fd silent = connect_tcp(server.address);
  send_all(a.get(), "a1\n");
  send_all(b.get(), "3 b11");
  send_all(silent.get(), "12 abc");
  REQUIRE(eventually([&] { return server.stats().bytes == 14; }));
  server.receiver->stop();
  // The listening socket closes: a new connection is refused.
  CHECK(eventually([&] { return connect_refused(server.address.port); }));
  send_all(a.get(), "a2\n");  // still read, after stop()
  send_all(b.get(), "3 b22");
  a.reset();
  CHECK(peer_state(b.get(), 100ms) == "open");
  b.reset();
  std::vector<Received> got = pop_until_closed(server.queue);
  CHECK(server.queue.closed_and_empty());
  server.receiver->join();
  std::vector<std::string> by_connection[3];
  for (const Received& r : got) by_connection[r.input->connection.back() - '1'].push_back(r.text);
  CHECK(by_connection[0] == Strings{"#1 @0+2 \"a1\"", "#2 @3+2 \"a2\""});
  CHECK(by_connection[1] == Strings{"#1 @2+3 \"b11\"", "#2 @7+3 \"b22\""});
  CHECK(by_connection[2] ==
        Strings{"#1 @3+3 \"abc\" | connection closed after 3 of 12 bytes of an octet-counted message"});
  CHECK(peer_state(silent.get(), 0ms) == "closed");
  ListenerStats s = server.stats();
  CHECK(s.messages == 5);
  CHECK(s.bytes == 22);
  CHECK(s.connections_open == 0);
  CHECK(s.connections_idle_closed == 0);
}

TEST_CASE("tcp: a queue closed by its consumer stops the receiver and closes paused connections", "[listen][tcp]") {
  TcpServer server({}, 1);
  Fd client = connect_tcp(server.address);
  send_all(client.get(), "a\n");
  REQUIRE(eventually([&] { return server.queue.depth_messages() == 1; }));
  send_all(client.get(), "b\n");
  REQUIRE(eventually([&] { return server.stats().bytes == 4; }));  // read, and refused: paused
  server.queue.close();
  std::string state = peer_state(client.get(), 5000ms);
  CHECK((state == "closed" || state == "reset"));
  REQUIRE(eventually([&] { return server.stats().connections_open == 0; }));
  server.receiver->join();  // ends by itself: no stop() needed
  CHECK(texts(pop_until_closed(server.queue)) == Strings{"#1 @0+1 \"a\""});
  CHECK(server.stats().messages == 1);  // "b" was read but never queued
  CHECK(connect_refused(server.address.port));
}

TEST_CASE("tcp: a listener that cannot bind names the address and the reason", "[listen][tcp]") {
  Fd taken(socket(AF_INET, SOCK_STREAM, 0));
  SocketAddress any = socket_address("127.0.0.1", 0);
  REQUIRE(bind(taken.get(), reinterpret_cast<const sockaddr*>(&any.storage), any.size) == 0);
  REQUIRE(listen(taken.get(), 1) == 0);
  std::string name = local_name(taken.get());
  uint16_t port = static_cast<uint16_t>(std::stoi(name.substr(name.find(':') + 1)));
  MessageQueue queue(10, 1000);
  auto opened = Receiver::open({ListenAddress{ListenAddress::Protocol::kTcp, "127.0.0.1", port}, tcp_loopback(),
                                ListenAddress{ListenAddress::Protocol::kTcp, "127.0.0.1", port}},
                               {}, queue);
  REQUIRE_FALSE(opened.ok());
  REQUIRE(opened.errors().size() == 2);  // all of them
  for (const Diagnostic& d : opened.errors()) {
    CHECK(d.code == "bind-failed");
    CHECK(d.message == fmt::format("cannot listen on tcp://127.0.0.1:{}: Address already in use", port));
  }
}

}  // namespace
}  // namespace strictlog

namespace strictlog {
namespace {

// A connection the kernel completed (and whose client wrote and went away, as logger does) before the receiver
// ever accepted it: stop() comes first here (posted before start() runs the thread), so only stop()'s own
// accepting reads it; closing the listening socket would reset it and lose what its client wrote.
TEST_CASE("tcp: a connection the kernel completed before stop() is read, not reset", "[listen][tcp]") {
  MessageQueue queue(1000, 1 << 20);
  std::unique_ptr<Receiver> receiver = open_receiver({tcp_loopback()}, {}, queue);
  ListenAddress address = receiver->addresses().at(0);
  {
    Fd client = connect_tcp(address);  // the listening socket is bound in open(): the kernel completes it
    send_all(client.get(), "5 early3 one");
  }
  receiver->stop();
  REQUIRE(receiver->start().ok());
  std::vector<Received> got = pop_until_closed(queue);
  REQUIRE(queue.closed_and_empty());
  receiver->join();
  CHECK(texts(got) == Strings{"#1 @2+5 \"early\"", "#2 @9+3 \"one\""});
  ListenerStats s = receiver->stats().at(0);
  CHECK(s.messages == 2);
  CHECK(s.connections_accepted == 1);
  CHECK(s.connections_open == 0);
}

// The drain timeout is one deadline after stop(), not a silence: a sender that never stops would otherwise
// hold the shutdown for ever (until systemd's SIGKILL loses everything unpublished).
TEST_CASE("tcp: a sender that never stops cannot hold the shutdown past the drain timeout", "[listen][tcp]") {
  ReceiverLimits limits;
  limits.drain_timeout = 300ms;
  TcpServer server(limits, 100000, 64 << 20);
  Fd client = connect_tcp(server.address);
  std::atomic<bool> stop_sending{false};
  std::atomic<uint64_t> sent{0};
  std::thread sender([&] {
    // Bounded: at most 30 s, however the server behaves.
    auto give_up = std::chrono::steady_clock::now() + 30s;
    while (!stop_sending && std::chrono::steady_clock::now() < give_up) {
      if (send(client.get(), "tick\n", 5, MSG_NOSIGNAL) != 5) break;  // closed by the server: done
      ++sent;
      std::this_thread::sleep_for(1ms);
    }
  });
  REQUIRE(eventually([&] { return server.stats().messages > 10; }));
  auto stopped_at = std::chrono::steady_clock::now();
  server.receiver->stop();
  std::vector<Received> got = pop_until_closed(server.queue, 10000ms);
  auto closed_after = std::chrono::steady_clock::now() - stopped_at;
  stop_sending = true;
  sender.join();
  REQUIRE(server.queue.closed_and_empty());
  server.receiver->join();
  // Not a timing test: without the deadline the queue never closes while the sender sends (10 s bound above).
  CHECK(closed_after < 5s);
  ListenerStats s = server.stats();
  CHECK(s.connections_open == 0);
  CHECK(s.connections_idle_closed == 0);
  CHECK(s.messages <= sent.load());
  // Every message is a whole tick but perhaps the last, which the deadline may cut (a frame without its LF).
  REQUIRE(!got.empty());
  for (size_t i = 0; i + 1 < got.size(); ++i) CHECK(got[i].text.find("\"tick\"") != std::string::npos);
}

}  // namespace
}  // namespace strictlog
