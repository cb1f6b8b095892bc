// protoc-gen-strictlog-python: the typed Python reader of the tables of the stored messages in the files to
// generate (schema::tables_in), as ONE module (generate/internal/python_reader.h). docs/SCHEMA.md, "Python
// reader", is its manual.
//
//   protoc --plugin=protoc-gen-strictlog-python=build/protoc-gen-strictlog-python -I proto
//          --strictlog-python_out=OUT [--strictlog-python_opt=clickhouse_version=23.8]
//          proto/strictlog/v1/event.proto proto/strictlog/v1/quarantine.proto
//
// Parameters (comma-separated NAME=VALUE; any other is an error), as protoc-gen-strictlog-clickhouse's:
//   clickhouse_version=MAJOR.MINOR  the server whose DDL the module reads (default 18.16): the one the DDL
//                                   was generated for
//   file=NAME                       the output file (default strictlog_events.py)
// Errors of the model (schema::tables_of's) and of its Python names are the plugin's error, one per line.
#include <google/protobuf/compiler/code_generator.h>
#include <google/protobuf/compiler/plugin.h>

#include <fmt/format.h>

#include "generate/internal/plugin.h"
#include "generate/internal/python_reader.h"
#include "generate/internal/sql_plugin.h"
#include "schema/ddl.h"
#include "schema/table.h"

namespace {

namespace pb = google::protobuf;
using namespace strictlog;

// The SQL files' header (sql_plugin.h), as Python comments: the same words say what made the module.
std::string python_comments(const std::string& sql_header) {
  std::string out;
  size_t start = 0;
  while (start < sql_header.size()) {
    size_t end = sql_header.find('\n', start);
    std::string line = sql_header.substr(start, end - start);
    out += (line.starts_with("--") ? "#" + line.substr(2) : line) + "\n";
    start = end + 1;
  }
  return out;
}

class PythonReaderGenerator : public pb::compiler::CodeGenerator {
 public:
  bool Generate(const pb::FileDescriptor* file, const std::string& parameter, pb::compiler::GeneratorContext* context,
                std::string* error) const override {
    return GenerateAll({file}, parameter, context, error);
  }

  // One module for all the files: the tables of one data model are read together.
  bool GenerateAll(const std::vector<const pb::FileDescriptor*>& files, const std::string& parameter,
                   pb::compiler::GeneratorContext* context, std::string* error) const override {
    Result<std::map<std::string, std::string>> params =
        generate::parse_parameters(parameter, {"clickhouse_version", "file"});
    if (!params.ok()) {
      *error = generate::plugin_error(params.errors());
      return false;
    }
    generate::PythonReaderOptions options;
    if (auto it = params->find("clickhouse_version"); it != params->end()) {
      Result<schema::ClickHouseVersion> parsed = schema::ClickHouseVersion::parse(it->second);
      if (!parsed.ok()) {
        *error = generate::plugin_error(parsed.errors());
        return false;
      }
      options.clickhouse_version = parsed.value();
    }

    Result<std::vector<schema::Table>> tables = schema::tables_in(files);
    if (!tables.ok()) {
      *error = generate::plugin_error(tables.errors());
      return false;
    }
    const schema::ClickHouseVersion& v = options.clickhouse_version;
    options.header = python_comments(generate::sql_file(
        "protoc-gen-strictlog-python", fmt::format("Python reader (ClickHouse {}.{})", v.major, v.minor), files,
        tables.value(), {}));
    Result<std::string> module = generate::python_reader(tables.value(), options);
    if (!module.ok()) {
      *error = generate::plugin_error(module.errors());
      return false;
    }
    generate::write_output(context, params->count("file") != 0 ? params->at("file") : "strictlog_events.py",
                           module.value());
    return true;
  }

  uint64_t GetSupportedFeatures() const override { return FEATURE_PROTO3_OPTIONAL; }
};

}  // namespace

int main(int argc, char* argv[]) {
  PythonReaderGenerator generator;
  return pb::compiler::PluginMain(argc, argv, &generator);
}
