// metrics/http_endpoint.h over real loopback sockets: what a scraper and what a bad client get.
#include "metrics/http_endpoint.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <atomic>

#include "listen/loopback.h"

namespace strictlog {
namespace {

using namespace testing;

// Reads until the server closes the connection (bounded: 5 s).
std::string read_to_end(int fd) {
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + 5s;
  char buffer[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return out;
    out.append(buffer, static_cast<size_t>(n));
  }
  FAIL("the endpoint did not close the connection within 5 s");
  return out;
}

struct Running {
  std::unique_ptr<MetricsEndpoint> endpoint;
  ListenAddress address;
  std::atomic<int> renders{0};
};

std::unique_ptr<Running> start_endpoint() {
  auto r = std::make_unique<Running>();
  auto opened = MetricsEndpoint::open(ListenAddress{ListenAddress::Protocol::kTcp, "127.0.0.1", 0},
                                      [raw = r.get()] {
                                        int n = ++raw->renders;
                                        return fmt::format("# HELP up Up.\n# TYPE up gauge\nup {}\n", n);
                                      });
  REQUIRE(opened.ok());
  r->endpoint = std::move(*opened);
  std::string url = r->endpoint->url();
  REQUIRE(url.rfind("http://127.0.0.1:", 0) == 0);
  REQUIRE(url.size() > 25);
  REQUIRE(url.substr(url.size() - 8) == "/metrics");
  r->address = ListenAddress{ListenAddress::Protocol::kTcp, "127.0.0.1",
                             static_cast<uint16_t>(std::stoi(url.substr(17, url.size() - 25)))};
  REQUIRE(r->endpoint->start().ok());
  return r;
}

std::string exchange(const ListenAddress& address, std::string_view request) {
  Fd fd = connect_tcp(address);
  send_all(fd.get(), request);
  return read_to_end(fd.get());
}

TEST_CASE("GET /metrics answers the rendered text as Prometheus text 0.0.4", "[metrics]") {
  auto r = start_endpoint();
  CHECK(exchange(r->address, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n") ==
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: 35\r\n"
        "Connection: close\r\nCache-Control: no-store\r\n\r\n"
        "# HELP up Up.\n# TYPE up gauge\nup 1\n");
  // Each scrape renders anew; a query string is ignored.
  CHECK(exchange(r->address, "GET /metrics?x=1 HTTP/1.0\r\n\r\n").find("\r\n\r\n# HELP up Up.\n# TYPE up gauge\nup 2\n") !=
        std::string::npos);
  CHECK(r->renders == 2);
}

TEST_CASE("HEAD gets the head only and other paths and methods are refused", "[metrics]") {
  auto r = start_endpoint();
  CHECK(exchange(r->address, "HEAD /metrics HTTP/1.1\r\n\r\n") ==
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: 35\r\n"
        "Connection: close\r\nCache-Control: no-store\r\n\r\n");
  CHECK(exchange(r->address, "GET / HTTP/1.1\r\n\r\n") ==
        "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 39\r\n"
        "Connection: close\r\nCache-Control: no-store\r\n\r\nnot found: the metrics are at /metrics\n");
  CHECK(exchange(r->address, "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n") ==
        "HTTP/1.1 405 Method Not Allowed\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 18\r\n"
        "Allow: GET, HEAD\r\nConnection: close\r\nCache-Control: no-store\r\n\r\nonly GET and HEAD\n");
  CHECK(exchange(r->address, "hello\n\n") ==
        "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 20\r\n"
        "Connection: close\r\nCache-Control: no-store\r\n\r\nnot an HTTP request\n");
  CHECK(r->renders == 1);  // HEAD renders (for Content-Length); the refused requests do not
}

TEST_CASE("a request head over 8 KiB is refused and the endpoint goes on", "[metrics]") {
  auto r = start_endpoint();
  std::string huge = "GET /metrics HTTP/1.1\r\nX-Pad: " + std::string(9000, 'a');
  Fd fd = connect_tcp(r->address);
  send_all(fd.get(), huge);
  CHECK(read_to_end(fd.get()) ==
        "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Length: 24\r\nConnection: close\r\nCache-Control: no-store\r\n\r\nrequest head over 8 KiB\n");
  CHECK(exchange(r->address, "GET /metrics HTTP/1.1\r\n\r\n").find(" 200 OK\r\n") != std::string::npos);
}

TEST_CASE("idle connections beyond 16 are closed at once while scrapes still succeed", "[metrics]") {
  auto r = start_endpoint();
  std::vector<Fd> idle;
  for (int i = 0; i < 16; ++i) idle.push_back(connect_tcp(r->address));
  // The 17th is closed without an answer (after the 16 are accepted: wait until it is).
  Fd extra = connect_tcp(r->address);
  CHECK(read_to_end(extra.get()).empty());
  idle.clear();  // the server notices the closes and frees their slots
  auto deadline = std::chrono::steady_clock::now() + 5s;
  std::string answer;
  while (std::chrono::steady_clock::now() < deadline) {
    answer = exchange(r->address, "GET /metrics HTTP/1.1\r\n\r\n");
    if (!answer.empty()) break;
    std::this_thread::sleep_for(20ms);
  }
  CHECK(answer.find(" 200 OK\r\n") != std::string::npos);
}

TEST_CASE("an address in use is an error naming it", "[metrics]") {
  auto r = start_endpoint();
  auto second = MetricsEndpoint::open(r->address, [] { return std::string(); });
  REQUIRE_FALSE(second.ok());
  CHECK(second.errors().front().code == "bind-failed");
  CHECK(second.errors().front().message ==
        fmt::format("cannot listen on http://127.0.0.1:{}: Address already in use", r->address.port));
}

}  // namespace
}  // namespace strictlog
