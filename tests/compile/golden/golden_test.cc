// Golden dump of the compiled bundled grammars (STYLE.md habit 7): for each rule its generated RE2 regex and
// its capture groups, compared with a committed file, so that any change to the compiler or to a field
// type's regex shows up as a readable diff under tests/compile/golden/.
//
// To accept a change: run this test with STRICTLOG_UPDATE_GOLDEN=1, which rewrites the golden files and
// still fails, then review `git diff tests/compile/golden/` and run again without the variable.
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "compile/compile.h"
#include "compile/dump.h"
#include "dsl/dsl.h"

namespace strictlog {
namespace {

struct Golden {
  std::string_view grammar;  // relative to the repository root
  std::string_view golden;
};

const Golden kGoldens[] = {
    {"grammars/openvpn/2.6.grammar", "tests/compile/golden/openvpn-2.6.regex.txt"},
};

std::string root_path(std::string_view relative) {
  return std::string(STRICTLOG_SOURCE_DIR) + "/" + std::string(relative);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  INFO("reading " << path);
  REQUIRE(in.good());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool update_requested() {
  const char* v = std::getenv("STRICTLOG_UPDATE_GOLDEN");
  return v != nullptr && std::string_view(v) == "1";
}

TEST_CASE("golden: the regexes compiled from the bundled grammars", "[compile][golden]") {
  for (const Golden& golden : kGoldens) {
    INFO(golden.grammar);
    auto source = std::make_shared<const SourceFile>(
        SourceFile{std::string(golden.grammar), read_file(root_path(golden.grammar))});
    auto parsed = dsl::parse_grammar(source);
    INFO((parsed.ok() ? std::string() : render(parsed.errors())));
    REQUIRE(parsed.ok());
    auto compiled = compile_grammar(parsed.value());
    INFO((compiled.ok() ? std::string() : render(compiled.errors())));
    REQUIRE(compiled.ok());
    std::string actual = dump_grammar(compiled.value());

    const std::string golden_path = root_path(golden.golden);
    if (update_requested()) {
      std::ofstream out(golden_path, std::ios::binary | std::ios::trunc);
      out << actual;
      out.close();
      REQUIRE(out.good());
      FAIL_CHECK("rewrote " << golden.golden << ": review `git diff " << golden.golden
                            << "`, then run again without STRICTLOG_UPDATE_GOLDEN");
      continue;
    }
    INFO("to accept a deliberate change, run with STRICTLOG_UPDATE_GOLDEN=1 and review the diff");
    CHECK(actual == read_file(golden_path));
  }
}

}  // namespace
}  // namespace strictlog
