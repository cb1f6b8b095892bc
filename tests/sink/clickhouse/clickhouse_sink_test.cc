// The clickhouse sink against the real test server (ClickHouse 18.16): every field of every event type and
// of a quarantine record round-trips, in RowBinary and in JSONEachRow; a refused batch stays in the spool
// and stops the run; a table dropped during a run is created again.
//
// The expected values are computed here from the messages by reflection and compared with what the server
// gives back (`FORMAT JSONEachRow`, IPs through IPv6NumToString), never with the sink's own encoder.
#include <arpa/inet.h>
#include <fmt/format.h>
#include <google/protobuf/timestamp.pb.h>

#include <catch2/catch.hpp>
#include <map>

#include "clickhouse_harness.h"
#include "schema/ddl.h"
#include "schema/table.h"
#include "sink/database.h"
#include "sink/temp_dir.h"
#include "strictlog/v1/event.pb.h"
#include "strictlog/v1/options.pb.h"
#include "strictlog/v1/quarantine.pb.h"

namespace strictlog::clickhouse_test {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using schema::Column;
using schema::ColumnType;
using schema::Table;

// ---- messages with every field set, by reflection ----

bool is_ip(const FieldDescriptor* f) { return f->options().GetExtension(v1::column).ip(); }

// Sets every field of a message to a value of its own: strings with bytes JSON and SQL must escape, 64-bit
// numbers past 2^53 and 2^63, the last value of each enum, two elements per repeated field, a timestamp with
// nanoseconds, IPv4 and IPv6 addresses in turn. Of each oneof, the first member or (last_member) the last.
class Filler {
 public:
  Filler(int seed, bool last_member) : n_(seed), last_member_(last_member) {}

  void fill(Message* m, const google::protobuf::OneofDescriptor* skip = nullptr) {
    const Descriptor* d = m->GetDescriptor();
    const Reflection* r = m->GetReflection();
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* f = d->field(i);
      const auto* oneof = f->real_containing_oneof();
      if (oneof != nullptr) {
        if (oneof == skip) continue;
        if (f != oneof->field(last_member_ ? oneof->field_count() - 1 : 0)) continue;
      }
      int count = f->is_repeated() ? 2 : 1;
      for (int k = 0; k < count; ++k) set(m, r, f);
    }
  }

 private:
  void set(Message* m, const Reflection* r, const FieldDescriptor* f) {
    int n = ++n_;
    bool rep = f->is_repeated();
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        Message* sub = rep ? r->AddMessage(m, f) : r->MutableMessage(m, f);
        if (sub->GetDescriptor()->full_name() == "google.protobuf.Timestamp") {
          const Descriptor* td = sub->GetDescriptor();
          sub->GetReflection()->SetInt64(sub, td->FindFieldByName("seconds"), 1790000000 + n);
          sub->GetReflection()->SetInt32(sub, td->FindFieldByName("nanos"), 123456000 + n);
        } else {
          fill(sub);
        }
        return;
      }
      case FieldDescriptor::CPPTYPE_STRING: {
        std::string v;
        if (is_ip(f)) {
          v = n % 2 == 0 ? fmt::format("192.0.2.{}", n % 250 + 1) : fmt::format("2001:db8::{:x}", n % 0xfff0 + 1);
        } else if (f->type() == FieldDescriptor::TYPE_BYTES) {
          v = std::string("\0\xff\x01 ", 4) + f->name() + std::to_string(n);
        } else {
          v = fmt::format("{}-{} \"q\" \\ / \t\n é ✓", f->name(), n);
        }
        rep ? r->AddString(m, f, v) : r->SetString(m, f, v);
        return;
      }
      case FieldDescriptor::CPPTYPE_INT32: {
        int32_t v = -1000 - n;
        rep ? r->AddInt32(m, f, v) : r->SetInt32(m, f, v);
        return;
      }
      case FieldDescriptor::CPPTYPE_INT64: {
        int64_t v = -9000000000000000000LL - n;
        rep ? r->AddInt64(m, f, v) : r->SetInt64(m, f, v);
        return;
      }
      case FieldDescriptor::CPPTYPE_UINT32: {
        uint32_t v = 4000000000u + static_cast<uint32_t>(n);
        rep ? r->AddUInt32(m, f, v) : r->SetUInt32(m, f, v);
        return;
      }
      case FieldDescriptor::CPPTYPE_UINT64: {
        uint64_t v = 18000000000000000000ULL + static_cast<uint64_t>(n);
        rep ? r->AddUInt64(m, f, v) : r->SetUInt64(m, f, v);
        return;
      }
      case FieldDescriptor::CPPTYPE_BOOL: rep ? r->AddBool(m, f, true) : r->SetBool(m, f, true); return;
      case FieldDescriptor::CPPTYPE_FLOAT: {
        float v = 0.5f + static_cast<float>(n);
        rep ? r->AddFloat(m, f, v) : r->SetFloat(m, f, v);
        return;
      }
      case FieldDescriptor::CPPTYPE_DOUBLE: {
        double v = 0.25 + n;
        rep ? r->AddDouble(m, f, v) : r->SetDouble(m, f, v);
        return;
      }
      case FieldDescriptor::CPPTYPE_ENUM: {
        const auto* e = f->enum_type();
        int v = e->value(e->value_count() - 1)->number();
        rep ? r->AddEnumValue(m, f, v) : r->SetEnumValue(m, f, v);
        return;
      }
    }
  }

  int n_;
  bool last_member_;
};

// ---- JSON values: what the server printed, and what it should have ----

struct Json {
  enum Kind { kNull, kString, kNumber, kArray } kind = kNull;
  std::string text;  // a string's bytes (escapes decoded) or a number as written
  std::vector<Json> items;
  bool real = false;  // expected values only: compare as floating point

  std::string show() const {
    switch (kind) {
      case kNull: return "null";
      case kString: return "'" + text + "'";
      case kNumber: return text;
      case kArray: {
        std::string s = "[";
        for (size_t i = 0; i < items.size(); ++i) s += (i ? "," : "") + items[i].show();
        return s + "]";
      }
    }
    return "?";
  }
};

// A JSON parser for ClickHouse's JSONEachRow output: enough of RFC 8259 for one object per line, with
// string bytes kept as they are (ClickHouse writes non-UTF-8 bytes unescaped).
class JsonReader {
 public:
  explicit JsonReader(std::string_view s) : s_(s) {}

  std::map<std::string, Json> object() {
    std::map<std::string, Json> out;
    expect('{');
    ws();
    if (peek() == '}') {
      ++p_;
      return out;
    }
    while (true) {
      ws();
      std::string key = string();
      ws();
      expect(':');
      out[key] = value();
      ws();
      if (peek() == ',') {
        ++p_;
        continue;
      }
      expect('}');
      return out;
    }
  }

 private:
  Json value() {
    ws();
    Json v;
    char c = peek();
    if (c == '"') {
      v.kind = Json::kString;
      v.text = string();
    } else if (c == '[') {
      ++p_;
      v.kind = Json::kArray;
      ws();
      if (peek() == ']') {
        ++p_;
        return v;
      }
      while (true) {
        v.items.push_back(value());
        ws();
        if (peek() == ',') {
          ++p_;
          continue;
        }
        expect(']');
        return v;
      }
    } else if (s_.substr(p_, 4) == "null") {
      p_ += 4;
    } else {
      v.kind = Json::kNumber;
      while (p_ < s_.size() && std::string_view("+-0123456789.eE").find(s_[p_]) != std::string_view::npos) {
        v.text += s_[p_++];
      }
      if (v.text.empty()) FAIL("JSON: unexpected '" << c << "' at " << p_ << " in " << s_);
    }
    return v;
  }

  std::string string() {
    expect('"');
    std::string out;
    while (p_ < s_.size() && s_[p_] != '"') {
      char c = s_[p_++];
      if (c != '\\') {
        out += c;
        continue;
      }
      char e = s_[p_++];
      switch (e) {
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          unsigned code = std::stoul(std::string(s_.substr(p_, 4)), nullptr, 16);
          p_ += 4;
          if (code < 0x80) {
            out += static_cast<char>(code);
          } else if (code < 0x800) {
            out += static_cast<char>(0xc0 | (code >> 6));
            out += static_cast<char>(0x80 | (code & 0x3f));
          } else {
            out += static_cast<char>(0xe0 | (code >> 12));
            out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (code & 0x3f));
          }
          break;
        }
        default: out += e;  // " \ /
      }
    }
    expect('"');
    return out;
  }

  void ws() {
    while (p_ < s_.size() && (s_[p_] == ' ' || s_[p_] == '\n' || s_[p_] == '\t' || s_[p_] == '\r')) ++p_;
  }
  char peek() const { return p_ < s_.size() ? s_[p_] : '\0'; }
  void expect(char c) {
    if (peek() != c) FAIL("JSON: expected '" << c << "' at " << p_ << " in " << s_);
    ++p_;
  }

  std::string_view s_;
  size_t p_ = 0;
};

// An address as ClickHouse's IPv6NumToString prints the 16 bytes the column holds: IPv4 as ::ffff:a.b.c.d.
std::string ipv6_text(const std::string& ip) {
  in_addr v4;
  if (inet_pton(AF_INET, ip.c_str(), &v4) == 1) return "::ffff:" + ip;
  in6_addr v6;
  INFO("'" << ip << "'");
  REQUIRE(inet_pton(AF_INET6, ip.c_str(), &v6) == 1);
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, &v6, buf, sizeof buf);
  return buf;
}

Json text(std::string s) {
  Json j;
  j.kind = Json::kString;
  j.text = std::move(s);
  return j;
}
template <class T>
Json number(T v, bool real = false) {
  Json j;
  j.kind = Json::kNumber;
  j.text = fmt::format("{}", v);
  j.real = real;
  return j;
}

// The value column `c` (part 1: its `_nanos` column; timestamps as numbers, nanoseconds with DateTime64) should hold for field `f` of `m` (element `k`, or -1).
Json leaf_value(const Column& c, int part, bool datetime64, const Message& m, const FieldDescriptor* f, int k) {
  const Reflection* r = m.GetReflection();
  bool rep = k >= 0;
  switch (c.type) {
    case ColumnType::kString:
    case ColumnType::kBytes: return text(rep ? r->GetRepeatedString(m, f, k) : r->GetString(m, f));
    case ColumnType::kIp: {
      std::string ip = rep ? r->GetRepeatedString(m, f, k) : r->GetString(m, f);
      if (ip.empty() && c.nullable) return Json{};
      return text(ipv6_text(ip));
    }
    case ColumnType::kBool: return number((rep ? r->GetRepeatedBool(m, f, k) : r->GetBool(m, f)) ? 1 : 0);
    case ColumnType::kInt32: return number(rep ? r->GetRepeatedInt32(m, f, k) : r->GetInt32(m, f));
    case ColumnType::kInt64: return number(rep ? r->GetRepeatedInt64(m, f, k) : r->GetInt64(m, f));
    case ColumnType::kUInt32: return number(rep ? r->GetRepeatedUInt32(m, f, k) : r->GetUInt32(m, f));
    case ColumnType::kUInt64: return number(rep ? r->GetRepeatedUInt64(m, f, k) : r->GetUInt64(m, f));
    case ColumnType::kFloat: return number(rep ? r->GetRepeatedFloat(m, f, k) : r->GetFloat(m, f), true);
    case ColumnType::kDouble: return number(rep ? r->GetRepeatedDouble(m, f, k) : r->GetDouble(m, f), true);
    case ColumnType::kEnum: {
      int v = rep ? r->GetRepeatedEnumValue(m, f, k) : r->GetEnumValue(m, f);
      return text(f->enum_type()->FindValueByNumber(v)->name());
    }
    case ColumnType::kTimestamp: {
      const Message& ts = rep ? r->GetRepeatedMessage(m, f, k) : r->GetMessage(m, f);
      const auto& t = dynamic_cast<const google::protobuf::Timestamp&>(ts);
      if (part == 1) return number(t.nanos());
      return datetime64 ? number(t.seconds() * 1000000000LL + t.nanos()) : number(t.seconds());
    }
  }
  return Json{};
}

// The value of column `c` for `m`: arrays for repeated fields on its path, NULL for an unset field with
// presence (the table model, schema/table.h), the default instance's values below an unset message.
Json expected(const Column& c, int part, bool datetime64, const Message& m, size_t i = 0) {
  const FieldDescriptor* f = c.path[i];
  const Reflection* r = m.GetReflection();
  bool leaf = i + 1 == c.path.size();
  if (f->is_repeated()) {
    Json arr;
    arr.kind = Json::kArray;
    for (int k = 0; k < r->FieldSize(m, f); ++k) {
      arr.items.push_back(leaf ? leaf_value(c, part, datetime64, m, f, k)
                                : expected(c, part, datetime64, r->GetRepeatedMessage(m, f, k), i + 1));
    }
    return arr;
  }
  if (!leaf) return expected(c, part, datetime64, r->GetMessage(m, f), i + 1);
  if (c.nullable && f->has_presence() && !r->HasField(m, f)) return Json{};
  return leaf_value(c, part, datetime64, m, f, -1);
}

bool same(const Json& want, const Json& got) {
  if (want.kind == Json::kArray) {
    if (got.kind != Json::kArray || got.items.size() != want.items.size()) return false;
    for (size_t i = 0; i < want.items.size(); ++i) {
      if (!same(want.items[i], got.items[i])) return false;
    }
    return true;
  }
  if (want.kind == Json::kNumber) {
    // ClickHouse quotes 64-bit integers in JSON (output_format_json_quote_64bit_integers).
    if (got.kind != Json::kNumber && got.kind != Json::kString) return false;
    if (want.real) return std::stod(want.text) == std::stod(got.text);
    return want.text == got.text;
  }
  return want.kind == got.kind && want.text == got.text;
}

// `fn(column)`, through arrayMap for each array level.
std::string apply(const std::string& fn, const std::string& column, int depth) {
  if (depth == 0) return fn + "(" + column + ")";
  std::string element = fmt::format("x{}", depth);
  return fmt::format("arrayMap({} -> {}, {})", element, apply(fn, element, depth - 1), column);
}

// What a column is read through, so that values compare as values: an IP (FixedString(16) on 18.16, IPv6
// later) as IPv6NumToString's text, a timestamp as its number (ClickHouse 18.16 prints DateTime 0, the
// epoch, as `0000-00-00 00:00:00`). Empty for a column read as it is.
std::string reader(const Column& c, size_t part, const schema::ClickHouseVersion& v) {
  if (c.type == ColumnType::kIp) return "IPv6NumToString";
  if (c.type == ColumnType::kTimestamp && part == 0) return v.datetime64() ? "toUnixTimestamp64Nano" : "toUInt32";
  return "";
}

std::string alias(const Column& c, size_t part, const schema::ClickHouseVersion& v, const std::string& name) {
  return reader(c, part, v).empty() ? name : "v__" + name;
}

// The SELECT list that reads every column of `t` as comparable JSON.
std::string select_list(const Table& t, const schema::ClickHouseVersion& v) {
  std::vector<std::string> items;
  for (const Column& c : t.columns) {
    auto cols = schema::sql_columns(c, schema::Target::kClickHouse, v);
    for (size_t part = 0; part < cols.size(); ++part) {
      std::string fn = reader(c, part, v);
      items.push_back(fn.empty() ? cols[part].name
                                 : fmt::format("{} AS {}", apply(fn, cols[part].name, c.array_depth),
                                               alias(c, part, v, cols[part].name)));
    }
  }
  return fmt::format("{}", fmt::join(items, ", "));
}

struct Stored {
  const Table* table;
  std::unique_ptr<Message> message;
  std::string key;  // envelope_uid or, for quarantine, detail: tells the table's rows apart
};

// One event per payload field and per variant (every field set with the first or the last member of each
// oneof, and one with an empty payload and envelope), and the same three variants of a quarantine record.
std::vector<Stored> every_table_filled() {
  std::vector<Stored> out;
  int seed = 0;
  for (const Table& t : schema::builtin_tables()) {
    for (int variant = 0; variant < 3; ++variant) {
      Stored s;
      s.table = &t;
      if (t.payload != nullptr) {
        auto event = std::make_unique<v1::Event>();
        Message* payload = event->GetReflection()->MutableMessage(event.get(), t.payload);
        if (variant < 2) {
          Filler filler(seed, variant == 1);
          filler.fill(event.get(), t.payload->containing_oneof());
          filler.fill(payload);
        }
        s.key = event->envelope().uid();
        s.message = std::move(event);
      } else {
        auto record = std::make_unique<v1::QuarantineRecord>();
        if (variant < 2) Filler(seed, variant == 1).fill(record.get());
        s.key = record->detail();
        s.message = std::move(record);
      }
      seed += 1000;
      out.push_back(std::move(s));
    }
  }
  return out;
}

void round_trip(const std::string& format) {
  testing::TempDir tmp;
  Server server(shared_port());
  std::string db = "sink_round_trip_" + format;
  server.query("DROP DATABASE IF EXISTS " + db);
  DatabaseOptions options;
  options.spool_dir = tmp / "spool";
  auto sink = DatabaseSink::open(server.url(db, "?format=" + format), options);
  REQUIRE(sink.ok());

  std::vector<Stored> stored = every_table_filled();
  EncodedRecords records;
  for (const Stored& s : stored) {
    bool event = s.table->payload != nullptr;
    static const v1::Event no_event;
    static const v1::QuarantineRecord no_record;
    Status st = event ? (*sink)->encode(Outcome::kEvent, dynamic_cast<const v1::Event&>(*s.message), no_record, &records)
                      : (*sink)->encode(Outcome::kQuarantined, no_event,
                                        dynamic_cast<const v1::QuarantineRecord&>(*s.message), &records);
    INFO(s.table->name << ": " << (st.ok() ? std::string() : st.errors()[0].message));
    REQUIRE(st.ok());
  }
  REQUIRE((*sink)->write(records).ok());
  auto report = (*sink)->finish();
  REQUIRE(report.ok());
  CHECK(report->rows_delivered == stored.size());
  CHECK(report->rows_spooled == 0);
  CHECK(report->retries == 0);

  schema::ClickHouseVersion version = schema::ClickHouseVersion::parse(server.query("SELECT version()")).value();
  size_t checked_columns = 0;
  for (const Table& t : schema::builtin_tables()) {
    INFO("table " << t.name);
    CHECK(server.count(db, t.name) == 3);
    std::string key = t.payload != nullptr ? "envelope_uid" : "detail";
    std::string rows = server.query(fmt::format("SELECT {} FROM {}.{} FORMAT JSONEachRow", select_list(t, version), db, t.name));
    std::map<std::string, std::map<std::string, Json>> by_key;
    size_t start = 0;
    while (start < rows.size()) {
      size_t end = rows.find('\n', start);
      std::map<std::string, Json> row = JsonReader(std::string_view(rows).substr(start, end - start)).object();
      by_key[row[key].text] = row;
      start = end + 1;
    }
    for (const Stored& s : stored) {
      if (s.table != &t) continue;
      INFO("row " << key << " = '" << s.key << "'");
      REQUIRE(by_key.count(s.key) == 1);
      const auto& row = by_key[s.key];
      for (const Column& c : t.columns) {
        auto cols = schema::sql_columns(c, schema::Target::kClickHouse, version);
        for (size_t part = 0; part < cols.size(); ++part) {
          std::string name = alias(c, part, version, cols[part].name);
          INFO("column " << name);
          REQUIRE(row.count(name) == 1);
          Json want = expected(c, static_cast<int>(part), version.datetime64(), *s.message);
          Json got = row.at(name);
          INFO("expected " << want.show() << ", got " << got.show());
          CHECK(same(want, got));
          ++checked_columns;
        }
      }
    }
  }
  // Every table, every column, three rows each: a round trip that compared nothing cannot pass.
  CHECK(checked_columns > 3 * schema::builtin_tables().size() * 20);
  server.query("DROP DATABASE " + db);
}

TEST_CASE("clickhouse sink: every field of every event type and of quarantine records round-trips in RowBinary") {
  round_trip("RowBinary");
}

TEST_CASE("clickhouse sink: every field of every event type and of quarantine records round-trips in JSONEachRow") {
  round_trip("JSONEachRow");
}

TEST_CASE("clickhouse sink: the filled messages set every kind of value the check relies on") {
  // The round trip is only as good as its data: make sure it holds NULLs and values, arrays with elements,
  // IPv4 and IPv6 addresses, nanoseconds, and uint64 values past INT64_MAX.
  std::vector<Stored> stored = every_table_filled();
  std::string all;
  for (const Stored& s : stored) all += s.message->DebugString();
  CHECK(all.find("192.0.2.") != std::string::npos);
  CHECK(all.find("2001:db8::") != std::string::npos);
  CHECK(all.find("18000000000000") != std::string::npos);
  CHECK(all.find("nanos: 123456") != std::string::npos);
  size_t nulls = 0, ips = 0, arrays = 0;
  for (const Stored& s : stored) {
    for (const Column& c : s.table->columns) {
      Json j = expected(c, 0, false, *s.message);
      nulls += j.kind == Json::kNull;
      ips += c.type == ColumnType::kIp && j.kind == Json::kString;
      arrays += j.kind == Json::kArray && !j.items.empty();
    }
  }
  CHECK(nulls > 100);
  CHECK(ips > 20);
  CHECK(arrays > 70);
}

v1::QuarantineRecord record(int n) {
  v1::QuarantineRecord r;
  r.set_reason(v1::NO_MATCH);
  r.set_detail("record " + std::to_string(n));
  r.set_raw_text("line " + std::to_string(n));
  return r;
}

Status write_records(DatabaseSink& sink, int from, int to) {
  EncodedRecords records;
  for (int i = from; i <= to; ++i) {
    if (auto st = sink.encode(Outcome::kQuarantined, v1::Event{}, record(i), &records); !st) return st;
  }
  return sink.write(records);
}

std::vector<std::string> batch_files(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".batch") names.push_back(e.path().filename());
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST_CASE("clickhouse sink: a batch the server refuses stays in the spool and stops the run until it is fixed") {
  testing::TempDir tmp;
  Server server(shared_port());
  std::string db = "sink_refused";
  server.recreate(db);
  // A `quarantine` table of another shape: CREATE TABLE IF NOT EXISTS keeps it, and rows do not fit (two rows
  // are far fewer bytes than one value of this column: Code 33, CANNOT_READ_ALL_DATA).
  server.query("CREATE TABLE " + db + ".quarantine (x FixedString(4096)) ENGINE = Memory");
  DatabaseOptions options;
  options.spool_dir = tmp / "spool";
  options.finish_timeout = std::chrono::milliseconds(500);
  std::string name = "00000000000000000001-quarantine-2-RowBinary-18.16.batch";
  {
    auto sink = DatabaseSink::open(server.url(db), options);
    REQUIRE(sink.ok());
    REQUIRE(write_records(**sink, 1, 2).ok());
    auto report = (*sink)->finish();
    REQUIRE_FALSE(report.ok());
    const Diagnostic& e = report.errors()[0];
    CHECK(e.code == "sink-refused");
    std::string prefix = server.url(db) + " (RowBinary): the server refused 2 rows for table quarantine (encoded for "
                                          "ClickHouse 18.16): HTTP 500: Code: ";
    CHECK(e.message.substr(0, prefix.size()) == prefix);
    std::string suffix = "; they stay in spool file '" + options.spool_dir + "/" + name + "' (deliver or remove it by hand)";
    REQUIRE(e.message.size() > suffix.size());
    CHECK(e.message.substr(e.message.size() - suffix.size()) == suffix);
    CHECK(batch_files(options.spool_dir) == std::vector<std::string>{name});
  }
  {
    // The next run meets the same batch first, and refuses to go on; its own rows wait behind it.
    auto sink = DatabaseSink::open(server.url(db), options);
    REQUIRE(sink.ok());
    (void)write_records(**sink, 3, 3);  // ok, or already the refusal: the rows are queued either way
    auto report = (*sink)->finish();
    REQUIRE_FALSE(report.ok());
    CHECK(report.errors()[0].message.find("spool file '" + options.spool_dir + "/" + name + "'") != std::string::npos);
    CHECK(batch_files(options.spool_dir) ==
          std::vector<std::string>{name, "00000000000000000002-quarantine-1-RowBinary-18.16.batch"});
  }
  // With the table fixed, a run delivers both batches, oldest first.
  server.query("DROP TABLE " + db + ".quarantine");
  auto sink = DatabaseSink::open(server.url(db), options);
  REQUIRE(sink.ok());
  auto report = (*sink)->finish();
  REQUIRE(report.ok());
  CHECK(report->rows_delivered == 3);
  CHECK(report->rows_spooled == 0);
  CHECK(batch_files(options.spool_dir).empty());
  CHECK(server.query("SELECT detail FROM " + db + ".quarantine ORDER BY detail") == "record 1\nrecord 2\nrecord 3\n");
  server.query("DROP DATABASE " + db);
}

TEST_CASE("clickhouse sink: a table dropped during a run is created again before the next insert") {
  testing::TempDir tmp;
  Server server(shared_port());
  std::string db = "sink_dropped_table";
  server.query("DROP DATABASE IF EXISTS " + db);
  DatabaseOptions options;
  options.spool_dir = tmp / "spool";
  options.batch_rows = 2;
  auto sink = DatabaseSink::open(server.url(db), options);
  REQUIRE(sink.ok());
  REQUIRE(write_records(**sink, 1, 2).ok());  // one full batch, sent
  REQUIRE(wait_for([&] { return server.count(db, "quarantine") == 2; }, std::chrono::seconds(10)));
  server.query("DROP TABLE " + db + ".quarantine");
  REQUIRE(write_records(**sink, 3, 4).ok());
  auto report = (*sink)->finish();
  REQUIRE(report.ok());
  CHECK(report->rows_delivered == 4);
  CHECK(report->rows_spooled == 0);
  CHECK(report->retries == 1);  // UNKNOWN_TABLE once, then the table is back
  CHECK(server.query("SELECT detail FROM " + db + ".quarantine ORDER BY detail") == "record 3\nrecord 4\n");
  server.query("DROP DATABASE " + db);
}

TEST_CASE("clickhouse sink: pending rows are sent after flush_interval without more writes") {
  testing::TempDir tmp;
  Server server(shared_port());
  std::string db = "sink_flush_interval";
  server.query("DROP DATABASE IF EXISTS " + db);
  DatabaseOptions options;
  options.spool_dir = tmp / "spool";
  options.flush_interval = std::chrono::milliseconds(200);
  auto sink = DatabaseSink::open(server.url(db), options);
  REQUIRE(sink.ok());
  REQUIRE(write_records(**sink, 1, 5).ok());
  // batch_rows (100000) is far away: only the interval sends them, while the run is still going.
  CHECK(wait_for([&] { return server.count(db, "quarantine") == 5; }, std::chrono::seconds(10)));
  auto report = (*sink)->finish();
  REQUIRE(report.ok());
  CHECK(report->rows_delivered == 5);
  server.query("DROP DATABASE " + db);
}

}  // namespace
}  // namespace strictlog::clickhouse_test
