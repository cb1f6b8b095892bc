// The SQLite sink's rows in flight: the values of schema::sqlite_row(), computed on the worker threads
// (encode()) and packed into the batch's buffer for its table, then read back on the writer thread, which
// only binds them. So the protobuf reflection that makes a row runs in parallel, and the one thread that
// holds the database's write lock does nothing but SQLite's own work.
//
// Layout: a row is its values in column order, with no header (the table says how many); a value is one
// tag byte, then
//   0 NULL      nothing
//   1 INTEGER   8 bytes, int64 little-endian
//   2 REAL      8 bytes, IEEE 754 double little-endian
//   3 TEXT      LEB128 byte length, bytes
//   4 BLOB      LEB128 byte length, bytes
// The buffer never leaves the process: its layout is free to change.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "schema/row.h"

namespace strictlog::sink_internal {

// Appends the row `values` to `*out`.
void pack_sqlite_row(const std::vector<schema::SqlValue>& values, std::string* out);

// One value read back: `text` views the buffer (TEXT and BLOB), valid as long as the buffer is.
struct PackedValue {
  enum Kind : uint8_t { kNull = 0, kInteger = 1, kReal = 2, kText = 3, kBlob = 4 };
  Kind kind = kNull;
  int64_t integer = 0;
  double real = 0;
  std::string_view text;
};

// Reads the values of a packed buffer in order.
class PackedReader {
 public:
  explicit PackedReader(std::string_view buffer) : p_(buffer.data()), end_(buffer.data() + buffer.size()) {}
  bool done() const { return p_ == end_; }
  // The next value; false when the buffer ends inside it or holds an unknown tag (a bug: the writer's
  // error names it), and then nothing more can be read.
  bool next(PackedValue* value);

 private:
  const char* p_;
  const char* end_;
};

}  // namespace strictlog::sink_internal
