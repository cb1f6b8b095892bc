// Golden Python reader (STYLE.md habit 7): protoc-gen-strictlog-python run by the real protoc over
// tests/generate/testdata/example.proto (every feature of the table model) for ClickHouse 18.16 and 23.8, and
// compared byte for byte with tests/generate/golden/. tests/generate/python_reader_test.py runs the same
// modules against a real server; this file makes a change to the generator a readable diff.
//
// To accept a change: run this test with STRICTLOG_UPDATE_GOLDEN=1, which rewrites the golden files and
// still fails, then review `git diff tests/generate/golden/` and run again without the variable.
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "generate/protoc_run.h"

namespace strictlog {
namespace {

using testing::read_all;

struct Golden {
  std::string_view opt;
  std::string_view golden;  // under tests/generate/golden/; also the name the plugin writes (file=)
};

const Golden kGoldens[] = {
    {"", "example.python-18.16.py"},
    {"clickhouse_version=23.8", "example.python-23.8.py"},
};

bool update_requested() {
  const char* v = std::getenv("STRICTLOG_UPDATE_GOLDEN");
  return v != nullptr && std::string_view(v) == "1";
}

TEST_CASE("golden: the Python reader of tests/generate/testdata/example.proto", "[generate][golden]") {
  for (const Golden& g : kGoldens) {
    INFO(g.golden);
    testing::TempDir out;
    std::string opt = std::string(g.opt) + (g.opt.empty() ? "" : ",") + "file=" + std::string(g.golden);
    testing::ProtocRun run = testing::run_plugin("python", opt, STRICTLOG_SOURCE_DIR "/tests/generate/testdata",
                                                 "example.proto", out.path());
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    CHECK(run.err.empty());
    const std::string actual_path = out / std::string(g.golden);
    const std::string golden_path = STRICTLOG_SOURCE_DIR "/tests/generate/golden/" + std::string(g.golden);
    if (update_requested()) {
      std::ofstream golden(golden_path, std::ios::binary | std::ios::trunc);
      golden << read_all(actual_path);
      golden.close();
      REQUIRE(golden.good());
      FAIL_CHECK("rewrote " << golden_path << ": review `git diff tests/generate/golden/`, then run again without "
                                              "STRICTLOG_UPDATE_GOLDEN");
      continue;
    }
    INFO("to accept a deliberate change, run with STRICTLOG_UPDATE_GOLDEN=1 and review the diff; diff -u golden "
         "actual:\n"
         << testing::diff(golden_path, actual_path));
    // A bool, so that a failure prints the diff rather than both files.
    const bool same_as_golden = read_all(actual_path) == read_all(golden_path);
    CHECK(same_as_golden);
  }
}

}  // namespace
}  // namespace strictlog
