#include "schema/ddl.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <climits>
#include <map>

namespace strictlog::schema {

namespace {

std::string quote_sql(std::string_view s) {
  std::string out = "'";
  for (char ch : s) {
    if (ch == '\'' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "'";
}

std::string enum_values(const google::protobuf::EnumDescriptor* e) {
  std::vector<std::string> values;
  for (int i = 0; i < e->value_count(); ++i) {
    const auto* v = e->value(i);
    values.push_back(fmt::format("{} = {}", quote_sql(v->name()), v->number()));
  }
  return fmt::format("{}", fmt::join(values, ", "));
}

std::string clickhouse_scalar(const Column& c, const ClickHouseVersion& v) {
  switch (c.type) {
    case ColumnType::kBool: return "UInt8";
    case ColumnType::kInt32: return "Int32";
    case ColumnType::kInt64: return "Int64";
    case ColumnType::kUInt32: return "UInt32";
    case ColumnType::kUInt64: return "UInt64";
    case ColumnType::kFloat: return "Float32";
    case ColumnType::kDouble: return "Float64";
    case ColumnType::kString:
    case ColumnType::kBytes: return "String";
    case ColumnType::kEnum: {
      return fmt::format("Enum{}({})", c.enum_bits, enum_values(c.enum_type));
    }
    case ColumnType::kTimestamp: return v.datetime64() ? "DateTime64(9, 'UTC')" : "DateTime('UTC')";
    case ColumnType::kIp: return v.ip_types() ? "IPv6" : "FixedString(16)";
  }
  return "String";
}

std::string sqlite_scalar(const Column& c) {
  if (c.array_depth > 0) return "TEXT";  // a JSON array (row.h)
  switch (c.type) {
    case ColumnType::kBool:
    case ColumnType::kInt32:
    case ColumnType::kInt64:
    case ColumnType::kUInt32:
    case ColumnType::kUInt64:
    case ColumnType::kTimestamp: return "INTEGER";
    case ColumnType::kFloat:
    case ColumnType::kDouble: return "REAL";
    case ColumnType::kBytes: return "BLOB";
    case ColumnType::kString:
    case ColumnType::kEnum:
    case ColumnType::kIp: return "TEXT";
  }
  return "TEXT";
}

std::string wrap(std::string type, const Column& c) {
  if (c.nullable) type = "Nullable(" + type + ")";
  for (int i = 0; i < c.array_depth; ++i) type = "Array(" + type + ")";
  return type;
}

std::string qualified(std::string_view database, const std::string& table) {
  return database.empty() ? table : fmt::format("{}.{}", database, table);
}

std::string clickhouse_column_sql(const SqlColumn& col, const Column& c, const ClickHouseVersion& v) {
  std::string s = fmt::format("{} {}", col.name, col.type);
  if (!c.codec.empty() && v.codecs()) s += fmt::format(" CODEC({})", c.codec);
  return s;
}

// Whether `now` is `old`'s enum column with values added: same shape, every old value with its name and number.
bool enum_extended(const Column& old, const Column& now) {
  if (old.type != ColumnType::kEnum || now.type != ColumnType::kEnum || old.array_depth != now.array_depth ||
      old.nullable != now.nullable) {
    return false;
  }
  for (int i = 0; i < old.enum_type->value_count(); ++i) {
    const auto* value = now.enum_type->FindValueByName(old.enum_type->value(i)->name());
    if (value == nullptr || value->number() != old.enum_type->value(i)->number()) return false;
  }
  return true;
}

// `name` is in the table's sorting key, or named in its PARTITION BY expression.
bool is_key(const Table& t, const std::string& name) {
  if (std::find(t.order_by.begin(), t.order_by.end(), name) != t.order_by.end()) return true;
  size_t at = t.partition_by.find(name);
  while (at != std::string::npos) {
    auto word = [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_'; };
    bool starts = at == 0 || !word(t.partition_by[at - 1]);
    bool ends = at + name.size() == t.partition_by.size() || !word(t.partition_by[at + name.size()]);
    if (starts && ends) return true;
    at = t.partition_by.find(name, at + 1);
  }
  return false;
}

}  // namespace

Result<ClickHouseVersion> ClickHouseVersion::parse(std::string_view text) {
  ClickHouseVersion v;
  const char* p = text.data();
  const char* end = text.data() + text.size();
  // from_chars takes a leading '-', which no version has.
  auto digit = [&](const char* at) { return at < end && *at >= '0' && *at <= '9'; };
  auto r1 = std::from_chars(p, end, v.major);
  if (digit(p) && r1.ec == std::errc{} && r1.ptr < end && *r1.ptr == '.') {
    auto r2 = std::from_chars(r1.ptr + 1, end, v.minor);
    if (digit(r1.ptr + 1) && r2.ec == std::errc{} && (r2.ptr == end || *r2.ptr == '.')) return v;
  }
  return plain_error("clickhouse-version", fmt::format("'{}' is not a ClickHouse version MAJOR.MINOR, e.g. 18.16", text));
}

std::string clickhouse_type(const Column& c, const ClickHouseVersion& v) { return wrap(clickhouse_scalar(c, v), c); }

std::vector<SqlColumn> sql_columns(const Column& c, Target target, const ClickHouseVersion& v) {
  std::vector<SqlColumn> out;
  if (target == Target::kClickHouse) {
    out.push_back({c.name, clickhouse_type(c, v)});
    if (c.type == ColumnType::kTimestamp && !v.datetime64()) {
      Column nanos = c;
      nanos.type = ColumnType::kUInt32;
      out.push_back({c.name + "_nanos", wrap("UInt32", nanos)});
    }
  } else {
    std::string type = sqlite_scalar(c);
    if (!c.nullable && c.array_depth == 0) type += " NOT NULL";
    out.push_back({c.name, type});
    if (c.type == ColumnType::kTimestamp && c.array_depth == 0) out.push_back({c.name + "_nanos", "INTEGER NOT NULL"});
  }
  return out;
}

std::string clickhouse_create(const Table& t, const ClickHouseVersion& v, std::string_view database) {
  std::vector<std::string> lines;
  for (const Column& c : t.columns) {
    for (const SqlColumn& col : sql_columns(c, Target::kClickHouse, v)) lines.push_back(clickhouse_column_sql(col, c, v));
  }
  if (v.skip_indexes()) {
    for (const Index& ix : t.indexes) {
      std::string expr = ix.columns.size() == 1 ? ix.columns[0] : fmt::format("({})", fmt::join(ix.columns, ", "));
      lines.push_back(fmt::format("INDEX {} {} TYPE {} GRANULARITY {}", ix.name, expr, ix.type, ix.granularity));
    }
  }
  std::string s = fmt::format("CREATE TABLE IF NOT EXISTS {}\n(\n    {}\n)\nENGINE = MergeTree()\n",
                              qualified(database, t.name), fmt::join(lines, ",\n    "));
  if (!t.partition_by.empty()) s += fmt::format("PARTITION BY {}\n", t.partition_by);
  s += t.order_by.empty() ? std::string("ORDER BY tuple()\n") : fmt::format("ORDER BY ({})\n", fmt::join(t.order_by, ", "));
  if (!t.ttl.empty() && v.ttl()) s += fmt::format("TTL {}\n", t.ttl);
  s += ";\n";
  return s;
}

std::string sqlite_create(const Table& t) {
  std::vector<std::string> lines;
  for (const Column& c : t.columns) {
    for (const SqlColumn& col : sql_columns(c, Target::kSqlite)) lines.push_back(fmt::format("{} {}", col.name, col.type));
  }
  std::string s = fmt::format("CREATE TABLE IF NOT EXISTS {} (\n    {}\n);\n", t.name, fmt::join(lines, ",\n    "));
  auto index = [&](const std::string& name, const std::vector<std::string>& columns) {
    s += fmt::format("CREATE INDEX IF NOT EXISTS {} ON {} ({});\n", name, t.name, fmt::join(columns, ", "));
  };
  if (!t.order_by.empty()) index(t.name + "_order_by", t.order_by);
  for (const Index& ix : t.indexes) index(ix.name, ix.columns);
  return s;
}

Result<std::string> migrate(const std::vector<Table>& from, const std::vector<Table>& to, Target target,
                            const ClickHouseVersion& v, std::string_view database) {
  Diagnostics errors;
  std::string out;
  std::map<std::string, const Table*> old_tables;
  for (const Table& t : from) old_tables[t.name] = &t;
  for (const Table& t : to) {
    auto it = old_tables.find(t.name);
    if (it == old_tables.end()) {
      out += target == Target::kClickHouse ? clickhouse_create(t, v, database) : sqlite_create(t);
      continue;
    }
    const Table& old = *it->second;
    std::map<std::string, std::string> old_types;
    std::map<std::string, const Column*> old_columns;
    for (const Column& c : old.columns) {
      for (const SqlColumn& col : sql_columns(c, target, v)) {
        old_types[col.name] = col.type;
        old_columns[col.name] = &c;
      }
    }
    std::map<std::string, bool> still;
    std::string previous;
    for (const Column& c : t.columns) {
      for (const SqlColumn& col : sql_columns(c, target, v)) {
        auto found = old_types.find(col.name);
        if (found == old_types.end()) {
          if (target == Target::kClickHouse) {
            // Old rows read an added Enum column as its smallest number, not as proto3's default (value 0).
            std::string default_value;
            if (c.type == ColumnType::kEnum && !c.nullable && c.array_depth == 0) {
              default_value = " DEFAULT " + quote_sql(c.enum_type->FindValueByNumber(0) != nullptr
                                                          ? c.enum_type->FindValueByNumber(0)->name()
                                                          : c.enum_type->value(0)->name());
            }
            out += fmt::format("ALTER TABLE {} ADD COLUMN {}{}{};\n", qualified(database, t.name),
                               clickhouse_column_sql(col, c, v), default_value,
                               previous.empty() ? "" : " AFTER " + previous);
          } else {
            // SQLite cannot add a NOT NULL column without a default; the proto3 default is what old rows read.
            std::string type = col.type;
            if (type.ends_with(" NOT NULL")) {
              type += c.array_depth > 0                 ? std::string(" DEFAULT '[]'")
                      : c.type == ColumnType::kString   ? std::string(" DEFAULT ''")
                      : c.type == ColumnType::kEnum     ? " DEFAULT " + quote_sql(c.enum_type->value(0)->name())
                      : c.type == ColumnType::kBytes    ? std::string(" DEFAULT x''")
                                                        : std::string(" DEFAULT 0");
            }
            out += fmt::format("ALTER TABLE {} ADD COLUMN {} {};\n", t.name, col.name, type);
          }
        } else if (found->second != col.type && target == Target::kClickHouse &&
                   enum_extended(*old_columns[col.name], c) && is_key(t, col.name)) {
          // 18.16 refuses to alter a sorting or partition key column (Code: 44), even metadata only.
          errors.push_back(plain_error(
              "schema-migrate", fmt::format("table {}: column {} gained enum values, but it is part of the sorting or "
                                            "partition key, which ClickHouse cannot alter; create the table anew "
                                            "and copy its rows",
                                            t.name, col.name)));
        } else if (found->second != col.type && target == Target::kClickHouse &&
                   enum_extended(*old_columns[col.name], c)) {
          // A value added to an enum (compat.h allows it) changes the Enum8 type. ClickHouse accepts the new
          // type when every old value keeps its name and number, and only rewrites its metadata unless
          // the type grows from Enum8 to Enum16 (tests/schema/migrate_store_test.py runs it on 18.16).
          out += fmt::format("ALTER TABLE {} MODIFY COLUMN {};\n", qualified(database, t.name),
                             clickhouse_column_sql(col, c, v));
        } else if (found->second != col.type) {
          errors.push_back(plain_error("schema-migrate", fmt::format("table {}: column {} changed type from {} to {}",
                                                                     t.name, col.name, found->second, col.type)));
        }
        still[col.name] = true;
        previous = col.name;
      }
    }
    for (const auto& [name, type] : old_types) {
      if (!still.count(name)) {
        errors.push_back(plain_error("schema-migrate", fmt::format("table {}: column {} is gone from the new schema", t.name, name)));
      }
    }
  }
  if (!errors.empty()) return errors;
  return out;
}

}  // namespace strictlog::schema
