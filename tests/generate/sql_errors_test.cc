// What the SQL DDL plugins refuse, run by the real protoc: data models the table model rejects
// (tests/generate/testdata/errors/, each file says what is wrong with it), with both plugins, and plugin
// parameters each plugin rejects, with the exact error protoc prints (`--strictlog-<plugin>_out: <error>`,
// the plugin's error one diagnostic per line). The near misses that pass are here too.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "generate/protoc_run.h"

namespace strictlog {
namespace {

const std::string kErrors = STRICTLOG_SOURCE_DIR "/tests/generate/testdata/errors";
const std::string kTestdata = STRICTLOG_SOURCE_DIR "/tests/generate/testdata";

struct ModelError {
  const char* proto;  // under testdata/errors/
  const char* error;
};

const ModelError kModelErrors[] = {
    {"both_table_and_oneof.proto",
     "errors.v1.Event: option (strictlog.v1.store) sets both of table and table_per_oneof; exactly one is needed"},
    {"unknown_oneof.proto",
     "errors.v1.Event: option (strictlog.v1.store) names table_per_oneof 'payload', which is not a oneof of it"},
    {"oneof_scalar.proto", "errors.v1.Event.note: a field of table_per_oneof 'payload' must be a message, not string"},
    {"payload_names_table.proto",
     "errors.v1.Login: a payload of errors.v1.Event takes its table name from its field; its own "
     "(strictlog.v1.store) may set only order_by, partition_by, index and ttl"},
    {"order_by_missing.proto", "errors.v1.Login: table logins: order_by names no column 'user_name'"},
    {"order_by_nullable.proto", "errors.v1.Login: table logins: order_by column 'user' is nullable, which a key cannot be"},
    {"order_by_array.proto", "errors.v1.Login: table logins: order_by column 'groups' is an array, which a key cannot be"},
    {"order_by_ip.proto", "errors.v1.Login: table logins: order_by column 'peer_ip' is nullable, which a key cannot be"},
    {"index_missing.proto", "errors.v1.Event: table login: index names no column 'host'"},
    {"contains_itself.proto",
     "errors.v1.Process.parent: message errors.v1.Process contains itself, which has no flat columns"},
    {"contains_itself_indirectly.proto",
     "errors.v1.Edge.to: message errors.v1.Node contains itself, which has no flat columns"},
    {"ip_not_string.proto",
     "errors.v1.Login.peer: option (strictlog.v1.column).ip is set on a field of type bytes, not string"},
    {"duplicate_table.proto", "errors.v1.Logout: table 'logins' is declared twice"},
    {"duplicate_table_oneof.proto", "errors.v1.Audit: table 'login' is declared twice"},
    {"duplicate_column.proto", "errors.v1.Login: table logins: two columns are named 'peer_port'"},
    {"duplicate_nanos_column.proto", "errors.v1.Login: table logins: two columns are named 'time_nanos'"},
    {"every_error.proto",
     "errors.v1.Login.peer: option (strictlog.v1.column).ip is set on a field of type int32, not string\n"
     "errors.v1.Login: table logins: order_by names no column 'host'\n"
     "errors.v1.Login: table logins: order_by column 'groups' is an array, which a key cannot be\n"
     "errors.v1.Process: option (strictlog.v1.store) sets both of table and table_per_oneof; exactly one is needed"},
};

TEST_CASE("sql plugins: data models the table model refuses", "[generate]") {
  for (const char* plugin : {"clickhouse", "sqlite"}) {
    for (const ModelError& e : kModelErrors) {
      INFO(plugin << ": " << e.proto);
      testing::TempDir out;
      testing::ProtocRun run = testing::run_plugin(plugin, "", kErrors, e.proto, out.path());
      CHECK(run.exit_code == 1);
      CHECK(run.err == "--strictlog-" + std::string(plugin) + "_out: " + e.error + "\n");
      CHECK(out.entries() == std::vector<std::string>{"protoc.stderr"});
    }
  }
}

struct ParameterError {
  const char* plugin;
  const char* opt;
  const char* error;  // empty: accepted
};

const ParameterError kParameterErrors[] = {
    {"clickhouse", "clickhouse_version=18", "'18' is not a ClickHouse version MAJOR.MINOR, e.g. 18.16"},
    {"clickhouse", "clickhouse_version=18.", "'18.' is not a ClickHouse version MAJOR.MINOR, e.g. 18.16"},
    {"clickhouse", "clickhouse_version=18.16-lts", "'18.16-lts' is not a ClickHouse version MAJOR.MINOR, e.g. 18.16"},
    {"clickhouse", "clickhouse_version=-1.5", "'-1.5' is not a ClickHouse version MAJOR.MINOR, e.g. 18.16"},
    {"clickhouse", "clickhouse_version=v23.8", "'v23.8' is not a ClickHouse version MAJOR.MINOR, e.g. 18.16"},
    {"clickhouse", "clickhouse_version=18.16.1.1", ""},  // `SELECT version()` prints four parts
    {"clickhouse", "clickhouse_version", "parameter 'clickhouse_version' has no value (clickhouse_version=VALUE)"},
    {"clickhouse", "version=18.16", "unknown parameter 'version' (known: clickhouse_version, database, file)"},
    {"clickhouse", "file=a.sql,file=b.sql", "parameter 'file' is given twice"},
    {"clickhouse", "database=my-logs", "database 'my-logs' is not a ClickHouse identifier ([A-Za-z_][A-Za-z0-9_]*)"},
    {"clickhouse", "database=1logs", "database '1logs' is not a ClickHouse identifier ([A-Za-z_][A-Za-z0-9_]*)"},
    {"clickhouse", "database=_logs1", ""},
    {"clickhouse", "x=1,database=", "unknown parameter 'x' (known: clickhouse_version, database, file)\n"
                                    "parameter 'database' has no value (database=VALUE)"},
    {"sqlite", "clickhouse_version=18.16", "unknown parameter 'clickhouse_version' (known: file)"},
    {"sqlite", "file=", "parameter 'file' has no value (file=VALUE)"},
    {"sqlite", "file=model.sql", ""},
};

TEST_CASE("sql plugins: parameters", "[generate]") {
  for (const ParameterError& p : kParameterErrors) {
    INFO(p.plugin << ": " << p.opt);
    testing::TempDir out;
    testing::ProtocRun run = testing::run_plugin(p.plugin, p.opt, kTestdata, "example.proto", out.path());
    if (*p.error == '\0') {
      CHECK(run.exit_code == 0);
      CHECK(run.err.empty());
    } else {
      CHECK(run.exit_code == 1);
      CHECK(run.err == "--strictlog-" + std::string(p.plugin) + "_out: " + p.error + "\n");
    }
  }
}

TEST_CASE("sql plugins: database= qualifies every table and file= names the output", "[generate]") {
  testing::TempDir out;
  testing::ProtocRun run =
      testing::run_plugin("clickhouse", "database=logs,file=logs.sql", kTestdata, "example.proto", out.path());
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(out.entries() == std::vector<std::string>{"logs.sql", "protoc.stderr"});
  std::string sql = testing::read_all(out / "logs.sql");
  CHECK(sql.starts_with("-- Generated by protoc-gen-strictlog-clickhouse: ClickHouse 18.16 DDL (database logs) of the "
                        "stored messages of\n"));
  std::vector<std::string> creates;
  for (size_t at = sql.find("CREATE TABLE"); at != std::string::npos; at = sql.find("CREATE TABLE", at + 1)) {
    creates.push_back(sql.substr(at, sql.find('\n', at) - at));
  }
  CHECK(creates == std::vector<std::string>{"CREATE TABLE IF NOT EXISTS logs.get", "CREATE TABLE IF NOT EXISTS logs.upload",
                                            "CREATE TABLE IF NOT EXISTS logs.login",
                                            "CREATE TABLE IF NOT EXISTS logs.audit_log"});
}

TEST_CASE("sql plugins: files without a stored message give a file that says so", "[generate]") {
  testing::TempDir out;
  testing::ProtocRun run = testing::run_plugin("sqlite", "", STRICTLOG_SOURCE_DIR "/proto", "strictlog/v1/auth.proto", out.path());
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(testing::read_all(out / "sqlite.sql") ==
        "-- Generated by protoc-gen-strictlog-sqlite: SQLite DDL of the stored messages of\n"
        "--   (none: no message in these files has the option (strictlog.v1.store))\n"
        "-- DO NOT EDIT: change the .proto files and generate again (docs/SCHEMA.md).\n");
}

}  // namespace
}  // namespace strictlog
