// The Receiver's TLS listeners (RFC 5425) with a real OpenSSL client on loopback: frames over TLS records,
// client certificates required, refused and allowed by subject, an old protocol version, a client that never
// handshakes, bytes that are not TLS, the drain at shutdown, and the startup errors of the certificate files.
#include <catch2/catch.hpp>

#include <regex>
#include <string>
#include <vector>

#include "listen/internal/allowed_subject.h"
#include "listen/loopback.h"
#include "listen/receiver.h"
#include "listen/tls_client.h"

namespace strictlog {
namespace {

using namespace std::chrono_literals;
using namespace testing;
using Strings = std::vector<std::string>;

// One receiver on tls://127.0.0.1:<any port>, its events collected, started.
struct TlsServer {
  explicit TlsServer(TlsSettings tls = server_tls(), ReceiverLimits limits = {})
      : queue(1000, 1 << 20) {
    auto opened = Receiver::open({tls_loopback()}, limits, queue, tls);
    if (!opened.ok()) FAIL(render(opened.errors()));
    receiver = std::move(opened).value();
    receiver->set_event_hook(events.hook());
    REQUIRE(receiver->start().ok());
    address = receiver->addresses().at(0);
    name = fmt::format("tls://127.0.0.1:{}", address.port);
  }
  ListenerStats stats() const { return receiver->stats().at(0); }

  EventLog events;
  MessageQueue queue;
  std::unique_ptr<Receiver> receiver;
  ListenAddress address;
  std::string name;
};

TEST_CASE("tls: octet-counted and LF-framed messages arrive with the listener's name and are counted",
          "[listen][tls]") {
  TlsServer server;
  TlsClient client(server.address);
  REQUIRE(client.handshake());
  REQUIRE(client.send("5 hello11 hello world"));
  std::vector<Received> got = pop_messages(server.queue, 2);
  CHECK(texts(got) == Strings{"#1 @2+5 \"hello\"", "#2 @10+11 \"hello world\""});
  REQUIRE(got.size() == 2);
  CHECK(got[0].input->name == server.name);
  CHECK(got[0].input->peer == local_name(client.fd()));
  CHECK(std::regex_match(got[0].input->connection, std::regex("[1-9][0-9]{15}\\.1")));
  TlsClient lf(server.address);
  REQUIRE(lf.handshake());
  REQUIRE(lf.send("first\nsecond\n"));
  CHECK(texts(pop_messages(server.queue, 2)) == Strings{"#1 @0+5 \"first\"", "#2 @6+6 \"second\""});
  client.close();
  lf.close();
  CHECK(stop_and_drain(*server.receiver, server.queue).empty());
  ListenerStats s = server.stats();
  CHECK(s.address == server.name);
  CHECK(s.messages == 4);
  CHECK(s.bytes == 21 + 13);  // the decrypted stream's bytes
  CHECK(s.connections_accepted == 2);
  CHECK(s.connections_open == 0);
  CHECK(s.tls_handshake_failures == 0);
  CHECK(server.events.lines().empty());
}

TEST_CASE("tls: an octet-counted frame split across TLS records is one message", "[listen][tls]") {
  TlsServer server;
  TlsClient client(server.address);
  REQUIRE(client.handshake());
  REQUIRE(client.send("1"));  // each send() is a TLS record of its own
  REQUIRE(client.send("2 hel"));
  REQUIRE(client.send("lo world!3 a"));
  REQUIRE(client.send("bc"));
  CHECK(texts(pop_messages(server.queue, 2)) == Strings{"#1 @3+12 \"hello world!\"", "#2 @17+3 \"abc\""});
  // A frame of several TLS records (16 KiB each at most).
  std::string big(50000, 'x');
  REQUIRE(client.send(fmt::format("{} {}", big.size(), big)));
  std::vector<Received> got = pop_messages(server.queue, 1);
  REQUIRE(got.size() == 1);
  CHECK(got[0].text == fmt::format("#3 @26+50000 \"{}\"", big));
}

TEST_CASE("tls: a client without a certificate fails its handshake and another connection keeps delivering",
          "[listen][tls]") {
  TlsServer server(server_tls(true));
  TlsClient good(server.address, {"client.pem", "client.key"});
  REQUIRE(good.handshake());
  REQUIRE(good.send("3 one"));
  CHECK(texts(pop_messages(server.queue, 1)) == Strings{"#1 @2+3 \"one\""});
  TlsClient bare(server.address);
  std::string bare_peer = local_name(bare.fd());
  CHECK(bare.server_state(5000ms) == "closed");
  CHECK(eventually([&] { return server.stats().tls_handshake_failures == 1; }));
  REQUIRE(good.send("3 two"));
  CHECK(texts(pop_messages(server.queue, 1)) == Strings{"#2 @7+3 \"two\""});
  CHECK(server.events.lines() ==
        Strings{fmt::format("tls_handshake_failed {} {}: peer did not return a certificate", server.name, bare_peer)});
  CHECK(eventually([&] { return server.stats().connections_open == 1; }));
  CHECK(server.stats().connections_accepted == 2);  // counted when accepted, before the handshake
}

TEST_CASE("tls: a client certificate of a CA the server does not know is refused", "[listen][tls]") {
  TlsServer server(server_tls(true));
  TlsClient stranger(server.address, {"stranger.pem", "stranger.key"});
  std::string peer = local_name(stranger.fd());
  CHECK(stranger.server_state(5000ms) == "closed");
  CHECK(eventually([&] { return server.events.size() == 1; }));
  CHECK(server.events.lines() ==
        Strings{fmt::format("tls_handshake_failed {} {}: certificate verify failed: unable to get local issuer "
                            "certificate",
                            server.name, peer)});
  CHECK(server.stats().tls_handshake_failures == 1);
  CHECK(server.stats().messages == 0);
}

TEST_CASE("tls: the allow-list takes a subject that matches and refuses one that does not", "[listen][tls]") {
  TlsServer server(server_tls(true, {"*.EXAMPLE.org", "client.example.com"}));
  TlsClient allowed(server.address, {"client.pem", "client.key"});  // DNS:client.example.org
  REQUIRE(allowed.handshake());
  REQUIRE(allowed.send("2 ok"));
  CHECK(texts(pop_messages(server.queue, 1)) == Strings{"#1 @2+2 \"ok\""});
  TlsClient refused(server.address, {"other.pem", "other.key"});  // DNS:other.example.net
  std::string peer = local_name(refused.fd());
  CHECK(refused.server_state(5000ms) == "closed");
  CHECK(eventually([&] { return server.events.size() == 1; }));
  CHECK(server.events.lines() ==
        Strings{fmt::format("tls_handshake_failed {} {}: client certificate subject 'CN=other,O=strictlog test' (DNS "
                            "names: other.example.net) is not allowed",
                            server.name, peer)});
  CHECK(server.stats().tls_handshake_failures == 1);
}

// PermittedPeer's forms (rsyslog, imtcp/gtls): an exact name, or `*.` and one leftmost label; with near misses.
TEST_CASE("tls: allowed subject patterns match one leftmost label and ignore case", "[listen][tls]") {
  using listen_internal::subject_allowed;
  struct Case {
    std::string pattern, name;
    bool allowed;
  };
  const std::vector<Case> cases = {
      {"client.example.org", "client.example.org", true},
      {"client.example.org", "CLIENT.Example.ORG", true},
      {"client.example.org", "client.example.org.", false},  // a trailing dot is another name
      {"client.example.org", "lient.example.org", false},
      {"*.example.org", "a.example.org", true},
      {"*.example.org", "A.EXAMPLE.ORG", true},
      {"*.example.org", "example.org", false},        // no label where the star is
      {"*.example.org", ".example.org", false},       // an empty label
      {"*.example.org", "a.b.example.org", false},    // one label only
      {"*.example.org", "a.example.org.evil", false},
      {"*.example.org", "aexample.org", false},
      {"*", "anything", false},                       // a lone star is not a pattern, only its own name
      {"*", "*", true},
  };
  for (const Case& c : cases) {
    INFO(c.pattern << " vs " << c.name);
    CHECK(subject_allowed({c.pattern}, {c.name}) == c.allowed);
  }
  CHECK(subject_allowed({"x.example.net", "*.example.org"}, {"a.example.net", "b.example.org"}));
  CHECK_FALSE(subject_allowed({}, {"a.example.org"}));
}

TEST_CASE("tls: a TLS 1.1 client is refused", "[listen][tls]") {
  TlsServer server;
  TlsClient old(server.address, {"", "", TLS1_1_VERSION});
  CHECK_FALSE(old.handshake());
  CHECK(eventually([&] { return server.events.size() == 1; }));
  CHECK(server.events.lines() ==
        Strings{fmt::format("tls_handshake_failed {} {}: unsupported protocol", server.name, local_name(old.fd()))});
  CHECK(server.stats().tls_handshake_failures == 1);
}

TEST_CASE("tls: a client that never handshakes is closed after the handshake timeout and counted",
          "[listen][tls]") {
  TlsSettings tls = server_tls();
  tls.handshake_timeout = 300ms;
  TlsServer server(tls);
  Fd silent = connect_tcp(server.address);
  CHECK(peer_state(silent.get(), 5000ms) == "closed");
  CHECK(eventually([&] { return server.stats().tls_handshake_failures == 1; }));
  CHECK(server.events.lines() == Strings{fmt::format("tls_handshake_failed {} {}: no TLS handshake within 0.3 s",
                                                     server.name, local_name(silent.get()))});
  CHECK(eventually([&] { return server.stats().connections_open == 0; }));
}

TEST_CASE("tls: a connection in its handshake holds a slot and one over max_connections is refused and reported",
          "[listen][tls]") {
  ReceiverLimits limits;
  limits.max_connections = 1;
  TlsServer server(server_tls(), limits);
  Fd silent = connect_tcp(server.address);  // no handshake yet: it holds the one slot
  REQUIRE(eventually([&] { return server.stats().connections_accepted == 1; }));
  TlsClient refused(server.address);
  CHECK_FALSE(refused.handshake());
  CHECK(eventually([&] { return server.stats().connections_refused == 1; }));
  CHECK(server.events.lines() == Strings{fmt::format("connection_refused {} {}: the maximum of 1 open connections is "
                                                     "reached",
                                                     server.name, local_name(refused.fd()))});
  CHECK(server.stats().tls_handshake_failures == 0);
}

TEST_CASE("tls: bytes that are not TLS fail the handshake of their connection only", "[listen][tls]") {
  TlsServer server;
  TlsClient good(server.address);
  REQUIRE(good.handshake());
  Fd garbage = connect_tcp(server.address);
  send_all(garbage.get(), "<13>Nov 22 10:00:00 host app: plain syslog to a TLS port\n");
  CHECK(peer_state(garbage.get(), 5000ms) != "open");
  CHECK(eventually([&] { return server.events.size() == 1; }));
  CHECK(server.events.lines() == Strings{fmt::format("tls_handshake_failed {} {}: wrong version number", server.name,
                                                     local_name(garbage.get()))});
  REQUIRE(good.send("5 after"));
  CHECK(texts(pop_messages(server.queue, 1)) == Strings{"#1 @2+5 \"after\""});
  CHECK(server.stats().tls_handshake_failures == 1);
}

TEST_CASE("tls: stop reads open TLS connections until their peers close", "[listen][tls]") {
  TlsServer server;
  TlsClient client(server.address);
  REQUIRE(client.handshake());
  REQUIRE(client.send("6 before"));
  CHECK(texts(pop_messages(server.queue, 1)) == Strings{"#1 @2+6 \"before\""});
  server.receiver->stop();
  REQUIRE(client.send("5 after3 end"));
  client.close();
  CHECK(texts(pop_until_closed(server.queue)) == Strings{"#2 @10+5 \"after\"", "#3 @17+3 \"end\""});
  REQUIRE(server.queue.closed_and_empty());
  server.receiver->join();
  CHECK(server.stats().messages == 3);
  CHECK(server.stats().connections_open == 0);
  CHECK(server.stats().tls_handshake_failures == 0);
}

// Each error's code and message.
Strings messages(const Diagnostics& errors) {
  Strings out;
  for (const auto& d : errors) out.push_back(d.code + ": " + d.message);
  return out;
}

TEST_CASE("tls: the certificate files' errors are collected with their exact text", "[listen][tls]") {
  MessageQueue queue(10, 1000);
  SECTION("files that cannot be read") {
    TlsSettings tls;
    tls.certificate = "/nonexistent/server.pem";
    tls.key = "/nonexistent/server.key";
    tls.ca = "/nonexistent/ca.pem";
    auto opened = Receiver::open({tls_loopback()}, {}, queue, tls);
    REQUIRE_FALSE(opened.ok());
    CHECK(messages(opened.errors()) ==
          Strings{"tls-config: cannot read TLS certificate '/nonexistent/server.pem': No such file or directory",
                  "tls-config: cannot read TLS key '/nonexistent/server.key': No such file or directory",
                  "tls-config: cannot read TLS CA file '/nonexistent/ca.pem': No such file or directory"});
  }
  SECTION("a key of another certificate, and files that hold no PEM") {
    TlsSettings tls = server_tls();
    tls.key = cert_file("client.key");
    auto opened = Receiver::open({tls_loopback()}, {}, queue, tls);
    REQUIRE_FALSE(opened.ok());
    CHECK(messages(opened.errors()) ==
          Strings{fmt::format("tls-config: TLS key '{}' does not match certificate '{}'", tls.key, tls.certificate)});
    tls.certificate = cert_file("server.key");
    tls.key = cert_file("server.pem");
    tls.ca = cert_file("client.key");
    opened = Receiver::open({tls_loopback()}, {}, queue, tls);
    REQUIRE_FALSE(opened.ok());
    CHECK(messages(opened.errors()) ==
          Strings{fmt::format("tls-config: TLS certificate '{}' holds no PEM certificate", tls.certificate),
                  fmt::format("tls-config: TLS key '{}' holds no PEM private key (an encrypted key is not supported)",
                              tls.key),
                  fmt::format("tls-config: TLS CA file '{}' holds no PEM certificate", tls.ca)});
  }
  SECTION("bind errors are collected with them") {
    TlsSettings tls = server_tls();
    tls.certificate = "/nonexistent/server.pem";
    ListenAddress taken = tls_loopback();
    taken.host = "192.0.2.1";  // TEST-NET-1: not an address of this host
    auto opened = Receiver::open({taken}, {}, queue, tls);
    REQUIRE_FALSE(opened.ok());
    CHECK(messages(opened.errors()) ==
          Strings{"tls-config: cannot read TLS certificate '/nonexistent/server.pem': No such file or directory",
                  "bind-failed: cannot listen on tls://192.0.2.1:0: Cannot assign requested address"});
  }
  SECTION("without a TLS listener the files are not read") {
    TlsSettings tls;
    tls.certificate = "/nonexistent/server.pem";
    CHECK(Receiver::open({tcp_loopback()}, {}, queue, tls).ok());
  }
}

}  // namespace
}  // namespace strictlog
