// The clickhouse sink with no server to talk to (a port where nothing listens): nothing is an error, every
// row lands in the spool in order, in batches of batch_rows, and finish() accounts for all of them. The
// tests against a real server are in tests/sink/clickhouse/.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>

#include "schema/row.h"
#include "schema/table.h"
#include "sink/database.h"
#include "sink/temp_dir.h"

namespace strictlog {
namespace {

using testing::TempDir;

// A loopback port that refuses connections: bound, never listening, for as long as this object lives.
class ClosedPort {
 public:
  ClosedPort() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
  }
  ~ClosedPort() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

v1::Event repeated_event(uint32_t count) {
  v1::Event e;
  e.mutable_envelope()->set_uid("uid-" + std::to_string(count));
  e.mutable_envelope()->mutable_time()->set_seconds(1790000000 + count);
  e.mutable_syslog_last_message_repeated()->set_count(count);
  return e;
}

v1::QuarantineRecord quarantined(int n) {
  v1::QuarantineRecord r;
  r.set_reason(v1::NO_MATCH);
  r.set_raw_text("line " + std::to_string(n));
  return r;
}

const schema::Table& table_named(const std::string& name) {
  for (const schema::Table& t : schema::builtin_tables()) {
    if (t.name == name) return t;
  }
  FAIL("no table " << name);
  throw std::logic_error("unreachable");
}

// The rows `encode()` made for events 1..n and quarantine records 1..q, as write() receives them.
EncodedRecords encode_all(const DatabaseSink& sink, uint32_t events, int records) {
  EncodedRecords out;
  v1::QuarantineRecord no_record;
  v1::Event no_event;
  for (uint32_t i = 1; i <= events; ++i) REQUIRE(sink.encode(Outcome::kEvent, repeated_event(i), no_record, &out).ok());
  for (int i = 1; i <= records; ++i) REQUIRE(sink.encode(Outcome::kQuarantined, no_event, quarantined(i), &out).ok());
  REQUIRE(sink.encode(Outcome::kDropped, no_event, no_record, &out).ok());  // adds nothing
  return out;
}

std::vector<std::string> batch_files(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".batch") names.push_back(e.path().filename());
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST_CASE("clickhouse sink offline: a server that is down from the start is not an error and every row is spooled") {
  TempDir tmp;
  testing::UmaskGuard umask(0);
  ClosedPort closed;
  std::string url = "clickhouse://127.0.0.1:" + std::to_string(closed.port()) + "/logs";
  DatabaseOptions options;
  options.spool_dir = tmp / "spool";
  options.batch_rows = 3;
  options.flush_interval = std::chrono::seconds(60);
  options.finish_timeout = std::chrono::milliseconds(300);
  auto sink = DatabaseSink::open(url, options);
  REQUIRE(sink.ok());
  CHECK((*sink)->describe() == url + " (RowBinary)");
  CHECK(testing::mode_of(options.spool_dir) == 0700);

  REQUIRE((*sink)->write(encode_all(**sink, 7, 2)).ok());
  auto start = std::chrono::steady_clock::now();
  auto report = (*sink)->finish();
  REQUIRE(report.ok());
  // finish() kept trying for finish_timeout, not much longer (connections are refused at once).
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(3));
  CHECK(report->rows_delivered == 0);
  CHECK(report->rows_spooled == 9);
  CHECK(report->retries >= 1);
  CHECK(report->spool_dir == options.spool_dir);
  // Two full batches while writing, then what finish() found pending, table by table in model order.
  CHECK(batch_files(options.spool_dir) == std::vector<std::string>{
                                              "00000000000000000001-syslog_last_message_repeated-3-RowBinary-18.16.batch",
                                              "00000000000000000002-syslog_last_message_repeated-3-RowBinary-18.16.batch",
                                              "00000000000000000003-syslog_last_message_repeated-1-RowBinary-18.16.batch",
                                              "00000000000000000004-quarantine-2-RowBinary-18.16.batch",
                                          });
  // A batch file holds exactly its rows as the table model encodes them, without the sink's framing.
  std::string expected;
  for (uint32_t i = 4; i <= 6; ++i) {
    REQUIRE(schema::append_row(table_named("syslog_last_message_repeated"), schema::RowFormat::kRowBinary, {18, 16},
                               repeated_event(i), &expected)
                .ok());
  }
  CHECK(testing::read_all(options.spool_dir + "/00000000000000000002-syslog_last_message_repeated-3-RowBinary-18.16.batch") ==
        expected);
  CHECK(testing::mode_of(options.spool_dir + "/00000000000000000004-quarantine-2-RowBinary-18.16.batch") == 0600);

  // The next run finds them: they count as spooled until a server takes them.
  sink->reset();
  auto again = DatabaseSink::open(url, options);
  REQUIRE(again.ok());
  auto second = (*again)->finish();
  REQUIRE(second.ok());
  CHECK(second->rows_spooled == 9);
  CHECK(second->rows_delivered == 0);
}

TEST_CASE("clickhouse sink offline: rows still in memory are spooled when the sink is destroyed without finish") {
  TempDir tmp;
  ClosedPort closed;
  DatabaseOptions options;
  options.spool_dir = tmp / "spool";
  options.batch_rows = 100;
  options.flush_interval = std::chrono::seconds(60);
  {
    auto sink = DatabaseSink::open("clickhouse://127.0.0.1:" + std::to_string(closed.port()) + "/logs?format=JSONEachRow",
                                   options);
    REQUIRE(sink.ok());
    REQUIRE((*sink)->write(encode_all(**sink, 2, 1)).ok());
  }
  CHECK(batch_files(options.spool_dir) == std::vector<std::string>{
                                              "00000000000000000001-syslog_last_message_repeated-2-JSONEachRow-18.16.batch",
                                              "00000000000000000002-quarantine-1-JSONEachRow-18.16.batch",
                                          });
  std::string quarantine = testing::read_all(options.spool_dir + "/00000000000000000002-quarantine-1-JSONEachRow-18.16.batch");
  CHECK(quarantine.starts_with("{\"reason\":\"NO_MATCH\","));
  CHECK(quarantine.find("\"raw_text\":\"line 1\"") != std::string::npos);
  CHECK(quarantine.ends_with("}\n"));
}

TEST_CASE("clickhouse sink offline: rows are encoded for the server version the spool remembers") {
  TempDir tmp;
  ClosedPort closed;
  DatabaseOptions options;
  options.spool_dir = tmp / "spool";
  options.finish_timeout = std::chrono::milliseconds(100);
  std::filesystem::create_directories(options.spool_dir);
  std::ofstream(options.spool_dir + "/server-version") << "23.8\n";
  auto sink = DatabaseSink::open("clickhouse://127.0.0.1:" + std::to_string(closed.port()) + "/logs", options);
  REQUIRE(sink.ok());
  REQUIRE((*sink)->write(encode_all(**sink, 1, 0)).ok());
  REQUIRE((*sink)->finish().ok());
  std::string name = "00000000000000000001-syslog_last_message_repeated-1-RowBinary-23.8.batch";
  REQUIRE(batch_files(options.spool_dir) == std::vector<std::string>{name});
  std::string v23, v18;
  const schema::Table& t = table_named("syslog_last_message_repeated");
  REQUIRE(schema::append_row(t, schema::RowFormat::kRowBinary, {23, 8}, repeated_event(1), &v23).ok());
  REQUIRE(schema::append_row(t, schema::RowFormat::kRowBinary, {18, 16}, repeated_event(1), &v18).ok());
  CHECK(v23 != v18);  // DateTime64 against DateTime + nanos: the version matters
  CHECK(testing::read_all(options.spool_dir + "/" + name) == v23);
}

TEST_CASE("clickhouse sink offline: two sinks cannot share a spool directory") {
  TempDir tmp;
  ClosedPort closed;
  DatabaseOptions options;
  options.spool_dir = tmp / "spool";
  std::string url = "clickhouse://127.0.0.1:" + std::to_string(closed.port()) + "/logs";
  auto first = DatabaseSink::open(url, options);
  REQUIRE(first.ok());
  auto second = DatabaseSink::open(url, options);
  REQUIRE_FALSE(second.ok());
  CHECK(second.errors()[0].message ==
        "--sink '" + url + "': spool directory '" + options.spool_dir + "' is in use by another strictlog process");
}

TEST_CASE("clickhouse sink offline: an event without a payload has no table") {
  TempDir tmp;
  ClosedPort closed;
  DatabaseOptions options;
  options.spool_dir = tmp / "spool";
  auto sink = DatabaseSink::open("clickhouse://127.0.0.1:" + std::to_string(closed.port()) + "/logs", options);
  REQUIRE(sink.ok());
  EncodedRecords out;
  v1::Event event;
  event.mutable_envelope()->set_rule_id("openvpn/2.6/x");
  auto st = (*sink)->encode(Outcome::kEvent, event, v1::QuarantineRecord{}, &out);
  REQUIRE_FALSE(st.ok());
  CHECK(st.errors()[0].message == "event of openvpn/2.6/x: no table for its payload");
}

}  // namespace
}  // namespace strictlog
