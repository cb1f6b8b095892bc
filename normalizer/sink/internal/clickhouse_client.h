// Statements and inserts over ClickHouse's HTTP interface, and what an answer means for a batch: delivered,
// worth sending again, or refused for good. Internal to the sink stage.
//
// How answers are read (ClickHouse 18.16 and later send errors as an HTTP status >= 400 with a body
// `Code: NN, e.displayText() = DB::Exception: ...`, newer ones `Code: NN. DB::Exception: ...`):
//   200                              kDone
//   no answer (refused, reset, timed out, DNS)              kRetry: the server is down or unreachable
//   a body with `Code: NN`, NN one of kRetryableCodes       kRetry: a state of the server that passes
//                                                           (too many parts, memory, timeouts, a read-only
//                                                           table, disk space, too many queries, ZooKeeper)
//   `Code: 60` (UNKNOWN_TABLE) or `Code: 81` (UNKNOWN_DATABASE)  kMissingTable: someone dropped the sink's
//                                                           database or table; created again, then sent again
//   any other `Code: NN`                                    kRefused: the request itself is wrong (syntax,
//                                                           types, a value the column cannot hold, rights)
//                                                           and sending it again cannot help
//   no `Code:`: 5xx, 408 or 429 kRetry (a proxy or load balancer in between), other statuses kRefused
#pragma once

#include <string>
#include <string_view>

#include "schema/ddl.h"
#include "sink/internal/http_client.h"

namespace strictlog::sink_internal {

enum class Answer { kDone, kRetry, kMissingTable, kRefused };

struct ClickHouseAnswer {
  Answer kind = Answer::kDone;
  int code = 0;          // ClickHouse's error code, 0 when there was none
  std::string message;   // the error's first line (at most 300 bytes), or the transport error; empty when done
  std::string body;      // the whole answer, for a query that returns data
};

ClickHouseAnswer classify(const HttpResponse& response);

class ClickHouseClient {
 public:
  explicit ClickHouseClient(std::string http_base) : http_(std::move(http_base)) {}

  // Runs one statement (sent as the POST body). A short connect timeout: used to probe the server.
  ClickHouseAnswer execute(std::string_view sql);
  // `INSERT INTO db.table FORMAT format` with `rows` as the data.
  ClickHouseAnswer insert(std::string_view database, std::string_view table, std::string_view format,
                          std::string_view rows);

  HttpClient& http() { return http_; }

 private:
  HttpClient http_;
};

}  // namespace strictlog::sink_internal
