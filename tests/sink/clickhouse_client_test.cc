// How the clickhouse sink reads an HTTP answer (sink/internal/clickhouse_client.h): delivered, send again,
// re-create the tables, or refused for good. Bodies as ClickHouse 18.16 and 23.x write them.
#include "sink/internal/clickhouse_client.h"

#include <catch2/catch.hpp>

namespace strictlog::sink_internal {
namespace {

TEST_CASE("clickhouse answers: what each one means for a batch") {
  struct Case {
    long status;
    const char* body;
    const char* error;
    Answer kind;
    int code;
    const char* message;
  };
  const Case cases[] = {
      {200, "", "", Answer::kDone, 0, ""},
      {0, "", "Couldn't connect to server", Answer::kRetry, 0, "no answer: Couldn't connect to server"},
      {0, "", "Timeout was reached", Answer::kRetry, 0, "no answer: Timeout was reached"},
      // 18.16's own words for a bad row, a syntax error and a missing database (seen on the test server).
      {500, "Code: 27, e.displayText() = DB::Exception: Cannot parse input: expected { before: x, e.what() = DB::Exception\n",
       "", Answer::kRefused, 27,
       "HTTP 500: Code: 27, e.displayText() = DB::Exception: Cannot parse input: expected { before: x, e.what() = DB::Exception"},
      {400, "Code: 62, e.displayText() = DB::Exception: Syntax error\n", "", Answer::kRefused, 62,
       "HTTP 400: Code: 62, e.displayText() = DB::Exception: Syntax error"},
      {404, "Code: 81, e.displayText() = DB::Exception: Database nodb doesn't exist, e.what() = DB::Exception\n", "",
       Answer::kMissingTable, 81,
       "HTTP 404: Code: 81, e.displayText() = DB::Exception: Database nodb doesn't exist, e.what() = DB::Exception"},
      {404, "Code: 60. DB::Exception: Table d.t doesn't exist. (UNKNOWN_TABLE)\n", "", Answer::kMissingTable, 60,
       "HTTP 404: Code: 60. DB::Exception: Table d.t doesn't exist. (UNKNOWN_TABLE)"},
      // Passing states of the server: sent again later.
      {500, "Code: 252, e.displayText() = DB::Exception: Too many parts (300)", "", Answer::kRetry, 252,
       "HTTP 500: Code: 252, e.displayText() = DB::Exception: Too many parts (300)"},
      {500, "Code: 241. DB::Exception: Memory limit (total) exceeded", "", Answer::kRetry, 241,
       "HTTP 500: Code: 241. DB::Exception: Memory limit (total) exceeded"},
      {503, "Code: 209, e.displayText() = DB::NetException: Timeout", "", Answer::kRetry, 209,
       "HTTP 503: Code: 209, e.displayText() = DB::NetException: Timeout"},
      {500, "Code: 242, e.displayText() = DB::Exception: Table is in readonly mode", "", Answer::kRetry, 242,
       "HTTP 500: Code: 242, e.displayText() = DB::Exception: Table is in readonly mode"},
      // Rights and types: refused, whatever the status.
      {500, "Code: 164, e.displayText() = DB::Exception: Cannot execute query in readonly mode", "", Answer::kRefused,
       164, "HTTP 500: Code: 164, e.displayText() = DB::Exception: Cannot execute query in readonly mode"},
      {516, "Code: 516. DB::Exception: default: Authentication failed", "", Answer::kRefused, 516,
       "HTTP 516: Code: 516. DB::Exception: default: Authentication failed"},
      // No ClickHouse code: a proxy in between. 5xx, 408 and 429 pass; other statuses do not.
      {502, "<html>Bad Gateway</html>", "", Answer::kRetry, 0, "HTTP 502: <html>Bad Gateway</html>"},
      {503, "", "", Answer::kRetry, 0, "HTTP 503"},
      {429, "slow down", "", Answer::kRetry, 0, "HTTP 429: slow down"},
      {408, "", "", Answer::kRetry, 0, "HTTP 408"},
      {403, "forbidden\r\nmore", "", Answer::kRefused, 0, "HTTP 403: forbidden"},
      {301, "", "", Answer::kRefused, 0, "HTTP 301"},
      // `Code:` counts only at the start of the body.
      {500, "upstream said: please retry; Code: 252 was mentioned", "", Answer::kRetry, 0,
       "HTTP 500: upstream said: please retry; Code: 252 was mentioned"},
      {400, "bad request mentioning Code: 252 later on", "", Answer::kRefused, 0,
       "HTTP 400: bad request mentioning Code: 252 later on"},
  };
  for (const Case& c : cases) {
    INFO(c.status << " " << c.body);
    HttpResponse r;
    r.status = c.status;
    r.body = c.body;
    r.error = c.error;
    ClickHouseAnswer a = classify(r);
    CHECK(a.kind == c.kind);
    CHECK(a.code == c.code);
    CHECK(a.message == c.message);
  }
}

TEST_CASE("clickhouse answers: a long error keeps its first 300 bytes") {
  HttpResponse r;
  r.status = 500;
  r.body = "Code: 27, " + std::string(1000, 'x');
  ClickHouseAnswer a = classify(r);
  CHECK(a.message == "HTTP 500: " + r.body.substr(0, 300));
}

TEST_CASE("clickhouse answers: query strings are percent-encoded") {
  CHECK(HttpClient::escape("INSERT INTO d.t FORMAT RowBinary") == "INSERT%20INTO%20d.t%20FORMAT%20RowBinary");
  CHECK(HttpClient::escape("a&b=c?~_-") == "a%26b%3Dc%3F~_-");
}

}  // namespace
}  // namespace strictlog::sink_internal
