#include "schema/row.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <cstring>
#include <ctime>

namespace strictlog::schema {

namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// DateTime is UInt32 seconds, but ClickHouse 18.16 reads and partitions only 1970-01-01 00:00:00 to
// 2105-12-31 23:59:59 UTC: later values are stored as 0 (JSONEachRow) or wrap to 1970 (RowBinary).
constexpr int64_t kMaxDateTime = 4291747199LL;
// DateTime64(9) is Int64 nanoseconds: 1900-01-01 00:00:00 to 2262-04-11 23:47:16 UTC.
constexpr int64_t kMinDateTime64 = -2208988800LL;
constexpr int64_t kMaxDateTime64 = 9223372035LL;

struct Timestamp {
  int64_t seconds = 0;
  int32_t nanos = 0;
};

// Reads a google.protobuf.Timestamp by field number, so messages of any pool (DynamicMessage) work.
Timestamp read_timestamp(const Message& ts) {
  const google::protobuf::Descriptor* d = ts.GetDescriptor();
  const Reflection* r = ts.GetReflection();
  return {r->GetInt64(ts, d->FindFieldByNumber(1)), r->GetInt32(ts, d->FindFieldByNumber(2))};
}

// One value of a column: the leaf field `f` of `m`, element `index` of it when repeated (else -1). `refl` is
// m.GetReflection(), looked up once by walk(): for generated messages each lookup costs a call_once.
struct Leaf {
  const Message& m;
  const FieldDescriptor* f;
  int index;
  const Reflection* refl;

  const Reflection* r() const { return refl; }
  // A reference into the message (no copy) for the generated types; `scratch` only for other layouts.
  const std::string& string() const {
    thread_local std::string scratch;
    return index < 0 ? r()->GetStringReference(m, f, &scratch) : r()->GetRepeatedStringReference(m, f, index, &scratch);
  }
  const Message& message() const { return index < 0 ? r()->GetMessage(m, f) : r()->GetRepeatedMessage(m, f, index); }
  int enum_value() const { return index < 0 ? r()->GetEnumValue(m, f) : r()->GetRepeatedEnumValue(m, f, index); }
  Timestamp timestamp() const { return read_timestamp(message()); }
  bool boolean() const { return index < 0 ? r()->GetBool(m, f) : r()->GetRepeatedBool(m, f, index); }
  int64_t int64() const {
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32: return index < 0 ? r()->GetInt32(m, f) : r()->GetRepeatedInt32(m, f, index);
      case FieldDescriptor::CPPTYPE_INT64: return index < 0 ? r()->GetInt64(m, f) : r()->GetRepeatedInt64(m, f, index);
      case FieldDescriptor::CPPTYPE_UINT32: return index < 0 ? r()->GetUInt32(m, f) : r()->GetRepeatedUInt32(m, f, index);
      default: return static_cast<int64_t>(uint64());
    }
  }
  uint64_t uint64() const { return index < 0 ? r()->GetUInt64(m, f) : r()->GetRepeatedUInt64(m, f, index); }
  double real() const {
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_FLOAT) {
      return index < 0 ? r()->GetFloat(m, f) : r()->GetRepeatedFloat(m, f, index);
    }
    return index < 0 ? r()->GetDouble(m, f) : r()->GetRepeatedDouble(m, f, index);
  }
};

// Walks column `c` of `m` from path element `i`: arrays for repeated fields, NULL for an unset field with
// presence, the default instance for an unset singular message (proto3 reading).
template <class V>
void walk(const Message& m, const Column& c, size_t i, V& v) {
  const FieldDescriptor* f = c.path[i];
  const Reflection* r = m.GetReflection();
  bool leaf = i + 1 == c.path.size();
  if (f->is_repeated()) {
    int n = r->FieldSize(m, f);
    v.begin_array(static_cast<size_t>(n));
    for (int k = 0; k < n; ++k) {
      if (leaf) {
        v.value(Leaf{m, f, k, r});
      } else {
        walk(r->GetRepeatedMessage(m, f, k), c, i + 1, v);
      }
    }
    v.end_array();
  } else if (leaf) {
    if (c.nullable && f->has_presence() && !r->HasField(m, f)) {
      v.null();
    } else {
      v.value(Leaf{m, f, -1, r});
    }
  } else {
    walk(r->GetMessage(m, f), c, i + 1, v);
  }
}

// The 16 bytes of an IPv6 address, IPv4 mapped; false when `text` is neither.
bool ip_bytes(const std::string& text, unsigned char out[16]) {
  in_addr v4;
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    std::memset(out, 0, 10);
    out[10] = out[11] = 0xff;
    std::memcpy(out + 12, &v4, 4);
    return true;
  }
  return inet_pton(AF_INET6, text.c_str(), out) == 1;
}

// What every format's visitor shares: the column, which part of it (a timestamp's seconds or nanos), and the
// first error.
struct Visitor {
  const Table& t;
  const Column& c;
  int part;  // 0, or 1 for the `_nanos` column of a two-column timestamp
  std::string error;

  void fail(const std::string& what) {
    if (error.empty()) error = fmt::format("table {}: column {}: {}", t.name, c.name, what);
  }
  bool timestamp_in_range(const Timestamp& ts, bool datetime64) {
    if (datetime64 && (ts.seconds < kMinDateTime64 || ts.seconds > kMaxDateTime64)) {
      fail(fmt::format("timestamp {} s is outside what DateTime64(9) holds (1900-01-01 to 2262-04-11)", ts.seconds));
      return false;
    }
    if (!datetime64 && (ts.seconds < 0 || ts.seconds > kMaxDateTime)) {
      fail(fmt::format("timestamp {} s is outside what DateTime holds (1970-01-01 to 2105-12-31)", ts.seconds));
      return false;
    }
    return true;
  }
  // ClickHouse accepts a number its Enum does not name, and then fails every read of the column.
  const google::protobuf::EnumValueDescriptor* enum_value(int number) {
    const auto* value = c.enum_type->FindValueByNumber(number);
    if (value == nullptr) fail(fmt::format("enum value {} has no name", number));
    return value;
  }
};

void put_varint(uint64_t n, std::string* out) {
  while (n >= 0x80) {
    out->push_back(static_cast<char>((n & 0x7f) | 0x80));
    n >>= 7;
  }
  out->push_back(static_cast<char>(n));
}

template <class T>
void put_le(T value, std::string* out) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));  // x86-64 and aarch64 are little-endian, as RowBinary
  out->append(bytes, sizeof(T));
}

struct RowBinaryVisitor : Visitor {
  const ClickHouseVersion& v;
  std::string* out;

  RowBinaryVisitor(const Table& t, const Column& c, int part, const ClickHouseVersion& v, std::string* out)
      : Visitor{t, c, part, {}}, v(v), out(out) {}

  void begin_array(size_t n) { put_varint(n, out); }
  void end_array() {}
  void null() { out->push_back(1); }
  void value(const Leaf& leaf) {
    if (c.type == ColumnType::kIp) {
      const std::string& text = leaf.string();
      if (text.empty() && c.nullable) return null();
      unsigned char bytes[16];
      if (!ip_bytes(text, bytes)) return fail(fmt::format("'{}' is not an IP address", text));
      if (c.nullable) out->push_back(0);
      out->append(reinterpret_cast<const char*>(bytes), 16);
      return;
    }
    if (c.nullable) out->push_back(0);
    switch (c.type) {
      case ColumnType::kBool: return out->push_back(leaf.boolean() ? 1 : 0);
      case ColumnType::kInt32: return put_le(static_cast<int32_t>(leaf.int64()), out);
      case ColumnType::kUInt32: return put_le(static_cast<uint32_t>(leaf.int64()), out);
      case ColumnType::kInt64: return put_le(leaf.int64(), out);
      case ColumnType::kUInt64: return put_le(leaf.uint64(), out);
      case ColumnType::kFloat: return put_le(static_cast<float>(leaf.real()), out);
      case ColumnType::kDouble: return put_le(leaf.real(), out);
      case ColumnType::kString:
      case ColumnType::kBytes: {
        const std::string& s = leaf.string();
        put_varint(s.size(), out);
        out->append(s);
        return;
      }
      case ColumnType::kEnum: {
        if (enum_value(leaf.enum_value()) == nullptr) return;
        if (c.enum_bits == 8) return put_le(static_cast<int8_t>(leaf.enum_value()), out);
        return put_le(static_cast<int16_t>(leaf.enum_value()), out);
      }
      case ColumnType::kTimestamp: {
        Timestamp ts = leaf.timestamp();
        if (part == 1) return put_le(static_cast<uint32_t>(ts.nanos), out);
        if (!timestamp_in_range(ts, v.datetime64())) return;
        if (v.datetime64()) return put_le(ts.seconds * 1000000000LL + ts.nanos, out);
        return put_le(static_cast<uint32_t>(ts.seconds), out);
      }
      case ColumnType::kIp: return;
    }
  }
};

void put_json_string(std::string_view s, std::string* out) {
  out->push_back('"');
  for (char ch : s) {
    auto u = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out->push_back('\\');
      out->push_back(ch);
    } else if (u < 0x20) {
      fmt::format_to(std::back_inserter(*out), "\\u{:04x}", u);
    } else {
      out->push_back(ch);  // ClickHouse reads string bytes as they are, UTF-8 or not
    }
  }
  out->push_back('"');
}

std::string datetime_text(int64_t seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec);
}

// JSON values, for JSONEachRow and for SQLite's array columns. `clickhouse`: timestamps and IPs as
// ClickHouse reads them; else (SQLite) a timestamp as [seconds, nanos] and an IP as printed.
struct JsonVisitor : Visitor {
  const ClickHouseVersion& v;
  bool clickhouse;
  std::string* out;
  std::vector<bool> first{true};

  JsonVisitor(const Table& t, const Column& c, int part, const ClickHouseVersion& v, bool clickhouse, std::string* out)
      : Visitor{t, c, part, {}}, v(v), clickhouse(clickhouse), out(out) {}

  void separate() {
    if (!first.back()) out->push_back(',');
    first.back() = false;
  }
  void begin_array(size_t) {
    separate();
    out->push_back('[');
    first.push_back(true);
  }
  void end_array() {
    first.pop_back();
    out->push_back(']');
  }
  void null() {
    separate();
    out->append("null");
  }
  void value(const Leaf& leaf) {
    separate();
    switch (c.type) {
      case ColumnType::kBool: out->append(leaf.boolean() ? "1" : "0"); return;
      case ColumnType::kInt32:
      case ColumnType::kInt64:
      case ColumnType::kUInt32: fmt::format_to(std::back_inserter(*out), "{}", leaf.int64()); return;
      case ColumnType::kUInt64: fmt::format_to(std::back_inserter(*out), "{}", leaf.uint64()); return;
      case ColumnType::kFloat:
      case ColumnType::kDouble: fmt::format_to(std::back_inserter(*out), "{}", leaf.real()); return;
      case ColumnType::kString:
      case ColumnType::kBytes: put_json_string(leaf.string(), out); return;
      case ColumnType::kEnum: {
        const auto* value = enum_value(leaf.enum_value());
        if (value == nullptr) return;
        put_json_string(value->name(), out);
        return;
      }
      case ColumnType::kTimestamp: {
        Timestamp ts = leaf.timestamp();
        if (!clickhouse) {
          fmt::format_to(std::back_inserter(*out), "[{},{}]", ts.seconds, ts.nanos);
        } else if (part == 1) {
          fmt::format_to(std::back_inserter(*out), "{}", ts.nanos);
        } else if (!timestamp_in_range(ts, v.datetime64())) {
        } else if (v.datetime64()) {
          fmt::format_to(std::back_inserter(*out), "\"{}.{:09}\"", datetime_text(ts.seconds), ts.nanos);
        } else {
          fmt::format_to(std::back_inserter(*out), "\"{}\"", datetime_text(ts.seconds));
        }
        return;
      }
      case ColumnType::kIp: {
        const std::string& text = leaf.string();
        if (text.empty() && c.nullable) {
          out->append("null");
          return;
        }
        unsigned char bytes[16];
        if (!ip_bytes(text, bytes)) return fail(fmt::format("'{}' is not an IP address", text));
        if (!clickhouse) return put_json_string(text, out);
        if (v.ip_types()) {
          char buf[INET6_ADDRSTRLEN];
          inet_ntop(AF_INET6, bytes, buf, sizeof buf);
          return put_json_string(buf, out);
        }
        put_json_string(std::string_view(reinterpret_cast<const char*>(bytes), 16), out);
        return;
      }
    }
  }
};

struct SqliteVisitor : Visitor {
  std::vector<SqlValue>* out;

  SqliteVisitor(const Table& t, const Column& c, int part, std::vector<SqlValue>* out) : Visitor{t, c, part, {}}, out(out) {}

  void begin_array(size_t) {}  // arrays go through JsonVisitor
  void end_array() {}
  void null() { out->push_back(SqlNull{}); }
  void value(const Leaf& leaf) {
    switch (c.type) {
      case ColumnType::kBool: out->push_back(int64_t{leaf.boolean() ? 1 : 0}); return;
      case ColumnType::kInt32:
      case ColumnType::kInt64:
      case ColumnType::kUInt32: out->push_back(leaf.int64()); return;
      case ColumnType::kUInt64: out->push_back(static_cast<int64_t>(leaf.uint64())); return;
      case ColumnType::kFloat:
      case ColumnType::kDouble: out->push_back(leaf.real()); return;
      case ColumnType::kString: out->push_back(leaf.string()); return;
      case ColumnType::kBytes: out->push_back(SqlBlob{leaf.string()}); return;
      case ColumnType::kEnum: {
        const auto* value = enum_value(leaf.enum_value());
        if (value == nullptr) return;
        out->push_back(value->name());
        return;
      }
      case ColumnType::kTimestamp: {
        Timestamp ts = leaf.timestamp();
        out->push_back(part == 1 ? int64_t{ts.nanos} : ts.seconds);
        return;
      }
      case ColumnType::kIp: {
        const std::string& text = leaf.string();
        if (text.empty()) return null();
        unsigned char bytes[16];
        if (!ip_bytes(text, bytes)) return fail(fmt::format("'{}' is not an IP address", text));
        out->push_back(text);
        return;
      }
    }
  }
};

// How many SQL columns `c` is (sql_columns(), without building their type names on every row).
int parts(const Column& c, Target target, const ClickHouseVersion& v) {
  if (c.type != ColumnType::kTimestamp) return 1;
  if (target == Target::kClickHouse) return v.datetime64() ? 1 : 2;
  return c.array_depth == 0 ? 2 : 1;
}

}  // namespace

Status append_row(const Table& t, RowFormat format, const ClickHouseVersion& v, const Message& message, std::string* out) {
  size_t mark = out->size();
  if (format == RowFormat::kJsonEachRow) out->push_back('{');
  bool first = true;
  for (const Column& c : t.columns) {
    int n = parts(c, Target::kClickHouse, v);
    for (int part = 0; part < n; ++part) {
      std::string error;
      if (format == RowFormat::kRowBinary) {
        RowBinaryVisitor visitor(t, c, part, v, out);
        walk(message, c, 0, visitor);
        error = std::move(visitor.error);
      } else {
        if (!first) out->push_back(',');
        first = false;
        put_json_string(part == 0 ? c.name : c.name + "_nanos", out);
        out->push_back(':');
        JsonVisitor visitor(t, c, part, v, true, out);
        walk(message, c, 0, visitor);
        error = std::move(visitor.error);
      }
      if (!error.empty()) {
        out->resize(mark);
        return plain_error("row", error);
      }
    }
  }
  if (format == RowFormat::kJsonEachRow) out->append("}\n");
  return kOk;
}

Status sqlite_row(const Table& t, const Message& message, std::vector<SqlValue>* out) {
  out->clear();
  ClickHouseVersion unused;
  for (const Column& c : t.columns) {
    int n = parts(c, Target::kSqlite, unused);
    for (int part = 0; part < n; ++part) {
      std::string error;
      if (c.array_depth > 0) {
        std::string json;
        JsonVisitor visitor(t, c, part, unused, false, &json);
        walk(message, c, 0, visitor);
        error = std::move(visitor.error);
        out->push_back(std::move(json));
      } else {
        SqliteVisitor visitor(t, c, part, out);
        walk(message, c, 0, visitor);
        error = std::move(visitor.error);
      }
      if (!error.empty()) return plain_error("row", error);
    }
  }
  return kOk;
}

}  // namespace strictlog::schema
