// `strictlog serve` with TLS listeners and the per-peer rate limit, through the built binary: a real OpenSSL
// client (tests/listen/tls_client.h) with and without a client certificate, the options through a --config
// file, the log records of the listeners' events in text and JSON, the summary's new counts, and the startup
// errors of the options and of the certificate files.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "cli/serve_harness.h"
#include "listen/tls_client.h"

namespace strictlog {
namespace {

using namespace serve_test;
using testing::cert_file;
using testing::TlsClient;

const std::string kLine =
    "<30>Nov 22 10:41:07 vpn-gw1 openvpn[1187]: 198.51.100.7:51234 TLS Error: TLS handshake failed";

ListenAddress tls_at(uint16_t port) { return ListenAddress{ListenAddress::Protocol::kTls, "127.0.0.1", port}; }

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST_CASE("serve over TLS accepts a client with a certificate and logs and counts one without", "[cli][tls]") {
  Sandbox box;
  Serve serve = start_serve(box, mini({"--tls", "127.0.0.1:0", "--tls-cert", cert_file("server.pem"), "--tls-key",
                                       cert_file("server.key"), "--tls-ca", cert_file("ca.pem"), "--tls-verify-client",
                                       "--tls-allowed-subject", "*.example.org", "--format", "jsonl", "--out",
                                       "events.jsonl", "--quarantine", "q.jsonl"}));
  REQUIRE(serve.listeners.size() == 1);
  const std::string& url = serve.listeners[0];
  CHECK(std::regex_match(url, std::regex("tls://127\\.0\\.0\\.1:[1-9][0-9]*")));
  const std::string frame = std::to_string(kLine.size()) + " " + kLine;
  std::string bare_peer, other_peer;
  {
    TlsClient client(tls_at(serve.port(0)), {"client.pem", "client.key"});
    REQUIRE(client.handshake());
    REQUIRE(client.send(frame + frame));
    TlsClient bare(tls_at(serve.port(0)));
    bare_peer = local_address(bare.fd());
    CHECK(bare.server_state(5000ms) == "closed");
    TlsClient other(tls_at(serve.port(0)), {"other.pem", "other.key"});
    other_peer = local_address(other.fd());
    CHECK(other.server_state(5000ms) == "closed");
    client.close();
  }
  wait_connections_closed(serve.port(0));
  Run r = serve.stop();
  INFO(r.err);
  CHECK(r.status == 0);
  CHECK(contains(r.err, fmt::format("strictlog serve: TLS handshake failed on {} from {}: peer did not return a "
                                    "certificate\n",
                                    url, bare_peer)));
  CHECK(contains(r.err, fmt::format("strictlog serve: TLS handshake failed on {} from {}: client certificate subject "
                                    "'CN=other,O=strictlog test' (DNS names: other.example.net) is not allowed\n",
                                    url, other_peer)));
  CHECK(contains(r.err, fmt::format("\n  listener {}: accepted 2, {} bytes, connections 3 (refused 0, idle-closed 0), "
                                    "tls handshake failures 2\n",
                                    url, 2 * frame.size())));
  CHECK(contains(r.err, "\n  accepted 2 == events "));
  CHECK(contains(r.err, ": ok\n"));
  CHECK(split_lines(read_all(box / "events.jsonl")).size() + split_lines(read_all(box / "q.jsonl")).size() == 2);
}

TEST_CASE("serve takes its TLS options from a config file and logs a handshake timeout as JSON", "[cli][tls]") {
  Sandbox box;
  write_file(box / "serve.toml", fmt::format("tls = [\"127.0.0.1:0\"]\n"
                                             "tls-cert = \"{}\"\n"
                                             "tls-key = \"{}\"\n"
                                             "tls-handshake-timeout = 0.2\n"
                                             "log-format = \"json\"\n"
                                             "ready-file = \"ready.txt\"\n",
                                             cert_file("server.pem"), cert_file("server.key")));
  Serve serve = start_serve_ready_at(box, mini({"--config", "serve.toml", "--out", "events.pb"}), "ready.txt");
  REQUIRE(serve.listeners.size() == 1);
  int fd = connect_tcp(serve.port(0));
  std::string peer = local_address(fd);
  CHECK(testing::peer_state(fd, 5000ms) == "closed");  // closed by serve after 0.2 s without a handshake
  ::close(fd);
  Run r = serve.stop();
  INFO(r.err);
  CHECK(r.status == 0);
  std::string record;
  for (const auto& line : split_lines(r.err)) {
    if (contains(line, "\"code\":\"tls_handshake_failed\"")) record = line;
  }
  CHECK(contains(record, "\"level\":\"warning\""));
  CHECK(contains(record, fmt::format("\"listener\":\"{}\"", serve.listeners[0])));
  CHECK(contains(record, fmt::format("\"peer\":\"{}\"", peer)));
  CHECK(contains(record, "\"reason\":\"no TLS handshake within 0.2 s\""));
}

TEST_CASE("serve refuses TLS and rate-limit options that do not go together as usage errors", "[cli][tls]") {
  const std::string cert = cert_file("server.pem"), key = cert_file("server.key");
  struct Case {
    std::vector<std::string> args;
    std::string error;
  };
  const std::vector<Case> cases = {
      {{"--tls", "127.0.0.1:0"}, "--tls needs --tls-cert and --tls-key"},
      {{"--tls", "127.0.0.1:0", "--tls-cert", cert}, "--tls needs --tls-cert and --tls-key"},
      {{"--tls", "127.0.0.1:0", "--tls-cert", cert, "--tls-key", key, "--tls-verify-client"},
       "--tls-verify-client needs --tls-ca"},
      {{"--tls", "127.0.0.1:0", "--tls-cert", cert, "--tls-key", key, "--tls-allowed-subject", "a.example.org"},
       "--tls-allowed-subject needs --tls-verify-client"},
      {{"--tcp", "127.0.0.1:0", "--tls-cert", cert, "--tls-key", key}, "--tls-cert needs --tls"},
      {{"--tcp", "127.0.0.1:0", "--rate-limit-burst", "10"}, "--rate-limit-burst needs --rate-limit"},
      {{"--tls", "localhost:6514", "--tls-cert", cert, "--tls-key", key},
       "'localhost:6514' is not HOST:PORT with HOST an IP address (e.g. 127.0.0.1:514 or [::1]:514)"},
  };
  for (const Case& c : cases) {
    Sandbox box;
    std::vector<std::string> args = {"serve"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    Run r = run_strictlog(box, with_rules(args));
    INFO(r.err);
    CHECK(r.status == 1);
    CHECK(r.err == "strictlog serve: " + c.error + "\n");
  }
}

TEST_CASE("serve reports every unusable certificate file at startup and exits", "[cli][tls]") {
  Sandbox box;
  Run r = run_strictlog(box, with_rules({"serve", "--tls", "127.0.0.1:0", "--tls-cert", "/nonexistent/server.pem",
                                         "--tls-key", cert_file("server.pem"), "--tls-ca", "/nonexistent/ca.pem",
                                         "--tls-verify-client", "--out", "events.pb"}));
  CHECK(r.status == 3);
  CHECK(r.err == fmt::format("strictlog serve: cannot read TLS certificate '/nonexistent/server.pem': No such file or "
                             "directory\n"
                             "strictlog serve: TLS key '{}' holds no PEM private key (an encrypted key is not "
                             "supported)\n"
                             "strictlog serve: cannot read TLS CA file '/nonexistent/ca.pem': No such file or "
                             "directory\n",
                             cert_file("server.pem")));
  Run mismatch = run_strictlog(box, with_rules({"serve", "--tls", "127.0.0.1:0", "--tls-cert", cert_file("server.pem"),
                                                "--tls-key", cert_file("client.key"), "--out", "events.pb"}));
  CHECK(mismatch.status == 3);
  CHECK(mismatch.err == fmt::format("strictlog serve: TLS key '{}' does not match certificate '{}'\n",
                                    cert_file("client.key"), cert_file("server.pem")));
}

// Exact accounting with a limit: every datagram sent is either accepted or counted as rate-limited, and every
// accepted one is in the outputs.
TEST_CASE("serve with a rate limit drops UDP datagrams over it and counts and logs them", "[cli][rate]") {
  Sandbox box;
  Serve serve = start_serve(box, mini({"--udp", "127.0.0.1:0", "--tcp", "127.0.0.1:0", "--rate-limit", "10",
                                       "--rate-limit-burst", "20", "--udp-rcvbuf", "4194304", "--format", "jsonl",
                                       "--out", "events.jsonl", "--quarantine", "q.jsonl"}));
  const std::string tcp = serve.listeners.at(0), udp = serve.listeners.at(1);  // serve's order: TCP, UDP, TLS
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(serve.port(1));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const int sent = 100;
  for (int i = 0; i < sent; ++i) {
    REQUIRE(::sendto(fd, kLine.data(), kLine.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) ==
            static_cast<ssize_t>(kLine.size()));
  }
  ::close(fd);
  Run r = serve.stop();  // the UDP socket is read to its end before serve stops
  INFO(r.err);
  CHECK(r.status == 0);
  std::smatch m;
  REQUIRE(std::regex_search(r.err, m,
                            std::regex(fmt::format("\n  listener {}: accepted (\\d+), \\d+ bytes, "
                                                   "udp_lost_queue 0, udp_lost_kernel 0, rate-limited (\\d+)\n",
                                                   std::regex_replace(udp, std::regex("[.]"), "\\.")))));
  uint64_t accepted = std::stoull(m[1]), limited = std::stoull(m[2]);
  CHECK(accepted + limited == sent);
  CHECK(accepted >= 20);
  CHECK(limited > 0);
  CHECK(contains(r.err, fmt::format("\n  listener {}: accepted 0, 0 bytes, connections 0 (refused 0, idle-closed 0), "
                                    "rate-limited 0\n",
                                    tcp)));
  CHECK(contains(r.err, fmt::format("\n  accepted {} == events ", accepted)));
  CHECK(contains(r.err, ": ok\n"));
  CHECK(contains(r.err, fmt::format("strictlog serve: peer 127.0.0.1 went over the rate limit of 10 messages/s (burst "
                                    "20) on {}\n",
                                    udp)));
  CHECK(std::regex_search(r.err, std::regex(fmt::format("strictlog serve: peer 127\\.0\\.0\\.1 is back under the rate "
                                                        "limit on {}: dropped {} datagrams, paused reading 0 times in "
                                                        "[0-9]+\\.[0-9] s\n",
                                                        std::regex_replace(udp, std::regex("[.]"), "\\."), limited))));
  CHECK(split_lines(read_all(box / "events.jsonl")).size() + split_lines(read_all(box / "q.jsonl")).size() ==
        accepted);
}

}  // namespace
}  // namespace strictlog
