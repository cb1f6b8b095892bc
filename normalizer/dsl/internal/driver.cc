#include "dsl/internal/driver.h"

namespace strictlog::dsl::internal {

size_t resync_offset(std::string_view text, size_t from, std::initializer_list<std::string_view> keywords) {
  size_t pos = text.find('\n', from);
  while (pos != std::string_view::npos) {
    size_t start = text.find_first_not_of(" \t", pos + 1);
    if (start == std::string_view::npos) break;
    std::string_view rest = text.substr(start);
    for (auto kw : keywords) {
      if (rest.starts_with(kw) &&
          (rest.size() == kw.size() || rest[kw.size()] == ' ' || rest[kw.size()] == '\t' || rest[kw.size()] == '\n')) {
        return start;
      }
    }
    pos = text.find('\n', start);
  }
  return text.size();
}

Position error_position(const SourceRef& source, size_t byte, size_t line, size_t column) {
  std::string_view text = source->text;
  auto is_blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  size_t back = byte;
  while (back > 0 && is_blank(text[back - 1])) --back;
  if (text.substr(back, byte - back).find('\n') == std::string_view::npos) {
    return Position{source, static_cast<uint32_t>(line), static_cast<uint32_t>(column)};
  }
  size_t line_start = back == 0 ? 0 : text.rfind('\n', back - 1);
  line_start = line_start == std::string_view::npos || back == 0 ? 0 : line_start + 1;
  uint32_t back_line = 1;
  for (size_t i = 0; i < line_start; ++i) back_line += text[i] == '\n';
  return Position{source, back_line, static_cast<uint32_t>(back - line_start + 1)};
}

void advance_position(std::string_view text, size_t from, size_t to, size_t* line, size_t* column) {
  for (size_t i = from; i < to; ++i) {
    if (text[i] == '\n') {
      ++*line;
      *column = 1;
    } else {
      ++*column;
    }
  }
}

}  // namespace strictlog::dsl::internal
