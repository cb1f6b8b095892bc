// schema/ddl.h: ClickHouseVersion::parse and its feature gates at their boundaries, and migrate() between
// two versions of a small model (what it adds, and the exact errors for a retyped and a removed column).
// The CREATE statements themselves are golden-tested through the plugins (tests/generate/).
#include "schema/ddl.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/text_format.h>

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

namespace strictlog::schema {
namespace {

TEST_CASE("ClickHouseVersion::parse: versions", "[schema]") {
  struct Good {
    const char* text;
    int major;
    int minor;
  };
  for (const Good& g : {Good{"18.16", 18, 16}, Good{"23.8", 23, 8}, Good{"23.8.1.2992", 23, 8}, Good{"1.0", 1, 0}}) {
    INFO(g.text);
    Result<ClickHouseVersion> v = ClickHouseVersion::parse(g.text);
    REQUIRE(v.ok());
    CHECK(v->major == g.major);
    CHECK(v->minor == g.minor);
  }
  // Near misses: one part, empty parts, a sign, a prefix, a suffix, a comma, overflow.
  for (const char* bad : {"", "18", "18.", ".16", "-1.5", "18.-1", "+18.16", "v23.8", "18.16x", "18.16 ", " 18.16",
                          "18,16", "99999999999.1"}) {
    INFO(bad);
    Result<ClickHouseVersion> v = ClickHouseVersion::parse(bad);
    REQUIRE_FALSE(v.ok());
    REQUIRE(v.errors().size() == 1);
    CHECK(v.errors()[0].code == "clickhouse-version");
    CHECK(v.errors()[0].message == "'" + std::string(bad) + "' is not a ClickHouse version MAJOR.MINOR, e.g. 18.16");
  }
}

TEST_CASE("ClickHouseVersion: feature gates at the releases that brought them", "[schema]") {
  auto v = [](int major, int minor) { return ClickHouseVersion{major, minor}; };
  CHECK_FALSE(v(18, 16).ip_types());
  CHECK_FALSE(v(19, 2).ip_types());
  CHECK(v(19, 3).ip_types());
  CHECK_FALSE(v(19, 5).ttl());
  CHECK(v(19, 6).ttl());
  CHECK_FALSE(v(19, 9).codecs());
  CHECK(v(19, 10).codecs());
  CHECK_FALSE(v(19, 17).datetime64());
  CHECK(v(20, 1).datetime64());
  CHECK_FALSE(v(19, 17).skip_indexes());
  CHECK(v(20, 1).skip_indexes());
  const ClickHouseVersion default_version;
  CHECK(default_version.major == 18);
  CHECK(default_version.minor == 16);
}

// A model from the text form of a FileDescriptorProto's messages (package `m`, proto3, importing
// strictlog/v1/options.proto and google/protobuf/timestamp.proto from the compiled-in descriptors), in a
// pool of its own, so that two versions of one file can be compared.
struct Model {
  std::unique_ptr<google::protobuf::DescriptorPool> pool;
  std::vector<Table> tables;
};

Model model(const std::string& messages) {
  google::protobuf::FileDescriptorProto proto;
  const std::string text = R"(name: "m.proto" package: "m" syntax: "proto3" )"
                           R"(dependency: "strictlog/v1/options.proto" dependency: "google/protobuf/timestamp.proto" )" +
                           messages;
  REQUIRE(google::protobuf::TextFormat::ParseFromString(text, &proto));
  Model m;
  m.pool = std::make_unique<google::protobuf::DescriptorPool>(google::protobuf::DescriptorPool::generated_pool());
  const google::protobuf::FileDescriptor* file = m.pool->BuildFile(proto);
  REQUIRE(file != nullptr);
  Result<std::vector<Table>> tables = tables_in({file});
  INFO((tables.ok() ? std::string() : render(tables.errors())));
  REQUIRE(tables.ok());
  m.tables = std::move(tables).value();
  return m;
}

const std::string kLoginV1 = R"(
  message_type {
    name: "Login"
    options { [strictlog.v1.store] { table: "logins" order_by: "time" } }
    field { name: "user" number: 1 type: TYPE_STRING label: LABEL_OPTIONAL }
    field { name: "time" number: 2 type: TYPE_MESSAGE type_name: ".google.protobuf.Timestamp" label: LABEL_OPTIONAL }
  })";

// v1, plus `host` between `user` and `time`, `port` and `seen` after them, and a new stored message.
const std::string kLoginV2 = R"(
  message_type {
    name: "Login"
    options { [strictlog.v1.store] { table: "logins" order_by: "time" } }
    field { name: "user" number: 1 type: TYPE_STRING label: LABEL_OPTIONAL }
    field { name: "host" number: 3 type: TYPE_STRING label: LABEL_OPTIONAL }
    field { name: "time" number: 2 type: TYPE_MESSAGE type_name: ".google.protobuf.Timestamp" label: LABEL_OPTIONAL }
    field { name: "port" number: 4 type: TYPE_UINT32 label: LABEL_OPTIONAL }
    field { name: "seen" number: 5 type: TYPE_MESSAGE type_name: ".google.protobuf.Timestamp" label: LABEL_OPTIONAL }
  }
  message_type {
    name: "Logout"
    options { [strictlog.v1.store] { table: "logouts" } }
    field { name: "user" number: 1 type: TYPE_STRING label: LABEL_OPTIONAL }
  })";

TEST_CASE("migrate: added columns and a new table", "[schema]") {
  Model v1 = model(kLoginV1);
  Model v2 = model(kLoginV2);

  Result<std::string> clickhouse = migrate(v1.tables, v2.tables, Target::kClickHouse, ClickHouseVersion{18, 16}, "logs");
  REQUIRE(clickhouse.ok());
  CHECK(clickhouse.value() ==
        "ALTER TABLE logs.logins ADD COLUMN host String AFTER user;\n"
        "ALTER TABLE logs.logins ADD COLUMN port UInt32 AFTER time_nanos;\n"
        "ALTER TABLE logs.logins ADD COLUMN seen DateTime('UTC') AFTER port;\n"
        "ALTER TABLE logs.logins ADD COLUMN seen_nanos UInt32 AFTER seen;\n"
        "CREATE TABLE IF NOT EXISTS logs.logouts\n"
        "(\n"
        "    user String\n"
        ")\n"
        "ENGINE = MergeTree()\n"
        "ORDER BY tuple()\n"
        ";\n");

  Result<std::string> newer = migrate(v1.tables, {v2.tables[0]}, Target::kClickHouse, ClickHouseVersion{23, 8});
  // 23.8 has DateTime64: the old `time` is DateTime64 there too, and `seen` is one column.
  REQUIRE(newer.ok());
  CHECK(newer.value() ==
        "ALTER TABLE logins ADD COLUMN host String AFTER user;\n"
        "ALTER TABLE logins ADD COLUMN port UInt32 AFTER time;\n"
        "ALTER TABLE logins ADD COLUMN seen DateTime64(9, 'UTC') AFTER port;\n");

  Result<std::string> sqlite = migrate(v1.tables, v2.tables, Target::kSqlite);
  REQUIRE(sqlite.ok());
  // SQLite cannot add a NOT NULL column without a default: the proto3 default is what old rows read.
  CHECK(sqlite.value() ==
        "ALTER TABLE logins ADD COLUMN host TEXT NOT NULL DEFAULT '';\n"
        "ALTER TABLE logins ADD COLUMN port INTEGER NOT NULL DEFAULT 0;\n"
        "ALTER TABLE logins ADD COLUMN seen INTEGER NOT NULL DEFAULT 0;\n"
        "ALTER TABLE logins ADD COLUMN seen_nanos INTEGER NOT NULL DEFAULT 0;\n"
        "CREATE TABLE IF NOT EXISTS logouts (\n"
        "    user TEXT NOT NULL\n"
        ");\n");

  Result<std::string> same = migrate(v2.tables, v2.tables, Target::kClickHouse);
  REQUIRE(same.ok());
  CHECK(same.value().empty());
}

TEST_CASE("migrate: a retyped and a removed column are errors", "[schema]") {
  Model v2 = model(kLoginV2);
  // `user` retyped to uint32, `seen` (and so `seen_nanos`) removed, `host` kept.
  Model v3 = model(R"(
    message_type {
      name: "Login"
      options { [strictlog.v1.store] { table: "logins" order_by: "time" } }
      field { name: "user" number: 1 type: TYPE_UINT32 label: LABEL_OPTIONAL }
      field { name: "host" number: 3 type: TYPE_STRING label: LABEL_OPTIONAL }
      field { name: "time" number: 2 type: TYPE_MESSAGE type_name: ".google.protobuf.Timestamp" label: LABEL_OPTIONAL }
      field { name: "port" number: 4 type: TYPE_UINT32 label: LABEL_OPTIONAL }
    })");
  struct Case {
    Target target;
    std::vector<std::string> errors;
  };
  for (const Case& c : {Case{Target::kClickHouse,
                             {"table logins: column user changed type from String to UInt32",
                              "table logins: column seen is gone from the new schema",
                              "table logins: column seen_nanos is gone from the new schema"}},
                        Case{Target::kSqlite,
                             {"table logins: column user changed type from TEXT NOT NULL to INTEGER NOT NULL",
                              "table logins: column seen is gone from the new schema",
                              "table logins: column seen_nanos is gone from the new schema"}}}) {
    Result<std::string> r = migrate(v2.tables, v3.tables, c.target);
    REQUIRE_FALSE(r.ok());
    std::vector<std::string> messages;
    for (const Diagnostic& d : r.errors()) {
      CHECK(d.code == "schema-migrate");
      messages.push_back(d.message);
    }
    CHECK(messages == c.errors);
  }
}

// Review findings on 18.16: an added Enum column defaults to its smallest number, so the ALTER names value 0;
// an enum that gains values cannot be altered when it is part of a key (Code: 44).
const std::string kLevels = R"(
  enum_type { name: "Level" value { name: "LEVEL_UNSPECIFIED" number: 0 } value { name: "LOW" number: -1 } }
  enum_type { name: "Kind" value { name: "KIND_UNSPECIFIED" number: 0 } value { name: "A" number: 1 } )";

TEST_CASE("migrate: an added enum column reads value 0 in old rows", "[schema]") {
  Model v1 = model(kLevels + R"(}
    message_type {
      name: "Alert"
      options { [strictlog.v1.store] { table: "alerts" } }
      field { name: "user" number: 1 type: TYPE_STRING label: LABEL_OPTIONAL }
    })");
  Model v2 = model(kLevels + R"(}
    message_type {
      name: "Alert"
      options { [strictlog.v1.store] { table: "alerts" } }
      field { name: "user" number: 1 type: TYPE_STRING label: LABEL_OPTIONAL }
      field { name: "level" number: 2 type: TYPE_ENUM type_name: ".m.Level" label: LABEL_OPTIONAL }
    })");
  Result<std::string> r = migrate(v1.tables, v2.tables, Target::kClickHouse);
  REQUIRE(r.ok());
  CHECK(r.value() ==
        "ALTER TABLE alerts ADD COLUMN level Enum8('LEVEL_UNSPECIFIED' = 0, 'LOW' = -1) DEFAULT "
        "'LEVEL_UNSPECIFIED' AFTER user;\n");
}

TEST_CASE("migrate: an enum key column that gains values is an error", "[schema]") {
  auto version = [](const std::string& extra_value) {
    return model(kLevels + extra_value + R"(}
      message_type {
        name: "Alert"
        options { [strictlog.v1.store] { table: "alerts" order_by: "kind" } }
        field { name: "kind" number: 1 type: TYPE_ENUM type_name: ".m.Kind" label: LABEL_OPTIONAL }
      })");
  };
  Model v1 = version("");
  Model v2 = version(R"( value { name: "B" number: 2 } )");
  Result<std::string> r = migrate(v1.tables, v2.tables, Target::kClickHouse);
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.errors().size() == 1);
  CHECK(r.errors()[0].message ==
        "table alerts: column kind gained enum values, but it is part of the sorting or partition key, which "
        "ClickHouse cannot alter; create the table anew and copy its rows");
}

// What ClickHouse would refuse in a CREATE TABLE is refused by the model, each error once however many
// tables share the enum.
TEST_CASE("table model: enums a ClickHouse Enum cannot hold, and table names that are not SQL names", "[schema]") {
  google::protobuf::FileDescriptorProto proto;
  REQUIRE(google::protobuf::TextFormat::ParseFromString(R"(
    name: "bad.proto" package: "bad" syntax: "proto3" dependency: "strictlog/v1/options.proto"
    enum_type { name: "Wide" value { name: "W0" number: 0 } value { name: "HUGE" number: 40000 } }
    enum_type { name: "Alias" options { allow_alias: true }
                value { name: "A0" number: 0 } value { name: "A1" number: 1 } value { name: "ONE" number: 1 } }
    message_type { name: "P" field { name: "w" number: 1 type: TYPE_ENUM type_name: ".bad.Wide" label: LABEL_OPTIONAL }
                             field { name: "a" number: 2 type: TYPE_ENUM type_name: ".bad.Alias" label: LABEL_OPTIONAL } }
    message_type { name: "Wrap" options { [strictlog.v1.store] { table_per_oneof: "payload" } }
                   oneof_decl { name: "payload" }
                   field { name: "p1" number: 1 type: TYPE_MESSAGE type_name: ".bad.P" label: LABEL_OPTIONAL oneof_index: 0 }
                   field { name: "p2" number: 2 type: TYPE_MESSAGE type_name: ".bad.P" label: LABEL_OPTIONAL oneof_index: 0 } }
    message_type { name: "Named" options { [strictlog.v1.store] { table: "audit log" } }
                   field { name: "x" number: 1 type: TYPE_STRING label: LABEL_OPTIONAL } }
  )", &proto));
  google::protobuf::DescriptorPool pool(google::protobuf::DescriptorPool::generated_pool());
  const google::protobuf::FileDescriptor* file = pool.BuildFile(proto);
  REQUIRE(file != nullptr);
  Result<std::vector<Table>> r = tables_in({file});
  REQUIRE_FALSE(r.ok());
  std::vector<std::string> messages;
  for (const Diagnostic& d : r.errors()) messages.push_back(d.message);
  CHECK(messages == std::vector<std::string>{
                        "bad.Wide: value HUGE = 40000 is outside Enum16 (-32768 to 32767)",
                        "bad.Alias: value ONE repeats number 1 (allow_alias), which a ClickHouse Enum cannot hold",
                        "bad.Named: option (strictlog.v1.store) names table 'audit log', which is not a plain SQL "
                        "name ([A-Za-z_][A-Za-z0-9_]*)"});
}

}  // namespace
}  // namespace strictlog::schema
