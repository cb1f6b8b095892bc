#include "sink/internal/clickhouse_client.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace strictlog::sink_internal {

namespace {

// ClickHouse error codes (src/Common/ErrorCodes.cpp) that name a passing state of the server, not a fault of
// the request: TIMEOUT_EXCEEDED 159, CANNOT_ALLOCATE_MEMORY 173, TOO_MANY_SIMULTANEOUS_QUERIES 202,
// NO_FREE_CONNECTION 203, SOCKET_TIMEOUT 209, NETWORK_ERROR 210, NO_ZOOKEEPER 225, ABORTED 236,
// MEMORY_LIMIT_EXCEEDED 241, TABLE_IS_READ_ONLY 242, NOT_ENOUGH_SPACE 243, UNEXPECTED_ZOOKEEPER_ERROR 244,
// TOO_MANY_PARTS 252, TOO_FEW_LIVE_REPLICAS 285, UNSATISFIED_QUORUM_FOR_PREVIOUS_WRITE 286,
// UNKNOWN_STATUS_OF_INSERT 319, RECEIVED_ERROR_TOO_MANY_REQUESTS 364, QUERY_WAS_CANCELLED 394,
// SYSTEM_ERROR 425, CANNOT_SCHEDULE_TASK 439, KEEPER_EXCEPTION 999.
constexpr int kRetryableCodes[] = {159, 173, 202, 203, 209, 210, 225, 236, 241, 242, 243,
                                   244, 252, 285, 286, 319, 364, 394, 425, 439, 999};
constexpr int kUnknownTable = 60;
constexpr int kUnknownDatabase = 81;

int error_code(std::string_view body) {
  size_t at = body.find("Code: ");
  if (at == std::string_view::npos || at > 16) return 0;  // at the start, after whitespace at most
  int code = 0;
  const char* p = body.data() + at + 6;
  auto [end, ec] = std::from_chars(p, body.data() + body.size(), code);
  return ec == std::errc{} && end != p ? code : 0;
}

std::string first_line(std::string_view body) {
  size_t start = body.find_first_not_of(" \t\r\n");
  if (start == std::string_view::npos) return {};
  body = body.substr(start);
  body = body.substr(0, std::min(body.find('\n'), size_t{300}));
  while (!body.empty() && (body.back() == '\r' || body.back() == ' ')) body.remove_suffix(1);
  return std::string(body);
}

}  // namespace

ClickHouseAnswer classify(const HttpResponse& response) {
  ClickHouseAnswer a;
  if (response.status == 200) {
    a.body = response.body;
    return a;
  }
  if (response.status == 0) {
    a.kind = Answer::kRetry;
    a.message = fmt::format("no answer: {}", response.error);
    return a;
  }
  a.code = error_code(response.body);
  std::string line = first_line(response.body);
  a.message = fmt::format("HTTP {}{}{}", response.status, line.empty() ? "" : ": ", line);
  if (a.code == kUnknownTable || a.code == kUnknownDatabase) {
    a.kind = Answer::kMissingTable;
  } else if (a.code != 0) {
    bool passing = std::find(std::begin(kRetryableCodes), std::end(kRetryableCodes), a.code) !=
                   std::end(kRetryableCodes);
    a.kind = passing ? Answer::kRetry : Answer::kRefused;
  } else {
    a.kind = response.status >= 500 || response.status == 408 || response.status == 429 ? Answer::kRetry
                                                                                         : Answer::kRefused;
  }
  return a;
}

ClickHouseAnswer ClickHouseClient::execute(std::string_view sql) { return classify(http_.post("/", sql)); }

ClickHouseAnswer ClickHouseClient::insert(std::string_view database, std::string_view table, std::string_view format,
                                          std::string_view rows) {
  std::string query = fmt::format("INSERT INTO {}.{} FORMAT {}", database, table, format);
  return classify(http_.post("/?query=" + HttpClient::escape(query), rows));
}

}  // namespace strictlog::sink_internal
