// The typed Python reader of stored events: one module (`strictlog_events.py`, protoc-gen-strictlog-python)
// rendered from the table model (schema/table.h), the same one the ClickHouse DDL is rendered from, so a
// class's attributes are its table's columns by construction. docs/SCHEMA.md ("Python reader") is the
// user's manual; the module's own docstring repeats the essentials.
//
// What the module holds, in order:
//   - an `enum.IntEnum` per proto enum a column uses, members named and numbered as in the .proto;
//   - per stored message with `table_per_oneof` (strictlog.v1.Event), a frozen dataclass of the columns all
//     its tables share (`Event`: the `envelope_*` columns), which the tables' classes extend;
//   - per table a frozen dataclass (`OpenvpnTlsHandshakeFailed`) whose attributes are the columns, typed;
//   - `TABLES`, table name -> class, and `Reader(client, database)` with one method per table.
//
// Python names: a table's class is its name in CamelCase; an attribute is its column's name; an enum is
// its proto name (nested: the containing messages' names before it), or its full name in CamelCase when
// that is taken. A Python keyword gets a trailing `_` (`from` -> `from_`), except as an enum value's name,
// which must match the ClickHouse Enum's: that is an error. Two Python names that collide are an error.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "schema/ddl.h"
#include "schema/table.h"

namespace strictlog::generate {

struct PythonReaderOptions {
  // The DDL the reader reads: a timestamp is `DateTime` + `<name>_nanos` before 20.1, then DateTime64(9);
  // an IP is FixedString(16) before 19.3, then IPv6 (schema/ddl.h).
  schema::ClickHouseVersion clickhouse_version;
  // The module's first lines: `#` comments that say what generated it, from which files, and not to edit it.
  std::string header;
};

// The module's text. Errors (each a diagnostic, all collected): names that collide or are not Python
// identifiers.
Result<std::string> python_reader(const std::vector<schema::Table>& tables, const PythonReaderOptions& options);

// The fixed part of the module: imports, the conversions from clickhouse_driver's values (one function per
// type) and the Reader's generic methods. python_reader() puts the generated classes around it.
extern const char* const kPythonRuntime;
extern const char* const kPythonReaderHead;

}  // namespace strictlog::generate
