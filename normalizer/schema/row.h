// Rows of the table model (table.h): a message's values column by column, in the encodings the sinks send.
// The columns and their order are exactly those of ddl.h's DDL for the same table and version.
//
//   RowBinary   ClickHouse's binary row format: little-endian numbers, String as LEB128 length + bytes,
//               Nullable as a 0/1 byte before the value, Array as a LEB128 count before the elements, Enum8/16
//               as the number, DateTime as UInt32 seconds (then `<name>_nanos` UInt32), DateTime64(9) as Int64
//               nanoseconds, an IP as its 16 IPv6 bytes (IPv4 mapped to ::ffff:a.b.c.d).
//   JSONEachRow one JSON object per row and line: enums by name (ClickHouse silently stores the first value
//               for a missing one, so every column is always written), DateTime as `YYYY-MM-DD hh:mm:ss`,
//               64-bit integers as numbers, String bytes as they are with `"`, `\` and C0 controls escaped.
//   SQLite      one value per SQL column: INTEGER, REAL, TEXT, BLOB or NULL; enums by name; a timestamp as
//               seconds and nanoseconds; an IP as printed; arrays as JSON text. uint64 values above
//               INT64_MAX are stored as their two's-complement INTEGER (SQLite has no unsigned type).
//
// Errors name the table, column and value: a timestamp a DateTime cannot hold (before 1970 or after 2105; DateTime64(9): before 1900 or after
// 2262), an enum number the enum does not name,
// an IP column whose text is not an address.
#pragma once

#include <google/protobuf/message.h>

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "common/result.h"
#include "schema/ddl.h"
#include "schema/table.h"

namespace strictlog::schema {

enum class RowFormat { kRowBinary, kJsonEachRow };

// Appends one row of `t` holding `message` to `*out`. `message` must be of `t.message`'s type (and have
// `t.payload` set, for a table per oneof field). On error `*out` is left as it was.
Status append_row(const Table& t, RowFormat format, const ClickHouseVersion& v, const google::protobuf::Message& message,
                  std::string* out);

struct SqlNull {};
struct SqlBlob {
  std::string bytes;
};
using SqlValue = std::variant<SqlNull, int64_t, double, std::string, SqlBlob>;

// The values of one SQLite row of `t`, one per column of sqlite_create(t), replacing `*out`'s contents.
Status sqlite_row(const Table& t, const google::protobuf::Message& message, std::vector<SqlValue>* out);

}  // namespace strictlog::schema
