// The test runner (verify/runner.h) on small grammars, mappings and corpora in a temporary directory:
// passing runs, every kind of mismatch with its exact text, positioned errors, coverage, conflicts,
// --update, and the JUnit XML of a report (verify/junit.h).
#include "verify/runner.h"

#include <stdlib.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "compile/compile.h"
#include "dsl/dsl.h"
#include "mapping/mapping.h"
#include "verify/junit.h"

namespace strictlog {
namespace {

namespace fs = std::filesystem;

class Tree {
 public:
  Tree() {
    std::string tmpl = (fs::temp_directory_path() / "strictlog-runner-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    root_ = tmpl;
  }
  ~Tree() {
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }
  Tree(const Tree&) = delete;
  Tree& operator=(const Tree&) = delete;

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

  std::shared_ptr<const RuleSet> rules() const {
    auto set = load_ruleset(path("grammars"), path("mappings"));
    INFO((set ? std::string() : render(set.errors())));
    REQUIRE(set.ok());
    return set.value();
  }

  Result<TestReport> run(bool update = false) const { return run_tests(rules(), {{path("corpus")}, update}); }

  TestReport run_ok(bool update = false) const {
    auto report = run(update);
    INFO((report ? std::string() : render(report.errors())));
    REQUIRE(report.ok());
    return std::move(report).value();
  }

 private:
  std::string root_;
};

// 1-based number of the first line of `text` that starts with `prefix` (its newline, if any, left out).
uint32_t line_of(const std::string& text, std::string prefix) {
  if (!prefix.empty() && prefix.back() == '\n') prefix.pop_back();
  std::istringstream in(text);
  uint32_t n = 0;
  for (std::string l; std::getline(in, l);) {
    ++n;
    if (l.rfind(prefix, 0) == 0) return n;
  }
  FAIL("no line starts with " << prefix);
  return 0;
}

const std::string kGrammar =
    "grammar t 1;\n"                                                       // 1
    "programs \"t\";\n"                                                    // 2
    "pattern peer = [ common_name:cn \"/\" ] ip:ipv4 \":\" port:port;\n"   // 3
    "rule failed = client:peer \" failed\"\n"                              // 4
    "  example \"192.0.2.1:1 failed\";\n"                                  // 5
    "rule fatal = client:peer \" fatal (\" function:word \")\"\n"          // 6
    "  example \"192.0.2.1:1 fatal (f)\";\n";                              // 7

const std::string kMapping =
    "mapping t 1;\n"
    "rule failed -> strictlog.openvpn.v1.TlsHandshakeFailed {\n"
    "  src_endpoint = client;\n"
    "}\n"
    "rule fatal -> strictlog.openvpn.v1.FatalTlsError {\n"
    "  src_endpoint = client;\n"
    "  function_name = function;\n"
    "}\n";

// The envelope fields a case states, in flatten() order, for a line of Nov 22 2026.
std::string envelope(const std::string& hms, const std::string& pid, const std::string& program = "t") {
  return "  envelope.time: 2026-11-22T" + hms + "Z\n" +
         "  envelope.time_text: \"Nov 22 " + hms + "\"\n" +
         "  envelope.time_year_inferred: true\n"
         "  envelope.hostname: \"h\"\n"
         "  envelope.process_name: \"" + program + "\"\n" +
         (pid.empty() ? "" : "  envelope.pid: " + pid + "\n") + "  envelope.header_format: RFC3164\n";
}

const std::string kFailedLine = "line: Nov 22 09:15:02 h t[7]: ana/192.0.2.1:1194 failed\n";
const std::string kFailedCase = kFailedLine + "event: t/1/failed\n" + envelope("09:15:02", "7") +
                                "  openvpn_tls_handshake_failed.src_endpoint.ip: \"192.0.2.1\"\n"
                                "  openvpn_tls_handshake_failed.src_endpoint.port: 1194\n"
                                "  openvpn_tls_handshake_failed.src_endpoint.common_name: \"ana\"\n";
const std::string kFatalLine = "line: Nov 22 09:15:03 h t: bob/192.0.2.2:0 fatal (f1)\n";
const std::string kFatalCase = kFatalLine + "event: t/1/fatal\n" + envelope("09:15:03", "") +
                               "  openvpn_fatal_tls_error.src_endpoint.ip: \"192.0.2.2\"\n"
                               "  openvpn_fatal_tls_error.src_endpoint.port: 0\n"
                               "  openvpn_fatal_tls_error.src_endpoint.common_name: \"bob\"\n"
                               "  openvpn_fatal_tls_error.function_name: \"f1\"\n";
const std::string kConversionDetail =
    "capture 'client.port': cannot convert '65536' to port: 65536 is greater than 65535";
const std::string kConversionLine = "line: Nov 22 09:15:04 h t[7]: 192.0.2.1:65536 failed\n";
const std::string kConversionCase = kConversionLine + "quarantine: CONVERSION\n" + "  detail: \"" +
                                    kConversionDetail + "\"\n" + "  candidate_rule_ids.0: \"t/1/failed\"\n" +
                                    "  process_name: \"t\"\n";

// A second case of each rule: a rule needs kMinCasesPerRule (2) cases to be covered.
const std::string kFailedCase2 = "line: Nov 22 09:15:05 h t[8]: 192.0.2.3:1 failed\n"
                                 "event: t/1/failed\n" +
                                 envelope("09:15:05", "8") +
                                 "  openvpn_tls_handshake_failed.src_endpoint.ip: \"192.0.2.3\"\n"
                                 "  openvpn_tls_handshake_failed.src_endpoint.port: 1\n";
const std::string kFatalCase2 = "line: Nov 22 09:15:06 h t: 192.0.2.4:5 fatal (f2)\n"
                                "event: t/1/fatal\n" +
                                envelope("09:15:06", "") +
                                "  openvpn_fatal_tls_error.src_endpoint.ip: \"192.0.2.4\"\n"
                                "  openvpn_fatal_tls_error.src_endpoint.port: 5\n"
                                "  openvpn_fatal_tls_error.function_name: \"f2\"\n";
const std::string kSecondCases = kFailedCase2 + kFatalCase2;

const std::string kPassing = "# Cases of the test grammar.\nyear: 2026\n\n" + kFailedCase + kFatalCase +
                             "# Port 65536 matches the regex, not the type.\n" + kConversionCase + kSecondCases;

// A tree with the test grammar and mapping and `corpus/t/a.cases` holding `cases`.
void fill(const Tree& tree, const std::string& cases, const std::string& grammar = kGrammar) {
  tree.write("grammars/t/1.grammar", grammar);
  tree.write("mappings/t/1.mapping", kMapping);
  tree.write("corpus/t/a.cases", cases);
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

TEST_CASE("runner: a passing corpus with counts and hits and program sizes and the files read", "[verify]") {
  Tree tree;
  fill(tree, kPassing);
  TestReport rep = tree.run_ok();
  CHECK(rep.passed());
  CHECK(rep.mismatches.empty());
  CHECK(rep.uncovered.empty());
  CHECK(rep.conflicts.empty());
  CHECK(rep.updated.empty());
  CHECK(rep.examples == 2);
  CHECK(rep.cases == 5);
  CHECK(rep.corpus_files == 1);
  CHECK(rep.files == std::vector<std::string>{tree.path("corpus/t/a.cases")});
  // failed: 12 witnesses with the common name (cn 5, ipv4 5, port 4 samples), 8 without; fatal: word 4 more.
  CHECK(rep.witnesses == 20 + 26);
  REQUIRE(rep.rules.size() == 2);
  CHECK(rep.rules[0].ref == "t/1/failed");
  CHECK(rep.rules[0].pos.source->path == tree.path("grammars/t/1.grammar"));
  CHECK(rep.rules[0].pos.line == 4);
  CHECK(rep.rules[0].example_hits == 1);
  CHECK(rep.rules[0].case_hits == 2);  // the CONVERSION case is no hit
  CHECK(rep.rules[1].ref == "t/1/fatal");
  CHECK(rep.rules[1].pos.line == 6);
  CHECK(rep.rules[1].example_hits == 1);
  CHECK(rep.rules[1].case_hits == 2);
  for (const RuleStats& s : rep.rules) {
    INFO(s.ref);
    CHECK(s.program_size > 0);
    CHECK(s.program_size < 1000);
  }
  CHECK(tree.read("corpus/t/a.cases") == kPassing);  // not rewritten without --update
}

TEST_CASE("runner: corpus files are found recursively in path order and only with the .cases extension", "[verify]") {
  Tree tree;
  fill(tree, kFailedCase + kFatalCase + kSecondCases);
  tree.write("corpus/t/sub/b.cases", kConversionCase);
  tree.write("corpus/t/0.cases", "# nothing yet\n");
  tree.write("corpus/t/notes.txt", "line: not a case file\n");
  TestReport rep = tree.run_ok();
  CHECK(rep.passed());
  CHECK(rep.files == std::vector<std::string>{tree.path("corpus/t/0.cases"), tree.path("corpus/t/a.cases"),
                                              tree.path("corpus/t/sub/b.cases")});
  CHECK(rep.corpus_files == 3);
  CHECK(rep.cases == 5);
}

TEST_CASE("runner: a differing value gives expected beside got at the line of the case", "[verify]") {
  Tree tree;
  fill(tree, replaced(kPassing, "src_endpoint.port: 1194", "src_endpoint.port: 1195"));
  TestReport rep = tree.run_ok();
  CHECK_FALSE(rep.passed());
  REQUIRE(rep.mismatches.size() == 1);
  const Mismatch& m = rep.mismatches[0];
  CHECK(m.pos.source->path == tree.path("corpus/t/a.cases"));
  CHECK(m.pos.line == line_of(kPassing, kFailedLine));
  CHECK(m.summary == "event t/1/failed: 1 field differs");
  CHECK(m.details ==
        std::vector<std::string>{"openvpn_tls_handshake_failed.src_endpoint.port: expected 1195, got 1194"});
  CHECK(rep.uncovered.empty());  // coverage counts what the line became, expectation or not
}

TEST_CASE("runner: presence differs in both directions and a written zero is a value", "[verify]") {
  Tree tree;
  // The first line has a pid the case leaves out; the second has none but the case states one; the third
  // states port 0 where the line's port is 1194.
  std::string cases = replaced(kFailedCase, "  envelope.pid: 7\n", "");
  cases += replaced(kFatalCase, "  envelope.process_name: \"t\"\n", "  envelope.process_name: \"t\"\n  envelope.pid: 0\n");
  cases += replaced(kFailedCase, "port: 1194", "port: 0");
  fill(tree, cases);
  TestReport rep = tree.run_ok();
  REQUIRE(rep.mismatches.size() == 3);
  CHECK(rep.mismatches[0].summary == "event t/1/failed: 1 field differs");
  CHECK(rep.mismatches[0].details == std::vector<std::string>{"envelope.pid: expected nothing (absent), got 7"});
  CHECK(rep.mismatches[1].summary == "event t/1/fatal: 1 field differs");
  CHECK(rep.mismatches[1].details == std::vector<std::string>{"envelope.pid: expected 0, got nothing (absent)"});
  CHECK(rep.mismatches[2].details ==
        std::vector<std::string>{"openvpn_tls_handshake_failed.src_endpoint.port: expected 0, got 1194"});
  CHECK(rep.mismatches[1].pos.line == line_of(cases, kFatalLine));
}

TEST_CASE("runner: several differing fields with the expected side first and then fields only got", "[verify]") {
  Tree tree;
  std::string c = replaced(kFailedCase, "  openvpn_tls_handshake_failed.src_endpoint.common_name: \"ana\"\n", "");
  c = replaced(c, "\"192.0.2.1\"", "\"192.0.2.9\"");
  c = replaced(c, "envelope.hostname: \"h\"", "envelope.hostname: \"h\\t\"");
  fill(tree, c);
  TestReport rep = tree.run_ok();
  REQUIRE(rep.mismatches.size() == 1);
  CHECK(rep.mismatches[0].summary == "event t/1/failed: 3 fields differ");
  CHECK(rep.mismatches[0].details ==
        std::vector<std::string>{
            "envelope.hostname: expected \"h\\t\", got \"h\"",
            "openvpn_tls_handshake_failed.src_endpoint.ip: expected \"192.0.2.9\", got \"192.0.2.1\"",
            "openvpn_tls_handshake_failed.src_endpoint.common_name: expected nothing (absent), got \"ana\"",
        });
}

TEST_CASE("runner: an expectation of another kind or rule or reason is one summary line", "[verify]") {
  Tree tree;
  std::string cases =
      kFailedLine + "quarantine: NO_MATCH\n" +                  // an event, expected quarantined
      kConversionLine + "event: t/1/failed\n" + envelope("09:15:04", "7") +  // quarantined, expected an event
      kFailedLine + "event: t/1/fatal\n" +                      // another rule
      kConversionLine + "quarantine: NO_MATCH\n" +              // another reason
      replaced(kConversionCase, "  detail: \"capture", "  detail: \"Capture") +  // same reason, other detail
      "line: Nov 22 09:15:05 h t[7]: 192.0.2.1:1 failed\n";     // no expectation
  fill(tree, cases);
  TestReport rep = tree.run_ok();
  REQUIRE(rep.mismatches.size() == 6);
  const std::string path = tree.path("corpus/t/a.cases");
  std::vector<std::string> got;
  for (const Mismatch& m : rep.mismatches) {
    REQUIRE(m.pos.source);
    CHECK(m.pos.source->path == path);
    got.push_back(std::to_string(m.pos.line) + ": " + m.summary);
    for (const auto& d : m.details) got.push_back("  " + d);
  }
  CHECK(got == std::vector<std::string>{
                   "1: expected quarantine NO_MATCH, got event t/1/failed",
                   "3: expected event t/1/failed, got quarantine CONVERSION (" + kConversionDetail + ")",
                   "12: expected event t/1/fatal, got event t/1/failed",
                   "14: expected quarantine NO_MATCH, got quarantine CONVERSION (" + kConversionDetail + ")",
                   "16: quarantine CONVERSION: 1 field differs",
                   "  detail: expected \"C" + kConversionDetail.substr(1) + "\", got \"" + kConversionDetail + "\"",
                   "21: no expectation written; got event t/1/failed (run with --update)",
               });
}

TEST_CASE("runner: fields a case must not state and bad values are positioned errors across files", "[verify]") {
  Tree tree;
  fill(tree, replaced(kFailedCase, "  envelope.pid: 7\n", "  envelope.uid: \"x\"\n  envelope.pid: \"7\"\n"));
  tree.write("corpus/t/b.cases", kConversionLine + "quarantine: CONVERSION\n  input.line: 1\n  reason: CONVERSION\n");
  tree.write("corpus/t/c.cases", "event: t/1/failed\n");
  auto report = tree.run();
  REQUIRE_FALSE(report.ok());
  const std::string a = tree.path("corpus/t/a.cases"), b = tree.path("corpus/t/b.cases"),
                    c = tree.path("corpus/t/c.cases");
  CHECK(render(report.errors()) ==
        a + ":8:3: 'envelope.uid' varies between runs or is stated by the case's first line; leave it out "
            "[unstated-field]\n"
            "    envelope.uid: \"x\"\n"
            "    ^\n" +
        a + ":9:3: field 'envelope.pid' is uint32: expected a number from 0 to 4294967295, got \"7\" "
            "[bad-expectation]\n"
            "    envelope.pid: \"7\"\n"
            "    ^\n" +
        b + ":3:3: 'input.line' varies between runs or is stated by the case's first line; leave it out "
            "[unstated-field]\n"
            "    input.line: 1\n"
            "    ^\n" +
        b + ":4:3: 'reason' varies between runs or is stated by the case's first line; leave it out "
            "[unstated-field]\n"
            "    reason: CONVERSION\n"
            "    ^\n" +
        c + ":1:1: expected 'line:' or 'line-quoted:' to start a case (or 'year:', 'program:', '#') [expected-line]\n"
            "  event: t/1/failed\n"
            "  ^\n");
}

TEST_CASE("runner: every envelope field stated elsewhere or varying is refused", "[verify]") {
  CHECK(unstated_event_fields() ==
        std::vector<std::string>{"envelope.uid", "envelope.processed_time", "envelope.grammar_set_hash",
                                 "envelope.input", "envelope.grammar", "envelope.source_version",
                                 "envelope.rule_id"});
  Tree tree;
  fill(tree, replaced(kFailedCase, "  envelope.pid: 7\n", "  envelope.pid: 7\n  envelope.rule_id: \"failed\"\n"));
  auto report = tree.run();
  REQUIRE_FALSE(report.ok());
  CHECK(render(report.errors()) ==
        tree.path("corpus/t/a.cases") +
            ":9:3: 'envelope.rule_id' varies between runs or is stated by the case's first line; leave it out "
            "[unstated-field]\n"
            "    envelope.rule_id: \"failed\"\n"
            "    ^\n");
}

TEST_CASE("runner: a missing corpus directory is a plain error", "[verify]") {
  Tree tree;
  fill(tree, kPassing);
  auto report = run_tests(tree.rules(), {{tree.path("corpus"), tree.path("nope")}, false});
  REQUIRE_FALSE(report.ok());
  CHECK(render(report.errors()) == "'" + tree.path("nope") + "' is not a directory [missing-directory]\n");
}

TEST_CASE("runner: a mapped field no case shows is uncovered", "[verify]") {
  Tree tree;
  // No case of rule failed has a common name.
  fill(tree, replaced(kPassing, "ana/192.0.2.1:1194", "192.0.2.1:1194"));
  tree.write("corpus/t/a.cases",
             replaced(tree.read("corpus/t/a.cases"),
                      "  openvpn_tls_handshake_failed.src_endpoint.common_name: \"ana\"\n", ""));
  TestReport rep = tree.run_ok();
  CHECK(rep.mismatches.empty());
  CHECK(rep.conflicts.empty());
  CHECK_FALSE(rep.passed());
  CHECK(rep.uncovered == std::vector<std::string>{
                             tree.path("grammars/t/1.grammar") +
                                 ":4: field openvpn_tls_handshake_failed.src_endpoint.common_name of rule t/1/failed "
                                 "is present in no corpus case",
                         });
}

TEST_CASE("runner: a rule its examples hit but no corpus case hits is uncovered", "[verify]") {
  Tree tree;
  // Rule failed's example matches, and the CONVERSION case names it as a candidate: neither is a hit, since
  // neither states the event the rule must produce. Rule fatal has one case of the two it needs.
  fill(tree, kFatalCase + kConversionCase);
  TestReport rep = tree.run_ok();
  CHECK(rep.mismatches.empty());
  CHECK(rep.conflicts.empty());
  REQUIRE(rep.rules.size() == 2);
  CHECK(rep.rules[0].example_hits == 1);
  CHECK(rep.rules[0].case_hits == 0);
  CHECK(rep.rules[1].case_hits == 1);
  const std::string g = tree.path("grammars/t/1.grammar");
  CHECK(rep.uncovered ==
        std::vector<std::string>{
            g + ":4: rule t/1/failed is hit by no corpus case; each rule needs 2",
            g + ":4: field openvpn_tls_handshake_failed.src_endpoint.common_name of rule t/1/failed is present in no "
                "corpus case",
            g + ":4: field openvpn_tls_handshake_failed.src_endpoint.ip of rule t/1/failed is present in no corpus "
                "case",
            g + ":4: field openvpn_tls_handshake_failed.src_endpoint.port of rule t/1/failed is present in no "
                "corpus case",
            g + ":6: rule t/1/fatal is hit by 1 corpus case; each rule needs 2",
        });
  CHECK_FALSE(rep.passed());
}

TEST_CASE("runner: a field stated twice in one case is an error with a note at the first", "[verify]") {
  Tree tree;
  // Once with another value, once with the same value three times; the same path in two cases is fine.
  const std::string twice =
      replaced(kFailedCase, "  envelope.pid: 7\n", "  envelope.pid: 7\n  envelope.hostname: \"x\"\n");
  const std::string thrice = replaced(kConversionCase, "  process_name: \"t\"\n",
                                      "  process_name: \"t\"\n  process_name: \"t\"\n  process_name: \"t\"\n");
  fill(tree, twice + kFatalCase + thrice);
  auto report = tree.run();
  REQUIRE_FALSE(report.ok());
  const std::string a = tree.path("corpus/t/a.cases");
  CHECK(render(report.errors()) ==
        a + ":9:3: 'envelope.hostname' is already stated in this case [duplicate-field]\n"
            "    envelope.hostname: \"x\"\n"
            "    ^\n" +
        a + ":6:3: note: first stated here\n"
            "    envelope.hostname: \"h\"\n"
            "    ^\n" +
        a + ":31:3: 'process_name' is already stated in this case [duplicate-field]\n"
            "    process_name: \"t\"\n"
            "    ^\n" +
        a + ":30:3: note: first stated here\n"
            "    process_name: \"t\"\n"
            "    ^\n" +
        a + ":32:3: 'process_name' is already stated in this case [duplicate-field]\n"
            "    process_name: \"t\"\n"
            "    ^\n" +
        a + ":30:3: note: first stated here\n"
            "    process_name: \"t\"\n"
            "    ^\n");
  CHECK(line_of(twice + kFatalCase + thrice, "  process_name: ") == 30);
}

// load_ruleset() refuses an example that does not convert, so a loaded rule set always has every rule hit
// by its examples. The runner does not rely on that: a rule set built without the check (here by hand)
// reports the example as a mismatch; the rule, which no corpus case hits either, is uncovered.
std::shared_ptr<const RuleSet> unchecked_rules(const std::string& grammar, const std::string& mapping) {
  auto set = std::make_shared<RuleSet>();
  auto parsed = dsl::parse_grammar(std::make_shared<const SourceFile>(SourceFile{"g/t.grammar", grammar}));
  REQUIRE(parsed.ok());
  auto compiled = compile_grammar(parsed.value());
  REQUIRE(compiled.ok());
  set->grammars.push_back(std::move(compiled).value());
  // One source of one version, as load_ruleset() groups it: the normalizer picks versions per family.
  set->families.push_back({set->grammars[0].name, {0}, 0, std::nullopt});
  set->family_of = {0};
  auto map = mapping::parse_mapping(std::make_shared<const SourceFile>(SourceFile{"m/t.mapping", mapping}));
  REQUIRE(map.ok());
  auto bound = bind_mappings({std::move(map).value()}, set->grammars);
  REQUIRE(bound.ok());
  set->mappings = std::move(bound).value();
  set->hash = "0";
  return set;
}

TEST_CASE("runner: a rule whose examples all fail is uncovered beside the mismatch of the examples", "[verify]") {
  Tree tree;
  tree.write("corpus/a.cases", kFailedCase + kFailedCase2);
  // The example matches the rule's regex, but port 65536 does not convert; no case hits the rule either.
  auto rules = unchecked_rules(replaced(kGrammar, "example \"192.0.2.1:1 fatal (f)\"",
                                        "example \"192.0.2.1:65536 fatal (f)\""),
                               kMapping);
  auto report = run_tests(rules, {{tree.path("corpus")}, false});
  REQUIRE(report.ok());
  TestReport& rep = *report;
  REQUIRE(rep.mismatches.size() == 1);
  CHECK(rep.mismatches[0].pos.source->path == "g/t.grammar");
  CHECK(rep.mismatches[0].pos.line == 7);
  CHECK(rep.mismatches[0].summary == "example of rule t/1/fatal does not convert: " + kConversionDetail);
  CHECK(rep.mismatches[0].details.empty());
  CHECK(rep.examples == 2);
  REQUIRE(rep.rules.size() == 2);
  CHECK(rep.rules[1].example_hits == 0);
  CHECK(rep.uncovered ==
        std::vector<std::string>{
            "g/t.grammar:6: rule t/1/fatal is hit by no corpus case; each rule needs 2",
            "g/t.grammar:6: field openvpn_fatal_tls_error.src_endpoint.common_name of rule t/1/fatal is present in no "
            "corpus case",
            "g/t.grammar:6: field openvpn_fatal_tls_error.src_endpoint.ip of rule t/1/fatal is present in no corpus "
            "case",
            "g/t.grammar:6: field openvpn_fatal_tls_error.src_endpoint.port of rule t/1/fatal is present in no corpus "
            "case",
            "g/t.grammar:6: field openvpn_fatal_tls_error.function_name of rule t/1/fatal is present in no corpus case",
        });
}

// Two rules that both match `n=PORT`: each example needs its own optional group, so the grammar compiles.
const std::string kOverlapGrammar =
    "grammar o 1;\n"                                       // 1
    "programs \"o\";\n"                                    // 2
    "rule a = \"n=\" x:port [ \"/\" proto:word ]\n"        // 3
    "  example \"n=80/tcp\";\n"                            // 4
    "rule b = \"n=\" y:port [ \" \" proto:word ]\n"        // 5
    "  example \"n=80 udp\";\n";                           // 6
const std::string kOverlapMapping =
    "mapping o 1;\n"
    "rule a -> strictlog.openvpn.v1.TlsHandshakeFailed {\n"
    "  src_endpoint.port = x;\n"
    "  src_endpoint.common_name = proto;\n"
    "}\n"
    "rule b -> strictlog.openvpn.v1.FatalTlsError {\n"
    "  src_endpoint.port = y;\n"
    "  function_name = proto;\n"
    "}\n";
const std::string kOverlapCases =
    "line: Nov 22 09:15:02 h o[1]: n=80/tcp\n"
    "event: o/1/a\n" + envelope("09:15:02", "1", "o") +
    "  openvpn_tls_handshake_failed.src_endpoint.port: 80\n"
    "  openvpn_tls_handshake_failed.src_endpoint.common_name: \"tcp\"\n"
    "line: Nov 22 09:15:02 h o[1]: n=80 udp\n"
    "event: o/1/b\n" + envelope("09:15:02", "1", "o") +
    "  openvpn_fatal_tls_error.src_endpoint.port: 80\n"
    "  openvpn_fatal_tls_error.function_name: \"udp\"\n"
    "# Both rules match: the case states what the normalizer does, and the runner still reports a conflict.\n"
    "line: Nov 22 09:15:02 h o[1]: n=443\n"
    "quarantine: AMBIGUOUS\n"
    "  detail: \"2 rules match: o/1/a, o/1/b\"\n"
    "  candidate_rule_ids.0: \"o/1/a\"\n"
    "  candidate_rule_ids.1: \"o/1/b\"\n"
    "  process_name: \"o\"\n"
    "# A second case of each rule, as coverage asks.\n"
    "line: Nov 22 09:15:03 h o[1]: n=8080/sctp\n"
    "event: o/1/a\n" + envelope("09:15:03", "1", "o") +
    "  openvpn_tls_handshake_failed.src_endpoint.port: 8080\n"
    "  openvpn_tls_handshake_failed.src_endpoint.common_name: \"sctp\"\n"
    "line: Nov 22 09:15:03 h o[1]: n=8080 sctp\n"
    "event: o/1/b\n" + envelope("09:15:03", "1", "o") +
    "  openvpn_fatal_tls_error.src_endpoint.port: 8080\n"
    "  openvpn_fatal_tls_error.function_name: \"sctp\"\n";

TEST_CASE("runner: an ambiguous case and enumerated witnesses are conflicts naming both rules", "[verify]") {
  Tree tree;
  tree.write("grammars/o/1.grammar", kOverlapGrammar);
  tree.write("mappings/o/1.mapping", kOverlapMapping);
  tree.write("corpus/o.cases", kOverlapCases);
  TestReport rep = tree.run_ok();
  CHECK(rep.mismatches.empty());
  CHECK(rep.uncovered.empty());
  CHECK(rep.witnesses == 22);  // each rule: (1 + 3 port + 3 word) with its group, (1 + 3) without
  const std::string g = tree.path("grammars/o/1.grammar");
  const std::string a = "o/1/a (" + g + ":3)", b = "o/1/b (" + g + ":5)";
  std::vector<std::string> got;
  for (const Conflict& c : rep.conflicts) {
    REQUIRE(c.pos.source);
    got.push_back(c.pos.source->path + ":" + std::to_string(c.pos.line) + " | " + c.message);
  }
  const std::string none = "optional groups present: none (of 1); ";
  const std::string ambiguous = std::to_string(line_of(kOverlapCases, "line: Nov 22 09:15:02 h o[1]: n=443"));
  CHECK(ambiguous == "24");
  CHECK(got ==
        std::vector<std::string>{
            tree.path("corpus/o.cases") + ":" + ambiguous + " | " + tree.path("corpus/o.cases") + ":" + ambiguous +
                ": the line is matched by 2 rules: " + a + ", " + b,
            g + ":3 | rules " + a + " and " + b + " both match the witness line 'n=1194' (" + none + "canonical samples)",
            g + ":3 | rules " + a + " and " + b + " both match the witness line 'n=0' (" + none +
                "capture x = '0' (port sample 2))",
            g + ":3 | rules " + a + " and " + b + " both match the witness line 'n=65535' (" + none +
                "capture x = '65535' (port sample 3))",
            g + ":3 | rules " + a + " and " + b + " both match the witness line 'n=443' (" + none +
                "capture x = '443' (port sample 4))",
            g + ":5 | rules " + b + " and " + a + " both match the witness line 'n=1194' (" + none + "canonical samples)",
            g + ":5 | rules " + b + " and " + a + " both match the witness line 'n=0' (" + none +
                "capture y = '0' (port sample 2))",
            g + ":5 | rules " + b + " and " + a + " both match the witness line 'n=65535' (" + none +
                "capture y = '65535' (port sample 3))",
            g + ":5 | rules " + b + " and " + a + " both match the witness line 'n=443' (" + none +
                "capture y = '443' (port sample 4))",
        });
  CHECK_FALSE(rep.passed());
}

TEST_CASE("runner: --update rewrites expectations and keeps comments and reports each change and then passes", "[verify]") {
  Tree tree;
  const std::string stale =
      "# Cases of the test grammar.\n"
      "year: 2026\n"
      "\n" +
      replaced(kFailedCase, "port: 1194", "port: 1195") +
      "# No expectation yet.\n" + kFatalLine +
      "# Port 65536 matches the regex, not the type.\n" + kConversionCase + kSecondCases +
      "\n# the end\n";
  fill(tree, stale);
  TestReport rep = tree.run_ok(/*update=*/true);
  CHECK(rep.mismatches.empty());  // --update reports changes, not mismatches
  CHECK(rep.uncovered.empty());
  CHECK(rep.passed());
  const std::string path = tree.path("corpus/t/a.cases");
  CHECK(rep.updated ==
        std::vector<std::string>{
            path + ":4:\n"
                   "  line: Nov 22 09:15:02 h t[7]: ana/192.0.2.1:1194 failed\n"
                   "  event: t/1/failed\n"
                   "    envelope.time: 2026-11-22T09:15:02Z\n"
                   "    envelope.time_text: \"Nov 22 09:15:02\"\n"
                   "    envelope.time_year_inferred: true\n"
                   "    envelope.hostname: \"h\"\n"
                   "    envelope.process_name: \"t\"\n"
                   "    envelope.pid: 7\n"
                   "    envelope.header_format: RFC3164\n"
                   "    openvpn_tls_handshake_failed.src_endpoint.ip: \"192.0.2.1\"\n"
                   "-   openvpn_tls_handshake_failed.src_endpoint.port: 1195\n"
                   "+   openvpn_tls_handshake_failed.src_endpoint.port: 1194\n"
                   "    openvpn_tls_handshake_failed.src_endpoint.common_name: \"ana\"\n",
            path + ":17:\n"
                   "  line: Nov 22 09:15:03 h t: bob/192.0.2.2:0 fatal (f1)\n"
                   "+ event: t/1/fatal\n"
                   "+   envelope.time: 2026-11-22T09:15:03Z\n"
                   "+   envelope.time_text: \"Nov 22 09:15:03\"\n"
                   "+   envelope.time_year_inferred: true\n"
                   "+   envelope.hostname: \"h\"\n"
                   "+   envelope.process_name: \"t\"\n"
                   "+   envelope.header_format: RFC3164\n"
                   "+   openvpn_fatal_tls_error.src_endpoint.ip: \"192.0.2.2\"\n"
                   "+   openvpn_fatal_tls_error.src_endpoint.port: 0\n"
                   "+   openvpn_fatal_tls_error.src_endpoint.common_name: \"bob\"\n"
                   "+   openvpn_fatal_tls_error.function_name: \"f1\"\n",
        });
  CHECK(tree.read("corpus/t/a.cases") ==
        "# Cases of the test grammar.\nyear: 2026\n\n" + kFailedCase + "# No expectation yet.\n" + kFatalCase +
            "# Port 65536 matches the regex, not the type.\n" + kConversionCase + kSecondCases + "\n# the end\n");

  TestReport again = tree.run_ok();
  CHECK(again.passed());
  CHECK(again.mismatches.empty());
  CHECK(again.updated.empty());
  // A second --update has nothing to change and leaves the file as it is.
  std::string before = tree.read("corpus/t/a.cases");
  CHECK(tree.run_ok(true).updated.empty());
  CHECK(tree.read("corpus/t/a.cases") == before);
}

TEST_CASE("runner: --update writes canonical values and drops unstated fields", "[verify]") {
  Tree tree;
  fill(tree, replaced(kPassing, "port: 1194\n", "port: 01194\n  envelope.uid: \"x\"\n"));
  TestReport rep = tree.run_ok(true);
  CHECK(rep.updated.size() == 1);
  CHECK(tree.read("corpus/t/a.cases") == kPassing);
}

TEST_CASE("junit_xml: a failing report with escapes", "[verify]") {
  auto grammar = std::make_shared<const SourceFile>(SourceFile{"g/t.grammar", ""});
  auto cases = std::make_shared<const SourceFile>(SourceFile{"c/a.cases", ""});
  TestReport r;
  r.cases = 3;
  r.witnesses = 46;
  r.rules = {RuleStats{"t/1/a&b", Position{grammar, 4, 1}, 2, 1, 100}};
  r.mismatches = {Mismatch{Position{cases, 5, 1}, "expected <event> \"x\"",
                           {"detail: expected \"a\x01\x1f\", got & more", "tab\there"}}};
  r.uncovered = {"g/t.grammar:4: field x of rule t/1/a is present in no corpus case"};
  CHECK(junit_xml(r) ==
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<testsuites name=\"strictlog test\">\n"
        "  <testsuite name=\"examples and cases\" tests=\"2\" failures=\"1\">\n"
        "    <testcase classname=\"strictlog\" name=\"t/1/a&amp;b\">\n"
        "      <system-out>2 examples, 1 case</system-out>\n"
        "    </testcase>\n"
        "    <testcase classname=\"strictlog\" name=\"c/a.cases:5\">\n"
        "      <failure message=\"expected &lt;event&gt; &quot;x&quot;\">detail: expected &quot;a\\x01\\x1f&quot;, "
        "got &amp; more\ntab\there\n</failure>\n"
        "    </testcase>\n"
        "  </testsuite>\n"
        "  <testsuite name=\"coverage\" tests=\"1\" failures=\"1\">\n"
        "    <testcase classname=\"strictlog\" name=\"g/t.grammar:4: field x of rule t/1/a is present in no corpus "
        "case\">\n"
        "      <failure message=\"not covered\"></failure>\n"
        "    </testcase>\n"
        "  </testsuite>\n"
        "  <testsuite name=\"conflicts\" tests=\"1\" failures=\"0\">\n"
        "    <testcase classname=\"strictlog\" name=\"no overlap\">\n"
        "      <system-out>46 witness lines and 3 cases</system-out>\n"
        "    </testcase>\n"
        "  </testsuite>\n"
        "</testsuites>\n");
}

TEST_CASE("junit_xml: bytes that are not XML characters are written as hex escapes", "[verify]") {
  auto grammar = std::make_shared<const SourceFile>(SourceFile{"g/t.grammar", ""});
  auto cases = std::make_shared<const SourceFile>(SourceFile{"c/a.cases", ""});
  TestReport r;
  r.cases = 1;
  r.witnesses = 2;
  r.rules = {RuleStats{"t/1/caf\xc3\xa9", Position{grammar, 4, 1}, 1, 1, 10}};  // valid UTF-8 stays as it is
  r.mismatches = {
      // Not UTF-8 (a lone \xe9, a sequence cut short at the end): every byte from 0x80 up is escaped, the
      // valid \xc3\xa9 of the same text too, so that the text reads the same throughout.
      Mismatch{Position{cases, 5, 1}, "caf\xe9 & caf\xc3\xa9", {"cut \xef\xbf"}},
      // UTF-8, but U+FFFF and U+FFFE are no XML characters; U+FFFD is one.
      Mismatch{Position{cases, 9, 1}, "enum '\xef\xbf\xbf'", {"\xef\xbf\xbe and \xef\xbf\xbd"}},
  };
  r.conflicts = {Conflict{Position{grammar, 4, 1}, "the example 'v \xef\xbf\xbf<' is also matched"}};
  CHECK(junit_xml(r) ==
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<testsuites name=\"strictlog test\">\n"
        "  <testsuite name=\"examples and cases\" tests=\"3\" failures=\"2\">\n"
        "    <testcase classname=\"strictlog\" name=\"t/1/caf\xc3\xa9\">\n"
        "      <system-out>1 example, 1 case</system-out>\n"
        "    </testcase>\n"
        "    <testcase classname=\"strictlog\" name=\"c/a.cases:5\">\n"
        "      <failure message=\"caf\\xe9 &amp; caf\\xc3\\xa9\">cut \\xef\\xbf\n</failure>\n"
        "    </testcase>\n"
        "    <testcase classname=\"strictlog\" name=\"c/a.cases:9\">\n"
        "      <failure message=\"enum '\\xef\\xbf\\xbf'\">\\xef\\xbf\\xbe and \xef\xbf\xbd\n</failure>\n"
        "    </testcase>\n"
        "  </testsuite>\n"
        "  <testsuite name=\"coverage\" tests=\"1\" failures=\"0\">\n"
        "    <testcase classname=\"strictlog\" name=\"every rule and mapped field covered\"/>\n"
        "  </testsuite>\n"
        "  <testsuite name=\"conflicts\" tests=\"1\" failures=\"1\">\n"
        "    <testcase classname=\"strictlog\" name=\"g/t.grammar:4\">\n"
        "      <failure message=\"rules overlap\">the example 'v \\xef\\xbf\\xbf&lt;' is also matched</failure>\n"
        "    </testcase>\n"
        "  </testsuite>\n"
        "</testsuites>\n");
}

TEST_CASE("junit_xml: a report with a conflict and nothing uncovered", "[verify]") {
  auto grammar = std::make_shared<const SourceFile>(SourceFile{"g/t.grammar", ""});
  TestReport r;
  r.rules = {RuleStats{"t/1/a", Position{grammar, 3, 1}, 1, 0, 50}, RuleStats{"t/1/b", Position{grammar, 5, 1}, 1, 2, 60}};
  r.conflicts = {Conflict{Position{grammar, 3, 1}, "rules a and b both match the witness line 'n=<1>'"}};
  CHECK(junit_xml(r) ==
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<testsuites name=\"strictlog test\">\n"
        "  <testsuite name=\"examples and cases\" tests=\"2\" failures=\"0\">\n"
        "    <testcase classname=\"strictlog\" name=\"t/1/a\">\n"
        "      <system-out>1 example, 0 cases</system-out>\n"
        "    </testcase>\n"
        "    <testcase classname=\"strictlog\" name=\"t/1/b\">\n"
        "      <system-out>1 example, 2 cases</system-out>\n"
        "    </testcase>\n"
        "  </testsuite>\n"
        "  <testsuite name=\"coverage\" tests=\"1\" failures=\"0\">\n"
        "    <testcase classname=\"strictlog\" name=\"every rule and mapped field covered\"/>\n"
        "  </testsuite>\n"
        "  <testsuite name=\"conflicts\" tests=\"1\" failures=\"1\">\n"
        "    <testcase classname=\"strictlog\" name=\"g/t.grammar:3\">\n"
        "      <failure message=\"rules overlap\">rules a and b both match the witness line 'n=&lt;1&gt;'</failure>\n"
        "    </testcase>\n"
        "  </testsuite>\n"
        "</testsuites>\n");
}

}  // namespace
}  // namespace strictlog

namespace strictlog {
namespace {

TEST_CASE("runner: an example that another rule matches too is a conflict naming both rules", "[verify]") {
  Tree tree;
  tree.write("grammars/e/1.grammar", "grammar e 1;\nprograms \"e\";\n"
                                     "rule num = \"v \" n:uint\n  example \"v 1\";\n"
                                     "rule any = \"v \" w:word\n  example \"v x\";\n");
  tree.write("mappings/e/1.mapping", "mapping e 1;\n"
                                     "rule num -> strictlog.openvpn.v1.FatalTlsError { discard n; }\n"
                                     "rule any -> strictlog.openvpn.v1.TlsHandshakeFailed { discard w; }\n");
  tree.write("corpus/e.cases", "");
  TestReport rep = tree.run_ok();
  const std::string g = tree.path("grammars/e/1.grammar");
  REQUIRE_FALSE(rep.conflicts.empty());
  CHECK(rep.conflicts[0].message == g + ":4: the example 'v 1' of rule e/1/num (" + g +
                                        ":3) is also matched by rule e/1/any (" + g + ":5)");
  CHECK(rep.mismatches.empty());
  CHECK_FALSE(rep.passed());
}

}  // namespace
}  // namespace strictlog

namespace strictlog {
namespace {

// A rule and a drop rule that never match the same line, for `drop:` cases.
const std::string kDropGrammar =
    "grammar d 1;\n"                          // 1
    "programs \"d\";\n"                       // 2
    "rule up = \"up \" w:word\n"              // 3
    "  example \"up eth0\";\n"                // 4
    "drop ping = \"ping \" n:uint\n"          // 5
    "  example \"ping 1\";\n";                // 6
const std::string kDropMapping =
    "mapping d 1;\n"
    "rule up -> strictlog.openvpn.v1.FatalTlsError { function_name = w; }\n";

std::string up_case(const std::string& hms, const std::string& w) {
  return "line: Nov 22 " + hms + " h d: up " + w + "\n" + "event: d/1/up\n" + envelope(hms, "", "d") +
         "  openvpn_fatal_tls_error.function_name: \"" + w + "\"\n";
}

void fill_drop(const Tree& tree, const std::string& cases) {
  tree.write("grammars/d/1.grammar", kDropGrammar);
  tree.write("mappings/d/1.mapping", kDropMapping);
  tree.write("corpus/d.cases", cases);
}

TEST_CASE("runner: a drop case passes when its drop rule takes the line and counts as a hit", "[verify]") {
  Tree tree;
  fill_drop(tree, "line: Nov 22 09:15:02 h d: ping 1\ndrop: d/1/ping\n"
                  "line: Nov 22 09:15:03 h d[4]: ping 18446744073709551615\ndrop: d/1/ping\n" +
                      up_case("09:15:04", "eth0") + up_case("09:15:05", "eth1"));
  TestReport rep = tree.run_ok();
  CHECK(rep.mismatches.empty());
  CHECK(rep.uncovered.empty());
  CHECK(rep.conflicts.empty());
  CHECK(rep.passed());
  CHECK(rep.cases == 4);
  REQUIRE(rep.rules.size() == 2);
  CHECK(rep.rules[0].ref == "d/1/up");
  CHECK(rep.rules[0].case_hits == 2);
  CHECK(rep.rules[1].ref == "d/1/ping");
  CHECK(rep.rules[1].pos.line == 5);
  CHECK(rep.rules[1].example_hits == 1);
  CHECK(rep.rules[1].case_hits == 2);
}

TEST_CASE("runner: a drop case that got something else and a drop rule short of cases", "[verify]") {
  Tree tree;
  const std::string cases = up_case("09:15:03", "eth0") + up_case("09:15:04", "eth1") +  // lines 1-18
                            "line: Nov 22 09:15:05 h d: up eth2\ndrop: d/1/ping\n" +     // 19: an event
                            "line: Nov 22 09:15:06 h d: ping 2\ndrop: d/1/up\n" +        // 21: another rule
                            "line: Nov 22 09:15:07 h d: ping x\ndrop: d/1/ping\n" +      // 23: no rule matches
                            "line: Nov 22 09:15:08 h d: ping 18446744073709551616\ndrop: d/1/ping\n";  // 25
  fill_drop(tree, cases);
  TestReport rep = tree.run_ok();
  std::vector<std::string> got;
  for (const Mismatch& m : rep.mismatches) {
    got.push_back(std::to_string(m.pos.line) + ": " + m.summary);
    for (const auto& d : m.details) got.push_back("  " + d);
  }
  CHECK(got == std::vector<std::string>{
                   "19: expected drop by d/1/ping, got event d/1/up",
                   "21: expected drop by d/1/up, got drop by d/1/ping",
                   "23: expected drop by d/1/ping, got quarantine NO_MATCH (no rule matches the message of program "
                   "'d')",
                   "25: expected drop by d/1/ping, got quarantine CONVERSION (capture 'n': cannot convert "
                   "'18446744073709551616' to uint: 18446744073709551616 is greater than 18446744073709551615)",
               });
  // Coverage counts what a line became, expectation or not (line 21 is ping's only hit): drop rules need their
  // cases like any rule.
  const std::string g = tree.path("grammars/d/1.grammar");
  CHECK(rep.uncovered == std::vector<std::string>{g + ":5: rule d/1/ping is hit by 1 corpus case; each rule needs 2"});
  REQUIRE(rep.rules.size() == 2);
  CHECK(rep.rules[0].case_hits == 3);
  CHECK(rep.rules[1].case_hits == 1);
}

TEST_CASE("runner: --update writes a drop expectation for a line a drop rule takes", "[verify]") {
  Tree tree;
  const std::string stale = "line: Nov 22 09:15:02 h d: ping 1\n"
                            "line: Nov 22 09:15:03 h d: ping 2\nevent: d/1/up\n" + up_case("09:15:04", "eth0") +
                            up_case("09:15:05", "eth1");
  fill_drop(tree, stale);
  TestReport rep = tree.run_ok(true);
  CHECK(rep.mismatches.empty());
  CHECK(rep.passed());
  const std::string path = tree.path("corpus/d.cases");
  CHECK(rep.updated == std::vector<std::string>{
                           path + ":1:\n"
                                  "  line: Nov 22 09:15:02 h d: ping 1\n"
                                  "+ drop: d/1/ping\n",
                           path + ":2:\n"
                                  "  line: Nov 22 09:15:03 h d: ping 2\n"
                                  "- event: d/1/up\n"
                                  "+ drop: d/1/ping\n",
                       });
  CHECK(tree.read("corpus/d.cases") == "line: Nov 22 09:15:02 h d: ping 1\ndrop: d/1/ping\n"
                                       "line: Nov 22 09:15:03 h d: ping 2\ndrop: d/1/ping\n" +
                                           up_case("09:15:04", "eth0") + up_case("09:15:05", "eth1"));
  CHECK(tree.run_ok().passed());
}

// Versions (runner.cc): `corpus/<grammar>/<version>/` is read with that version; a rule a version inherits
// unchanged (same regex, the base's mapping) is covered by the base's corpus, anything else needs its own.
const std::string kVersion2 = "grammar t 2 extends 1;\ndefault;\n";

void fill_versions(const Tree& tree, const std::string& version2) {
  tree.write("grammars/t/1.grammar", kGrammar);
  tree.write("mappings/t/1.mapping", kMapping);
  tree.write("grammars/t/2.grammar", version2);
  tree.write("corpus/t/1/a.cases", kPassing);
}

TEST_CASE("runner: versions read their own corpus directory and inherited rules need no cases", "[verify]") {
  Tree tree;
  fill_versions(tree, kVersion2);
  // Version 2's one case; without the directory the line would be read with the default, version 2, too,
  // but corpus/t/1/ must be read with version 1: its cases expect t/1 events.
  tree.write("corpus/t/2/b.cases", "year: 2026\n" + replaced(kFailedCase, "event: t/1/failed", "event: t/2/failed"));
  TestReport rep = tree.run_ok();
  INFO((rep.mismatches.empty() ? std::string() : rep.mismatches[0].summary));
  CHECK(rep.mismatches.empty());
  CHECK(rep.uncovered.empty());
  CHECK(rep.conflicts.empty());
  CHECK(rep.passed());
  CHECK(rep.cases == 6);
  REQUIRE(rep.rules.size() == 4);
  CHECK(rep.rules[0].ref == "t/1/failed");
  CHECK(rep.rules[0].case_hits == 2);
  CHECK(rep.rules[1].case_hits == 2);
  CHECK(rep.rules[2].ref == "t/2/failed");
  CHECK(rep.rules[2].case_hits == 1);  // fewer than 2, and fine: inherited unchanged
  CHECK(rep.rules[2].pos.source->path == tree.path("grammars/t/1.grammar"));
  CHECK(rep.rules[3].ref == "t/2/fatal");
  CHECK(rep.rules[3].case_hits == 0);
  CHECK(rep.rules[3].example_hits == 1);
}

TEST_CASE("runner: a case of one version expecting another version's event is a mismatch", "[verify]") {
  Tree tree;
  fill_versions(tree, kVersion2);
  tree.write("corpus/t/2/b.cases", "year: 2026\n" + kFailedCase);  // expects t/1/failed
  TestReport rep = tree.run_ok();
  REQUIRE(rep.mismatches.size() == 1);
  CHECK(rep.mismatches[0].summary == "expected event t/1/failed, got event t/2/failed");
}

TEST_CASE("runner: an overridden rule and a rule with its own mapping in a version need cases", "[verify]") {
  Tree tree;
  fill_versions(tree, kVersion2 + "override rule failed = client:peer \" failed!\"\n  example \"192.0.2.1:1 failed!\";\n");
  tree.write("mappings/t/2.mapping",
             "mapping t 2;\n"
             "rule fatal -> strictlog.openvpn.v1.FatalTlsError {\n"
             "  src_endpoint = client;\n"
             "  function_name = function;\n"
             "}\n");
  TestReport rep = tree.run_ok();
  CHECK(rep.mismatches.empty());
  CHECK(rep.conflicts.empty());
  const std::string g1 = tree.path("grammars/t/1.grammar"), g2 = tree.path("grammars/t/2.grammar");
  CHECK(rep.uncovered ==
        std::vector<std::string>{
            g2 + ":3: rule t/2/failed is hit by no corpus case; each rule needs 2",
            g2 + ":3: field openvpn_tls_handshake_failed.src_endpoint.common_name of rule t/2/failed is present in "
                 "no corpus case",
            g2 + ":3: field openvpn_tls_handshake_failed.src_endpoint.ip of rule t/2/failed is present in no corpus "
                 "case",
            g2 + ":3: field openvpn_tls_handshake_failed.src_endpoint.port of rule t/2/failed is present in no "
                 "corpus case",
            // Unchanged in the grammar, but mapped by version 2 itself.
            g1 + ":6: rule t/2/fatal is hit by no corpus case; each rule needs 2",
            g1 + ":6: field openvpn_fatal_tls_error.src_endpoint.common_name of rule t/2/fatal is present in no "
                 "corpus case",
            g1 + ":6: field openvpn_fatal_tls_error.src_endpoint.ip of rule t/2/fatal is present in no corpus case",
            g1 + ":6: field openvpn_fatal_tls_error.src_endpoint.port of rule t/2/fatal is present in no corpus "
                 "case",
            g1 + ":6: field openvpn_fatal_tls_error.function_name of rule t/2/fatal is present in no corpus case",
        });
  CHECK_FALSE(rep.passed());
}

TEST_CASE("runner: rules an overridden pattern changes need cases of their own", "[verify]") {
  Tree tree;
  fill_versions(tree, kVersion2 + "override pattern peer = ip:ipv4 \":\" port:port;\n");
  // One case of each rule with version 2: hit once, each is still short of the two it needs.
  tree.write("corpus/t/2/b.cases", "year: 2026\n" + kFailedCase2 + kFatalCase2);
  tree.write("corpus/t/2/b.cases", replaced(replaced(tree.read("corpus/t/2/b.cases"), "event: t/1/failed",
                                                     "event: t/2/failed"),
                                            "event: t/1/fatal", "event: t/2/fatal"));
  TestReport rep = tree.run_ok();
  INFO((rep.mismatches.empty() ? std::string() : rep.mismatches[0].summary));
  CHECK(rep.mismatches.empty());
  const std::string g1 = tree.path("grammars/t/1.grammar");
  CHECK(rep.uncovered == std::vector<std::string>{
                             g1 + ":4: rule t/2/failed is hit by 1 corpus case; each rule needs 2",
                             g1 + ":6: rule t/2/fatal is hit by 1 corpus case; each rule needs 2",
                         });
}


// Review fix: a rule counted as inherited unchanged when its regex was the base's. A pattern override that only
// swaps two captures keeps the regex and changes which text fills which field; an override of a rule that
// changes only its examples is still a rule of the version. Both need cases of their own; `same`, untouched,
// needs none with version 2. No corpus case at all: version 1's rules are uncovered too.
TEST_CASE("runner: a pattern override swapping captures and a rule override of examples only need cases", "[verify]") {
  Tree tree;
  tree.write("grammars/s/1.grammar",
             "grammar s 1;\n"                                                    // 1
             "programs \"s\";\n"                                                // 2
             "pattern pair = a:word \" \" b:word;\n"                            // 3
             "rule moved = \"moved \" p:pair example \"moved x y\";\n"           // 4
             "rule kept = \"kept \" k:word example \"kept k\";\n"                // 5
             "rule same = \"same \" k:word example \"same k\";\n");              // 6
  tree.write("mappings/s/1.mapping",
             "mapping s 1;\n"
             "rule moved -> strictlog.openvpn.v1.FatalTlsError { function_name = p.a; discard p.b; }\n"
             "rule kept -> strictlog.openvpn.v1.FatalTlsError { function_name = k; }\n"
             "rule same -> strictlog.openvpn.v1.FatalTlsError { function_name = k; }\n");
  tree.write("grammars/s/2.grammar",
             "grammar s 2 extends 1;\n"                                          // 1
             "default;\n"                                                        // 2
             "override pattern pair = b:word \" \" a:word;\n"                   // 3
             "override rule kept = \"kept \" k:word example \"kept other\";\n");  // 4
  tree.write("corpus/s/0.cases", "# nothing yet\n");
  TestReport rep = tree.run_ok();
  CHECK(rep.mismatches.empty());
  CHECK(rep.conflicts.empty());
  const std::string g1 = tree.path("grammars/s/1.grammar"), g2 = tree.path("grammars/s/2.grammar");
  CHECK(rep.uncovered ==
        std::vector<std::string>{
            g1 + ":4: rule s/1/moved is hit by no corpus case; each rule needs 2",
            g1 + ":4: field openvpn_fatal_tls_error.function_name of rule s/1/moved is present in no corpus case",
            g1 + ":5: rule s/1/kept is hit by no corpus case; each rule needs 2",
            g1 + ":5: field openvpn_fatal_tls_error.function_name of rule s/1/kept is present in no corpus case",
            g1 + ":6: rule s/1/same is hit by no corpus case; each rule needs 2",
            g1 + ":6: field openvpn_fatal_tls_error.function_name of rule s/1/same is present in no corpus case",
            // The rule is version 1's, its pattern version 2's.
            g1 + ":4: rule s/2/moved is hit by no corpus case; each rule needs 2",
            g1 + ":4: field openvpn_fatal_tls_error.function_name of rule s/2/moved is present in no corpus case",
            g2 + ":4: rule s/2/kept is hit by no corpus case; each rule needs 2",
            g2 + ":4: field openvpn_fatal_tls_error.function_name of rule s/2/kept is present in no corpus case",
        });
  CHECK_FALSE(rep.passed());
}

}  // namespace
}  // namespace strictlog
