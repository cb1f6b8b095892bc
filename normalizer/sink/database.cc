#include "sink/database.h"

#include <fmt/format.h>

#include "sink/internal/clickhouse_sink.h"
#include "sink/internal/sqlite_sink.h"

namespace strictlog {

Result<std::unique_ptr<DatabaseSink>> DatabaseSink::open(std::string_view url, const DatabaseOptions& options) {
  if (url.starts_with("clickhouse://")) return sink_internal::open_clickhouse(url, options);
  if (url.starts_with("sqlite:")) return sink_internal::open_sqlite(url, options);
  return plain_error("sink-url", fmt::format("--sink '{}': not clickhouse://HOST:PORT/DB or sqlite:FILE", url));
}

}  // namespace strictlog
