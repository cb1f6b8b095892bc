// The rule-to-event join of the Markdown reference (generate/internal/producers.h) over a small rule set of
// two grammar families: `v` has versions 1, 2 (the default, extends 1) and 10 (extends 2), so that inherited,
// overridden, removed and remapped rules and the numeric order of `2` and `10` all show; `a` loads first.
#include "generate/internal/producers.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/diagnostic.h"
#include "sink/temp_dir.h"

namespace strictlog::generate {
namespace {

const char* const kA1 =
    "grammar a 1;\n"
    "programs \"a\";\n"
    "rule sig = \"got \" s:word example \"got HUP\";\n";
const char* const kAMap1 =
    "mapping a 1;\n"
    "rule sig -> strictlog.openvpn.v1.ProcessSignal { signal_name = s; }\n";
const char* const kV1 =
    "grammar v 1;\n"
    "programs \"v\";\n"
    "rule fatal = \"fatal \" f:word example \"fatal x\";\n"
    "rule sig = \"signal \" s:word example \"signal HUP\" example \"signal TERM\";\n"
    "drop noise = \"noise \" n:word example \"noise x\";\n";
const char* const kVMap1 =
    "mapping v 1;\n"
    "rule fatal -> strictlog.openvpn.v1.FatalTlsError { function_name = f; }\n"
    "rule sig -> strictlog.openvpn.v1.ProcessSignal { signal_name = s; }\n";
// Overrides `fatal` with another text; the mapping is inherited. Its example is the one shown: 2 is the default.
const char* const kV2 =
    "grammar v 2 extends 1;\n"
    "default;\n"
    "override rule fatal = \"fatal: \" f:word example \"fatal: x\";\n";
// Maps `fatal` to another payload, removes `sig` and adds `sig2`.
const char* const kV10 =
    "grammar v 10 extends 2;\n"
    "override rule fatal = \"FATAL \" f:word example \"FATAL x\";\n"
    "remove sig;\n"
    "rule sig2 = \"sig \" s:word example \"sig HUP\";\n";
const char* const kVMap10 =
    "mapping v 10;\n"
    "rule fatal -> strictlog.openvpn.v1.FatalError { discard f; }\n"
    "rule sig2 -> strictlog.openvpn.v1.ProcessSignal { signal_name = s; }\n";

class Rules {
 public:
  Rules() {
    write("grammars/a/1.grammar", kA1);
    write("mappings/a/1.mapping", kAMap1);
    write("grammars/v/1.grammar", kV1);
    write("grammars/v/2.grammar", kV2);
    write("grammars/v/10.grammar", kV10);
    write("mappings/v/1.mapping", kVMap1);
    write("mappings/v/10.mapping", kVMap10);
    auto loaded = load_ruleset(dir_ / "grammars", dir_ / "mappings");
    if (!loaded) throw std::runtime_error("test rules do not load:\n" + render(loaded.errors()));
    rules_ = *loaded;
  }
  const RuleSet& rules() const { return *rules_; }

 private:
  void write(const std::string& relative, const std::string& text) {
    std::filesystem::path p = dir_ / relative;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
  }
  testing::TempDir dir_;
  std::shared_ptr<const RuleSet> rules_;
};

std::vector<std::string> lines(const Producers& producers, const std::string& payload) {
  std::vector<std::string> out;
  auto it = producers.find(payload);
  if (it == producers.end()) return out;
  for (const Producer& p : it->second) out.push_back(producer_markdown(p));
  return out;
}

TEST_CASE("producers_of lists each rule once with every version that maps it to the payload", "[producers]") {
  Rules fixture;
  Producers producers = producers_of(fixture.rules());
  std::vector<std::string> payloads;
  for (const auto& [payload, list] : producers) payloads.push_back(payload);
  // The drop rule `noise` produces nothing.
  CHECK(payloads ==
        std::vector<std::string>{"openvpn_fatal_error", "openvpn_fatal_tls_error", "openvpn_process_signal"});
  // Overridden in 2 but mapped alike: one producer; its example is the default version's.
  CHECK(lines(producers, "openvpn_fatal_tls_error") == std::vector<std::string>{"v 1, 2: `fatal`, e.g. `fatal: x`"});
  // The same rule id mapped to another payload from 10 on.
  CHECK(lines(producers, "openvpn_fatal_error") == std::vector<std::string>{"v 10: `fatal`, e.g. `FATAL x`"});
  // Family `a` first (load order), then `v`; `sig` is removed in 10, `sig2` new there (the newest version's
  // example, as the default does not have it); the first example of several.
  CHECK(lines(producers, "openvpn_process_signal") ==
        std::vector<std::string>{"a 1: `sig`, e.g. `got HUP`", "v 1, 2: `sig`, e.g. `signal HUP`",
                                 "v 10: `sig2`, e.g. `sig HUP`"});
}

TEST_CASE("producer_markdown escapes the versions and fences an example holding backticks", "[producers]") {
  CHECK(producer_markdown({"g", {"1.0", "1.1"}, "r", ""}) == "g 1.0, 1.1: `r`");
  CHECK(producer_markdown({"g", {"1_x_"}, "r", "a `quoted` b"}) == "g 1_x\\_: `r`, e.g. ``a `quoted` b``");
}

TEST_CASE("version_less compares dotted versions part by part, numbers as numbers", "[producers]") {
  struct Case {
    const char* a;
    const char* b;
    bool less;
  };
  const Case cases[] = {
      {"2.4", "2.10", true},  {"2.10", "2.4", false}, {"2.6", "2.6", false}, {"2", "2.0", true},
      {"0.77", "1.1", true},  {"9.2", "10.0", true},  {"1.9", "1.9p1", true}, {"1.9p1", "1.9p2", true},
      {"6.6", "6.6", false},
  };
  for (const Case& c : cases) {
    INFO(c.a << " < " << c.b);
    CHECK(version_less(c.a, c.b) == c.less);
  }
}

}  // namespace
}  // namespace strictlog::generate
