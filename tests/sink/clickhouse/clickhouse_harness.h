// Test helpers for the clickhouse tests: queries over HTTP to the shared test server (the ctest fixture
// `clickhouse`, STRICTLOG_CLICKHOUSE_HTTP), a database of each test's own, and a private server that a test
// may stop and start (tools/clickhouse, on free loopback ports).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "sink/internal/http_client.h"

namespace strictlog::clickhouse_test {

// The shared test server's HTTP port; the tests fail, loudly, without it.
inline int shared_port() {
  const char* port = std::getenv("STRICTLOG_CLICKHOUSE_HTTP");
  if (port == nullptr) FAIL("STRICTLOG_CLICKHOUSE_HTTP is not set: run through ctest (fixture clickhouse)");
  return std::atoi(port);
}

// Statements and queries over HTTP; every answer must be 200.
class Server {
 public:
  explicit Server(int port) : port_(port), http_("http://127.0.0.1:" + std::to_string(port)) {}
  int port() const { return port_; }
  std::string url(const std::string& database, const std::string& query = "") const {
    return "clickhouse://127.0.0.1:" + std::to_string(port_) + "/" + database + query;
  }
  std::string query(const std::string& sql) {
    sink_internal::HttpResponse r = http_.post("/", sql);
    INFO(sql);
    INFO(r.error << r.body);
    REQUIRE(r.status == 200);
    return r.body;
  }
  // SELECT count() FROM db.table, 0 when the table does not exist.
  uint64_t count(const std::string& database, const std::string& table) {
    std::string exists = query("EXISTS TABLE " + database + "." + table);
    if (exists.rfind("1", 0) != 0) return 0;
    return std::stoull(query("SELECT count() FROM " + database + "." + table));
  }
  // Rows in every table of `database`.
  uint64_t total(const std::string& database) {
    uint64_t sum = 0;
    std::string tables = query("SELECT name FROM system.tables WHERE database = '" + database + "' ORDER BY name");
    size_t start = 0;
    while (start < tables.size()) {
      size_t end = tables.find('\n', start);
      if (end == std::string::npos) end = tables.size();
      if (end > start) sum += count(database, tables.substr(start, end - start));
      start = end + 1;
    }
    return sum;
  }
  // A fresh, empty database for one test.
  void recreate(const std::string& database) {
    query("DROP DATABASE IF EXISTS " + database);
    query("CREATE DATABASE " + database);
  }

 private:
  int port_;
  sink_internal::HttpClient http_;
};

// A loopback TCP port that was free a moment ago.
inline int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// A private ClickHouse server that the test stops and starts (tools/clickhouse: by PID, data kept in `dir`
// between a stop and the next start). Stopped when destroyed.
class PrivateServer {
 public:
  explicit PrivateServer(std::string dir) : dir_(std::move(dir)), http_(free_port()), tcp_(free_port()) {}
  ~PrivateServer() {
    if (running_) stop();
  }
  PrivateServer(const PrivateServer&) = delete;
  PrivateServer& operator=(const PrivateServer&) = delete;

  void start() {
    std::string cmd = std::string(STRICTLOG_SOURCE_DIR "/tools/clickhouse start ") + dir_ + " " + std::to_string(http_) +
                      " " + std::to_string(tcp_) + " >/dev/null";
    REQUIRE(std::system(cmd.c_str()) == 0);
    running_ = true;
  }
  void stop() {
    std::string cmd = std::string(STRICTLOG_SOURCE_DIR "/tools/clickhouse stop ") + dir_;
    running_ = false;
    REQUIRE(std::system(cmd.c_str()) == 0);
  }
  int port() const { return http_; }

 private:
  std::string dir_;
  int http_;
  int tcp_;
  bool running_ = false;
};

// Polls `done` every 50 ms for at most `limit`; true when it became true.
template <class F>
bool wait_for(F done, std::chrono::milliseconds limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

}  // namespace strictlog::clickhouse_test
