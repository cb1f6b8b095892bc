// clickhouse:// URLs (sink/internal/clickhouse_url.h): what is accepted, and the exact text of each refusal.
#include "sink/internal/clickhouse_url.h"

#include <catch2/catch.hpp>

#include "sink/database.h"

namespace strictlog::sink_internal {
namespace {

TEST_CASE("clickhouse url: host port database and format") {
  struct Case {
    const char* url;
    const char* host;
    uint16_t port;
    const char* database;
    schema::RowFormat format;
    const char* describe;
    const char* spool_name;
  };
  const Case cases[] = {
      {"clickhouse://127.0.0.1:18623/logs", "127.0.0.1", 18623, "logs", schema::RowFormat::kRowBinary,
       "clickhouse://127.0.0.1:18623/logs (RowBinary)", "127.0.0.1_18623_logs"},
      {"clickhouse://db-1.example.org/strictlog", "db-1.example.org", 8123, "strictlog", schema::RowFormat::kRowBinary,
       "clickhouse://db-1.example.org:8123/strictlog (RowBinary)", "db-1.example.org_8123_strictlog"},
      {"clickhouse://[::1]:8123/_x9?format=JSONEachRow", "::1", 8123, "_x9", schema::RowFormat::kJsonEachRow,
       "clickhouse://[::1]:8123/_x9 (JSONEachRow)", "__1_8123__x9"},
      {"clickhouse://[2001:db8::7]/d?format=RowBinary", "2001:db8::7", 8123, "d", schema::RowFormat::kRowBinary,
       "clickhouse://[2001:db8::7]:8123/d (RowBinary)", "2001_db8__7_8123_d"},
      {"clickhouse://h:65535/D_1", "h", 65535, "D_1", schema::RowFormat::kRowBinary,
       "clickhouse://h:65535/D_1 (RowBinary)", "h_65535_D_1"},
      {"clickhouse://h:1/d?format=JSONEachRow&format=RowBinary", "h", 1, "d", schema::RowFormat::kRowBinary,
       "clickhouse://h:1/d (RowBinary)", "h_1_d"},
      // An empty query, or a trailing '&', adds no parameter.
      {"clickhouse://h/d?", "h", 8123, "d", schema::RowFormat::kRowBinary, "clickhouse://h:8123/d (RowBinary)", "h_8123_d"},
      {"clickhouse://h/d?format=JSONEachRow&", "h", 8123, "d", schema::RowFormat::kJsonEachRow,
       "clickhouse://h:8123/d (JSONEachRow)", "h_8123_d"},
  };
  for (const Case& c : cases) {
    INFO(c.url);
    Result<ClickHouseUrl> u = parse_clickhouse_url(c.url);
    REQUIRE(u.ok());
    CHECK(u->host == c.host);
    CHECK(u->port == c.port);
    CHECK(u->database == c.database);
    CHECK(u->format == c.format);
    CHECK(u->describe() == c.describe);
    CHECK(u->spool_name() == c.spool_name);
  }
  CHECK(parse_clickhouse_url("clickhouse://[::1]:9/d")->http_base() == "http://[::1]:9");
  CHECK(parse_clickhouse_url("clickhouse://localhost/d")->http_base() == "http://localhost:8123");
}

TEST_CASE("clickhouse url: refusals name the url and what is wrong") {
  struct Case {
    const char* url;
    const char* message;
  };
  const Case cases[] = {
      {"clickhouse:///logs", "no host (clickhouse://HOST:PORT/DB)"},
      {"clickhouse://:8123/logs", "no host (clickhouse://HOST:PORT/DB)"},
      {"clickhouse://h", "no database (clickhouse://HOST:PORT/DB)"},
      {"clickhouse://h:8123", "no database (clickhouse://HOST:PORT/DB)"},
      {"clickhouse://h:8123/", "no database (clickhouse://HOST:PORT/DB)"},
      {"clickhouse://h:8123?format=RowBinary", "no database (clickhouse://HOST:PORT/DB)"},
      // Ports: the edges of 1..65535 and what is not a number.
      {"clickhouse://h:0/d", "port '0' is not a number from 1 to 65535"},
      {"clickhouse://h:65536/d", "port '65536' is not a number from 1 to 65535"},
      {"clickhouse://h:99999999999/d", "port '99999999999' is not a number from 1 to 65535"},
      {"clickhouse://h:/d", "port '' is not a number from 1 to 65535"},
      {"clickhouse://h:81a/d", "port '81a' is not a number from 1 to 65535"},
      {"clickhouse://h:-1/d", "port '-1' is not a number from 1 to 65535"},
      {"clickhouse://h:+80/d", "port '+80' is not a number from 1 to 65535"},
      // Hosts: an unbracketed IPv6 address, stray characters, brackets that do not close or hold no address.
      {"clickhouse://::1:8123/d", "'::1:8123' has several ':': an IPv6 address goes in brackets, e.g. [::1]:8123"},
      {"clickhouse://h_1:8123/d", "'h_1' is not a host name or IPv4 address (an IPv6 address goes in brackets: [::1])"},
      {"clickhouse://[::1:8123/d", "'[' opens an IPv6 address that no ']' closes"},
      {"clickhouse://[::g]:8123/d", "'[::g]' is not an IPv6 address"},
      {"clickhouse://[127.0.0.1]:8123/d", "'[127.0.0.1]' is not an IPv6 address"},
      {"clickhouse://[::1]8123/d", "'8123' after the IPv6 address is not ':PORT'"},
      {"clickhouse://user:pw@h:8123/d",
       "a user name or password in the URL is not supported (the sink connects as user 'default')"},
      // Databases: written into SQL as they are, so only identifiers.
      {"clickhouse://h/my-db", "database 'my-db' is not a name of letters, digits and '_' that starts with a letter or '_'"},
      {"clickhouse://h/1db", "database '1db' is not a name of letters, digits and '_' that starts with a letter or '_'"},
      {"clickhouse://h/db/x", "database 'db/x' is not a name of letters, digits and '_' that starts with a letter or '_'"},
      {"clickhouse://h/d;DROP", "database 'd;DROP' is not a name of letters, digits and '_' that starts with a letter or '_'"},
      // Parameters.
      {"clickhouse://h/d?format=CSV", "format 'CSV' is not RowBinary or JSONEachRow"},
      {"clickhouse://h/d?format=rowbinary", "format 'rowbinary' is not RowBinary or JSONEachRow"},
      {"clickhouse://h/d?format=", "format '' is not RowBinary or JSONEachRow"},
      {"clickhouse://h/d?compress=1", "unknown parameter 'compress=1' (the only one is format)"},
      {"clickhouse://h/d?&format=RowBinary", "unknown parameter '' (the only one is format)"},
  };
  for (const Case& c : cases) {
    INFO(c.url);
    Result<ClickHouseUrl> u = parse_clickhouse_url(c.url);
    REQUIRE_FALSE(u.ok());
    REQUIRE(u.errors().size() == 1);
    CHECK(u.errors()[0].code == "sink-url");
    CHECK(u.errors()[0].message == std::string("--sink '") + c.url + "': " + c.message);
  }
}

TEST_CASE("clickhouse url: DatabaseSink open refuses a bad url before touching the spool") {
  DatabaseOptions options;
  options.spool_dir = "/nonexistent/never-created";
  auto sink = DatabaseSink::open("clickhouse://h:0/d", options);
  REQUIRE_FALSE(sink.ok());
  CHECK(sink.errors()[0].message == "--sink 'clickhouse://h:0/d': port '0' is not a number from 1 to 65535");
  auto other = DatabaseSink::open("clickhouse:/h/d", options);
  REQUIRE_FALSE(other.ok());
  CHECK(other.errors()[0].message == "--sink 'clickhouse:/h/d': not clickhouse://HOST:PORT/DB or sqlite:FILE");
}

}  // namespace
}  // namespace strictlog::sink_internal
