// The SQLite sink (sink/internal/sqlite_sink.h) against a real database file, read back with libsqlite3.
//
// The round trip fills every field of every payload of strictlog.v1.Event, and of both kinds of
// QuarantineRecord, with a value no other field has, and compares each column of the stored row with what
// this file reads from the message by its own reflection walk and its own reading of the table model's
// rules (schema/table.h, row.h): names flattened with `_`, repeated fields as JSON arrays, a timestamp as
// `<name>` seconds and `<name>_nanos`, presence as NULL. It never calls schema::sqlite_row, whose rows the
// sink writes, so a bug there shows here.
#include "sink/internal/sqlite_sink.h"

#include <fmt/format.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <sqlite3.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "schema/ddl.h"
#include "schema/table.h"
#include "sink/database.h"
#include "strictlog/v1/event.pb.h"
#include "strictlog/v1/options.pb.h"
#include "strictlog/v1/quarantine.pb.h"
#include "temp_dir.h"

namespace strictlog {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::OneofDescriptor;
using google::protobuf::Reflection;
using testing::TempDir;

bool is_timestamp(const Descriptor* d) { return d->full_name() == "google.protobuf.Timestamp"; }
bool is_ip(const FieldDescriptor* f) { return f->options().GetExtension(v1::column).ip(); }
const OneofDescriptor* event_payload() { return v1::Event::descriptor()->FindOneofByName("payload"); }

// ---- Filling: every field set, each leaf to a value of its own ----

class Filler {
 public:
  // `payload`: the member of Event.payload to set; every other oneof takes member `variant` (modulo its size).
  Filler(const FieldDescriptor* payload, int variant) : payload_(payload), variant_(variant) {}

  void fill(Message* m) {
    const Descriptor* d = m->GetDescriptor();
    const Reflection* r = m->GetReflection();
    if (is_timestamp(d)) {
      int n = next();
      r->SetInt64(m, d->FindFieldByName("seconds"), 1700000000 + n);
      r->SetInt32(m, d->FindFieldByName("nanos"), 100000 + n);
      return;
    }
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* f = d->field(i);
      if (const OneofDescriptor* o = f->real_containing_oneof()) {
        const FieldDescriptor* chosen = o == event_payload() ? payload_ : o->field(variant_ % o->field_count());
        if (f != chosen) continue;
      }
      if (f->is_repeated()) {
        for (int k = 0; k < 2; ++k) add(m, f);
      } else {
        set(m, f);
      }
    }
  }

 private:
  int next() { return ++n_; }

  std::string text(const FieldDescriptor* f) {
    int n = next();
    if (f->type() == FieldDescriptor::TYPE_BYTES) return std::string("b\0\xff", 3) + std::to_string(n);
    if (is_ip(f)) return n % 2 == 0 ? fmt::format("198.51.100.{}", n % 250) : fmt::format("2001:db8::{:x}", n);
    // Quotes, a backslash, a tab and UTF-8: what JSON arrays must escape or keep.
    return fmt::format("{}-{} \"q\" \\ \t\xc3\xa9", f->name(), n);
  }
  const google::protobuf::EnumValueDescriptor* enum_value(const FieldDescriptor* f) {
    const auto* e = f->enum_type();
    return e->value(1 + next() % (e->value_count() - 1));  // never the zero value
  }

  void set(Message* m, const FieldDescriptor* f) {
    const Reflection* r = m->GetReflection();
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32: return r->SetInt32(m, f, -1000 - next());
      case FieldDescriptor::CPPTYPE_INT64: return r->SetInt64(m, f, -5000000000LL - next());
      case FieldDescriptor::CPPTYPE_UINT32: return r->SetUInt32(m, f, 3000000000u + next());
      case FieldDescriptor::CPPTYPE_UINT64: return r->SetUInt64(m, f, 18000000000000000000ULL + next());
      case FieldDescriptor::CPPTYPE_FLOAT: return r->SetFloat(m, f, static_cast<float>(next()) + 0.25f);
      case FieldDescriptor::CPPTYPE_DOUBLE: return r->SetDouble(m, f, 1e9 + next() + 0.125);
      case FieldDescriptor::CPPTYPE_BOOL: next(); return r->SetBool(m, f, true);
      case FieldDescriptor::CPPTYPE_ENUM: return r->SetEnum(m, f, enum_value(f));
      case FieldDescriptor::CPPTYPE_STRING: return r->SetString(m, f, text(f));
      case FieldDescriptor::CPPTYPE_MESSAGE: return fill(r->MutableMessage(m, f));
    }
  }
  void add(Message* m, const FieldDescriptor* f) {
    const Reflection* r = m->GetReflection();
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32: return r->AddInt32(m, f, -1000 - next());
      case FieldDescriptor::CPPTYPE_INT64: return r->AddInt64(m, f, -5000000000LL - next());
      case FieldDescriptor::CPPTYPE_UINT32: return r->AddUInt32(m, f, 3000000000u + next());
      case FieldDescriptor::CPPTYPE_UINT64: return r->AddUInt64(m, f, 18000000000000000000ULL + next());
      case FieldDescriptor::CPPTYPE_FLOAT: return r->AddFloat(m, f, static_cast<float>(next()) + 0.25f);
      case FieldDescriptor::CPPTYPE_DOUBLE: return r->AddDouble(m, f, 1e9 + next() + 0.125);
      case FieldDescriptor::CPPTYPE_BOOL: return r->AddBool(m, f, next() % 2 == 0);
      case FieldDescriptor::CPPTYPE_ENUM: return r->AddEnum(m, f, enum_value(f));
      case FieldDescriptor::CPPTYPE_STRING: return r->AddString(m, f, text(f));
      case FieldDescriptor::CPPTYPE_MESSAGE: return fill(r->AddMessage(m, f));
    }
  }

  const FieldDescriptor* payload_;
  int variant_;
  int n_ = 0;
};

// How many messages cover every member of every oneof under `d`: its largest oneof. (Not for Event, whose
// payload oneof the Filler sets by name.)
int variants_of(const Descriptor* d, int depth = 0) {
  int n = 1;
  if (depth > 16) return n;  // the model refuses a message that contains itself; this only bounds the walk
  for (int i = 0; i < d->oneof_decl_count(); ++i) {
    if (!d->oneof_decl(i)->is_synthetic()) n = std::max(n, d->oneof_decl(i)->field_count());
  }
  for (int i = 0; i < d->field_count(); ++i) {
    if (d->field(i)->message_type() != nullptr) n = std::max(n, variants_of(d->field(i)->message_type(), depth + 1));
  }
  return n;
}

void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  REQUIRE(out);
}

// ---- Expecting: a stored row as the model's rules say it reads, from the message alone ----

// A SQLite value, rendered for comparison and for readable failures: `NULL`, `INTEGER -3`, `REAL 0.5`,
// `TEXT 'a'`, `BLOB 6200ff`.
std::string integer(int64_t n) { return fmt::format("INTEGER {}", n); }
std::string real(double x) { return fmt::format("REAL {}", x); }
std::string text(const std::string& s) { return fmt::format("TEXT '{}'", s); }
std::string blob(const std::string& b) {
  std::string hex;
  for (unsigned char c : b) hex += fmt::format("{:02x}", c);
  return "BLOB " + hex;
}
const std::string kNull = "NULL";

using Row = std::map<std::string, std::string>;  // column -> rendered value

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      out += fmt::format("\\u{:04x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// The JSON of element `k` of repeated scalar field `f`, or of singular `f` when k < 0 (within an array).
std::string json_scalar(const Message& m, const FieldDescriptor* f, int k) {
  const Reflection* r = m.GetReflection();
  bool rep = k >= 0;
  switch (f->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: return std::to_string(rep ? r->GetRepeatedInt32(m, f, k) : r->GetInt32(m, f));
    case FieldDescriptor::CPPTYPE_INT64: return std::to_string(rep ? r->GetRepeatedInt64(m, f, k) : r->GetInt64(m, f));
    case FieldDescriptor::CPPTYPE_UINT32:
      return std::to_string(rep ? r->GetRepeatedUInt32(m, f, k) : r->GetUInt32(m, f));
    case FieldDescriptor::CPPTYPE_UINT64:
      return std::to_string(rep ? r->GetRepeatedUInt64(m, f, k) : r->GetUInt64(m, f));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return fmt::format("{}", static_cast<double>(rep ? r->GetRepeatedFloat(m, f, k) : r->GetFloat(m, f)));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return fmt::format("{}", rep ? r->GetRepeatedDouble(m, f, k) : r->GetDouble(m, f));
    case FieldDescriptor::CPPTYPE_BOOL: return (rep ? r->GetRepeatedBool(m, f, k) : r->GetBool(m, f)) ? "1" : "0";
    case FieldDescriptor::CPPTYPE_ENUM:
      return json_string((rep ? r->GetRepeatedEnum(m, f, k) : r->GetEnum(m, f))->name());
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string s = rep ? r->GetRepeatedString(m, f, k) : r->GetString(m, f);
      if (is_ip(f) && s.empty() && !rep) return "null";
      return json_string(s);
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      const Message& ts = rep ? r->GetRepeatedMessage(m, f, k) : r->GetMessage(m, f);
      const Descriptor* d = ts.GetDescriptor();
      return fmt::format("[{},{}]", ts.GetReflection()->GetInt64(ts, d->FindFieldByName("seconds")),
                         ts.GetReflection()->GetInt32(ts, d->FindFieldByName("nanos")));
    }
  }
  return "?";
}

void json_columns(const Message& m, const std::string& prefix, std::map<std::string, std::string>* out);

// The JSON array columns that repeated field `f` of `m` makes: one for a scalar or timestamp, else one per
// column of its message type, each the array of that column over the elements.
void json_repeated(const Message& m, const FieldDescriptor* f, const std::string& name,
                   std::map<std::string, std::string>* out) {
  const Reflection* r = m.GetReflection();
  int n = r->FieldSize(m, f);
  if (f->message_type() == nullptr || is_timestamp(f->message_type())) {
    std::vector<std::string> items;
    for (int k = 0; k < n; ++k) items.push_back(json_scalar(m, f, k));
    (*out)[name] = fmt::format("[{}]", fmt::join(items, ","));
    return;
  }
  std::map<std::string, std::vector<std::string>> items;
  std::map<std::string, std::string> shape;  // the columns, also when there are no elements
  json_columns(*r->GetMessageFactory()->GetPrototype(f->message_type()), name + "_", &shape);
  for (const auto& [column, unused] : shape) items[column];
  for (int k = 0; k < n; ++k) {
    std::map<std::string, std::string> element;
    json_columns(r->GetRepeatedMessage(m, f, k), name + "_", &element);
    for (const auto& [column, json] : element) items[column].push_back(json);
  }
  for (const auto& [column, values] : items) (*out)[column] = fmt::format("[{}]", fmt::join(values, ","));
}

// The columns under one element of a repeated message, as JSON values.
void json_columns(const Message& m, const std::string& prefix, std::map<std::string, std::string>* out) {
  const Descriptor* d = m.GetDescriptor();
  const Reflection* r = m.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    std::string name = prefix + f->name();
    if (f->is_repeated()) {
      json_repeated(m, f, name, out);
    } else if (f->message_type() != nullptr && !is_timestamp(f->message_type())) {
      json_columns(r->GetMessage(m, f), name + "_", out);
    } else if (f->message_type() == nullptr && f->has_presence() && !r->HasField(m, f)) {
      (*out)[name] = "null";
    } else {
      (*out)[name] = json_scalar(m, f, -1);
    }
  }
}

void expect_columns(const Message& m, const std::string& prefix, Row* row) {
  const Descriptor* d = m.GetDescriptor();
  const Reflection* r = m.GetReflection();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    std::string name = prefix + f->name();
    if (f->real_containing_oneof() != nullptr && f->real_containing_oneof() == event_payload()) {
      // The table of the payload set: its columns carry no prefix; the other payloads are not columns.
      if (r->HasField(m, f)) expect_columns(r->GetMessage(m, f), prefix, row);
      continue;
    }
    if (f->is_repeated()) {
      std::map<std::string, std::string> arrays;
      json_repeated(m, f, name, &arrays);
      for (const auto& [column, json] : arrays) (*row)[column] = text(json);
      continue;
    }
    if (f->message_type() != nullptr) {
      const Message& sub = r->GetMessage(m, f);
      if (is_timestamp(f->message_type())) {
        const Descriptor* ts = sub.GetDescriptor();
        (*row)[name] = integer(sub.GetReflection()->GetInt64(sub, ts->FindFieldByName("seconds")));
        (*row)[name + "_nanos"] = integer(sub.GetReflection()->GetInt32(sub, ts->FindFieldByName("nanos")));
      } else {
        expect_columns(sub, name + "_", row);
      }
      continue;
    }
    if (f->has_presence() && !r->HasField(m, f)) {
      (*row)[name] = kNull;
      continue;
    }
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32: (*row)[name] = integer(r->GetInt32(m, f)); break;
      case FieldDescriptor::CPPTYPE_INT64: (*row)[name] = integer(r->GetInt64(m, f)); break;
      case FieldDescriptor::CPPTYPE_UINT32: (*row)[name] = integer(r->GetUInt32(m, f)); break;
      // SQLite has no unsigned type: above INT64_MAX, the two's complement (row.h).
      case FieldDescriptor::CPPTYPE_UINT64: (*row)[name] = integer(static_cast<int64_t>(r->GetUInt64(m, f))); break;
      case FieldDescriptor::CPPTYPE_FLOAT: (*row)[name] = real(r->GetFloat(m, f)); break;
      case FieldDescriptor::CPPTYPE_DOUBLE: (*row)[name] = real(r->GetDouble(m, f)); break;
      case FieldDescriptor::CPPTYPE_BOOL: (*row)[name] = integer(r->GetBool(m, f) ? 1 : 0); break;
      case FieldDescriptor::CPPTYPE_ENUM: (*row)[name] = text(r->GetEnum(m, f)->name()); break;
      case FieldDescriptor::CPPTYPE_STRING: {
        std::string s = r->GetString(m, f);
        if (f->type() == FieldDescriptor::TYPE_BYTES) {
          (*row)[name] = blob(s);
        } else {
          (*row)[name] = is_ip(f) && s.empty() ? kNull : text(s);  // an IP column is nullable: empty is NULL
        }
        break;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE: break;
    }
  }
}

Row expected_row(const Message& m) {
  Row row;
  expect_columns(m, "", &row);
  return row;
}

// ---- Reading back ----

class Db {
 public:
  explicit Db(const std::string& path) {
    REQUIRE(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) == SQLITE_OK);
  }
  ~Db() { sqlite3_close(db_); }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  std::vector<Row> rows(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    INFO(sql);
    REQUIRE(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
    std::vector<Row> out;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      Row row;
      for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
        auto bytes = [&] {
          const void* p = sqlite3_column_blob(stmt, i);
          return std::string(static_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(stmt, i)));
        };
        std::string& cell = row[sqlite3_column_name(stmt, i)];
        switch (sqlite3_column_type(stmt, i)) {
          case SQLITE_NULL: cell = kNull; break;
          case SQLITE_INTEGER: cell = integer(sqlite3_column_int64(stmt, i)); break;
          case SQLITE_FLOAT: cell = real(sqlite3_column_double(stmt, i)); break;
          case SQLITE_TEXT: cell = text(bytes()); break;
          case SQLITE_BLOB: cell = blob(bytes()); break;
        }
      }
      out.push_back(std::move(row));
    }
    sqlite3_finalize(stmt);
    REQUIRE(rc == SQLITE_DONE);
    return out;
  }
  std::string one(const std::string& sql) {
    auto r = rows(sql);
    REQUIRE(r.size() == 1);
    REQUIRE(r[0].size() == 1);
    return r[0].begin()->second;
  }
  sqlite3* handle() { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

std::string table_of(const FieldDescriptor* payload) {
  for (const schema::Table& t : schema::builtin_tables()) {
    if (t.payload == payload) return t.name;
  }
  FAIL("no table for " << payload->full_name());
  return {};
}

Result<std::unique_ptr<DatabaseSink>> open(const std::string& url, const sink_internal::SqliteTuning& tuning = {}) {
  return sink_internal::open_sqlite(url, DatabaseOptions{}, tuning);
}

TEST_CASE("sqlite sink: every field of every event type and both kinds of quarantine record round-trip") {
  TempDir dir;
  const std::string path = dir / "e.db";
  auto sink = DatabaseSink::open("sqlite:" + path, DatabaseOptions{});
  REQUIRE(sink);
  CHECK((*sink)->describe() == "sqlite:" + path);

  std::map<std::string, std::vector<Row>> want;  // table -> rows, in the order written
  EncodedRecords batch;
  v1::Event no_event;
  v1::QuarantineRecord no_record;
  const OneofDescriptor* payload = event_payload();
  REQUIRE(payload->field_count() >= 60);  // the model as it stands; a shrinking oneof is news
  for (int i = 0; i < payload->field_count(); ++i) {
    const FieldDescriptor* p = payload->field(i);
    int variants = std::max(variants_of(v1::Envelope::descriptor()), variants_of(p->message_type()));
    for (int variant = 0; variant < variants; ++variant) {
      v1::Event e;
      Filler(p, variant).fill(&e);
      REQUIRE(e.GetReflection()->HasField(e, p));
      REQUIRE((*sink)->encode(Outcome::kEvent, e, no_record, &batch));
      want[table_of(p)].push_back(expected_row(e));
    }
    // And the same payload with nothing set: NULL for presence, proto3 defaults, empty arrays, the epoch.
    v1::Event empty;
    empty.GetReflection()->MutableMessage(&empty, p);
    REQUIRE((*sink)->encode(Outcome::kEvent, empty, no_record, &batch));
    want[table_of(p)].push_back(expected_row(empty));
  }
  int quarantine_variants = variants_of(v1::QuarantineRecord::descriptor());
  CHECK(quarantine_variants == 2);  // raw_text and raw_bytes
  for (int variant = 0; variant < quarantine_variants; ++variant) {
    v1::QuarantineRecord q;
    Filler(nullptr, variant).fill(&q);
    REQUIRE((*sink)->encode(Outcome::kQuarantined, no_event, q, &batch));
    want["quarantine"].push_back(expected_row(q));
  }
  REQUIRE((*sink)->encode(Outcome::kQuarantined, no_event, v1::QuarantineRecord{}, &batch));
  want["quarantine"].push_back(expected_row(v1::QuarantineRecord{}));
  REQUIRE((*sink)->encode(Outcome::kDropped, no_event, no_record, &batch));  // adds nothing

  REQUIRE((*sink)->write(batch));
  auto report = (*sink)->finish();
  REQUIRE(report);
  uint64_t rows = 0;
  for (const auto& [table, table_rows] : want) rows += table_rows.size();
  CHECK(report->rows_delivered == rows);
  CHECK(report->rows_spooled == 0);
  CHECK(report->retries == 0);
  CHECK(report->spool_dir.empty());

  Db db(path);
  std::set<std::string> tables;
  for (const Row& r : db.rows("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")) {
    tables.insert(r.at("name").substr(6, r.at("name").size() - 7));  // TEXT '...'
  }
  std::set<std::string> wanted_tables;
  for (const auto& [table, unused] : want) wanted_tables.insert(table);
  CHECK(tables == wanted_tables);  // one table per payload, and quarantine; nothing else
  for (const auto& [table, expected] : want) {
    std::vector<Row> got = db.rows("SELECT * FROM " + table + " ORDER BY rowid");
    REQUIRE(got.size() == expected.size());
    for (size_t i = 0; i < got.size(); ++i) {
      std::set<std::string> got_columns, want_columns;
      for (const auto& [c, v] : got[i]) got_columns.insert(c);
      for (const auto& [c, v] : expected[i]) want_columns.insert(c);
      INFO("table " << table << " row " << i + 1);
      REQUIRE(got_columns == want_columns);
      for (const auto& [column, value] : expected[i]) {
        INFO("column " << column);
        CHECK(got[i].at(column) == value);
      }
    }
  }
}

// Spot checks of the walk above on known values, so that a walk that agrees with a wrong sink by the same
// mistake still fails: the exact JSON of a nested array, a timestamp's two columns, an unsigned above
// INT64_MAX, an unset optional and an empty IP.
TEST_CASE("sqlite sink: stored values of a hand-made event and quarantine record are exactly as documented") {
  TempDir dir;
  auto sink = DatabaseSink::open("sqlite:" + (dir / "e.db"), DatabaseOptions{});
  REQUIRE(sink);
  v1::Event e;
  v1::Envelope* env = e.mutable_envelope();
  env->mutable_time()->set_seconds(1732278072);
  env->mutable_time()->set_nanos(5);
  env->set_hostname("vpn1");
  env->set_header_format(v1::RFC5424);
  auto* sd = env->add_structured_data();
  sd->set_id("meta@1");
  auto* param = sd->add_params();
  param->set_name("a\"b");
  param->set_value("x\\y");
  env->add_structured_data()->set_id("origin");
  env->set_time_year_inferred(true);
  e.mutable_openvpn_tls_handshake_failed()->mutable_src_endpoint()->set_port(1194);
  v1::QuarantineRecord q;
  q.set_raw_bytes(std::string("\xff\0", 2));
  q.mutable_nearest_miss()->set_offset(18446744073709551615ULL);
  q.add_candidate_rule_ids("openvpn/2.6/a");
  q.add_candidate_rule_ids("openvpn/2.6/b");
  EncodedRecords batch;
  REQUIRE((*sink)->encode(Outcome::kEvent, e, {}, &batch));
  REQUIRE((*sink)->encode(Outcome::kQuarantined, {}, q, &batch));
  REQUIRE((*sink)->write(batch));
  REQUIRE((*sink)->finish());

  Db db(dir / "e.db");
  auto events = db.rows("SELECT * FROM openvpn_tls_handshake_failed");
  REQUIRE(events.size() == 1);
  const Row& r = events[0];
  CHECK(r.at("envelope_time") == "INTEGER 1732278072");
  CHECK(r.at("envelope_time_nanos") == "INTEGER 5");
  CHECK(r.at("envelope_hostname") == "TEXT 'vpn1'");
  CHECK(r.at("envelope_header_format") == "TEXT 'RFC5424'");
  CHECK(r.at("envelope_time_year_inferred") == "INTEGER 1");
  CHECK(r.at("envelope_pid") == "NULL");
  CHECK(r.at("envelope_structured_data_id") == R"(TEXT '["meta@1","origin"]')");
  CHECK(r.at("envelope_structured_data_params_name") == R"(TEXT '[["a\"b"],[]]')");
  CHECK(r.at("envelope_structured_data_params_value") == R"(TEXT '[["x\\y"],[]]')");
  CHECK(r.at("src_endpoint_ip") == "NULL");
  CHECK(r.at("src_endpoint_port") == "INTEGER 1194");
  CHECK(r.at("src_endpoint_common_name") == "NULL");
  auto records = db.rows("SELECT * FROM quarantine");
  REQUIRE(records.size() == 1);
  CHECK(records[0].at("raw_text") == "NULL");
  CHECK(records[0].at("raw_bytes") == "BLOB ff00");
  CHECK(records[0].at("nearest_miss_offset") == "INTEGER -1");
  CHECK(records[0].at("candidate_rule_ids") == R"(TEXT '["openvpn/2.6/a","openvpn/2.6/b"]')");
  CHECK(records[0].at("reason") == "TEXT 'QUARANTINE_REASON_UNSPECIFIED'");
  CHECK(records[0].at("processed_time") == "INTEGER 0");
  CHECK(records[0].at("processed_time_nanos") == "INTEGER 0");
}

TEST_CASE("sqlite sink: the database is in WAL mode with file mode 0600 and a second sink appends") {
  TempDir dir;
  const std::string path = dir / "e.db";
  v1::Event e;
  e.mutable_openvpn_tls_handshake_failed()->mutable_src_endpoint()->set_ip("192.0.2.1");
  EncodedRecords batch;
  for (int run = 1; run <= 2; ++run) {
    auto sink = DatabaseSink::open("sqlite:" + path, DatabaseOptions{});
    REQUIRE(sink);
    batch.clear();
    REQUIRE((*sink)->encode(Outcome::kEvent, e, {}, &batch));
    REQUIRE((*sink)->encode(Outcome::kEvent, e, {}, &batch));
    REQUIRE((*sink)->write(batch));
    REQUIRE((*sink)->write(batch));
    // Written before finish(): each write() is a committed transaction that another connection sees.
    {
      Db db(path);
      CHECK(db.one("SELECT count(*) FROM openvpn_tls_handshake_failed") == integer(4 * run));
      CHECK(testing::exists(path + "-wal"));
      CHECK(testing::mode_of(path + "-wal") == 0600);
    }
    auto report = (*sink)->finish();
    REQUIRE(report);
    CHECK(report->rows_delivered == 4);  // this run's
  }
  CHECK(testing::mode_of(path) == 0600);
  CHECK_FALSE(testing::exists(path + "-wal"));  // the last connection's close checkpointed it
  Db db(path);
  CHECK(db.one("PRAGMA journal_mode") == "TEXT 'wal'");
  CHECK(db.one("SELECT count(*) FROM openvpn_tls_handshake_failed") == "INTEGER 8");
  CHECK(db.one("SELECT count(*) FROM quarantine") == "INTEGER 0");
}

TEST_CASE("sqlite sink: FILE is a path even where SQLite would read a URI") {
  TempDir dir;
  const std::string name = "file:e.db?mode=ro&vfs=none";
  // A relative name, as a user writes it; SQLite would open `file:` URIs with the vfs `none`, which fails.
  const std::filesystem::path cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  auto sink = DatabaseSink::open("sqlite:" + name, DatabaseOptions{});
  std::filesystem::current_path(cwd);
  REQUIRE(sink);
  REQUIRE((*sink)->finish());
  CHECK(dir.entries() == std::vector<std::string>{name});
  Db db(dir / name);
  CHECK(db.one("PRAGMA journal_mode") == "TEXT 'wal'");
}

TEST_CASE("sqlite sink: URLs and files it refuses and why") {
  TempDir dir;
  write_file(dir / "text.db", "not a database, but text long enough to be read as a header.......\n");
  struct Case {
    std::string url;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"sqlite:", "--sink 'sqlite:': no file name: sqlite:FILE, e.g. sqlite:events.db"},
      {"sqlite:///x.db",
       "--sink 'sqlite:///x.db': sqlite:FILE takes a path without `//`, e.g. sqlite:events.db or "
       "sqlite:/var/lib/strictlog/events.db"},
      {"sqlite::memory:", "--sink 'sqlite::memory:': an in-memory database ends with the run: give a file"},
      // /sys refuses to create files even for root, as a read-only directory does for others.
      {"sqlite:/sys/kernel/strictlog.db",
       "--sink 'sqlite:/sys/kernel/strictlog.db': cannot create the database file: Permission denied"},
      {"sqlite:" + (dir / "none/e.db"),
       "--sink 'sqlite:" + (dir / "none/e.db") + "': cannot create the database file: No such file or directory"},
      {"sqlite:" + dir.path(),
       "--sink 'sqlite:" + dir.path() + "': cannot open the database: unable to open database file (Is a directory)"},
      {"sqlite:" + (dir / "text.db"),
       "--sink 'sqlite:" + (dir / "text.db") + "': cannot open the database: file is not a database"},
  };
  for (const Case& c : cases) {
    INFO(c.url);
    auto sink = DatabaseSink::open(c.url, DatabaseOptions{});
    REQUIRE_FALSE(sink);
    REQUIRE(sink.errors().size() == 1);
    CHECK(sink.errors()[0].message == c.error);
  }
  DatabaseOptions spool;
  spool.spool_dir = dir / "spool";
  auto spooled = DatabaseSink::open("sqlite:" + (dir / "e.db"), spool);
  REQUIRE_FALSE(spooled);
  CHECK(spooled.errors()[0].message == "--sink 'sqlite:" + (dir / "e.db") +
                                           "': --spool does not apply: the sqlite sink commits each batch or fails, "
                                           "it has no spool");
  CHECK(dir.entries() == std::vector<std::string>{"text.db"});  // nothing created by any of them
  CHECK(testing::read_all(dir / "text.db") == "not a database, but text long enough to be read as a header.......\n");
}

// Each DDL of this version's model with one column left out.
std::string without(const std::string& table, const std::string& column_line) {
  for (const schema::Table& t : schema::builtin_tables()) {
    if (t.name != table) continue;
    std::string ddl = schema::sqlite_create(t);
    size_t at = ddl.find(column_line);
    REQUIRE(at != std::string::npos);
    return ddl.erase(at, column_line.size());
  }
  FAIL("no table " << table);
  return {};
}

TEST_CASE("sqlite sink: tables of an older schema are refused at open with the migration to run") {
  TempDir dir;
  const std::string path = dir / "e.db";
  {
    Db db(path);
    std::string ddl = without("openvpn_tls_handshake_failed", "    src_endpoint_common_name TEXT,\n") +
                      without("quarantine", "    time_zone TEXT NOT NULL,\n");
    REQUIRE(sqlite3_exec(db.handle(), ddl.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  }
  auto sink = DatabaseSink::open("sqlite:" + path, DatabaseOptions{});
  REQUIRE_FALSE(sink);
  CHECK(sink.errors()[0].message ==
        "--sink 'sqlite:" + path +
            "': table openvpn_tls_handshake_failed has no column src_endpoint_common_name (and 1 other table lacks "
            "columns): the database has an older schema; strictlog schema migrate --target sqlite gives the ALTER "
            "TABLE statements that update it");
  // Nothing was created: the open stopped before the first CREATE.
  Db db(path);
  CHECK(db.one("SELECT count(*) FROM sqlite_master WHERE type = 'table'") == "INTEGER 2");
}

TEST_CASE("sqlite sink: a full database rolls the batch back and names the rows it holds") {
  TempDir dir;
  const std::string path = dir / "e.db";
  v1::QuarantineRecord q;
  q.set_raw_text(std::string(3000, 'x'));  // about a page per row
  REQUIRE(open("sqlite:" + path));         // creates the tables
  // The empty tables and their indexes take a few hundred pages; 40 more hold a few batches, not 20.
  Db probe(path);
  int pages = std::stoi(probe.one("PRAGMA page_count").substr(8));
  sink_internal::SqliteTuning tuning;
  tuning.max_page_count = static_cast<uint32_t>(pages + 40);
  auto sink = open("sqlite:" + path, tuning);
  REQUIRE(sink);
  EncodedRecords batch;
  for (int i = 0; i < 10; ++i) {
    q.mutable_input()->set_line(static_cast<uint64_t>(i + 1));
    REQUIRE((*sink)->encode(Outcome::kQuarantined, {}, q, &batch));
  }
  uint64_t written = 0;
  Status st = kOk;
  for (int b = 0; b < 20 && st; ++b) {
    st = (*sink)->write(batch);
    if (st) written += 10;
  }
  REQUIRE_FALSE(st);
  CHECK(written > 0);
  CHECK(st.errors()[0].message ==
        fmt::format("--sink 'sqlite:{}': database or disk is full: the batch was rolled back; the database holds "
                    "the {} rows of this run's earlier batches",
                    path, written));
  CHECK(probe.one("SELECT count(*) FROM quarantine") == integer(static_cast<int64_t>(written)));
}

TEST_CASE("sqlite sink: a write lock held past the busy timeout fails the batch and leaves it out") {
  TempDir dir;
  const std::string path = dir / "e.db";
  sink_internal::SqliteTuning tuning;
  tuning.busy_timeout = std::chrono::milliseconds(50);
  auto sink = open("sqlite:" + path, tuning);
  REQUIRE(sink);
  v1::QuarantineRecord q;
  q.set_raw_text("x");
  EncodedRecords batch;
  REQUIRE((*sink)->encode(Outcome::kQuarantined, {}, q, &batch));
  REQUIRE((*sink)->write(batch));
  Db other(path);
  REQUIRE(sqlite3_exec(other.handle(), "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  Status st = (*sink)->write(batch);
  REQUIRE_FALSE(st);
  CHECK(st.errors()[0].message == "--sink 'sqlite:" + path +
                                      "': database is locked: the batch was rolled back; the database holds the 1 "
                                      "rows of this run's earlier batches");
  REQUIRE(sqlite3_exec(other.handle(), "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK);
  CHECK(other.one("SELECT count(*) FROM quarantine") == "INTEGER 1");
  // The lock gone, the sink writes again: a failed batch leaves no transaction open behind it.
  REQUIRE((*sink)->write(batch));
  CHECK(other.one("SELECT count(*) FROM quarantine") == "INTEGER 2");
}

TEST_CASE("sqlite sink: a row that cannot be made names the input line and stops the run") {
  TempDir dir;
  auto sink = DatabaseSink::open("sqlite:" + (dir / "e.db"), DatabaseOptions{});
  REQUIRE(sink);
  v1::Event e;
  e.mutable_envelope()->mutable_input()->set_name("vpn.log");
  e.mutable_envelope()->mutable_input()->set_line(7);
  e.mutable_openvpn_tls_handshake_failed()->mutable_src_endpoint()->set_ip("192.0.2.256");
  EncodedRecords batch;
  Status st = (*sink)->encode(Outcome::kEvent, e, {}, &batch);
  REQUIRE_FALSE(st);
  CHECK(st.errors()[0].message ==
        "input 'vpn.log' line 7: table openvpn_tls_handshake_failed: column src_endpoint_ip: '192.0.2.256' is not an "
        "IP address");
  v1::Event no_payload = e;
  no_payload.clear_payload();
  st = (*sink)->encode(Outcome::kEvent, no_payload, {}, &batch);
  REQUIRE_FALSE(st);
  CHECK(st.errors()[0].message == "input 'vpn.log' line 7: the event has no payload, so no table takes it");
  for (const std::string& table : batch.tables) CHECK(table.empty());
}

}  // namespace
}  // namespace strictlog
