// `strictlog test` as a grammar author runs it: the built binary in a sandbox (cli/harness.h), its exit
// codes (0 pass, 2 load or corpus error, 3 I/O, 4 mismatch, 5 coverage or conflict), the exact report it
// prints, --junit and --update.
#include <fmt/format.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "cli/harness.h"
#include "ruleset/ruleset.h"
#include "verify/junit.h"
#include "verify/runner.h"

namespace strictlog {
namespace {

using namespace cli_test;
namespace fs = std::filesystem;

// The openvpn-mini fixture's corpus, which with_rules() pairs with the fixture's grammar and mapping.
const std::string kMiniCorpus = fixtures::kMiniCorpus;
const std::string kMiniCases = kMiniCorpus + "/openvpn/2.6/tls-failure.cases";
const std::string kMiniGrammar = kGrammars + "/openvpn/2.6.grammar";
// A TLS handshake failure that the fixture's grammar turns into an event, as a verbatim case line.
const std::string kHandshakeFailedLine =
    "line: Nov 22 09:15:02 vpn-gw1 openvpn[1187]: 203.0.113.45:52113 TLS Error: TLS handshake failed\n";

const std::string kHeader = "rule                                             examples  cases re2_size";

// One row of the per-rule table, as `strictlog test` prints it.
std::string row(const std::string& ref, size_t examples, size_t cases, int size) {
  return fmt::format("{:<48} {:>8} {:>6} {:>8}", ref, examples, cases, size);
}

// The report's last line, whose duration varies: checks everything but the digits of the seconds.
void check_summary(const std::string& line, const std::string& before_seconds, const std::string& after_seconds) {
  INFO(line);
  REQUIRE(starts_with(line, before_seconds));
  REQUIRE(ends_with(line, after_seconds));
  REQUIRE(line.size() >= before_seconds.size() + after_seconds.size());
  std::string seconds = line.substr(before_seconds.size(), line.size() - before_seconds.size() - after_seconds.size());
  CHECK(std::regex_match(seconds, std::regex("[0-9]+\\.[0-9]{3}")));
}

void make_dir(const std::string& path) { fs::create_directories(path); }


// 1-based number of the first line of `text` that starts with `prefix`.
size_t line_of(const std::string& text, const std::string& prefix) {
  std::vector<std::string> lines = split_lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (starts_with(lines[i], prefix)) return i + 1;
  }
  FAIL("no line starts with " << prefix);
  return 0;
}

// What the library reports for the same directories, to check the binary's numbers against.
TestReport library_report(const std::string& grammars, const std::string& mappings, const std::string& corpus) {
  auto rules = load_ruleset(grammars, mappings);
  REQUIRE(rules.ok());
  auto report = run_tests(*rules, {{corpus}, false});
  INFO((report ? std::string() : render(report.errors())));
  REQUIRE(report.ok());
  return std::move(report).value();
}

TEST_CASE("test: the openvpn-mini fixture passes over its corpus with exit 0", "[cli]") {
  Sandbox box;
  Run r = run_strictlog(box, with_rules({"test", kMiniCorpus}));
  CHECK(r.status == 0);
  CHECK(r.err.empty());
  TestReport rep = library_report(kGrammars, kMappings, kMiniCorpus);
  REQUIRE(rep.passed());
  REQUIRE(rep.rules.size() >= 3);
  std::vector<std::string> lines = split_lines(r.out);
  REQUIRE(lines.size() == rep.rules.size() + 2);
  CHECK(lines[0] == kHeader);
  for (size_t i = 0; i < rep.rules.size(); ++i) {
    const RuleStats& s = rep.rules[i];
    CHECK(s.case_hits >= kMinCasesPerRule);  // examples do not count: every rule needs corpus cases
    CHECK(lines[i + 1] == row(s.ref, s.example_hits, s.case_hits, s.program_size));
  }
  CHECK(lines[1] == row("openvpn/2.6/tls_handshake_failed", 2, rep.rules[0].case_hits, rep.rules[0].program_size));
  check_summary(lines.back(),
                fmt::format("strictlog test: {} examples, {} cases in {} file{}, {} overlap witnesses in ", rep.examples,
                            rep.cases, rep.corpus_files, rep.corpus_files == 1 ? "" : "s", rep.witnesses),
                " s: 0 mismatches, 0 uncovered, 0 conflicts");
  CHECK(rep.corpus_files >= 1);
  CHECK(rep.witnesses >= 128);
  CHECK(box.entries().empty());  // no --junit, no --update: nothing written
}

TEST_CASE("test: a grammar that fails to load exits 2 with the pointed diagnostic", "[cli]") {
  Sandbox box;
  make_dir(box / "grammars");
  write_file(box / "grammars/broken.grammar",
             "grammar broken 1.0;\nprograms \"x\";\nrule r = ip:ipv5 \" up\"\n  example \"1.2.3.4 up\";\n");
  Run r = run_strictlog(box, {"test", "--grammars", "grammars", "--mappings", kMappings, kMiniCorpus});
  CHECK(r.status == 2);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "grammars/broken.grammar:3:13: unknown field type 'ipv5': not a field type (see 'strictlog fields') nor a "
        "pattern of this grammar [unknown-field-type]\n"
        "  rule r = ip:ipv5 \" up\"\n"
        "              ^\n"
        "strictlog test: 1 error; nothing was processed\n");
}

TEST_CASE("test: malformed corpus files exit 2 with every pointed diagnostic", "[cli]") {
  Sandbox box;
  make_dir(box / "corpus/b");
  write_file(box / "corpus/a.cases", "line: x\nbogus\n");
  write_file(box / "corpus/b/c.cases",
             "line: Nov 22 09:15:02 vpn-gw1 openvpn[1187]: 203.0.113.45:52113 TLS Error: TLS handshake failed\n"
             "event: openvpn/2.6/tls_handshake_failed\n"
             "  envelope.uid: \"0\"\n");
  Run r = run_strictlog(box, with_rules({"test", "corpus"}));
  CHECK(r.status == 2);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "corpus/a.cases:2:1: expected 'event: grammar/version/rule', 'drop: grammar/version/rule' or "
        "'quarantine: REASON' after 'line:' "
        "[unexpected-line]\n"
        "  bogus\n"
        "  ^\n"
        "corpus/b/c.cases:3:3: 'envelope.uid' varies between runs or is stated by the case's first line; leave it "
        "out [unstated-field]\n"
        "    envelope.uid: \"0\"\n"
        "    ^\n"
        "strictlog test: 2 errors; nothing was processed\n");
}

TEST_CASE("test: a missing corpus directory exits 3 and the default directory is ./corpus", "[cli]") {
  Sandbox box;
  Run r = run_strictlog(box, with_rules({"test", "nope"}));
  CHECK(r.status == 3);
  CHECK(r.out.empty());
  CHECK(r.err == "strictlog test: 'nope' is not a directory\n");

  Run none = run_strictlog(box, with_rules({"test"}));
  CHECK(none.status == 3);
  CHECK(none.err == "strictlog test: 'corpus' is not a directory\n");

  make_dir(box / "corpus");
  write_file(box / "corpus/a.cases", read_all(kMiniCases));
  Run here = run_strictlog(box, with_rules({"test"}));
  CHECK(here.status == 0);
  CHECK(here.err.empty());
}

TEST_CASE("test: a differing field exits 4 with the file:line of the case and expected beside got", "[cli]") {
  Sandbox box;
  make_dir(box / "corpus/openvpn/2.6");
  const std::string original = read_all(kMiniCases);
  const std::string changed = replaced(original, "src_endpoint.port: 52113\n", "src_endpoint.port: 52114\n");
  write_file(box / "corpus/openvpn/2.6/tls-failure.cases", changed);
  const size_t line = line_of(changed, "line: ");  // the first case is the one changed
  REQUIRE(changed.find("src_endpoint.port: 52114") < changed.find("\nline: ", changed.find("\nline: ") + 1));

  Run r = run_strictlog(box, with_rules({"test", "--junit", "out.xml", "corpus"}));
  CHECK(r.status == 4);
  CHECK(r.err.empty());
  std::vector<std::string> lines = split_lines(r.out);
  REQUIRE(lines.size() >= 4);
  CHECK(lines[0] == "corpus/openvpn/2.6/tls-failure.cases:" + std::to_string(line) +
                        ": event openvpn/2.6/tls_handshake_failed: 1 field differs");
  CHECK(lines[1] == "  openvpn_tls_handshake_failed.src_endpoint.port: expected 52114, got 52113");
  CHECK(lines[2] == kHeader);
  TestReport rep = library_report(kGrammars, kMappings, kMiniCorpus);
  REQUIRE(lines.size() == rep.rules.size() + 4);
  check_summary(lines.back(),
                fmt::format("strictlog test: {} examples, {} cases in 1 file, {} overlap witnesses in ", rep.examples,
                            rep.cases, rep.witnesses),
                " s: 1 mismatch, 0 uncovered, 0 conflicts");
  // The JUnit file is written on a failing run too.
  std::string xml = read_all(box / "out.xml");
  CHECK(xml.find("  <testsuite name=\"examples and cases\" tests=\"" + std::to_string(rep.rules.size() + 1) +
                 "\" failures=\"1\">\n") != std::string::npos);
  CHECK(xml.find("<testcase classname=\"strictlog\" name=\"corpus/openvpn/2.6/tls-failure.cases:" +
                 std::to_string(line) + "\">\n      <failure message=\"event openvpn/2.6/tls_handshake_failed: 1 "
                 "field differs\">openvpn_tls_handshake_failed.src_endpoint.port: expected 52114, got 52113\n"
                 "</failure>") != std::string::npos);
  CHECK(read_all(box / "corpus/openvpn/2.6/tls-failure.cases") == changed);  // not rewritten
}

TEST_CASE("test: rules and mapped fields no case shows exit 5 and are listed", "[cli]") {
  Sandbox box;
  make_dir(box / "corpus");
  // The fixture corpus's first case alone: a handshake failure without a common name.
  const std::string original = read_all(kMiniCases);
  const size_t first = original.find("line: ");
  const size_t second = original.find("\nline: ", first);
  REQUIRE(second != std::string::npos);
  write_file(box / "corpus/one.cases", original.substr(first, second + 1 - first));
  Run r = run_strictlog(box, with_rules({"test", "corpus"}));
  CHECK(r.status == 5);
  CHECK(r.err.empty());
  const std::string grammar = read_all(kMiniGrammar);
  const std::string tls = kMiniGrammar + ":" + std::to_string(line_of(grammar, "rule tls_handshake_failed ")) + ": ";
  const std::string fatal = kMiniGrammar + ":" + std::to_string(line_of(grammar, "rule fatal_tls_error ")) + ": ";
  const std::string signal =
      kMiniGrammar + ":" + std::to_string(line_of(grammar, "rule client_instance_signal ")) + ": ";
  auto field = [](const std::string& at, const std::string& path, const std::string& rule) {
    return "uncovered: " + at + "field " + path + " of rule openvpn/2.6/" + rule + " is present in no corpus case";
  };
  // Rules fatal_tls_error and client_instance_signal are hit by their examples, which do not count; one case
  // is not enough for tls_handshake_failed either (kMinCasesPerRule).
  auto rule = [](const std::string& at, const std::string& rule, const std::string& hits) {
    return "uncovered: " + at + "rule openvpn/2.6/" + rule + " is hit by " + hits + "; each rule needs 2";
  };
  std::vector<std::string> lines = split_lines(r.out);
  const std::vector<std::string> expected = {
      rule(tls, "tls_handshake_failed", "1 corpus case"),
      field(tls, "openvpn_tls_handshake_failed.src_endpoint.common_name", "tls_handshake_failed"),
      rule(fatal, "fatal_tls_error", "no corpus case"),
      field(fatal, "openvpn_fatal_tls_error.src_endpoint.common_name", "fatal_tls_error"),
      field(fatal, "openvpn_fatal_tls_error.src_endpoint.ip", "fatal_tls_error"),
      field(fatal, "openvpn_fatal_tls_error.src_endpoint.port", "fatal_tls_error"),
      field(fatal, "openvpn_fatal_tls_error.function_name", "fatal_tls_error"),
      rule(signal, "client_instance_signal", "no corpus case"),
      field(signal, "openvpn_client_instance_signal.src_endpoint.common_name", "client_instance_signal"),
      field(signal, "openvpn_client_instance_signal.src_endpoint.ip", "client_instance_signal"),
      field(signal, "openvpn_client_instance_signal.src_endpoint.port", "client_instance_signal"),
      field(signal, "openvpn_client_instance_signal.signal_name", "client_instance_signal"),
      field(signal, "openvpn_client_instance_signal.hardness", "client_instance_signal"),
      field(signal, "openvpn_client_instance_signal.reason", "client_instance_signal"),
      field(signal, "openvpn_client_instance_signal.action", "client_instance_signal"),
  };
  REQUIRE(lines.size() > expected.size());
  CHECK(std::vector<std::string>(lines.begin(), lines.begin() + static_cast<long>(expected.size())) == expected);
  TestReport rep = library_report(kGrammars, kMappings, kMiniCorpus);
  CHECK(lines[expected.size()] == kHeader);
  CHECK(lines[expected.size() + 1] == row("openvpn/2.6/tls_handshake_failed", 2, 1, rep.rules[0].program_size));
  check_summary(lines.back(),
                fmt::format("strictlog test: {} examples, 1 case in 1 file, {} overlap witnesses in ", rep.examples,
                            rep.witnesses),
                " s: 0 mismatches, 15 uncovered, 0 conflicts");
}

// A grammar of two rules, with a mapping and a corpus that covers both.
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
const std::string kFailedLine = "line: Nov 22 09:15:02 h t[7]: ana/192.0.2.1:1194 failed";
const std::string kFailedCase = kFailedLine +
                                "\n"
                                "event: t/1/failed\n"
                                "  envelope.time: 2026-11-22T09:15:02Z\n"
                                "  envelope.time_text: \"Nov 22 09:15:02\"\n"
                                "  envelope.time_year_inferred: true\n"
                                "  envelope.hostname: \"h\"\n"
                                "  envelope.process_name: \"t\"\n"
                                "  envelope.pid: 7\n"
                                "  envelope.header_format: RFC3164\n"
                                "  openvpn_tls_handshake_failed.src_endpoint.ip: \"192.0.2.1\"\n"
                                "  openvpn_tls_handshake_failed.src_endpoint.port: 1194\n"
                                "  openvpn_tls_handshake_failed.src_endpoint.common_name: \"ana\"\n";
const std::string kFatalLine = "line: Nov 22 09:15:03 h t: bob/192.0.2.2:0 fatal (f1)";
const std::string kFatalCase = kFatalLine +
                               "\n"
                               "event: t/1/fatal\n"
                               "  envelope.time: 2026-11-22T09:15:03Z\n"
                               "  envelope.time_text: \"Nov 22 09:15:03\"\n"
                               "  envelope.time_year_inferred: true\n"
                               "  envelope.hostname: \"h\"\n"
                               "  envelope.process_name: \"t\"\n"
                               "  envelope.header_format: RFC3164\n"
                               "  openvpn_fatal_tls_error.src_endpoint.ip: \"192.0.2.2\"\n"
                               "  openvpn_fatal_tls_error.src_endpoint.port: 0\n"
                               "  openvpn_fatal_tls_error.src_endpoint.common_name: \"bob\"\n"
                               "  openvpn_fatal_tls_error.function_name: \"f1\"\n";
// A second case of each rule, already up to date: every rule needs kMinCasesPerRule (2) cases to be covered.
const std::string kSecondCases = "line: Nov 22 09:15:04 h t[8]: 192.0.2.3:1 failed\n"
                                 "event: t/1/failed\n"
                                 "  envelope.time: 2026-11-22T09:15:04Z\n"
                                 "  envelope.time_text: \"Nov 22 09:15:04\"\n"
                                 "  envelope.time_year_inferred: true\n"
                                 "  envelope.hostname: \"h\"\n"
                                 "  envelope.process_name: \"t\"\n"
                                 "  envelope.pid: 8\n"
                                 "  envelope.header_format: RFC3164\n"
                                 "  openvpn_tls_handshake_failed.src_endpoint.ip: \"192.0.2.3\"\n"
                                 "  openvpn_tls_handshake_failed.src_endpoint.port: 1\n"
                                 "line: Nov 22 09:15:05 h t: 192.0.2.4:5 fatal (f2)\n"
                                 "event: t/1/fatal\n"
                                 "  envelope.time: 2026-11-22T09:15:05Z\n"
                                 "  envelope.time_text: \"Nov 22 09:15:05\"\n"
                                 "  envelope.time_year_inferred: true\n"
                                 "  envelope.hostname: \"h\"\n"
                                 "  envelope.process_name: \"t\"\n"
                                 "  envelope.header_format: RFC3164\n"
                                 "  openvpn_fatal_tls_error.src_endpoint.ip: \"192.0.2.4\"\n"
                                 "  openvpn_fatal_tls_error.src_endpoint.port: 5\n"
                                 "  openvpn_fatal_tls_error.function_name: \"f2\"\n";

void write_rules(const Sandbox& box, const std::string& grammar, const std::string& mapping) {
  make_dir(box / "grammars");
  make_dir(box / "mappings");
  make_dir(box / "corpus");
  write_file(box / "grammars/t.grammar", grammar);
  write_file(box / "mappings/t.mapping", mapping);
}

std::vector<std::string> local_rules(std::vector<std::string> args) {
  args.insert(args.begin() + 1, {"--grammars", "grammars", "--mappings", "mappings"});
  return args;
}

int program_size(const Sandbox& box, size_t rule) {
  auto rules = load_ruleset(box / "grammars", box / "mappings");
  REQUIRE(rules.ok());
  return (*rules)->grammars.at(0).rules.at(rule).re->ProgramSize();
}

// Every rule has an example (the compiler insists) that matches it (the compiler checks) and converts (the
// loader checks): an example that does not convert stops the run before any case is read.
TEST_CASE("test: an example that does not convert is a load error with exit 2", "[cli]") {
  Sandbox box;
  write_rules(box, replaced(kGrammar, "\"192.0.2.1:1 fatal (f)\"", "\"192.0.2.1:65536 fatal (f)\""), kMapping);
  write_file(box / "corpus/a.cases", kFailedCase);
  Run r = run_strictlog(box, local_rules({"test", "corpus"}));
  CHECK(r.status == 2);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "grammars/t.grammar:7:11: example of rule 'fatal' does not convert: capture 'client.port': cannot convert "
        "'65536' to port: 65536 is greater than 65535 [example-conversion]\n"
        "    example \"192.0.2.1:65536 fatal (f)\";\n"
        "            ^\n"
        "strictlog test: 1 error; nothing was processed\n");
}

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
    "line: Nov 22 09:15:02 h o: n=80/tcp\n"
    "event: o/1/a\n"
    "  envelope.time: 2026-11-22T09:15:02Z\n"
    "  envelope.time_text: \"Nov 22 09:15:02\"\n"
    "  envelope.time_year_inferred: true\n"
    "  envelope.hostname: \"h\"\n"
    "  envelope.process_name: \"o\"\n"
    "  envelope.header_format: RFC3164\n"
    "  openvpn_tls_handshake_failed.src_endpoint.port: 80\n"
    "  openvpn_tls_handshake_failed.src_endpoint.common_name: \"tcp\"\n"
    "line: Nov 22 09:15:02 h o: n=80 udp\n"
    "event: o/1/b\n"
    "  envelope.time: 2026-11-22T09:15:02Z\n"
    "  envelope.time_text: \"Nov 22 09:15:02\"\n"
    "  envelope.time_year_inferred: true\n"
    "  envelope.hostname: \"h\"\n"
    "  envelope.process_name: \"o\"\n"
    "  envelope.header_format: RFC3164\n"
    "  openvpn_fatal_tls_error.src_endpoint.port: 80\n"
    "  openvpn_fatal_tls_error.function_name: \"udp\"\n"
    "line: Nov 22 09:15:03 h o: n=8080/sctp\n"
    "event: o/1/a\n"
    "  envelope.time: 2026-11-22T09:15:03Z\n"
    "  envelope.time_text: \"Nov 22 09:15:03\"\n"
    "  envelope.time_year_inferred: true\n"
    "  envelope.hostname: \"h\"\n"
    "  envelope.process_name: \"o\"\n"
    "  envelope.header_format: RFC3164\n"
    "  openvpn_tls_handshake_failed.src_endpoint.port: 8080\n"
    "  openvpn_tls_handshake_failed.src_endpoint.common_name: \"sctp\"\n"
    "line: Nov 22 09:15:03 h o: n=8080 sctp\n"
    "event: o/1/b\n"
    "  envelope.time: 2026-11-22T09:15:03Z\n"
    "  envelope.time_text: \"Nov 22 09:15:03\"\n"
    "  envelope.time_year_inferred: true\n"
    "  envelope.hostname: \"h\"\n"
    "  envelope.process_name: \"o\"\n"
    "  envelope.header_format: RFC3164\n"
    "  openvpn_fatal_tls_error.src_endpoint.port: 8080\n"
    "  openvpn_fatal_tls_error.function_name: \"sctp\"\n";

TEST_CASE("test: rules that overlap on enumerated witnesses exit 5 and name both rules", "[cli]") {
  Sandbox box;
  write_rules(box, kOverlapGrammar, kOverlapMapping);
  write_file(box / "corpus/o.cases", kOverlapCases);
  Run r = run_strictlog(box, local_rules({"test", "corpus"}));
  CHECK(r.status == 5);
  CHECK(r.err.empty());
  const std::string a = "o/1/a (grammars/t.grammar:3)", b = "o/1/b (grammars/t.grammar:5)";
  const std::string none = "(optional groups present: none (of 1); ";
  std::vector<std::string> lines = split_lines(r.out);
  const std::vector<std::string> expected = {
      "conflict: rules " + a + " and " + b + " both match the witness line 'n=1194' " + none + "canonical samples)",
      "conflict: rules " + a + " and " + b + " both match the witness line 'n=0' " + none +
          "capture x = '0' (port sample 2))",
      "conflict: rules " + a + " and " + b + " both match the witness line 'n=65535' " + none +
          "capture x = '65535' (port sample 3))",
      "conflict: rules " + a + " and " + b + " both match the witness line 'n=443' " + none +
          "capture x = '443' (port sample 4))",
      "conflict: rules " + b + " and " + a + " both match the witness line 'n=1194' " + none + "canonical samples)",
      "conflict: rules " + b + " and " + a + " both match the witness line 'n=0' " + none +
          "capture y = '0' (port sample 2))",
      "conflict: rules " + b + " and " + a + " both match the witness line 'n=65535' " + none +
          "capture y = '65535' (port sample 3))",
      "conflict: rules " + b + " and " + a + " both match the witness line 'n=443' " + none +
          "capture y = '443' (port sample 4))",
      kHeader,
      row("o/1/a", 1, 2, program_size(box, 0)),
      row("o/1/b", 1, 2, program_size(box, 1)),
  };
  REQUIRE(lines.size() == expected.size() + 1);
  CHECK(std::vector<std::string>(lines.begin(), lines.end() - 1) == expected);
  check_summary(lines.back(), "strictlog test: 2 examples, 4 cases in 1 file, 22 overlap witnesses in ",
                " s: 0 mismatches, 0 uncovered, 8 conflicts");
}

TEST_CASE("test: a corpus line two rules match exits 5 even when its case expects AMBIGUOUS", "[cli]") {
  Sandbox box;
  write_rules(box, kOverlapGrammar, kOverlapMapping);
  write_file(box / "corpus/o.cases", kOverlapCases +
                                         "line: Nov 22 09:15:02 h o: n=443\n"
                                         "quarantine: AMBIGUOUS\n"
                                         "  detail: \"2 rules match: o/1/a, o/1/b\"\n"
                                         "  candidate_rule_ids.0: \"o/1/a\"\n"
                                         "  candidate_rule_ids.1: \"o/1/b\"\n"
                                         "  process_name: \"o\"\n");
  Run r = run_strictlog(box, local_rules({"test", "corpus"}));
  CHECK(r.status == 5);
  std::vector<std::string> lines = split_lines(r.out);
  REQUIRE(!lines.empty());
  CHECK(lines[0] ==
        "conflict: corpus/o.cases:41: the line is matched by 2 rules: o/1/a (grammars/t.grammar:3), o/1/b "
        "(grammars/t.grammar:5)");
  check_summary(lines.back(), "strictlog test: 2 examples, 5 cases in 1 file, 22 overlap witnesses in ",
                " s: 0 mismatches, 0 uncovered, 9 conflicts");
}

TEST_CASE("test: --junit writes what junit_xml() makes of the same run", "[cli]") {
  Sandbox box;
  Run r = run_strictlog(box, with_rules({"test", "--junit", "report.xml", kMiniCorpus}));
  CHECK(r.status == 0);
  CHECK(box.entries() == std::vector<std::string>{"report.xml"});
  CHECK(mode_of(box / "report.xml") == 0644);
  std::string xml = read_all(box / "report.xml");
  CHECK(xml == junit_xml(library_report(kGrammars, kMappings, kMiniCorpus)));
  CHECK(starts_with(xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"strictlog test\">\n"));
  CHECK(xml.find("<testcase classname=\"strictlog\" name=\"every rule and mapped field covered\"/>") !=
        std::string::npos);

  Run bad = run_strictlog(box, with_rules({"test", "--junit", "no/such/dir/report.xml", kMiniCorpus}));
  CHECK(bad.status == 3);
  CHECK(bad.err == "strictlog test: cannot create 'no/such/dir/report.xml': No such file or directory\n");
  CHECK(box.entries() == std::vector<std::string>{"report.xml"});
}

TEST_CASE("test: --update rewrites a corpus and prints the -/+ diff and the next run passes", "[cli]") {
  Sandbox box;
  write_rules(box, kGrammar, kMapping);
  const std::string stale = "# Test cases.\nyear: 2026\n\n" + replaced(kFailedCase, "port: 1194", "port: 1195") +
                            "# Not written yet.\n" + kFatalLine + "\n" + kSecondCases;
  write_file(box / "corpus/a.cases", stale);
  Run r = run_strictlog(box, local_rules({"test", "--update", "corpus"}));
  CHECK(r.status == 0);
  CHECK(r.err.empty());
  const std::string fresh =
      "# Test cases.\nyear: 2026\n\n" + kFailedCase + "# Not written yet.\n" + kFatalCase + kSecondCases;
  CHECK(read_all(box / "corpus/a.cases") == fresh);
  std::vector<std::string> lines = split_lines(r.out);
  // A line diff: unchanged lines keep two spaces, so the one changed field is one '-' and one '+' line.
  std::vector<std::string> expected = {"corpus/a.cases:4:"};
  for (const auto& l : split_lines(kFailedCase)) {
    if (l.find("port: 1194") != std::string::npos) {
      expected.push_back("- " + replaced(l, "port: 1194", "port: 1195"));
      expected.push_back("+ " + l);
    } else {
      expected.push_back("  " + l);
    }
  }
  expected.push_back("corpus/a.cases:17:");
  for (const auto& l : split_lines(kFatalCase)) expected.push_back((l == kFatalLine ? "  " : "+ ") + l);
  expected.push_back(kHeader);
  expected.push_back(row("t/1/failed", 1, 2, program_size(box, 0)));
  expected.push_back(row("t/1/fatal", 1, 2, program_size(box, 1)));
  REQUIRE(lines.size() == expected.size() + 1);
  CHECK(std::vector<std::string>(lines.begin(), lines.end() - 1) == expected);
  CHECK(lines[1] == "  line: Nov 22 09:15:02 h t[7]: ana/192.0.2.1:1194 failed");
  CHECK(lines[11] == "-   openvpn_tls_handshake_failed.src_endpoint.port: 1195");
  CHECK(lines[12] == "+   openvpn_tls_handshake_failed.src_endpoint.port: 1194");
  check_summary(lines.back(), "strictlog test: 2 examples, 4 cases in 1 file, 46 overlap witnesses in ",
                " s: 0 mismatches, 0 uncovered, 0 conflicts; 2 cases rewritten");

  Run again = run_strictlog(box, local_rules({"test", "corpus"}));
  CHECK(again.status == 0);
  std::vector<std::string> again_lines = split_lines(again.out);
  REQUIRE(again_lines.size() == 4);
  CHECK(again_lines[0] == kHeader);
  check_summary(again_lines.back(), "strictlog test: 2 examples, 4 cases in 1 file, 46 overlap witnesses in ",
                " s: 0 mismatches, 0 uncovered, 0 conflicts");
  CHECK(read_all(box / "corpus/a.cases") == fresh);
  CHECK(box.entries() == std::vector<std::string>{"corpus", "grammars", "mappings"});
  std::vector<std::string> corpus_entries;
  for (const auto& e : fs::directory_iterator(box / "corpus")) corpus_entries.push_back(e.path().filename());
  CHECK(corpus_entries == std::vector<std::string>{"a.cases"});  // no temporary left beside it
}

// The names in the sandbox's corpus/, sorted, hidden temporaries included.
std::vector<std::string> names_in_corpus(const Sandbox& box) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(box / "corpus")) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

TEST_CASE("test: a field stated twice in one case exits 2 with a note at the first", "[cli]") {
  Sandbox box;
  write_rules(box, kGrammar, kMapping);
  const std::string port = "  openvpn_tls_handshake_failed.src_endpoint.port: 1194\n";
  const std::string cn = "  openvpn_tls_handshake_failed.src_endpoint.common_name: \"ana\"\n";
  write_file(box / "corpus/a.cases", replaced(kFailedCase, cn, cn + port) + kFatalCase);
  Run r = run_strictlog(box, local_rules({"test", "corpus"}));
  CHECK(r.status == 2);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "corpus/a.cases:13:3: 'openvpn_tls_handshake_failed.src_endpoint.port' is already stated in this case "
        "[duplicate-field]\n"
        "    openvpn_tls_handshake_failed.src_endpoint.port: 1194\n"
        "    ^\n"
        "corpus/a.cases:11:3: note: first stated here\n"
        "    openvpn_tls_handshake_failed.src_endpoint.port: 1194\n"
        "    ^\n"
        "strictlog test: 1 error; nothing was processed\n");
}

TEST_CASE("test: --update rewrites nothing when another corpus file is malformed", "[cli]") {
  Sandbox box;
  write_rules(box, kGrammar, kMapping);
  // a.cases comes first and is out of date; b.cases is malformed.
  const std::string stale = replaced(kFailedCase, "port: 1194", "port: 1195") + kFatalCase + kSecondCases;
  const std::string malformed = kFatalLine + "\nbogus\n";
  write_file(box / "corpus/a.cases", stale);
  write_file(box / "corpus/b.cases", malformed);
  Run r = run_strictlog(box, local_rules({"test", "--update", "corpus"}));
  CHECK(r.status == 2);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "corpus/b.cases:2:1: expected 'event: grammar/version/rule', 'drop: grammar/version/rule' or "
        "'quarantine: REASON' after 'line:' "
        "[unexpected-line]\n"
        "  bogus\n"
        "  ^\n"
        "strictlog test: 1 error; nothing was processed\n");
  CHECK(read_all(box / "corpus/a.cases") == stale);
  CHECK(read_all(box / "corpus/b.cases") == malformed);
  CHECK(names_in_corpus(box) == std::vector<std::string>{"a.cases", "b.cases"});  // no temporary left

  // Without the malformed file, the same --update does rewrite a.cases.
  fs::remove(box / "corpus/b.cases");
  Run fixed = run_strictlog(box, local_rules({"test", "--update", "corpus"}));
  CHECK(fixed.status == 0);
  CHECK(read_all(box / "corpus/a.cases") == kFailedCase + kFatalCase + kSecondCases);
}

TEST_CASE("test: --update keeps the mode of each file it rewrites", "[cli]") {
  Sandbox box;
  write_rules(box, kGrammar, kMapping);
  write_file(box / "corpus/a.cases", replaced(kFailedCase, "port: 1194", "port: 1195") + kSecondCases);
  write_file(box / "corpus/b.cases", kFatalLine + "\n");
  REQUIRE(::chmod((box / "corpus/a.cases").c_str(), 0664) == 0);  // wider than the umask (022) lets through
  REQUIRE(::chmod((box / "corpus/b.cases").c_str(), 0600) == 0);  // narrower than the default 0644
  Run r = run_strictlog(box, local_rules({"test", "--update", "corpus"}));
  CHECK(r.status == 0);
  CHECK(r.err.empty());
  CHECK(read_all(box / "corpus/a.cases") == kFailedCase + kSecondCases);
  CHECK(read_all(box / "corpus/b.cases") == kFatalCase);
  CHECK(mode_of(box / "corpus/a.cases") == 0664);
  CHECK(mode_of(box / "corpus/b.cases") == 0600);
}

// Exit status of `python3 -c "...minidom.parse(FILE)"`: 0 when FILE is well-formed XML (Python's expat).
int xml_check(const std::string& path, bool quiet = false) {
  std::string command = "python3 -c 'import sys,xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' '" + path + "'";
  if (quiet) command += " 2>/dev/null";
  int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_CASE("test: --junit output is well-formed XML when a report quotes bytes that are not XML text", "[cli]") {
  Sandbox box;
  make_dir(box / "corpus");
  // U+FFFF is UTF-8 but no XML character, and the CONVERSION detail quotes the capture; the \xe9 is not
  // UTF-8, and the ENCODING detail names its offset. A file name need not be UTF-8, and names a testcase.
  write_file(box / "corpus/caf\xe9.cases", kHandshakeFailedLine + "quarantine: HEADER\n");
  write_file(box / "corpus/a.cases",
             "line-quoted: \"Nov 22 09:15:02 vpn-gw1 openvpn[1187]: 203.0.113.45:52113 SIGUSR1[\\xef\\xbf\\xbf,"
             "tls-error] received, client-instance restarting\"\n"
             "event: openvpn/2.6/client_instance_signal\n"
             "line-quoted: \"Nov 22 09:15:02 vpn-gw1 openvpn[1187]: caf\\xe9 TLS Error: TLS handshake failed\"\n"
             "event: openvpn/2.6/tls_handshake_failed\n");
  Run r = run_strictlog(box, with_rules({"test", "--junit", "report.xml", "corpus"}));
  CHECK(r.status == 4);
  CHECK(r.err.empty());
  const std::string detail =
      "capture 'hardness': '\xef\xbf\xbf' is not a value of strictlog.openvpn.v1.SignalHardness (expected one of: "
      "soft, hard, connection-failed)";
  std::vector<std::string> lines = split_lines(r.out);
  REQUIRE(lines.size() >= 3);
  CHECK(lines[0] == "corpus/a.cases:1: expected event openvpn/2.6/client_instance_signal, got quarantine CONVERSION (" +
                        detail + ")");
  CHECK(lines[1] == "corpus/a.cases:3: expected event openvpn/2.6/tls_handshake_failed, got quarantine ENCODING "
                    "(truncated UTF-8 sequence at byte 42)");
  CHECK(lines[2] == "corpus/caf\xe9.cases:1: expected quarantine HEADER, got event openvpn/2.6/tls_handshake_failed");
  CHECK(xml_check(box / "report.xml") == 0);
  std::string xml = read_all(box / "report.xml");
  CHECK(xml.find("<failure message=\"expected event openvpn/2.6/client_instance_signal, got quarantine CONVERSION "
                 "(capture 'hardness': '\\xef\\xbf\\xbf' is not a value of") != std::string::npos);
  CHECK(xml.find("<testcase classname=\"strictlog\" name=\"corpus/caf\\xe9.cases:1\">\n      <failure message=\""
                 "expected quarantine HEADER, got event openvpn/2.6/tls_handshake_failed\">") != std::string::npos);

  // A report with invalid UTF-8 in every kind of text, made by hand.
  auto cases = std::make_shared<const SourceFile>(SourceFile{"c/caf\xe9.cases", ""});
  TestReport hand;
  hand.rules = {RuleStats{"t/1/r\xff", Position{cases, 1, 1}, 1, 0, 10}};
  hand.mismatches = {Mismatch{Position{cases, 2, 1}, "got \xe9\xe9", {"detail: \"caf\xe9\x01\"", "cut \xc3"}}};
  hand.uncovered = {"rule \xc0\xaf is hit by no corpus case"};
  hand.conflicts = {Conflict{Position{cases, 3, 1}, "line 'caf\xe9' & 'x\xef\xbf\xbe'"}};
  write_file(box / "hand.xml", junit_xml(hand));
  CHECK(xml_check(box / "hand.xml") == 0);

  // The check itself fails on the same bytes left raw.
  write_file(box / "raw-e9.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a b=\"caf\xe9\"/>\n");
  write_file(box / "raw-ffff.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a>\xef\xbf\xbf</a>\n");
  CHECK(xml_check(box / "raw-e9.xml", true) != 0);
  CHECK(xml_check(box / "raw-ffff.xml", true) != 0);
}

TEST_CASE("test: a JUnit file from an earlier passing run is removed when the next run exits 2", "[cli]") {
  Sandbox box;
  write_rules(box, kGrammar, kMapping);
  write_file(box / "corpus/a.cases", kFailedCase + kFatalCase + kSecondCases);
  auto passing_run = [&] {
    Run ok = run_strictlog(box, local_rules({"test", "--junit", "report.xml", "corpus"}));
    REQUIRE(ok.status == 0);
    REQUIRE(exists(box / "report.xml"));
  };

  passing_run();
  write_file(box / "corpus/b.cases", "bogus\n");  // a corpus error
  Run corpus_error = run_strictlog(box, local_rules({"test", "--junit", "report.xml", "corpus"}));
  CHECK(corpus_error.status == 2);
  CHECK(corpus_error.out.empty());
  CHECK_FALSE(exists(box / "report.xml"));

  fs::remove(box / "corpus/b.cases");
  passing_run();
  write_file(box / "grammars/t.grammar", replaced(kGrammar, "port:port", "port:portt"));  // a load error
  Run load_error = run_strictlog(box, local_rules({"test", "--junit", "report.xml", "corpus"}));
  CHECK(load_error.status == 2);
  CHECK(starts_with(load_error.err, "grammars/t.grammar:3:"));
  CHECK_FALSE(exists(box / "report.xml"));
  CHECK(box.entries() == std::vector<std::string>{"corpus", "grammars", "mappings"});
}

TEST_CASE("test: a verbatim line that needs quoting and a file that is not UTF-8 exit 2 with both errors", "[cli]") {
  Sandbox box;
  make_dir(box / "corpus");
  write_file(box / "corpus/a.cases", "line: Nov 22 09:15:02 h t: trailing space \n");
  write_file(box / "corpus/b.cases", "# caf\xe9\n");
  Run r = run_strictlog(box, with_rules({"test", "corpus"}));
  CHECK(r.status == 2);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "corpus/a.cases:1:7: this line has edge spaces, control bytes or a leading quote that an editor could change "
        "unseen: write it as line-quoted: \"Nov 22 09:15:02 h t: trailing space \" [needs-quoting]\n"
        "  line: Nov 22 09:15:02 h t: trailing space \n"
        "        ^\n"
        "corpus/b.cases:1:6: truncated UTF-8 sequence: write such bytes as \\xHH in a 'line-quoted:' "
        "[invalid-encoding]\n"
        "  # caf\xe9\n"
        "       ^\n"
        "strictlog test: 2 errors; nothing was processed\n");
}

// The UTC offset of `zone` at `unix_seconds`, in hours, as this process's C library computes it.
long utc_offset_hours(const char* zone, time_t unix_seconds) {
  const char* old = std::getenv("TZ");
  std::string saved = old ? old : "";
  ::setenv("TZ", zone, 1);
  ::tzset();
  std::tm local{};
  ::localtime_r(&unix_seconds, &local);
  if (old) {
    ::setenv("TZ", saved.c_str(), 1);
  } else {
    ::unsetenv("TZ");
  }
  ::tzset();
  return local.tm_gmtoff / 3600;
}

TEST_CASE("test: the openvpn-mini corpus passes alike in the zones farthest east and west of UTC", "[cli]") {
  // The corpus's lines are from Nov 22 09:15 UTC: 23:15 in Kiritimati (UTC+14), 01:15 in Los Angeles
  // (UTC-8). Without the zone data, TZ would silently mean UTC, so check the zones are there.
  const time_t line_time = 1795338902;  // 2026-11-22T09:15:02Z
  REQUIRE(utc_offset_hours("Pacific/Kiritimati", line_time) == 14);
  REQUIRE(utc_offset_hours("America/Los_Angeles", line_time) == -8);

  Sandbox box;
  std::vector<std::string> outputs;
  for (std::string zone : {"UTC", "Pacific/Kiritimati", "America/Los_Angeles"}) {
    INFO(zone);
    RunOptions options;
    options.env = {"TZ=" + zone};
    Run r = run_strictlog(box, with_rules({"test", kMiniCorpus}), options);
    CHECK(r.status == 0);
    CHECK(r.err.empty());
    std::vector<std::string> lines = split_lines(r.out);
    REQUIRE(lines.size() >= 4);
    CHECK(lines[0] == kHeader);
    // The duration is the only part that may differ.
    outputs.push_back(std::regex_replace(r.out, std::regex(" in [0-9]+\\.[0-9]{3} s: "), " in N s: "));
    CHECK(outputs.back() != r.out);
  }
  CHECK(outputs[1] == outputs[0]);
  CHECK(outputs[2] == outputs[0]);
}

}  // namespace
}  // namespace strictlog
