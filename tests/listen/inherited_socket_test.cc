// Receivers given open sockets (ListenAddress::fd), as systemd passes them: a listening TCP socket and a bound
// UDP one are adopted (their address read back, their messages received), and every socket that cannot be a
// listener of its protocol is refused with the reason, without being bound again or leaking.
#include <catch2/catch.hpp>
#include <fcntl.h>

#include <functional>
#include <string>
#include <vector>

#include "listen/loopback.h"
#include "listen/receiver.h"

namespace strictlog {
namespace {

using namespace testing;
using Strings = std::vector<std::string>;

// A socket of `type` bound to `host`:0, listening when `listen_too`; a bare descriptor, as systemd passes it,
// for the receiver to own.
int bound_socket(const std::string& host, int type, bool listen_too) {
  SocketAddress a = socket_address(host, 0);
  int fd = socket(a.family(), type, 0);
  REQUIRE(fd >= 0);
  REQUIRE(bind(fd, reinterpret_cast<const sockaddr*>(&a.storage), a.size) == 0);
  if (listen_too) REQUIRE(listen(fd, 16) == 0);
  return fd;
}

uint16_t port_of(int fd) {
  std::string name = local_name(fd);
  return static_cast<uint16_t>(std::stoul(name.substr(name.rfind(':') + 1)));
}

ListenAddress inherited(ListenAddress::Protocol protocol, int fd) {
  ListenAddress a;
  a.protocol = protocol;
  a.fd = fd;
  return a;
}

bool is_open(int fd) { return fcntl(fd, F_GETFD) != -1; }

TEST_CASE("an inherited listening TCP socket is adopted with its address read back", "[listen][inherited]") {
  for (const std::string host : {"127.0.0.1", "::1"}) {
    INFO(host);
    const int fd = bound_socket(host, SOCK_STREAM, true);
    const uint16_t port = port_of(fd);
    MessageQueue queue(100, 1 << 20);
    auto receiver = open_receiver({inherited(ListenAddress::Protocol::kTcp, fd)}, {}, queue);
    const ListenAddress bound = receiver->addresses().at(0);
    CHECK(bound.host == host);
    CHECK(bound.port == port);
    CHECK(receiver->stats().at(0).address ==
          (host == "::1" ? fmt::format("tcp://[::1]:{}", port) : fmt::format("tcp://127.0.0.1:{}", port)));
    REQUIRE(receiver->start().ok());
    Fd client = connect_tcp(bound);
    send_all(client.get(), "5 hello");
    CHECK(texts(pop_messages(queue, 1)) == Strings{"#1 @2+5 \"hello\""});
    client.reset();
    stop_and_drain(*receiver, queue);
  }
}

TEST_CASE("an inherited bound UDP socket is adopted with its address read back", "[listen][inherited]") {
  const int fd = bound_socket("127.0.0.1", SOCK_DGRAM, false);
  const uint16_t port = port_of(fd);
  MessageQueue queue(100, 1 << 20);
  auto receiver = open_receiver({inherited(ListenAddress::Protocol::kUdp, fd)}, {}, queue);
  const ListenAddress bound = receiver->addresses().at(0);
  CHECK(bound.host == "127.0.0.1");
  CHECK(bound.port == port);
  CHECK(receiver->stats().at(0).address == fmt::format("udp://127.0.0.1:{}", port));
  REQUIRE(receiver->start().ok());
  Fd sender = udp_socket(AF_INET);
  send_datagram(sender.get(), socket_address("127.0.0.1", port), "hello\n");
  CHECK(texts(pop_messages(queue, 1)) == Strings{"#1 @0+5 \"hello\""});
  stop_and_drain(*receiver, queue);
}

TEST_CASE("an inherited socket that cannot be its protocol's listener is refused and closed",
          "[listen][inherited]") {
  struct Case {
    std::string what;
    ListenAddress::Protocol protocol;
    std::function<int()> make;  // the socket, open
    std::string error;          // after `cannot adopt socket N as P: it `
  };
  const std::vector<Case> cases = {
      {"a listening stream socket as udp", ListenAddress::Protocol::kUdp,
       [] { return bound_socket("127.0.0.1", SOCK_STREAM, true); }, "is a stream socket, not datagram"},
      {"a datagram socket as tcp", ListenAddress::Protocol::kTcp,
       [] { return bound_socket("127.0.0.1", SOCK_DGRAM, false); }, "is a datagram socket, not stream"},
      // systemd's Accept=yes passes connections, not listening sockets
      {"a bound stream socket that does not listen", ListenAddress::Protocol::kTcp,
       [] { return bound_socket("127.0.0.1", SOCK_STREAM, false); },
       "is a stream socket that is not listening"},
      {"an unbound datagram socket", ListenAddress::Protocol::kUdp, [] { return socket(AF_INET, SOCK_DGRAM, 0); },
       "is a datagram socket that is not bound"},
      {"a unix stream socket", ListenAddress::Protocol::kTcp, [] { return socket(AF_UNIX, SOCK_STREAM, 0); },
       "is a unix socket, not IPv4 or IPv6"},
      {"a pipe", ListenAddress::Protocol::kTcp,
       [] {
         int ends[2];
         REQUIRE(pipe(ends) == 0);
         close(ends[1]);
         return ends[0];
       },
       "is not a socket"},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    const int fd = c.make();
    REQUIRE(fd >= 0);
    MessageQueue queue(100, 1 << 20);
    auto opened = Receiver::open({inherited(c.protocol, fd)}, {}, queue);
    REQUIRE(!opened.ok());
    REQUIRE(opened.errors().size() == 1);
    const std::string scheme = c.protocol == ListenAddress::Protocol::kTcp ? "tcp" : "udp";
    CHECK(opened.errors()[0].code == "bad-socket");
    CHECK(opened.errors()[0].message == fmt::format("cannot adopt socket {} as {}: it {}", fd, scheme, c.error));
    CHECK(!is_open(fd));  // owned by the receiver from open() on, even refused
  }
}

TEST_CASE("inherited_socket_problem says a closed descriptor is not open", "[listen][inherited]") {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  close(fd);
  CHECK(inherited_socket_problem(fd, ListenAddress::Protocol::kTcp) == "is not an open file descriptor");
}

}  // namespace
}  // namespace strictlog
