// What every hand-written header parser in ingest/ walks a line with: a position, and on failure the reason
// and the byte offset where parsing stopped (the `why` and `where` the parsers return). Internal to ingest.
#pragma once

#include <cstddef>
#include <string_view>

namespace strictlog::ingest_internal {

inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
inline int digit(char c) { return c - '0'; }

struct Cursor {
  explicit Cursor(std::string_view l) : line(l) {}

  std::string_view line;
  size_t pos = 0;
  std::string_view why;
  size_t where = 0;

  // Records the reason and its offset; returns false, so a step can `return fail(...)`.
  bool fail(std::string_view reason, size_t at) {
    why = reason;
    where = at;
    return false;
  }
  bool at_end() const { return pos >= line.size(); }
  bool next_is(char c) const { return pos < line.size() && line[pos] == c; }
};

}  // namespace strictlog::ingest_internal
