#include "sink/internal/clickhouse_sink.h"

#include <fmt/format.h>

namespace strictlog::sink_internal {

// Being written (issue 11): until then the URL is refused rather than accepted and ignored.
Result<std::unique_ptr<DatabaseSink>> open_clickhouse(std::string_view url, const DatabaseOptions&) {
  return plain_error("sink-url", fmt::format("--sink '{}': this build has no clickhouse sink yet", url));
}

}  // namespace strictlog::sink_internal
