// What protoc-gen-strictlog-markdown refuses, run by the real protoc over the small model
// tests/generate/markdown/testdata/tiny.proto: bad parameters, and grammars or mappings that do not load,
// with the exact error protoc prints (`--strictlog-markdown_out: <error>`; a load error positioned and with its
// caret, as `strictlog normalize` prints it). And the near miss that passes: no rules at all.
#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

#include "generate/protoc_run.h"

namespace strictlog {
namespace {

const std::string kTestdata = STRICTLOG_SOURCE_DIR "/tests/generate/markdown/testdata";

testing::ProtocRun run(const std::string& opt, const testing::TempDir& out) {
  return testing::run_plugin("markdown", opt, kTestdata, "tiny.proto", out.path());
}

TEST_CASE("markdown plugin: parameters it refuses", "[generate][markdown]") {
  struct Case {
    const char* opt;
    const char* error;
  };
  const Case cases[] = {
      {"grammars=g", "parameter grammars without mappings: the rules are known from both or from neither"},
      {"mappings=m", "parameter mappings without grammars: the rules are known from both or from neither"},
      {"grammar=g,mapping=m",
       "unknown parameter 'grammar': expected grammars=DIR, mappings=DIR or clickhouse_version=X.Y"},
      {"clickhouse_version=18", "'18' is not a ClickHouse version MAJOR.MINOR, e.g. 18.16"},
  };
  for (const Case& c : cases) {
    INFO(c.opt);
    testing::TempDir out;
    testing::ProtocRun r = run(c.opt, out);
    CHECK(r.exit_code == 1);
    CHECK(r.err == std::string("--strictlog-markdown_out: ") + c.error + "\n");
  }
}

TEST_CASE("markdown plugin: a grammar that does not load fails the run with the positioned error",
          "[generate][markdown]") {
  testing::TempDir rules;
  std::filesystem::create_directories(rules / "grammars/x");
  std::filesystem::create_directories(rules / "mappings/x");
  std::ofstream(rules / "grammars/x/1.grammar")
      << "grammar x 1;\nprograms \"x\";\nrule r = \"a \" n:ipv5 example \"a b\";\n";
  std::ofstream(rules / "mappings/x/1.mapping") << "mapping x 1;\nrule r -> strictlog.openvpn.v1.FatalTlsError { }\n";
  testing::TempDir out;
  testing::ProtocRun r = run("grammars=" + (rules / "grammars") + ",mappings=" + (rules / "mappings"), out);
  CHECK(r.exit_code == 1);
  CHECK(r.err == "--strictlog-markdown_out: " + (rules / "grammars/x/1.grammar") +
                     ":3:17: unknown field type 'ipv5': not a field type (see 'strictlog fields') nor a pattern of "
                     "this grammar [unknown-field-type]\n"
                     "  rule r = \"a \" n:ipv5 example \"a b\";\n"
                     "                  ^\n");
  CHECK_FALSE(testing::exists(out / "events.md"));
}

TEST_CASE("markdown plugin: rules whose payloads the model lacks", "[generate][markdown]") {
  testing::TempDir rules;
  std::filesystem::create_directories(rules / "grammars/x");
  std::filesystem::create_directories(rules / "mappings/x");
  std::ofstream(rules / "grammars/x/1.grammar")
      << "grammar x 1;\nprograms \"x\";\nrule r = \"a \" f:word example \"a b\";\n";
  std::ofstream(rules / "mappings/x/1.mapping")
      << "mapping x 1;\nrule r -> strictlog.openvpn.v1.FatalTlsError { function_name = f; }\n";
  testing::TempDir out;
  testing::ProtocRun r = run("grammars=" + (rules / "grammars") + ",mappings=" + (rules / "mappings"), out);
  CHECK(r.exit_code == 1);
  CHECK(r.err ==
        "--strictlog-markdown_out: rule x/1/r maps to the payload 'openvpn_fatal_tls_error', which no table of the "
        "given .proto files has: the mappings and the data model disagree\n");
}

TEST_CASE("markdown plugin: without grammars the reference says nothing about rules", "[generate][markdown]") {
  testing::TempDir out;
  testing::ProtocRun r = run("", out);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.empty());
  const std::string doc = testing::read_all(out / "events.md");
  CHECK(doc.starts_with("# Event reference\n"));
  CHECK(doc.find("### `login`\n") != std::string::npos);
  CHECK(doc.find("Produced by") == std::string::npos);
}

}  // namespace
}  // namespace strictlog
