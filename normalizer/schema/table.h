// The table model: how a protobuf message is stored in a table store. One model, read from the descriptors
// and the `strictlog.v1.store`/`column` options (proto/strictlog/v1/options.proto), is what every generator
// and sink renders: the ClickHouse and SQLite DDL (ddl.h), the migrations (ddl.h), the rows the sinks write
// (row.h) and the generated docs and Python reader. Nothing else decides a column's name or type.
//
// Flattening: a singular message field contributes its fields' columns with its name as a prefix
// (`envelope.input.name` -> `envelope_input_name`); a repeated field makes every column under it an array
// (parallel arrays, as ClickHouse's Nested: `envelope_structured_data_id`, and
// `envelope_structured_data_params_name` an array of arrays); `google.protobuf.Timestamp` is one timestamp
// column, not its two fields. A field with presence (proto3 `optional`, a oneof member) is nullable; other
// fields read as their proto3 default when unset, as protobuf itself reads them. A timestamp is never
// nullable, so that it can be a sorting key: unset, it is the epoch, 1970-01-01 00:00:00 UTC (strictlog
// leaves `envelope.time` unset only for a line without a timestamp, which `envelope_time_text` shows empty).
#pragma once

#include <google/protobuf/descriptor.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace strictlog::schema {

enum class ColumnType {
  kBool,
  kInt32,
  kInt64,
  kUInt32,
  kUInt64,
  kFloat,
  kDouble,
  kString,
  kBytes,
  kEnum,
  kTimestamp,  // google.protobuf.Timestamp: seconds and nanos, rendered per target (ddl.h)
  kIp,         // a string field with `[(strictlog.v1.column).ip = true]`
};

struct Column {
  std::string name;
  // The fields from the stored message to the leaf. For a table of a oneof field, the path starts with that
  // field (`Event.openvpn_tls_handshake_failed`, `TlsHandshakeFailed.peer`, `Endpoint.ip`); its name is not
  // part of the column name.
  std::vector<const google::protobuf::FieldDescriptor*> path;
  ColumnType type = ColumnType::kString;
  int array_depth = 0;  // repeated fields on the path: 0 a value, 1 an array, 2 an array of arrays
  bool nullable = false;
  const google::protobuf::EnumDescriptor* enum_type = nullptr;  // kEnum
  int enum_bits = 0;  // kEnum: 8 when every value fits Enum8, else 16
  std::string codec;                                           // `strictlog.v1.column` codec, may be empty

  const google::protobuf::FieldDescriptor* leaf() const { return path.back(); }
};

struct Index {
  std::string name;  // <table>_<columns>
  std::vector<std::string> columns;
  std::string type = "minmax";
  unsigned granularity = 4;
};

struct Table {
  std::string name;
  const google::protobuf::Descriptor* message = nullptr;  // the stored message (Event, QuarantineRecord)
  // For a table per oneof field: that field (Event.openvpn_tls_handshake_failed); nullptr for `table`.
  const google::protobuf::FieldDescriptor* payload = nullptr;
  std::vector<Column> columns;
  std::vector<std::string> order_by;
  std::string partition_by;
  std::string ttl;
  std::vector<Index> indexes;

  const Column* column(std::string_view name) const;
};

// A plain SQL name, `[A-Za-z_][A-Za-z0-9_]*`: what table names must be, and what the generators, the CLI and
// the ClickHouse sink accept as a database name, since they write it into SQL unquoted.
bool is_sql_name(std::string_view name);

// The tables of one stored message (one with a `strictlog.v1.store` option): one, or one per oneof field.
// Errors (a diagnostic each, all collected, positioned at nothing since descriptors carry no positions but
// naming the message and field): no store option, both or neither of table/table_per_oneof, an unknown
// oneof or a oneof field that is not a message, a message that contains itself, two columns or tables of
// one name, an order_by/index column that does not exist or is an array or nullable.
Result<std::vector<Table>> tables_of(const google::protobuf::Descriptor* stored);

// Every table of every stored message declared in `files`, in declaration order; table names unique.
Result<std::vector<Table>> tables_in(const std::vector<const google::protobuf::FileDescriptor*>& files);

// The tables of strictlog's compiled-in data model: strictlog.v1.Event's and strictlog.v1.QuarantineRecord's.
// Built once; the descriptors live as long as the program.
const std::vector<Table>& builtin_tables();

// The name of the table an event of `event`'s payload goes to, within `tables` (those of the event's
// message); nullptr when the payload is unset or unknown.
const Table* table_for(const std::vector<Table>& tables, const google::protobuf::Message& message);

}  // namespace strictlog::schema
