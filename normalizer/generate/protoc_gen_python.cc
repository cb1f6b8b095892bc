// protoc-gen-strictlog-python: the typed Python reader of the tables of the stored messages in the files to
// generate, as one module `strictlog_events.py` (generate/internal/python_reader.h; docs/SCHEMA.md).
//
//   protoc --plugin=protoc-gen-strictlog-python=build/protoc-gen-strictlog-python -I proto \
//          --strictlog-python_out=OUT [--strictlog-python_opt=clickhouse_version=18.16] proto/strictlog/...
//
// Parameter: `clickhouse_version=MAJOR.MINOR` (default 18.16), the server whose DDL the reader reads, as the
// ClickHouse generator's; any other parameter is an error.
#include <google/protobuf/compiler/code_generator.h>
#include <google/protobuf/compiler/plugin.h>
#include <google/protobuf/io/zero_copy_stream.h>
#include <google/protobuf/io/coded_stream.h>

#include <memory>

#include "generate/internal/plugin.h"
#include "generate/internal/python_reader.h"
#include "schema/table.h"

namespace {

namespace pb = google::protobuf;
using namespace strictlog;

class PythonReaderGenerator : public pb::compiler::CodeGenerator {
 public:
  bool Generate(const pb::FileDescriptor* file, const std::string& parameter, pb::compiler::GeneratorContext* context,
                std::string* error) const override {
    return GenerateAll({file}, parameter, context, error);
  }

  // One module for all the files: the tables of one data model belong together.
  bool GenerateAll(const std::vector<const pb::FileDescriptor*>& files, const std::string& parameter,
                   pb::compiler::GeneratorContext* context, std::string* error) const override {
    generate::PythonReaderOptions options;
    std::vector<std::pair<std::string, std::string>> pairs;
    pb::compiler::ParseGeneratorParameter(parameter, &pairs);
    for (const auto& [key, value] : pairs) {
      if (key != "clickhouse_version") {
        *error = "unknown parameter '" + key + "' (known: clickhouse_version)";
        return false;
      }
      Result<schema::ClickHouseVersion> version = schema::ClickHouseVersion::parse(value);
      if (!version.ok()) {
        *error = generate::plugin_error(version.errors());
        return false;
      }
      options.clickhouse_version = version.value();
    }
    for (const pb::FileDescriptor* f : files) options.proto_files.push_back(f->name());

    Result<std::vector<schema::Table>> tables = schema::tables_in(files);
    if (!tables.ok()) {
      *error = generate::plugin_error(tables.errors());
      return false;
    }
    Result<std::string> module = generate::python_reader(tables.value(), options);
    if (!module.ok()) {
      *error = generate::plugin_error(module.errors());
      return false;
    }
    std::unique_ptr<pb::io::ZeroCopyOutputStream> out(context->Open("strictlog_events.py"));
    pb::io::CodedOutputStream coded(out.get());
    coded.WriteString(module.value());
    return true;
  }

  uint64_t GetSupportedFeatures() const override { return FEATURE_PROTO3_OPTIONAL; }
};

}  // namespace

int main(int argc, char* argv[]) {
  PythonReaderGenerator generator;
  return pb::compiler::PluginMain(argc, argv, &generator);
}
