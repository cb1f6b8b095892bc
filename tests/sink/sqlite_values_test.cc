// The packed rows the SQLite sink's worker threads hand its writer (sink/internal/sqlite_values.h): every kind
// of value comes back as it went in, and a buffer cut anywhere inside a value is refused, not overrun.
#include "sink/internal/sqlite_values.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

namespace strictlog::sink_internal {
namespace {

using schema::SqlBlob;
using schema::SqlNull;
using schema::SqlValue;

const std::vector<SqlValue> kRow = {
    SqlNull{},
    int64_t{0},
    std::numeric_limits<int64_t>::min(),
    int64_t{-1},  // uint64 18446744073709551615 as sqlite_row() stores it
    0.1,
    -0.0,
    std::string(),
    std::string("a\0b\xff", 4),
    std::string(200, 'x'),  // a length of two LEB128 bytes
    SqlBlob{},
    SqlBlob{std::string("\0\1", 2)},
};

std::string packed() {
  std::string out;
  pack_sqlite_row(kRow, &out);
  return out;
}

TEST_CASE("packed sqlite rows: every kind of value reads back as written") {
  std::string buffer = packed();
  buffer += buffer;  // two rows: a row has no header, the reader goes on where the first ends
  PackedReader reader(buffer);
  for (int row = 0; row < 2; ++row) {
    for (const SqlValue& want : kRow) {
      PackedValue got;
      REQUIRE(reader.next(&got));
      switch (want.index()) {
        case 0: CHECK(got.kind == PackedValue::kNull); break;
        case 1:
          CHECK(got.kind == PackedValue::kInteger);
          CHECK(got.integer == std::get<int64_t>(want));
          break;
        case 2:
          CHECK(got.kind == PackedValue::kReal);
          CHECK(std::signbit(got.real) == std::signbit(std::get<double>(want)));
          CHECK(got.real == std::get<double>(want));
          break;
        case 3:
          CHECK(got.kind == PackedValue::kText);
          CHECK(got.text == std::get<std::string>(want));
          break;
        case 4:
          CHECK(got.kind == PackedValue::kBlob);
          CHECK(got.text == std::get<SqlBlob>(want).bytes);
          break;
      }
    }
  }
  CHECK(reader.done());
}

TEST_CASE("packed sqlite rows: a buffer cut inside a value or with an unknown tag is refused") {
  const std::string whole = packed();
  std::vector<size_t> ends;  // where each value ends
  {
    std::string prefix;
    for (const SqlValue& value : kRow) {
      pack_sqlite_row({value}, &prefix);
      ends.push_back(prefix.size());
    }
  }
  REQUIRE(ends.back() == whole.size());
  for (size_t cut = 1; cut < whole.size(); ++cut) {
    INFO("cut at byte " << cut);
    PackedReader reader(std::string_view(whole).substr(0, cut));
    PackedValue v;
    size_t values = 0;
    bool refused = false;
    while (!reader.done()) {
      if (!reader.next(&v)) {
        refused = true;
        break;
      }
      ++values;
    }
    auto whole_values = static_cast<size_t>(std::upper_bound(ends.begin(), ends.end(), cut) - ends.begin());
    CHECK(values == whole_values);  // the values before the cut, never one more
    bool at_boundary = std::find(ends.begin(), ends.end(), cut) != ends.end();
    CHECK(refused == !at_boundary);
    CHECK(reader.done());
  }

  PackedReader unknown(std::string_view("\x05", 1));
  PackedValue v;
  CHECK_FALSE(unknown.next(&v));
  CHECK(unknown.done());
  // A length that claims more bytes than follow.
  PackedReader overlong(
      std::string_view("\x03\x05"
                       "abc",
                       5));
  CHECK_FALSE(overlong.next(&v));
}

}  // namespace
}  // namespace strictlog::sink_internal
