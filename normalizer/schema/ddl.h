// DDL rendered from the table model (table.h): CREATE TABLE for ClickHouse and SQLite, and the migrations
// between two versions of a model. The same functions serve the protoc plugins, `strictlog schema migrate`
// and the sinks (which create their tables), so a generated file and a sink's table are the same text.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "schema/table.h"

namespace strictlog::schema {

// A ClickHouse server version, `18.16` or `23.8`; what DDL and rows may use depends on it.
struct ClickHouseVersion {
  int major = 18;
  int minor = 16;

  static Result<ClickHouseVersion> parse(std::string_view text);  // `MAJOR.MINOR[.anything]`
  bool at_least(int maj, int min) const { return major > maj || (major == maj && minor >= min); }

  // Features 18.16 lacks, each from the release that made it generally available.
  bool datetime64() const { return at_least(20, 1); }    // else DateTime('UTC') + `<name>_nanos` UInt32
  bool skip_indexes() const { return at_least(20, 1); }  // before: experimental, behind a setting
  bool codecs() const { return at_least(19, 10); }
  bool ttl() const { return at_least(19, 6); }
  bool ip_types() const { return at_least(19, 3); }      // else FixedString(16)
};

enum class Target { kClickHouse, kSqlite };

// The column type of `c` in ClickHouse (without its name): `Nullable(UInt32)`, `Array(String)`,
// `Enum8('AUTH_STATUS_UNSPECIFIED' = 0, ...)`. For a timestamp on a version without DateTime64, the type of
// `<name>`; `<name>_nanos` is UInt32 (sql_columns()).
std::string clickhouse_type(const Column& c, const ClickHouseVersion& v);

// The columns of `c` as `name type` pairs, in table order: usually one; a timestamp without DateTime64 (and
// on SQLite) two.
struct SqlColumn {
  std::string name;
  std::string type;
};
std::vector<SqlColumn> sql_columns(const Column& c, Target target, const ClickHouseVersion& v = {});

// `CREATE TABLE IF NOT EXISTS db.table (...) ENGINE = MergeTree ... ;` with a trailing newline.
// `database` may be empty (no qualifier).
std::string clickhouse_create(const Table& t, const ClickHouseVersion& v, std::string_view database = {});

// `CREATE TABLE IF NOT EXISTS table (...);` and one `CREATE INDEX IF NOT EXISTS` per index and for the
// sorting key, each statement ending in `;\n`.
std::string sqlite_create(const Table& t);

// The statements that take a store holding `from`'s tables to `to`'s: CREATE TABLE for a new table, ALTER
// TABLE ADD COLUMN for each new column (after the column it follows, in ClickHouse), and in ClickHouse ALTER
// TABLE MODIFY COLUMN for an enum column whose enum gained values (SQLite stores enums as TEXT). A column that
// changed type otherwise, or disappeared, is an error naming the table and column: `strictlog schema check`
// refuses most changes that cause it, so meeting one here usually means the schemas were not checked (a field
// removed with its number and name reserved passes the check, but its column is still refused here).
Result<std::string> migrate(const std::vector<Table>& from, const std::vector<Table>& to, Target target,
                            const ClickHouseVersion& v = {}, std::string_view database = {});

}  // namespace strictlog::schema
