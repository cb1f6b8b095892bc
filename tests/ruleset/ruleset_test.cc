// load_ruleset(): real files in a temporary directory; every error of every file, and the grammar-set hash.
#include "ruleset/ruleset.h"

#include <stdlib.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "fixtures/openvpn_mini.h"

namespace strictlog {
namespace {

namespace fs = std::filesystem;

const std::string kSource = STRICTLOG_SOURCE_DIR;
const std::string kMini = fixtures::kMiniTree;

// A temporary directory holding a copy of the openvpn-mini fixture's grammars/ and mappings/, removed with its
// contents.
class Tree {
 public:
  Tree() {
    std::string tmpl = (fs::temp_directory_path() / "strictlog-ruleset-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    root_ = tmpl;
    fs::copy(kMini + "/grammars", root_ + "/grammars", fs::copy_options::recursive);
    fs::copy(kMini + "/mappings", root_ + "/mappings", fs::copy_options::recursive);
  }
  ~Tree() {
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }
  Tree(const Tree&) = delete;
  Tree& operator=(const Tree&) = delete;

  const std::string& root() const { return root_; }
  std::string grammars() const { return root_ + "/grammars"; }
  std::string mappings() const { return root_ + "/mappings"; }
  std::string path(const std::string& relative) const { return root_ + "/" + relative; }

  void write(const std::string& relative, const std::string& text) const {
    fs::create_directories(fs::path(path(relative)).parent_path());
    std::ofstream out(path(relative), std::ios::binary | std::ios::trunc);
    out << text;
    REQUIRE(out.good());
  }
  std::string read(const std::string& relative) const {
    std::ifstream in(path(relative), std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  std::string root_;
};

std::string errors_of(const std::string& grammars, const std::string& mappings) {
  auto set = load_ruleset(grammars, mappings);
  CHECK_FALSE(set.ok());
  return set ? "" : render(set.errors());
}

std::string hash_of(const std::string& grammars, const std::string& mappings) {
  auto set = load_ruleset(grammars, mappings);
  INFO(grammars << " " << mappings << "\n" << (set ? "" : render(set.errors())));
  REQUIRE(set.ok());
  return set.value()->hash;
}

bool is_lower_hex(const std::string& s) {
  return s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

TEST_CASE("sha256_hex", "[ruleset]") {
  // FIPS 180-2 test vectors.
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex(std::string_view("a\0b", 3)) != sha256_hex("ab"));
}

// The bundled tree's content is checked by `strictlog test` over the repository (a ctest of its own), the
// overlap test and the golden dump; here only that it loads.
TEST_CASE("the bundled tree loads", "[ruleset]") {
  auto set = load_ruleset(kSource + "/grammars", kSource + "/mappings");
  INFO((set ? "" : render(set.errors())));
  REQUIRE(set.ok());
  CHECK_FALSE(set.value()->grammars.empty());
}

TEST_CASE("the openvpn-mini fixture loads", "[ruleset]") {
  auto set = load_ruleset(kMini + "/grammars", kMini + "/mappings");
  INFO((set ? "" : render(set.errors())));
  REQUIRE(set.ok());
  const RuleSet& rs = *set.value();
  REQUIRE(rs.grammars.size() == 1);
  CHECK(rs.grammars[0].name == "openvpn");
  CHECK(rs.grammars[0].version == "2.6");
  REQUIRE(rs.grammars[0].rules.size() == 3);
  CHECK(rs.grammars[0].rules[0].id == "tls_handshake_failed");
  CHECK(rs.grammars[0].rules[1].id == "fatal_tls_error");
  CHECK(rs.grammars[0].rules[2].id == "client_instance_signal");
  REQUIRE(rs.mappings.mappings.size() == 1);
  REQUIRE(rs.mappings.mappings[0].size() == 3);
  for (const auto& m : rs.mappings.mappings[0]) CHECK(m.payload != nullptr);
  REQUIRE(rs.files.size() == 2);
  CHECK(rs.files[0]->path == kMini + "/grammars/openvpn/2.6.grammar");
  CHECK(rs.files[1]->path == kMini + "/mappings/openvpn/2.6.mapping");
  CHECK(rs.hash.size() == 64);
  CHECK(is_lower_hex(rs.hash));

  // The documented hash input: `path NUL size NUL content` per file, paths from the directories' parent.
  std::string hashed;
  for (const auto& [name, file] : {std::pair{"grammars/openvpn/2.6.grammar", rs.files[0]},
                                   std::pair{"mappings/openvpn/2.6.mapping", rs.files[1]}}) {
    hashed += name;
    hashed.push_back('\0');
    hashed += std::to_string(file->text.size());
    hashed.push_back('\0');
    hashed += file->text;
  }
  CHECK(rs.hash == sha256_hex(hashed));
}

TEST_CASE("the hash does not depend on how the directories are spelled", "[ruleset]") {
  Tree t;
  const std::string base = hash_of(t.grammars(), t.mappings());
  // Where the tree is checked out does not matter either.
  CHECK(hash_of(kMini + "/grammars", kMini + "/mappings") == base);

  const std::string relative = fs::relative(t.root(), fs::current_path()).string();
  const std::pair<std::string, std::string> spellings[] = {
      {t.grammars() + "/", t.mappings() + "/"},
      {t.grammars() + "/.", t.mappings() + "/."},
      {t.root() + "/./grammars", t.root() + "/./mappings"},
      {t.root() + "//grammars", t.root() + "//mappings"},
      {t.root() + "/grammars/../grammars", t.root() + "/mappings/../mappings"},
      {relative + "/grammars", relative + "/mappings"},
      {"./" + relative + "/grammars/", "./" + relative + "/mappings/"},
  };
  for (const auto& [g, m] : spellings) {
    INFO(g << " " << m);
    CHECK(hash_of(g, m) == base);
  }
}

// Changes the working directory for one test and restores it.
class CwdGuard {
 public:
  explicit CwdGuard(const std::string& dir) : old_(fs::current_path()) { fs::current_path(dir); }
  ~CwdGuard() {
    std::error_code ignored;
    fs::current_path(old_, ignored);
  }
  CwdGuard(const CwdGuard&) = delete;
  CwdGuard& operator=(const CwdGuard&) = delete;

 private:
  fs::path old_;
};

TEST_CASE("the hash is the same when a directory is spelled '.' or '..'", "[ruleset]") {
  Tree t;
  const std::string base = hash_of(t.grammars(), t.mappings());
  {
    CwdGuard in(t.grammars());
    CHECK(hash_of(".", "../mappings") == base);
    CHECK(hash_of("./", "./../mappings/.") == base);
  }
  {
    CwdGuard in(t.path("grammars/openvpn"));
    CHECK(hash_of("..", "../../mappings") == base);
  }
}

TEST_CASE("the hash changes with any byte of any file", "[ruleset]") {
  Tree t;
  const std::string base = hash_of(t.grammars(), t.mappings());

  std::string grammar = t.read("grammars/openvpn/2.6.grammar");
  REQUIRE(grammar[0] == '#');
  grammar[1] = '!';  // inside the first comment: the grammar still loads
  t.write("grammars/openvpn/2.6.grammar", grammar);
  const std::string grammar_changed = hash_of(t.grammars(), t.mappings());
  CHECK(grammar_changed != base);

  t.write("mappings/openvpn/2.6.mapping", t.read("mappings/openvpn/2.6.mapping") + "\n");
  const std::string mapping_changed = hash_of(t.grammars(), t.mappings());
  CHECK(mapping_changed != grammar_changed);
  CHECK(mapping_changed != base);

  // Renaming a file changes the hash too: the path is hashed with the content.
  fs::rename(t.path("mappings/openvpn/2.6.mapping"), t.path("mappings/openvpn/2.6.0.mapping"));
  CHECK(hash_of(t.grammars(), t.mappings()) != mapping_changed);
}

TEST_CASE("missing and empty directories", "[ruleset]") {
  Tree t;
  CHECK(errors_of(t.path("nope"), t.mappings()) == "'" + t.path("nope") + "' is not a directory [missing-directory]\n");
  // Both directories are checked before failing.
  CHECK(errors_of(t.path("nope"), t.path("nada")) ==
        "'" + t.path("nope") + "' is not a directory [missing-directory]\n"
        "'" + t.path("nada") + "' is not a directory [missing-directory]\n");
  // A file is not a directory.
  CHECK(errors_of(t.grammars(), t.path("mappings/openvpn/2.6.mapping")) ==
        "'" + t.path("mappings/openvpn/2.6.mapping") + "' is not a directory [missing-directory]\n");

  fs::create_directories(t.path("empty/sub"));
  CHECK(errors_of(t.path("empty"), t.mappings()) ==
        "no *.grammar files below '" + t.path("empty") + "' [no-files]\n");
  // Files of the other kind, or none of either, do not count.
  t.write("empty/sub/README", "not a grammar\n");
  t.write("empty/openvpn.grammar.bak", "grammar openvpn 2.6;\n");
  CHECK(errors_of(t.path("empty"), t.path("empty")) ==
        "no *.grammar files below '" + t.path("empty") + "' [no-files]\n"
        "no *.mapping files below '" + t.path("empty") + "' [no-files]\n");
  CHECK(errors_of(t.mappings(), t.grammars()) ==
        "no *.grammar files below '" + t.mappings() + "' [no-files]\n"
        "no *.mapping files below '" + t.grammars() + "' [no-files]\n");
}

TEST_CASE("errors of every grammar file are reported together", "[ruleset]") {
  Tree t;
  t.write("grammars/a/1.0.grammar",
          "grammar a 1.0;\n"
          "programs \"a\";\n"
          "rule r = \"x\" n:uint\n"
          "  example \"x1\"\n");
  t.write("grammars/b/1.0.grammar",
          "grammar b 1.0;\n"
          "programs \"b\";\n"
          "rule r = \"x\" n:uint32\n"
          "  example \"x1\";\n");
  // The openvpn grammar between them still loads; its mapping is not bound (nor its errors reported)
  // while grammars fail.
  t.write("mappings/openvpn/2.6.mapping", "mapping openvpn 2.6;\n");
  CHECK(errors_of(t.grammars(), t.mappings()) ==
        t.path("grammars/a/1.0.grammar") + ":4:15: expected ';' to end the declaration [syntax-error]\n"
        "    example \"x1\"\n"
        "                ^\n" +
        t.path("grammars/b/1.0.grammar") + ":3:16: unknown field type 'uint32': not a field type (see 'strictlog "
        "fields') nor a pattern of this grammar [unknown-field-type]\n"
        "  rule r = \"x\" n:uint32\n"
        "                 ^\n");
}

TEST_CASE("a grammar defined twice names both files", "[ruleset]") {
  Tree t;
  t.write("grammars/openvpn/copy.grammar", t.read("grammars/openvpn/2.6.grammar"));
  CHECK(errors_of(t.grammars(), t.mappings()) ==
        t.path("grammars/openvpn/copy.grammar") + ":4:1: grammar 'openvpn 2.6' is already defined "
        "[duplicate-grammar]\n"
        "  grammar openvpn 2.6;\n"
        "  ^\n" +
        t.path("grammars/openvpn/2.6.grammar") + ":4:1: note: first defined here\n"
        "  grammar openvpn 2.6;\n"
        "  ^\n");
}

TEST_CASE("mapping errors name the mapping file", "[ruleset]") {
  Tree t;
  std::string mapping = t.read("mappings/openvpn/2.6.mapping");
  auto at = mapping.find("function_name = function;");
  REQUIRE(at != std::string::npos);
  mapping.replace(at, std::string("function_name").size(), "function_nam");
  t.write("mappings/openvpn/2.6.mapping", mapping);
  CHECK(errors_of(t.grammars(), t.mappings()) ==
        t.path("mappings/openvpn/2.6.mapping") + ":12:3: message 'strictlog.openvpn.v1.FatalTlsError' has no "
        "field 'function_nam' [unknown-field]\n"
        "    function_nam = function;\n"
        "    ^\n");

  // A syntax error in a second mapping file is reported with its own path, and binding waits for it.
  t.write("mappings/other/1.0.mapping", "mapping other 1.0\n");
  CHECK(errors_of(t.grammars(), t.mappings()) ==
        t.path("mappings/other/1.0.mapping") + ":1:18: expected ';' to end the statement [syntax-error]\n"
        "  mapping other 1.0\n"
        "                   ^\n");
}

TEST_CASE("a grammar file that is not UTF-8 is refused at the offending byte", "[ruleset]") {
  Tree t;
  t.write("grammars/x/1.grammar", "grammar x 1;\nprograms \"x\";\nrule r = \"caf\xe9\"\n  example \"caf\xe9\";\n");
  CHECK(errors_of(t.grammars(), t.mappings()) ==
        t.path("grammars/x/1.grammar") + ":3:14: truncated UTF-8 sequence: grammar and mapping files must be UTF-8 "
        "without NUL bytes [invalid-encoding]\n"
        "  rule r = \"caf\xe9\"\n"
        "               ^\n");
}

TEST_CASE("an example whose captures do not convert is a load error", "[ruleset]") {
  Tree t;
  std::string grammar = t.read("grammars/openvpn/2.6.grammar");
  auto at = grammar.find("example \"198.51.100.7:51234 TLS Error");
  REQUIRE(at != std::string::npos);
  grammar.replace(grammar.find("51234", at), 5, "65536");
  t.write("grammars/openvpn/2.6.grammar", grammar);
  std::string line = grammar.substr(0, at);
  auto number = std::count(line.begin(), line.end(), '\n') + 1;
  CHECK(errors_of(t.grammars(), t.mappings()) ==
        t.path("grammars/openvpn/2.6.grammar") + ":" + std::to_string(number) +
            ":11: example of rule 'tls_handshake_failed' does not convert: capture 'client.port': cannot convert "
            "'65536' to port: 65536 is greater than 65535 [example-conversion]\n"
            "    example \"198.51.100.7:65536 TLS Error: TLS handshake failed\"\n"
            "            ^\n");
}

}  // namespace
}  // namespace strictlog
