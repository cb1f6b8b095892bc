// `strictlog schema check|migrate|ddl` on the test data model of tests/schema/testdata (a user's own, not
// strictlog's): v1, v2 (compatible: new fields, a new payload table, a nested field, an enum value) and
// v2_breaking (a number reused, a field retyped, a field removed without `reserved`, a value renumbered),
// compiled into descriptor sets by tests/schema/CMakeLists.txt and copied into the sandbox, so that reports
// name them as a user would. Every output is compared exactly; the SQL with golden files under
// tests/schema/testdata/golden/, which the real-store test (tests/schema/migrate_store_test.py) applies.
//
// That the tables are found at all shows that `(strictlog.v1.store)` options come through a descriptor set
// read at run time (schema/descriptor_set.h).
//
// To accept a deliberate change of the SQL: run with STRICTLOG_UPDATE_GOLDEN=1 (rewrites the golden files and
// fails), review `git diff tests/schema/testdata/golden/`, run again without it.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cli/harness.h"
#include "schema/ddl.h"
#include "schema/table.h"
#include "strictlog/v1/options.pb.h"

namespace strictlog {
namespace {

using namespace cli_test;
namespace fs = std::filesystem;
using google::protobuf::FileDescriptorSet;

const std::string kSets = STRICTLOG_BINARY_DIR "/tests/schema";
const std::string kGolden = STRICTLOG_SOURCE_DIR "/tests/schema/testdata/golden/";

void copy_sets(const Sandbox& box) {
  for (const char* name : {"v1.binpb", "v2.binpb", "v2_breaking.binpb"}) fs::copy(kSets + "/" + name, box / name);
}

FileDescriptorSet read_set(const std::string& path) {
  FileDescriptorSet set;
  std::string bytes = read_all(path);
  REQUIRE(set.ParseFromString(bytes));
  return set;
}

void write_set(const std::string& path, const FileDescriptorSet& set) { write_file(path, set.SerializeAsString()); }

google::protobuf::FieldDescriptorProto* field(FileDescriptorSet& set, const std::string& message,
                                              const std::string& name) {
  for (auto& file : *set.mutable_file()) {
    for (auto& m : *file.mutable_message_type()) {
      if (m.name() != message) continue;
      for (auto& f : *m.mutable_field()) {
        if (f.name() == name) return &f;
      }
    }
  }
  FAIL("no field " << message << "." << name);
  return nullptr;
}

void check_golden(const std::string& actual, const std::string& name) {
  const std::string path = kGolden + name;
  const char* update = std::getenv("STRICTLOG_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    write_file(path, actual);
    FAIL_CHECK("rewrote tests/schema/testdata/golden/" << name << ": review the diff, then run again without "
                                                          "STRICTLOG_UPDATE_GOLDEN");
    return;
  }
  INFO("golden " << path << "; to accept a deliberate change, run with STRICTLOG_UPDATE_GOLDEN=1");
  CHECK(actual == read_all(path));
}

const std::string kCheck = "strictlog schema check: ";
const std::string kMigrate = "strictlog schema migrate: ";

}  // namespace

TEST_CASE("schema check: a compatible version exits 0 and says what it checked and what was added", "[cli][schema]") {
  Sandbox box;
  copy_sets(box);
  Run r = run_strictlog(box, {"schema", "check", "v1.binpb", "v2.binpb"});
  CHECK(r.status == 0);
  CHECK(r.out == kCheck +
                     "v1.binpb -> v2.binpb: compatible; 7 messages and 1 enum checked in acme.audit.v1, strictlog.v1; "
                     "added 1 message, 4 fields, 1 enum value\n");
  CHECK(r.err == "");

  r = run_strictlog(box, {"schema", "check", "--package", "acme.audit.v1", "v1.binpb", "v1.binpb"});
  CHECK(r.status == 0);
  CHECK(r.out == kCheck + "v1.binpb -> v1.binpb: compatible; 4 messages and 1 enum checked in acme.audit.v1\n");
}

TEST_CASE("schema check: every breaking change on its own line, naming the field or value, and exit 7", "[cli][schema]") {
  Sandbox box;
  copy_sets(box);
  Run r = run_strictlog(box, {"schema", "check", "v1.binpb", "v2_breaking.binpb"});
  CHECK(r.status == 7);
  CHECK(r.out == kCheck + "acme.audit.v1.Host: field 2 'ip' of type string reused for 'port' of type uint32\n" +
                     kCheck + "acme.audit.v1.Login: field 3 'attempts' changed type from uint32 to string\n" +
                     kCheck + "acme.audit.v1.FileAccess: field 2 'flags' removed without reserving its number and name\n" +
                     kCheck + "acme.audit.v1.Outcome: value 'OUTCOME_FAILURE' renumbered from 2 to 3\n" + kCheck +
                     "v1.binpb -> v2_breaking.binpb: 4 breaking changes; 7 messages and 1 enum checked in "
                     "acme.audit.v1, strictlog.v1; added 1 field\n");
  CHECK(r.err == "");

  // Back from v2 to v1: everything v2 added is removed without being reserved.
  r = run_strictlog(box, {"schema", "check", "v2.binpb", "v1.binpb"});
  CHECK(r.status == 7);
  const std::string removed = " removed without reserving its number and name\n";
  CHECK(r.out == kCheck + "acme.audit.v1.Host: field 3 'domain'" + removed +              //
                     kCheck + "acme.audit.v1.Login: field 4 'method'" + removed +          //
                     kCheck + "acme.audit.v1.Login: field 5 'session_seconds'" + removed +  //
                     kCheck + "acme.audit.v1.Logout: message removed\n" +                   //
                     kCheck + "acme.audit.v1.AuditEvent: field 12 'logout'" + removed +     //
                     kCheck + "acme.audit.v1.Outcome: value 3 'OUTCOME_LOCKED'" + removed + kCheck +
                     "v2.binpb -> v1.binpb: 6 breaking changes; 8 messages and 1 enum checked in acme.audit.v1, "
                     "strictlog.v1\n");
}

TEST_CASE("schema check: sets that cannot be read or built are named", "[cli][schema]") {
  Sandbox box;
  copy_sets(box);
  Run r = run_strictlog(box, {"schema", "check", "v1.binpb", "missing.binpb"});
  CHECK(r.status == 3);
  CHECK(r.out == "");
  CHECK(r.err == kCheck + "cannot read 'missing.binpb': No such file or directory\n");
  r = run_strictlog(box, {"schema", "check", ".", "v2.binpb"});
  CHECK(r.status == 3);
  CHECK(r.err == kCheck + "cannot read '.': Is a directory\n");

  write_file(box / "notes.txt", "hello, this is text\n");
  write_file(box / "empty.binpb", "");
  for (const char* name : {"notes.txt", "empty.binpb"}) {
    INFO(name);
    r = run_strictlog(box, {"schema", "check", name, "v2.binpb"});
    CHECK(r.status == 1);
    CHECK(r.err == kCheck + "'" + name +
                       "' is not a binary FileDescriptorSet (make one with protoc --include_imports "
                       "--descriptor_set_out=FILE)\n");
  }

  // Made without --include_imports: only events.proto.
  FileDescriptorSet set = read_set(box / "v1.binpb");
  FileDescriptorSet alone;
  for (const auto& f : set.file()) {
    if (f.name() == "events.proto") *alone.add_file() = f;
  }
  write_set(box / "alone.binpb", alone);
  r = run_strictlog(box, {"schema", "check", "alone.binpb", "v2.binpb"});
  CHECK(r.status == 1);
  CHECK(r.err == kCheck +
                     "'alone.binpb': events.proto imports google/protobuf/timestamp.proto, which the set does not "
                     "hold (make it with protoc --include_imports)\n" +
                     kCheck +
                     "'alone.binpb': events.proto imports strictlog/v1/options.proto, which the set does not hold "
                     "(make it with protoc --include_imports)\n");

  // A type the set does not define: every error protobuf reports, positioned by element.
  FileDescriptorSet dangling = read_set(box / "v1.binpb");
  field(dangling, "Login", "outcome")->set_type_name(".acme.audit.v1.Result");
  write_set(box / "dangling.binpb", dangling);
  r = run_strictlog(box, {"schema", "check", "v1.binpb", "dangling.binpb"});
  CHECK(r.status == 1);
  CHECK(r.err == kCheck + "'dangling.binpb': events.proto: acme.audit.v1.Login.outcome: \".acme.audit.v1.Result\" is "
                          "not defined.\n");

  r = run_strictlog(box, {"schema", "check", "v1.binpb"});
  CHECK(r.status == 1);
  CHECK(r.err == "strictlog: new is required\nRun 'strictlog --help' for usage.\n");
}

TEST_CASE("schema migrate: ClickHouse and SQLite SQL from v1 to v2", "[cli][schema]") {
  Sandbox box;
  copy_sets(box);
  Run r = run_strictlog(box, {"schema", "migrate", "--from", "v1.binpb", "--to", "v2.binpb", "--target", "clickhouse",
                              "--database", "audit"});
  CHECK(r.status == 0);
  check_golden(r.out, "migrate-v1-v2.clickhouse-18.16.sql");
  CHECK(r.err == kMigrate + "v1.binpb -> v2.binpb for clickhouse 18.16: 6 statements (1 CREATE TABLE, 5 ALTER TABLE)\n");

  // A newer server: DateTime64 and IPv6 in the new table, no `_nanos` column.
  r = run_strictlog(box, {"schema", "migrate", "--from", "v1.binpb", "--to", "v2.binpb", "--target", "clickhouse",
                          "--clickhouse-version", "23.8"});
  CHECK(r.status == 0);
  check_golden(r.out, "migrate-v1-v2.clickhouse-23.8.sql");

  r = run_strictlog(box, {"schema", "migrate", "--from", "v1.binpb", "--to", "v2.binpb", "--target", "sqlite"});
  CHECK(r.status == 0);
  check_golden(r.out, "migrate-v1-v2.sqlite.sql");
  CHECK(r.err == kMigrate + "v1.binpb -> v2.binpb for sqlite: 6 statements (1 CREATE TABLE, 4 ALTER TABLE, 1 CREATE INDEX)\n");

  r = run_strictlog(box, {"schema", "migrate", "--from", "v1.binpb", "--to", "v1.binpb", "--target", "sqlite"});
  CHECK(r.status == 0);
  CHECK(r.out == "");
  CHECK(r.err == kMigrate + "v1.binpb -> v1.binpb for sqlite: 0 statements (0 CREATE TABLE, 0 ALTER TABLE)\n");
}

TEST_CASE("schema migrate: --out is written whole or not at all", "[cli][schema]") {
  Sandbox box;
  copy_sets(box);
  Run r = run_strictlog(box, {"schema", "migrate", "--from", "v1.binpb", "--to", "v2.binpb", "--target", "sqlite",
                              "--out", "migrate.sql"});
  CHECK(r.status == 0);
  CHECK(r.out == "");
  CHECK(read_all(box / "migrate.sql") == read_all(kGolden + "migrate-v1-v2.sqlite.sql"));

  r = run_strictlog(box, {"schema", "migrate", "--from", "v1.binpb", "--to", "v2.binpb", "--target", "sqlite",
                          "--out", "no-such-dir/migrate.sql"});
  CHECK(r.status == 3);
  CHECK(r.err == kMigrate + "cannot create 'no-such-dir/migrate.sql': No such file or directory\n");
  CHECK(box.entries() == std::vector<std::string>{"migrate.sql", "v1.binpb", "v2.binpb", "v2_breaking.binpb"});
}

TEST_CASE("schema migrate: refuses breaking changes, and columns no ALTER TABLE can change, writing nothing",
          "[cli][schema]") {
  Sandbox box;
  copy_sets(box);
  Run r = run_strictlog(box, {"schema", "migrate", "--from", "v1.binpb", "--to", "v2_breaking.binpb", "--target",
                              "clickhouse", "--out", "migrate.sql"});
  CHECK(r.status == 7);
  CHECK(r.out == "");
  CHECK(r.err == kMigrate + "acme.audit.v1.Host: field 2 'ip' of type string reused for 'port' of type uint32\n" +
                     kMigrate + "acme.audit.v1.Login: field 3 'attempts' changed type from uint32 to string\n" +
                     kMigrate + "acme.audit.v1.FileAccess: field 2 'flags' removed without reserving its number and name\n" +
                     kMigrate + "acme.audit.v1.Outcome: value 'OUTCOME_FAILURE' renumbered from 2 to 3\n" + kMigrate +
                     "refused: 4 breaking changes from v1.binpb to v2_breaking.binpb; nothing was written\n");
  CHECK_FALSE(exists(box / "migrate.sql"));

  // Compatible as protobuf, yet no ALTER TABLE makes it: a string becoming an IP column changes its type; a
  // field removed with its number and name reserved leaves its column behind.
  FileDescriptorSet set = read_set(box / "v1.binpb");
  field(set, "Login", "user")->mutable_options()->MutableExtension(v1::column)->set_ip(true);
  for (auto& file : *set.mutable_file()) {
    for (auto& m : *file.mutable_message_type()) {
      if (m.name() != "FileAccess") continue;
      m.mutable_field()->RemoveLast();  // flags = 2
      auto* range = m.add_reserved_range();
      range->set_start(2);
      range->set_end(3);
      m.add_reserved_name("flags");
    }
  }
  write_set(box / "v1_changed.binpb", set);
  r = run_strictlog(box, {"schema", "check", "v1.binpb", "v1_changed.binpb"});
  CHECK(r.status == 0);
  r = run_strictlog(box, {"schema", "migrate", "--from", "v1.binpb", "--to", "v1_changed.binpb", "--target",
                          "clickhouse"});
  CHECK(r.status == 7);
  CHECK(r.out == "");
  CHECK(r.err == kMigrate + "table login: column user changed type from String to Nullable(FixedString(16))\n" +
                     kMigrate + "table file_access: column flags is gone from the new schema\n" + kMigrate +
                     "refused: 2 column changes that no ALTER TABLE can make; nothing was written\n");
}

TEST_CASE("schema ddl: a descriptor set's tables, and the built-in model's", "[cli][schema]") {
  Sandbox box;
  copy_sets(box);
  Run r = run_strictlog(box, {"schema", "ddl", "--descriptor-set", "v1.binpb", "--target", "clickhouse", "--database",
                              "audit"});
  CHECK(r.status == 0);
  check_golden(r.out, "ddl-v1.clickhouse-18.16.sql");
  CHECK(r.err == "strictlog schema ddl: 2 tables of 'v1.binpb' for clickhouse 18.16\n");

  r = run_strictlog(box, {"schema", "ddl", "--descriptor-set", "v1.binpb", "--target", "sqlite"});
  CHECK(r.status == 0);
  check_golden(r.out, "ddl-v1.sqlite.sql");

  // The built-in model: every table of strictlog.v1.Event and QuarantineRecord, as the sinks create them.
  r = run_strictlog(box, {"schema", "ddl", "--target", "clickhouse"});
  CHECK(r.status == 0);
  std::string expected;
  for (const schema::Table& t : schema::builtin_tables()) {
    expected += (expected.empty() ? "" : "\n") + schema::clickhouse_create(t, {});
  }
  CHECK(r.out == expected);
  CHECK(r.err == fmt::format("strictlog schema ddl: {} tables of the built-in model for clickhouse 18.16\n",
                             schema::builtin_tables().size()));

  // A set whose messages are not stored.
  FileDescriptorSet set = read_set(box / "v1.binpb");
  FileDescriptorSet plain;
  *plain.add_file() = set.file(0);
  REQUIRE(plain.file(0).name() == "google/protobuf/timestamp.proto");
  write_set(box / "plain.binpb", plain);
  r = run_strictlog(box, {"schema", "ddl", "--descriptor-set", "plain.binpb", "--target", "sqlite"});
  CHECK(r.status == 1);
  CHECK(r.err == "strictlog schema ddl: 'plain.binpb' declares no message with a (strictlog.v1.store) option, so it "
                 "has no tables\n");
  r = run_strictlog(box, {"schema", "migrate", "--from", "v1.binpb", "--to", "plain.binpb", "--target", "sqlite"});
  CHECK(r.status == 7);  // everything of v1 removed, before the tables are looked at
  r = run_strictlog(box, {"schema", "migrate", "--from", "plain.binpb", "--to", "plain.binpb", "--target", "sqlite"});
  CHECK(r.status == 1);
  CHECK(r.err == "strictlog schema migrate: 'plain.binpb' declares no message with a (strictlog.v1.store) option, so "
                 "it has no tables\n");

  // From a model without tables (an old set may have none), migrate creates every table: v1's DDL.
  r = run_strictlog(box, {"schema", "migrate", "--from", "plain.binpb", "--to", "v1.binpb", "--target", "sqlite"});
  CHECK(r.status == 0);
  CHECK(r.out == replaced(read_all(kGolden + "ddl-v1.sqlite.sql"), ";\n\nCREATE TABLE", ";\nCREATE TABLE"));
  CHECK(r.err == kMigrate + "plain.binpb -> v1.binpb for sqlite: 4 statements (2 CREATE TABLE, 0 ALTER TABLE, 2 CREATE "
                            "INDEX)\n");
}

TEST_CASE("schema migrate: strictlog's own model from its committed baseline", "[cli][schema]") {
  Sandbox box;
  const std::string baseline = STRICTLOG_SOURCE_DIR "/proto/baseline/descriptor_set.binpb";
  const std::string current = STRICTLOG_BINARY_DIR "/proto/descriptor_set.binpb";
  Run r = run_strictlog(box, {"schema", "migrate", "--from", baseline, "--to", current, "--target", "clickhouse"});
  INFO(r.err);
  CHECK(r.status == 0);
  CHECK(starts_with(r.err, kMigrate + baseline + " -> " + current + " for clickhouse 18.16: "));
}

TEST_CASE("schema ddl and migrate: target options that do not fit are usage errors", "[cli][schema]") {
  Sandbox box;
  copy_sets(box);
  struct Case {
    std::vector<std::string> args;
    std::string err;
  };
  const std::vector<Case> cases{
      {{"--target", "sqlite", "--database", "audit"}, "--database applies to --target clickhouse only"},
      {{"--target", "sqlite", "--clickhouse-version", "23.8"}, "--clickhouse-version applies to --target clickhouse only"},
      {{"--target", "clickhouse", "--clickhouse-version", "23"}, "'23' is not a ClickHouse version MAJOR.MINOR, e.g. 18.16"},
      {{"--target", "clickhouse", "--database", "audit; DROP TABLE x"},
       "--database 'audit; DROP TABLE x' is not a plain identifier ([A-Za-z_][A-Za-z0-9_]*)"},
      {{"--target", "clickhouse", "--database", "9lives"}, "--database '9lives' is not a plain identifier ([A-Za-z_][A-Za-z0-9_]*)"},
  };
  for (const Case& c : cases) {
    for (const char* command : {"ddl", "migrate"}) {
      std::vector<std::string> args{"schema", command};
      if (std::string(command) == "migrate") args.insert(args.end(), {"--from", "v1.binpb", "--to", "v2.binpb"});
      args.insert(args.end(), c.args.begin(), c.args.end());
      INFO(fmt::format("{}", fmt::join(args, " ")));
      Run r = run_strictlog(box, args);
      CHECK(r.status == 1);
      CHECK(r.out == "");
      CHECK(r.err == fmt::format("strictlog schema {}: {}\n", command, c.err));
    }
  }
  Run r = run_strictlog(box, {"schema", "ddl", "--target", "postgres"});
  CHECK(r.status == 1);
  CHECK(r.err == "strictlog: --target: postgres not in {clickhouse,sqlite}\nRun 'strictlog --help' for usage.\n");
}

}  // namespace strictlog
