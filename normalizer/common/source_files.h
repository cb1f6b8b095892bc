// Finding and reading the text files a run is configured with (grammars, mappings, corpus cases).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace strictlog {

// Regular files ending in `extension` below `dir`, recursively, lexically normalised and sorted, so that
// load order (and anything hashed in that order) never depends on the file system's listing order.
// Errors: `missing-directory`, `read-failed`. An empty result is not an error; callers decide.
Result<std::vector<std::filesystem::path>> list_files(const std::string& dir, std::string_view extension);

// The whole file, named by its lexically normal path. Error: `read-failed`.
Result<SourceRef> read_source_file(const std::filesystem::path& path);

// The 1-based line and byte column of byte `offset` of `source`'s text.
Position position_at(const SourceRef& source, size_t offset);

}  // namespace strictlog
