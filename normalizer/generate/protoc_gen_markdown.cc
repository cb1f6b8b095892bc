// protoc-gen-strictlog-markdown: the Markdown reference of a data model (reference_doc.h), one file
// `events.md` for all the .proto files protoc is given, from their comments (protoc passes a plugin the
// source info of the files it generates for), the table model (schema/table.h) and, when given grammars and
// mappings, the rules that produce each event.
//
//   protoc --plugin=protoc-gen-strictlog-markdown=build/protoc-gen-strictlog-markdown -Iproto
//     --strictlog-markdown_opt=grammars=grammars,mappings=mappings --strictlog-markdown_out=OUT
//     proto/strictlog/v1/*.proto proto/strictlog/*/v1/*.proto
//
// Parameters, comma-separated (so a directory's path cannot hold a comma):
//   grammars=DIR, mappings=DIR   load the rule set as `strictlog normalize` does; both or neither
//   clickhouse_version=X.Y       the ClickHouse version whose column types are shown (default 18.16)
// Every error (a load error of any grammar or mapping, pointing into its file; a table model error; a rule
// mapped to a payload the given files lack) is reported, and then the plugin fails.
#include <google/protobuf/compiler/code_generator.h>
#include <google/protobuf/compiler/plugin.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream.h>

#include <fmt/format.h>

#include <memory>
#include <optional>

#include "generate/internal/plugin.h"
#include "generate/internal/producers.h"
#include "generate/internal/reference_doc.h"
#include "ruleset/ruleset.h"
#include "schema/table.h"

namespace strictlog::generate {
namespace {

using google::protobuf::FileDescriptor;
using google::protobuf::compiler::GeneratorContext;

struct Parameters {
  std::string grammars;
  std::string mappings;
  schema::ClickHouseVersion clickhouse;
};

std::optional<Parameters> parse_parameters(const std::string& text, std::string* error) {
  std::vector<std::pair<std::string, std::string>> pairs;
  google::protobuf::compiler::ParseGeneratorParameter(text, &pairs);
  Parameters p;
  for (const auto& [key, value] : pairs) {
    if (key == "grammars") {
      p.grammars = value;
    } else if (key == "mappings") {
      p.mappings = value;
    } else if (key == "clickhouse_version") {
      Result<schema::ClickHouseVersion> v = schema::ClickHouseVersion::parse(value);
      if (!v) {
        *error = plugin_error(v.errors());
        return std::nullopt;
      }
      p.clickhouse = *v;
    } else {
      *error = fmt::format("unknown parameter '{}': expected grammars=DIR, mappings=DIR or clickhouse_version=X.Y",
                           key);
      return std::nullopt;
    }
  }
  if (p.grammars.empty() != p.mappings.empty()) {
    *error = fmt::format("parameter {} without {}: the rules are known from both or from neither",
                         p.grammars.empty() ? "mappings" : "grammars", p.grammars.empty() ? "grammars" : "mappings");
    return std::nullopt;
  }
  return p;
}

class MarkdownGenerator : public google::protobuf::compiler::CodeGenerator {
 public:
  uint64_t GetSupportedFeatures() const override { return FEATURE_PROTO3_OPTIONAL; }

  bool Generate(const FileDescriptor* file, const std::string& parameter, GeneratorContext* context,
                std::string* error) const override {
    return GenerateAll({file}, parameter, context, error);
  }

  // One reference for all files: a payload's table and its envelope columns are documented together.
  bool GenerateAll(const std::vector<const FileDescriptor*>& files, const std::string& parameter,
                   GeneratorContext* context, std::string* error) const override {
    std::optional<Parameters> params = parse_parameters(parameter, error);
    if (!params) return false;
    ReferenceOptions options;
    options.clickhouse = params->clickhouse;
    std::shared_ptr<const RuleSet> rules;
    Producers producers;
    if (!params->grammars.empty()) {
      auto loaded = load_ruleset(params->grammars, params->mappings);
      if (!loaded) {
        *error = render(loaded.errors());
        while (!error->empty() && error->back() == '\n') error->pop_back();  // protoc ends the line itself
        return false;
      }
      rules = *loaded;
      producers = producers_of(*rules);
      options.producers = &producers;
    }
    Result<std::vector<schema::Table>> tables = schema::tables_in(files);
    if (!tables) {
      *error = plugin_error(tables.errors());
      return false;
    }
    Result<std::string> text = reference_markdown(*tables, options);
    if (!text) {
      *error = plugin_error(text.errors());
      return false;
    }
    std::unique_ptr<google::protobuf::io::ZeroCopyOutputStream> out(context->Open("events.md"));
    google::protobuf::io::CodedOutputStream coded(out.get());
    coded.WriteRaw(text->data(), static_cast<int>(text->size()));
    return true;
  }
};

}  // namespace
}  // namespace strictlog::generate

int main(int argc, char* argv[]) {
  strictlog::generate::MarkdownGenerator generator;
  return google::protobuf::compiler::PluginMain(argc, argv, &generator);
}
