// protoc-gen-strictlog-clickhouse: the ClickHouse DDL of the tables of the stored messages in the files to
// generate (schema::tables_in), as ONE file of `CREATE TABLE IF NOT EXISTS` statements (schema/ddl.h's
// clickhouse_create, the statements the ClickHouse sink runs). docs/SCHEMA.md describes the mapping.
//
//   protoc --plugin=protoc-gen-strictlog-clickhouse=build/protoc-gen-strictlog-clickhouse -I proto
//          --strictlog-clickhouse_out=OUT [--strictlog-clickhouse_opt=clickhouse_version=23.8,database=logs]
//          proto/strictlog/v1/event.proto proto/strictlog/v1/quarantine.proto
//
// Parameters (comma-separated NAME=VALUE; any other is an error):
//   clickhouse_version=MAJOR.MINOR  the server the DDL is for (default 18.16); newer ones get DateTime64,
//                                   skipping indexes, codecs, TTL and IPv6 (ClickHouseVersion's gates)
//   database=NAME                   qualify each table as NAME.table (default: none; the database must exist)
//   file=NAME                       the output file (default clickhouse.sql)
// Errors of the model (schema::tables_of's) are the plugin's error, one per line.
#include <google/protobuf/compiler/code_generator.h>
#include <google/protobuf/compiler/plugin.h>

#include <fmt/format.h>

#include <algorithm>

#include "generate/internal/plugin.h"
#include "generate/internal/sql_plugin.h"
#include "schema/ddl.h"
#include "schema/table.h"

namespace {

namespace pb = google::protobuf;
using namespace strictlog;

class ClickHouseGenerator : public pb::compiler::CodeGenerator {
 public:
  bool Generate(const pb::FileDescriptor* file, const std::string& parameter, pb::compiler::GeneratorContext* context,
                std::string* error) const override {
    return GenerateAll({file}, parameter, context, error);
  }

  // One file for all the files: the tables of one data model are created together.
  bool GenerateAll(const std::vector<const pb::FileDescriptor*>& files, const std::string& parameter,
                   pb::compiler::GeneratorContext* context, std::string* error) const override {
    Result<std::map<std::string, std::string>> params =
        generate::parse_parameters(parameter, {"clickhouse_version", "database", "file"});
    if (!params.ok()) {
      *error = generate::plugin_error(params.errors());
      return false;
    }
    schema::ClickHouseVersion version;
    if (auto it = params->find("clickhouse_version"); it != params->end()) {
      Result<schema::ClickHouseVersion> parsed = schema::ClickHouseVersion::parse(it->second);
      if (!parsed.ok()) {
        *error = generate::plugin_error(parsed.errors());
        return false;
      }
      version = parsed.value();
    }
    std::string database = params->count("database") != 0 ? params->at("database") : "";
    if (!database.empty() && !schema::is_sql_name(database)) {
      *error = fmt::format("database '{}' is not a ClickHouse identifier ([A-Za-z_][A-Za-z0-9_]*)", database);
      return false;
    }

    Result<std::vector<schema::Table>> tables = schema::tables_in(files);
    if (!tables.ok()) {
      *error = generate::plugin_error(tables.errors());
      return false;
    }
    std::vector<std::string> statements;
    for (const schema::Table& t : tables.value()) statements.push_back(schema::clickhouse_create(t, version, database));
    std::string target = fmt::format("ClickHouse {}.{} DDL", version.major, version.minor);
    if (!database.empty()) target += fmt::format(" (database {})", database);
    generate::write_output(context, params->count("file") != 0 ? params->at("file") : "clickhouse.sql",
                           generate::sql_file("protoc-gen-strictlog-clickhouse", target, files, tables.value(), statements));
    return true;
  }

  uint64_t GetSupportedFeatures() const override { return FEATURE_PROTO3_OPTIONAL; }
};

}  // namespace

int main(int argc, char* argv[]) {
  ClickHouseGenerator generator;
  return pb::compiler::PluginMain(argc, argv, &generator);
}
