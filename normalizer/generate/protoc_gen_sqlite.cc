// protoc-gen-strictlog-sqlite: the SQLite DDL of the tables of the stored messages in the files to generate
// (schema::tables_in), as ONE file of `CREATE TABLE IF NOT EXISTS` and `CREATE INDEX IF NOT EXISTS`
// statements (schema/ddl.h's sqlite_create, the statements the SQLite sink runs). docs/SCHEMA.md describes
// the mapping.
//
//   protoc --plugin=protoc-gen-strictlog-sqlite=build/protoc-gen-strictlog-sqlite -I proto
//          --strictlog-sqlite_out=OUT [--strictlog-sqlite_opt=file=NAME]
//          proto/strictlog/v1/event.proto proto/strictlog/v1/quarantine.proto
//
// Parameter: `file=NAME`, the output file (default sqlite.sql); any other is an error. Errors of the model
// (schema::tables_of's) are the plugin's error, one per line.
#include <google/protobuf/compiler/code_generator.h>
#include <google/protobuf/compiler/plugin.h>

#include "generate/internal/plugin.h"
#include "generate/internal/sql_plugin.h"
#include "schema/ddl.h"
#include "schema/table.h"

namespace {

namespace pb = google::protobuf;
using namespace strictlog;

class SqliteGenerator : public pb::compiler::CodeGenerator {
 public:
  bool Generate(const pb::FileDescriptor* file, const std::string& parameter, pb::compiler::GeneratorContext* context,
                std::string* error) const override {
    return GenerateAll({file}, parameter, context, error);
  }

  // One file for all the files: the tables of one data model are created together.
  bool GenerateAll(const std::vector<const pb::FileDescriptor*>& files, const std::string& parameter,
                   pb::compiler::GeneratorContext* context, std::string* error) const override {
    Result<std::map<std::string, std::string>> params = generate::parse_parameters(parameter, {"file"});
    if (!params.ok()) {
      *error = generate::plugin_error(params.errors());
      return false;
    }
    Result<std::vector<schema::Table>> tables = schema::tables_in(files);
    if (!tables.ok()) {
      *error = generate::plugin_error(tables.errors());
      return false;
    }
    std::vector<std::string> statements;
    for (const schema::Table& t : tables.value()) statements.push_back(schema::sqlite_create(t));
    generate::write_output(context, params->count("file") != 0 ? params->at("file") : "sqlite.sql",
                           generate::sql_file("protoc-gen-strictlog-sqlite", "SQLite DDL", files, tables.value(), statements));
    return true;
  }

  uint64_t GetSupportedFeatures() const override { return FEATURE_PROTO3_OPTIONAL; }
};

}  // namespace

int main(int argc, char* argv[]) {
  SqliteGenerator generator;
  return pb::compiler::PluginMain(argc, argv, &generator);
}
