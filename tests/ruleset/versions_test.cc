// Versions of one source in load_ruleset() (ruleset.h): a version found in any file extends another found in any
// other, families with their default and ctime versions, every error of that with its exact rendered text,
// and choose_versions() / selected_version(). What extension itself does is in tests/dsl/extend_test.cc.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "ruleset/ruleset.h"
#include "sink/temp_dir.h"

namespace strictlog {
namespace {

namespace fs = std::filesystem;

class Tree {
 public:
  std::string path(const std::string& relative) const { return dir_ / relative; }
  const Tree& write(const std::string& relative, const std::string& text) const {
    fs::create_directories(fs::path(path(relative)).parent_path());
    std::ofstream out(path(relative), std::ios::binary | std::ios::trunc);
    out << text;
    REQUIRE(out.good());
    return *this;
  }
  Result<std::shared_ptr<const RuleSet>> load() const { return load_ruleset(path("grammars"), path("mappings")); }
  std::shared_ptr<const RuleSet> load_ok() const {
    auto set = load();
    INFO((set ? std::string() : render(set.errors())));
    REQUIRE(set.ok());
    return set.value();
  }
  std::string errors() const {
    auto set = load();
    CHECK_FALSE(set.ok());
    return set ? "" : render(set.errors());
  }

 private:
  testing::TempDir dir_;
};

// One rendered diagnostic or note: `path:line:col: message`, the line, a caret under column `col`.
std::string at(const std::string& path, int line, int col, const std::string& message, const std::string& text) {
  return path + ":" + std::to_string(line) + ":" + std::to_string(col) + ": " + message + "\n  " + text + "\n  " +
         std::string(static_cast<size_t>(col - 1), ' ') + "^\n";
}

const std::string kV1 =
    "grammar v 1;\n"                  // 1
    "programs \"v\";\n"               // 2
    "pattern fn = name:word;\n"       // 3
    "rule fatal = \"fatal \" f:fn\n"  // 4
    "  example \"fatal x\";\n"        // 5
    "rule sig = \"signal \" s:word\n" // 6
    "  example \"signal HUP\";\n";    // 7
const std::string kM1 =
    "mapping v 1;\n"
    "rule fatal -> strictlog.openvpn.v1.FatalTlsError { function_name = f.name; }\n"
    "rule sig -> strictlog.openvpn.v1.ProcessSignal { signal_name = s; }\n";
const std::string kV2 =
    "grammar v 2 extends 1;\n"        // 1
    "default;\n"                      // 2
    "rule extra = \"extra \" e:word\n"
    "  example \"extra y\";\n";
const std::string kM2 =
    "mapping v 2;\n"
    "rule extra -> strictlog.openvpn.v1.FatalTlsError { function_name = e; }\n";
// Another source, one version: its own default.
const std::string kW = "grammar w 1;\nprograms \"w\";\nrule only = \"w \" x:word example \"w a\";\n";
const std::string kMW = "mapping w 1;\nrule only -> strictlog.openvpn.v1.FatalTlsError { function_name = x; }\n";

void two_versions(const Tree& t) {
  t.write("grammars/v/1.grammar", kV1).write("mappings/v/1.mapping", kM1);
  t.write("grammars/v/2.grammar", kV2).write("mappings/v/2.mapping", kM2);
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

std::vector<std::string> rule_ids(const CompiledGrammar& g) {
  std::vector<std::string> ids;
  for (const auto& r : g.rules) ids.push_back(r.id);
  return ids;
}

TEST_CASE("versions: two versions of a source form one family with its default", "[ruleset][versions]") {
  Tree t;
  two_versions(t);
  t.write("grammars/w/1.grammar", kW).write("mappings/w/1.mapping", kMW);
  auto set = t.load_ok();
  REQUIRE(set->grammars.size() == 3);
  CHECK(set->grammars[0].version == "1");
  CHECK(set->grammars[1].version == "2");
  CHECK(set->grammars[1].base_version == "1");
  CHECK(rule_ids(set->grammars[1]) == std::vector<std::string>{"fatal", "sig", "extra"});
  // Inherited rules point into the base's file; the new one into the version's own.
  CHECK(set->grammars[1].rules[0].pos.source->path == t.path("grammars/v/1.grammar"));
  CHECK(set->grammars[1].rules[2].pos.source->path == t.path("grammars/v/2.grammar"));
  REQUIRE(set->families.size() == 2);
  CHECK(set->families[0].name == "v");
  CHECK(set->families[0].versions == std::vector<size_t>{0, 1});
  CHECK(set->families[0].default_version == 1);
  CHECK_FALSE(set->families[0].ctime_version.has_value());
  CHECK(set->families[1].name == "w");
  CHECK(set->families[1].versions == std::vector<size_t>{2});
  CHECK(set->families[1].default_version == 2);  // a lone version needs no 'default;'
  CHECK(set->family_of == std::vector<size_t>{0, 0, 1});
}

TEST_CASE("versions: a version may extend one that a later path holds", "[ruleset][versions]") {
  Tree t;
  t.write("grammars/v/a-new.grammar", kV2).write("mappings/v/2.mapping", kM2);
  t.write("grammars/v/b-old.grammar", kV1).write("mappings/v/1.mapping", kM1);
  auto set = t.load_ok();
  REQUIRE(set->grammars.size() == 2);
  CHECK(set->grammars[0].version == "2");  // load order is path order
  CHECK(rule_ids(set->grammars[0]) == std::vector<std::string>{"fatal", "sig", "extra"});
  CHECK(set->grammars[1].version == "1");
  CHECK(set->families.at(0).default_version == 0);
}

TEST_CASE("versions: a base version that is not loaded lists the loaded ones", "[ruleset][versions]") {
  Tree t;
  two_versions(t);
  t.write("grammars/v/3.grammar", "grammar v 3 extends 9;\n");
  CHECK(t.errors() == at(t.path("grammars/v/3.grammar"), 1, 21,
                         "grammar 'v' has no version '9' to extend (loaded: 1, 2, 3) [unknown-base-version]",
                         "grammar v 3 extends 9;"));
}

TEST_CASE("versions: versions that extend each other in a cycle are one error", "[ruleset][versions]") {
  Tree t;
  two_versions(t);
  t.write("grammars/v/3.grammar", "grammar v 3 extends 4;\n");
  t.write("grammars/v/4.grammar", "grammar v 4 extends 3;\n");
  CHECK(t.errors() ==
        at(t.path("grammars/v/4.grammar"), 1, 21,
           "versions of grammar 'v' extend each other in a cycle: 4 extends 3, which leads back to 4 [extends-cycle]",
           "grammar v 4 extends 3;") +
            at(t.path("grammars/v/3.grammar"), 1, 1, "note: extended here", "grammar v 3 extends 4;"));
}

TEST_CASE("versions: a version that extends itself is a cycle", "[ruleset][versions]") {
  Tree t;
  t.write("grammars/w/1.grammar", "grammar w 1 extends 1;\nprograms \"w\";\n").write("mappings/w/1.mapping", kMW);
  CHECK(t.errors() ==
        at(t.path("grammars/w/1.grammar"), 1, 21,
           "versions of grammar 'w' extend each other in a cycle: 1 extends 1, which leads back to 1 [extends-cycle]",
           "grammar w 1 extends 1;") +
            at(t.path("grammars/w/1.grammar"), 1, 1, "note: extended here", "grammar w 1 extends 1;"));
}

TEST_CASE("versions: override and remove in a grammar that extends nothing", "[ruleset][versions]") {
  Tree t;
  t.write("grammars/w/1.grammar",
          "grammar w 1;\n"
          "programs \"w\";\n"
          "override pattern p = a:word;\n"
          "remove gone, also;\n"
          "override rule r = \"r\" example \"r\";\n"
          "override drop d = \"d\" example \"d\";\n")
      .write("mappings/w/1.mapping", kMW);
  const std::string g = t.path("grammars/w/1.grammar");
  const std::string advice =
      "'override' in a grammar that extends no other version: nothing to override; remove 'override', or declare "
      "the base with 'grammar w 1 extends <version>;' [override-without-extends]";
  CHECK(t.errors() ==
        at(g, 4, 8,
           "'remove gone' in a grammar that extends no other version: declare the base first, e.g. 'grammar w 1 "
           "extends <version>;' [remove-without-extends]",
           "remove gone, also;") +
            at(g, 4, 14,
               "'remove also' in a grammar that extends no other version: declare the base first, e.g. 'grammar w 1 "
               "extends <version>;' [remove-without-extends]",
               "remove gone, also;") +
            at(g, 3, 1, advice, "override pattern p = a:word;") +
            at(g, 5, 1, advice, "override rule r = \"r\" example \"r\";") +
            at(g, 6, 1, advice, "override drop d = \"d\" example \"d\";"));
}

TEST_CASE("versions: several versions and none declared default", "[ruleset][versions]") {
  Tree t;
  two_versions(t);
  t.write("grammars/v/2.grammar", replaced(kV2, "default;\n", ""));
  CHECK(t.errors() == at(t.path("grammars/v/1.grammar"), 1, 1,
                         "grammar 'v' has versions 1, 2 and none is declared 'default;': say which one lines get when "
                         "no --grammar-version chooses [missing-default]",
                         "grammar v 1;"));
}

TEST_CASE("versions: two versions declared default name every declaration", "[ruleset][versions]") {
  Tree t;
  t.write("grammars/v/1.grammar", replaced(kV1, "programs", "default;\nprograms")).write("mappings/v/1.mapping", kM1);
  t.write("grammars/v/2.grammar", replaced(kV2, "default;\n", "")).write("mappings/v/2.mapping", kM2);
  t.write("grammars/v/3.grammar", "grammar v 3 extends 2;\n\ndefault;\n");
  CHECK(t.errors() == at(t.path("grammars/v/3.grammar"), 3, 1,
                         "grammar 'v' has 2 versions declared 'default;': one only [duplicate-default]", "default;") +
                          at(t.path("grammars/v/1.grammar"), 2, 1, "note: declared here", "default;") +
                          at(t.path("grammars/v/3.grammar"), 3, 1, "note: declared here", "default;"));
}

TEST_CASE("versions: two versions that detect ctime timestamps", "[ruleset][versions]") {
  Tree t;
  t.write("grammars/v/1.grammar", replaced(kV1, "programs", "detect timestamp ctime;\nprograms"))
      .write("mappings/v/1.mapping", kM1);
  t.write("grammars/v/2.grammar", replaced(kV2, "default;\n", "default;\ndetect timestamp ctime;\n"))
      .write("mappings/v/2.mapping", kM2);
  CHECK(t.errors() ==
        at(t.path("grammars/v/2.grammar"), 3, 1,
           "versions 1 and 2 of grammar 'v' both detect ctime timestamps [duplicate-detect]",
           "detect timestamp ctime;") +
            at(t.path("grammars/v/1.grammar"), 2, 1, "note: declared here", "detect timestamp ctime;"));
}

TEST_CASE("versions: a compile error in an inherited rule says which version inherited it", "[ruleset][versions]") {
  Tree t;
  two_versions(t);
  // The pattern now takes a parameter, which rule fatal, inherited unchanged, does not give.
  t.write("grammars/v/2.grammar", "grammar v 2 extends 1;\ndefault;\noverride pattern fn(t) = t name:word;\n");
  CHECK(t.errors() ==
        at(t.path("grammars/v/1.grammar"), 4, 25, "pattern 'fn' takes 1 argument (t), got 0 [argument-count]",
           "rule fatal = \"fatal \" f:fn") +
            at(t.path("grammars/v/2.grammar"), 3, 1, "note: defined here", "override pattern fn(t) = t name:word;") +
            at(t.path("grammars/v/2.grammar"), 1, 1, "note: inherited by grammar v 2", "grammar v 2 extends 1;"));
}

TEST_CASE("versions: an inherited example that an overridden pattern no longer matches", "[ruleset][versions]") {
  Tree t;
  two_versions(t);
  t.write("grammars/v/2.grammar", "grammar v 2 extends 1;\ndefault;\noverride pattern fn = name:uint;\n");
  CHECK(t.errors() ==
        at(t.path("grammars/v/1.grammar"), 5, 11, "example does not match its rule 'fatal' [example-mismatch]",
           "  example \"fatal x\";") +
            at(t.path("grammars/v/2.grammar"), 1, 1, "note: inherited by grammar v 2", "grammar v 2 extends 1;"));
}

TEST_CASE("versions: an extension of a base that fails reports only the base's errors", "[ruleset][versions]") {
  Tree t;
  two_versions(t);
  t.write("grammars/v/1.grammar", replaced(kV1, "s:word", "s:wrd"));
  CHECK(t.errors() == at(t.path("grammars/v/1.grammar"), 6, 24,
                         "unknown field type 'wrd': not a field type (see 'strictlog fields') nor a pattern of this "
                         "grammar [unknown-field-type]",
                         "rule sig = \"signal \" s:wrd"));
}

// v 1, v 2 (default), v 3 extends 2 and detects ctime timestamps; w 1 alone.
std::shared_ptr<const RuleSet> three_versions(const Tree& t) {
  two_versions(t);
  t.write("grammars/v/3.grammar", "grammar v 3 extends 2;\ndetect timestamp ctime;\n");
  t.write("grammars/w/1.grammar", kW).write("mappings/w/1.mapping", kMW);
  return t.load_ok();
}

TEST_CASE("versions: choose_versions takes NAME=VERSION per source", "[ruleset][versions]") {
  Tree t;
  auto set = three_versions(t);
  REQUIRE(set->families.size() == 2);
  REQUIRE(set->families[0].versions == std::vector<size_t>{0, 1, 2});
  CHECK(set->families[0].ctime_version == std::optional<size_t>(2));

  auto none = choose_versions(*set, {});
  REQUIRE(none.ok());
  CHECK(*none == VersionChoice{std::nullopt, std::nullopt});
  auto one = choose_versions(*set, {"v=1", "w=1"});
  REQUIRE(one.ok());
  CHECK(*one == VersionChoice{0, 3});
  // The same choice twice is the same choice.
  auto again = choose_versions(*set, {"v=3", "v=3"});
  REQUIRE(again.ok());
  CHECK(*again == VersionChoice{2, std::nullopt});
}

TEST_CASE("versions: choose_versions reports every bad value", "[ruleset][versions]") {
  Tree t;
  auto set = three_versions(t);
  auto bad = choose_versions(*set, {"v", "=1", "v=", "x=1", "v=9", "v=1", "v=3", "V=1"});
  REQUIRE_FALSE(bad.ok());
  CHECK(render(bad.errors()) ==
        "'v' is not NAME=VERSION (e.g. openvpn=2.5) [bad-grammar-version]\n"
        "'=1' is not NAME=VERSION (e.g. openvpn=2.5) [bad-grammar-version]\n"
        "'v=' is not NAME=VERSION (e.g. openvpn=2.5) [bad-grammar-version]\n"
        "'x=1': no grammar 'x' is loaded (loaded: v, w) [unknown-grammar]\n"
        "'v=9': grammar 'v' has no version '9' (loaded: 1, 2, 3) [unknown-version]\n"
        "'v=3': grammar 'v' is already chosen as version 1 [grammar-version-twice]\n"
        "'V=1': no grammar 'V' is loaded (loaded: v, w) [unknown-grammar]\n");
}

TEST_CASE("versions: selected_version is the choice then the ctime version then the default", "[ruleset][versions]") {
  Tree t;
  auto set = three_versions(t);
  const VersionChoice none{std::nullopt, std::nullopt};
  CHECK(selected_version(*set, 0, none, false) == 1);  // the default
  CHECK(selected_version(*set, 0, none, true) == 2);   // the one that detects ctime
  const VersionChoice v1{0, std::nullopt};
  CHECK(selected_version(*set, 0, v1, false) == 0);
  CHECK(selected_version(*set, 0, v1, true) == 0);     // a choice beats detection
  CHECK(selected_version(*set, 1, none, true) == 3);   // no version of w detects ctime: its only one
  CHECK(selected_version(*set, 0, VersionChoice{}, true) == 2);  // an empty choice chooses nothing
}

}  // namespace
}  // namespace strictlog
