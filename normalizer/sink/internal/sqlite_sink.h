// The sqlite DatabaseSink (sink/database.h). Internal to the sink stage: reached through DatabaseSink::open().
#pragma once

#include <memory>
#include <string_view>

#include "common/result.h"
#include "sink/database.h"

namespace strictlog::sink_internal {

Result<std::unique_ptr<DatabaseSink>> open_sqlite(std::string_view url, const DatabaseOptions& options);

}  // namespace strictlog::sink_internal
