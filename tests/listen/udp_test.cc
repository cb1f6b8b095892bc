// The Receiver's UDP listeners with real sockets on loopback: one message per datagram, the trailer, OVERSIZE,
// the inputs, and the exact accounting of datagrams the kernel or the full queue dropped.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "listen/loopback.h"
#include "listen/receiver.h"

namespace strictlog {
namespace {

using namespace std::chrono_literals;
using namespace testing;
using Strings = std::vector<std::string>;

TEST_CASE("udp: one message per datagram without its trailer and OVERSIZE past max_message", "[listen][udp]") {
  ReceiverLimits limits;
  limits.max_message = 10;
  MessageQueue queue(1000, 1 << 20);
  auto receiver = open_receiver({udp_loopback()}, limits, queue);
  REQUIRE(receiver->start().ok());
  ListenAddress address = receiver->addresses().at(0);
  SocketAddress to = socket_address("127.0.0.1", address.port);
  Fd sender = udp_socket(AF_INET);
  Fd other = udp_socket(AF_INET);
  for (std::string_view datagram : {"plain", "with lf\n", "crlf\r\n", "x\n\n", "0123456789abc", "0123456789\n", ""})
    send_datagram(sender.get(), to, datagram);
  send_datagram(other.get(), to, "other peer");
  std::vector<Received> got = pop_messages(queue, 8);
  CHECK(texts(got) == Strings{
                          "#1 @0+5 \"plain\"",
                          "#2 @5+7 \"with lf\"",
                          "#3 @13+4 \"crlf\"",
                          "#4 @19+2 \"x\\n\"",           // one trailer only
                          "#5 @22+13 \"0123456789\" OVERSIZE",
                          "#6 @35+10 \"0123456789\"",   // 10 bytes without the LF: fits
                          "#7 @46+0 \"\"",
                          "#8 @46+10 \"other peer\"",
                      });
  REQUIRE(got.size() == 8);
  CHECK(got[0].input->name == fmt::format("udp://127.0.0.1:{}", address.port));
  CHECK(got[0].input->peer == udp_peer_name(sender.get(), "127.0.0.1"));
  CHECK(got[0].input->connection.ends_with(".0"));
  CHECK(got[0].input->reference_time >= unix_now() - 5);
  CHECK(got[7].input->peer == udp_peer_name(other.get(), "127.0.0.1"));
  CHECK(got[7].input->name == got[0].input->name);
  CHECK(got[7].input->connection == got[0].input->connection);
  CHECK(stop_and_drain(*receiver, queue).empty());
  ListenerStats s = receiver->stats().at(0);
  CHECK(s.address == got[0].input->name);
  CHECK(s.messages == 8);
  CHECK(s.bytes == 56);
  CHECK(s.udp_lost_queue == 0);
  CHECK(s.udp_lost_kernel == 0);
}

TEST_CASE("udp and tcp: IPv6 loopback listeners name the listener and the peer in brackets", "[listen][udp]") {
  MessageQueue queue(1000, 1 << 20);
  auto opened = Receiver::open({ListenAddress{ListenAddress::Protocol::kUdp, "::1", 0},
                                ListenAddress{ListenAddress::Protocol::kTcp, "::1", 0}},
                               {}, queue);
  if (!opened.ok()) {
    WARN("no IPv6 loopback here: " << render(opened.errors()));
    return;
  }
  auto& receiver = *opened;
  REQUIRE(receiver->start().ok());
  std::vector<ListenAddress> addresses = receiver->addresses();
  Fd sender = udp_socket(AF_INET6);
  send_datagram(sender.get(), socket_address("::1", addresses[0].port), "over udp\n");
  std::vector<Received> got = pop_messages(queue, 1);
  CHECK(texts(got) == Strings{"#1 @0+8 \"over udp\""});
  REQUIRE(got.size() == 1);
  CHECK(got[0].input->name == fmt::format("udp://[::1]:{}", addresses[0].port));
  CHECK(got[0].input->peer == udp_peer_name(sender.get(), "::1"));
  Fd client = connect_tcp(addresses[1]);
  send_all(client.get(), "over tcp\n");
  got = pop_messages(queue, 1);
  CHECK(texts(got) == Strings{"#1 @0+8 \"over tcp\""});
  REQUIRE(got.size() == 1);
  CHECK(got[0].input->name == fmt::format("tcp://[::1]:{}", addresses[1].port));
  CHECK(got[0].input->peer == local_name(client.get()));
  client.reset();
  CHECK(stop_and_drain(*receiver, queue).empty());
}

TEST_CASE("udp: datagrams the kernel dropped are counted exactly", "[listen][udp]") {
  ReceiverLimits limits;
  limits.udp_receive_buffer = 4096;
  MessageQueue queue(100000, 64 << 20);
  auto receiver = open_receiver({udp_loopback()}, limits, queue);
  // Bound but not started: nothing reads, so the kernel queues a few datagrams and drops the rest.
  SocketAddress to = socket_address("127.0.0.1", receiver->addresses().at(0).port);
  Fd sender = udp_socket(AF_INET);
  const size_t sent = 2000;
  for (size_t i = 0; i < sent; ++i) {
    std::string datagram = fmt::format("datagram {:04}", i);
    datagram.resize(200, '.');
    send_datagram(sender.get(), to, datagram);
  }
  REQUIRE(receiver->start().ok());
  std::vector<Received> got = stop_and_drain(*receiver, queue);
  ListenerStats s = receiver->stats().at(0);
  CHECK(s.messages == got.size());
  CHECK(s.udp_lost_kernel > 0);
  CHECK(s.udp_lost_queue == 0);
  CHECK(s.messages + s.udp_lost_kernel == sent);
  REQUIRE_FALSE(got.empty());
  CHECK(got[0].text.starts_with("#1 @0+200 \"datagram 0000...."));
}

TEST_CASE("udp: batches the full queue refused are counted as lost, never waited for", "[listen][udp]") {
  MessageQueue queue(1, 1 << 20);
  auto receiver = open_receiver({udp_loopback()}, {}, queue);
  REQUIRE(receiver->start().ok());
  SocketAddress to = socket_address("127.0.0.1", receiver->addresses().at(0).port);
  Fd sender = udp_socket(AF_INET);
  auto handled = [&] {
    ListenerStats s = receiver->stats().at(0);
    return s.messages + s.udp_lost_queue + s.udp_lost_kernel;
  };
  for (uint64_t i = 1; i <= 5; ++i) {
    send_datagram(sender.get(), to, fmt::format("d{}", i));
    REQUIRE(eventually([&] { return handled() == i; }));  // one datagram per batch
  }
  CHECK(texts(pop_messages(queue, 1)) == Strings{"#1 @0+2 \"d1\""});
  send_datagram(sender.get(), to, "d6");
  CHECK(texts(pop_messages(queue, 1)) == Strings{"#6 @10+2 \"d6\""});
  CHECK(stop_and_drain(*receiver, queue).empty());
  ListenerStats s = receiver->stats().at(0);
  CHECK(s.messages == 2);
  CHECK(s.udp_lost_queue == 4);
  CHECK(s.udp_lost_kernel == 0);
  CHECK(s.messages + s.udp_lost_queue + s.udp_lost_kernel == 6);
}

}  // namespace
}  // namespace strictlog
