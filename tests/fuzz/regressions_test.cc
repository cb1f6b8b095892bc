// Replays every committed fuzz input (seeds in corpus/<target>/, crashers in regressions/<target>/) through the
// same function the fuzzer calls, in the normal build: a crasher once fixed stays fixed, and the seeds stay
// clean without clang.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "targets.h"

namespace strictlog::fuzz {
namespace {

namespace fs = std::filesystem;

const fs::path kFuzzDir = fs::path(STRICTLOG_SOURCE_DIR) / "tests" / "fuzz";

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  REQUIRE(in);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The files of `dir` in name order; none when it does not exist.
std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> files;
  if (!fs::is_directory(dir)) return files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file()) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Replays every seed and every crasher of target `name`; returns how many inputs there were.
size_t replay(std::string_view name) {
  const Target* t = nullptr;
  for (const Target& candidate : kTargets) {
    if (candidate.name == name) t = &candidate;
  }
  REQUIRE(t != nullptr);
  size_t count = 0;
  for (const char* kind : {"corpus", "regressions"}) {
    for (const fs::path& p : files_in(kFuzzDir / kind / std::string(name))) {
      INFO(p.string());
      CHECK(t->run(read_file(p)).value_or("") == "");  // on failure, shows the broken invariant
      ++count;
    }
  }
  return count;
}

TEST_CASE("every target has seeds, and every input directory names a target", "[fuzz]") {
  std::set<std::string> names;
  for (const Target& t : kTargets) {
    names.emplace(t.name);
    INFO(t.name);
    CHECK_FALSE(files_in(kFuzzDir / "corpus" / t.name).empty());
  }
  for (const char* kind : {"corpus", "regressions"}) {
    if (!fs::is_directory(kFuzzDir / kind)) continue;
    for (const auto& e : fs::directory_iterator(kFuzzDir / kind)) {
      INFO(e.path().string());
      CHECK(names.count(e.path().filename().string()) == 1);
    }
  }
}

TEST_CASE("fuzz_grammar: seeds and regressions replay clean", "[fuzz]") {
  CHECK(replay("fuzz_grammar") > 0);
}

TEST_CASE("fuzz_syslog: seeds and regressions replay clean", "[fuzz]") {
  CHECK(replay("fuzz_syslog") > 0);
}

TEST_CASE("fuzz_line: seeds and regressions replay clean", "[fuzz]") {
  CHECK(replay("fuzz_line") > 0);
}

}  // namespace
}  // namespace strictlog::fuzz
