#include "dsl/internal/driver.h"

#include <algorithm>

namespace strictlog::dsl::internal {

std::string unescape_string_lit(std::string_view quoted) {
  std::string_view raw = quoted.substr(1, quoted.size() - 2);
  std::string out;
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '\\') c = raw[++i] == 't' ? '\t' : raw[i];  // the grammar admits only \" \\ \t
    out.push_back(c);
  }
  return out;
}

size_t resync_offset(std::string_view text, size_t from, std::initializer_list<std::string_view> keywords) {
  size_t pos = text.find('\n', from);
  while (pos != std::string_view::npos) {
    size_t start = text.find_first_not_of(" \t", pos + 1);
    if (start == std::string_view::npos) break;
    std::string_view rest = text.substr(start);
    for (auto kw : keywords) {
      if (rest.starts_with(kw) &&
          (rest.size() == kw.size() || rest[kw.size()] == ' ' || rest[kw.size()] == '\t' || rest[kw.size()] == '\n' ||
           rest[kw.size()] == '\r')) {
        return start;
      }
    }
    pos = text.find('\n', start);
  }
  return text.size();
}

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Offset of the '#' that starts a comment in the line text[begin, end), or `end` if there is none. Strings
// never span lines, so a forward scan of the line tells a comment mark from a '#' inside quotes.
size_t comment_start(std::string_view text, size_t begin, size_t end) {
  bool in_string = false;
  for (size_t i = begin; i < end; ++i) {
    if (in_string && text[i] == '\\') {
      ++i;
    } else if (text[i] == '"') {
      in_string = !in_string;
    } else if (!in_string && text[i] == '#') {
      return i;
    }
  }
  return end;
}

}  // namespace

Position error_position(const SourceRef& source, size_t start, size_t byte, size_t line, size_t column) {
  std::string_view text = source->text;
  // Walk back over blanks and comments, never before the declaration's start.
  size_t back = byte;
  size_t line_start = 0;
  for (;;) {
    while (back > start && is_blank(text[back - 1])) --back;
    size_t nl = back == 0 ? std::string_view::npos : text.rfind('\n', back - 1);
    line_start = nl == std::string_view::npos ? 0 : nl + 1;
    size_t comment = comment_start(text, line_start, back);
    if (comment >= back || back <= start) break;
    back = std::max(comment, start);
  }
  if (text.substr(back, byte - back).find_first_not_of(" \t") == std::string_view::npos) {
    return Position{source, static_cast<uint32_t>(line), static_cast<uint32_t>(column)};
  }
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
