#include "common/source_files.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace strictlog {

namespace fs = std::filesystem;

Result<std::vector<fs::path>> list_files(const std::string& dir, std::string_view extension) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return plain_error("missing-directory", fmt::format("'{}' is not a directory", dir));
  std::vector<fs::path> out;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file() && it->path().extension() == extension) out.push_back(it->path().lexically_normal());
  }
  if (ec) return plain_error("read-failed", fmt::format("cannot list '{}': {}", dir, ec.message()));
  std::sort(out.begin(), out.end());
  return out;
}

Result<SourceRef> read_source_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  if (!in) return plain_error("read-failed", fmt::format("cannot read '{}'", path.string()));
  return SourceRef(std::make_shared<SourceFile>(SourceFile{path.lexically_normal().string(), ss.str()}));
}

Position position_at(const SourceRef& source, size_t offset) {
  std::string_view before = std::string_view(source->text).substr(0, offset);
  size_t line_start = before.rfind('\n');
  line_start = line_start == std::string_view::npos ? 0 : line_start + 1;
  auto line = static_cast<uint32_t>(std::count(before.begin(), before.end(), '\n') + 1);
  return Position{source, line, static_cast<uint32_t>(offset - line_start + 1)};
}

}  // namespace strictlog
