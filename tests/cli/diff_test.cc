// `strictlog diff` between an older openvpn-mini (`old/`) and the fixture as it is (`new/`), over the fixture's
// corpus and a small log file, all copied into the sandbox so that the report names them relatively: the
// counts per kind of change, the examples, the JSON document, the exit codes (0 nothing changed, 4 something
// did, 2 a rule set does not load, 3 an input cannot be read).
//
// `old/` differs from the fixture in two rules:
//   - tls_handshake_failed spelled "TLS error:" (lowercase e), so every line it takes now was NO_MATCH;
//   - fatal_tls_error was `" Fatal TLS error " function:word " restarting"`, so function_name took the
//     parentheses and the comma, and `Fatal TLS error (), restarting`, which no rule takes now, was an event.
//
// The corpus (tests/fixtures/openvpn-mini/corpus/openvpn/2.6/tls-failure.cases) has 28 lines; vpn.log has 3.
// What changes, by the case's line in the .cases file:
//   into_quarantine    1   :209 (the empty function name)
//   out_of_quarantine  4   :6 :46 :126 and vpn.log:1 (handshakes)
//   fields             3   :17 :58 and vpn.log:2 (function_name)
//   quarantine         3   :139 :146 (CONVERSION now, NO_MATCH before) and :247 (Feb 29: HEADER now that a
//                          rule matches it first, NO_MATCH before)
// Every other line gives the same result on both sides: the other quarantined lines fail before any rule
// (HEADER, ENCODING, no grammar) or match no rule of either side, and client_instance_signal did not change.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "cli/harness.h"

namespace strictlog {
namespace {

using namespace cli_test;
namespace fs = std::filesystem;

const std::string kHandshake =
    "Nov 22 12:21:12 vpn1 openvpn[1234]: 198.51.100.7:51234 TLS Error: TLS handshake failed";
const std::string kFatal =
    "Nov 22 12:21:13 vpn1 openvpn[1234]: 198.51.100.7:51234 Fatal TLS error (check_tls_errors_co), restarting";
const std::string kCron = "Nov 22 12:21:15 vpn1 CRON[5]: (root) CMD (true)";

const std::string kCases = "corpus/openvpn/2.6/tls-failure.cases";
const std::string kNoRule = "quarantine NO_MATCH: no rule matches the message of program 'openvpn'";
const std::string kHandshakeEvent = "event openvpn/2.6/tls_handshake_failed (strictlog.openvpn.v1.TlsHandshakeFailed)";
const std::string kFatalEvent = "event openvpn/2.6/fatal_tls_error (strictlog.openvpn.v1.FatalTlsError)";

std::string replaced_all(std::string text, const std::string& from, const std::string& to, size_t expected) {
  size_t count = 0;
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
    ++count;
  }
  REQUIRE(count == expected);
  return text;
}

void copy_rules(const Sandbox& box, const std::string& dir) {
  fs::create_directories(box / dir);
  fs::copy(kGrammars, box / (dir + "/grammars"), fs::copy_options::recursive);
  fs::copy(kMappings, box / (dir + "/mappings"), fs::copy_options::recursive);
}

// old/ and new/ as described at the top, the corpus, and vpn.log.
void make_trees(const Sandbox& box) {
  copy_rules(box, "new");
  copy_rules(box, "old");
  const std::string grammar = box / "old/grammars/openvpn/2.6.grammar";
  std::string text = read_all(grammar);
  // The rule and its two examples.
  text = replaced_all(text, "TLS Error: TLS handshake failed", "TLS error: TLS handshake failed", 3);
  text = replaced_all(text, "client:peer \" Fatal TLS error (\" function:word \"), restarting\"",
                      "client:peer \" Fatal TLS error \" function:word \" restarting\"", 1);
  write_file(grammar, text);
  fs::copy(fixtures::kMiniCorpus, box / "corpus", fs::copy_options::recursive);
  write_file(box / "vpn.log", kHandshake + "\n" + kFatal + "\n" + kCron + "\n");
}

std::vector<std::string> diff(std::vector<std::string> extra) {
  std::vector<std::string> args{"diff", "--left", "old", "--right", "new", "--year", "2026"};
  args.insert(args.end(), extra.begin(), extra.end());
  args.insert(args.end(), {"corpus", "vpn.log"});
  return args;
}

const std::string kCounts =
    "strictlog diff: 31 lines, 11 changed (left old; right new)\n"
    "  into_quarantine           1\n"
    "  out_of_quarantine         4\n"
    "  drop                      0\n"
    "  event_type                0\n"
    "  rule                      0\n"
    "  fields                    3\n"
    "  quarantine                3\n";

std::string example(const std::string& where, const std::string& raw, const std::string& left,
                    const std::string& right) {
  return "  " + where + "\n    line:  \"" + raw + "\"\n    left:  " + left + "\n    right: " + right + "\n";
}

std::string corpus_line(const std::string& message) { return "Nov 22 10:02:31 vpn-gw1 openvpn[1187]: " + message; }

// The text between `from` and `to` (or the end), `from` included.
std::string section(const std::string& text, const std::string& from, const std::string& to) {
  size_t begin = text.find(from);
  REQUIRE(begin != std::string::npos);
  size_t end = to.empty() ? text.size() : text.find(to, begin);
  REQUIRE(end != std::string::npos);
  return text.substr(begin, end - begin);
}

}  // namespace

TEST_CASE("diff: counts per kind of change and examples of changed fields and quarantine with exit 4", "[cli]") {
  Sandbox box;
  make_trees(box);
  Run r = run_strictlog(box, diff({}));
  CHECK(r.status == 4);
  CHECK(r.err.empty());
  CHECK(starts_with(r.out, kCounts + "\ninto_quarantine (1):\n"));
  CHECK(section(r.out, "\nfields (3):\n", "") ==
        "\nfields (3):\n"
        "  " + kCases + ":17\n"
        "    line:  \"Nov 22 09:15:02 vpn-gw1 openvpn[1187]: 203.0.113.45:52113 Fatal TLS error (check_tls_errors_co), "
        "restarting\"\n"
        "    both:  " + kFatalEvent + "\n" +
        "    openvpn_fatal_tls_error.function_name: \"(check_tls_errors_co),\" -> \"check_tls_errors_co\"\n"
        "  " + kCases + ":58\n"
        "    line:  \"Nov 22 09:47:13 vpn-gw1 openvpn[1187]: laptop-ana/198.51.100.23:41822 Fatal TLS error "
        "(check_tls_errors_nco), restarting\"\n"
        "    both:  " + kFatalEvent + "\n" +
        "    openvpn_fatal_tls_error.function_name: \"(check_tls_errors_nco),\" -> \"check_tls_errors_nco\"\n"
        "  vpn.log:2\n"
        "    line:  \"" + kFatal + "\"\n" +
        "    both:  " + kFatalEvent + "\n" +
        "    openvpn_fatal_tls_error.function_name: \"(check_tls_errors_co),\" -> \"check_tls_errors_co\"\n"
        "\nquarantine (3):\n" +
        example(kCases + ":139", corpus_line("192.0.2.200:65536 TLS Error: TLS handshake failed"), kNoRule,
                "quarantine CONVERSION: capture 'client.port': cannot convert '65536' to port: 65536 is greater "
                "than 65535") +
        example(kCases + ":146", corpus_line("192.0.2.200:0443 TLS Error: TLS handshake failed"), kNoRule,
                "quarantine CONVERSION: capture 'client.port': cannot convert '0443' to port: leading zero in "
                "'0443'") +
        example(kCases + ":247",
                "Feb 29 10:00:00 vpn-gw1 openvpn[1187]: 203.0.113.45:52113 TLS Error: TLS handshake failed", kNoRule,
                "quarantine HEADER: the timestamp 'Feb 29 10:00:00' does not exist in 2026, the year given for this "
                "input"));

  // --examples 1: one example per kind, and the heading says how many there were.
  Run one = run_strictlog(box, diff({"--examples", "1"}));
  CHECK(one.status == 4);
  CHECK(starts_with(one.out, kCounts));
  CHECK(one.out.find("\nout_of_quarantine (4, first 1 shown):\n  " + kCases + ":6\n") != std::string::npos);
  CHECK(one.out.find("\nfields (3, first 1 shown):\n  " + kCases + ":17\n") != std::string::npos);
  CHECK(one.out.find("\nquarantine (3, first 1 shown):\n  " + kCases + ":139\n") != std::string::npos);
  CHECK(one.out.find("\ninto_quarantine (1):\n") != std::string::npos);
  CHECK(one.out.find(kCases + ":46") == std::string::npos);
  CHECK(one.out.find("vpn.log:") == std::string::npos);
}

// Field changes are listed when both sides are events (verify/diff.h, LineChange::fields); a line that
// enters or leaves quarantine shows both results and nothing else.
TEST_CASE("diff: a line into or out of quarantine shows both results and no field list", "[cli]") {
  Sandbox box;
  make_trees(box);
  Run r = run_strictlog(box, diff({}));
  CHECK(r.status == 4);
  CHECK(section(r.out, "\ninto_quarantine (1):\n", "\nfields (3):\n") ==
        "\ninto_quarantine (1):\n" +
        example(kCases + ":209", corpus_line("192.0.2.200:51000 Fatal TLS error (), restarting"), kFatalEvent,
                kNoRule) +
        "\nout_of_quarantine (4):\n" +
        example(kCases + ":6",
                "Nov 22 09:15:02 vpn-gw1 openvpn[1187]: 203.0.113.45:52113 TLS Error: TLS handshake failed", kNoRule,
                kHandshakeEvent) +
        example(kCases + ":46",
                "Nov 22 09:47:13 vpn-gw1 openvpn[1187]: laptop-ana/198.51.100.23:41822 TLS Error: TLS handshake "
                "failed",
                kNoRule, kHandshakeEvent) +
        example(kCases + ":126", corpus_line("192.0.2.200:65535 TLS Error: TLS handshake failed"), kNoRule,
                kHandshakeEvent) +
        example("vpn.log:1", kHandshake, kNoRule, kHandshakeEvent));

  Run json = run_strictlog(box, diff({"--format", "json"}));
  CHECK(json.status == 4);
  std::vector<std::string> lines = split_lines(json.out);
  REQUIRE(lines.size() == 13);
  CHECK(lines[8] ==
        "{\"kind\":\"into_quarantine\",\"where\":\"" + kCases +
            ":209\",\"raw\":\"Nov 22 10:02:31 vpn-gw1 openvpn[1187]: 192.0.2.200:51000 Fatal TLS error (), "
            "restarting\",\"left\":{\"outcome\":\"event\",\"rule\":\"openvpn/2.6/fatal_tls_error\",\"type\":"
            "\"strictlog.openvpn.v1.FatalTlsError\"},\"right\":{\"outcome\":\"quarantined\",\"reason\":\"NO_MATCH\","
            "\"detail\":\"no rule matches the message of program 'openvpn'\"}},");
  CHECK(lines[10] ==
        "{\"kind\":\"out_of_quarantine\",\"where\":\"vpn.log:1\",\"raw\":\"" + kHandshake +
            "\",\"left\":{\"outcome\":\"quarantined\",\"reason\":\"NO_MATCH\",\"detail\":\"no rule matches the "
            "message of program 'openvpn'\"},\"right\":{\"outcome\":\"event\",\"rule\":\"openvpn/2.6/"
            "tls_handshake_failed\",\"type\":\"strictlog.openvpn.v1.TlsHandshakeFailed\"}},");
}

TEST_CASE("diff --format json: the counts and every change as one document", "[cli]") {
  Sandbox box;
  make_trees(box);
  Run r = run_strictlog(box, diff({"--format", "json"}));
  CHECK(r.status == 4);
  CHECK(r.err.empty());
  std::vector<std::string> lines = split_lines(r.out);
  // The head, one change per line in input order, the close.
  REQUIRE(lines.size() == 13);
  CHECK(lines[0] ==
        "{\"left\":\"old\",\"right\":\"new\",\"lines\":31,\"changed\":11,\"counts\":{\"into_quarantine\":1,"
        "\"out_of_quarantine\":4,\"drop\":0,\"event_type\":0,\"rule\":0,\"fields\":3,\"quarantine\":3},"
        "\"changes\":[");
  CHECK(lines[12] == "]}");
  CHECK(ends_with(r.out, "}\n]}\n"));
  const std::vector<std::string> order = {
      "out_of_quarantine:6", "fields:17",      "out_of_quarantine:46", "fields:58",
      "out_of_quarantine:126", "quarantine:139", "quarantine:146",      "into_quarantine:209",
      "quarantine:247",      "out_of_quarantine:vpn.log:1", "fields:vpn.log:2"};
  for (size_t i = 0; i < order.size(); ++i) {
    const std::string& o = order[i];
    const std::string kind = o.substr(0, o.find(':'));
    const std::string rest = o.substr(o.find(':') + 1);
    const std::string where = starts_with(rest, "vpn.log") ? rest : kCases + ":" + rest;
    INFO(lines[i + 1]);
    CHECK(starts_with(lines[i + 1], "{\"kind\":\"" + kind + "\",\"where\":\"" + where + "\",\"raw\":\""));
    CHECK(ends_with(lines[i + 1], i + 1 == order.size() ? "}" : "},"));
  }
  CHECK(lines[6] ==
        "{\"kind\":\"quarantine\",\"where\":\"" + kCases + ":139\",\"raw\":\"" +
            corpus_line("192.0.2.200:65536 TLS Error: TLS handshake failed") +
            "\",\"left\":{\"outcome\":\"quarantined\",\"reason\":\"NO_MATCH\",\"detail\":\"no rule matches the "
            "message of program 'openvpn'\"},\"right\":{\"outcome\":\"quarantined\",\"reason\":\"CONVERSION\","
            "\"detail\":\"capture 'client.port': cannot convert '65536' to port: 65536 is greater than 65535\","
            "\"candidate_rule_ids\":[\"openvpn/2.6/tls_handshake_failed\"]}},");
  // Flat-text values are JSON strings: the quotes of a string value are escaped.
  CHECK(lines[11] ==
        "{\"kind\":\"fields\",\"where\":\"vpn.log:2\",\"raw\":\"" + kFatal +
            "\",\"left\":{\"outcome\":\"event\",\"rule\":\"openvpn/2.6/fatal_tls_error\",\"type\":\"strictlog."
            "openvpn.v1.FatalTlsError\"},\"right\":{\"outcome\":\"event\",\"rule\":\"openvpn/2.6/fatal_tls_error\","
            "\"type\":\"strictlog.openvpn.v1.FatalTlsError\"},\"fields\":[{\"path\":\"openvpn_fatal_tls_error."
            "function_name\",\"left\":\"\\\"(check_tls_errors_co),\\\"\",\"right\":\"\\\"check_tls_errors_co\\\"\"}]}");
}

TEST_CASE("diff: identical rule sets exit 0 with every count 0", "[cli]") {
  Sandbox box;
  make_trees(box);
  Run r = run_strictlog(box, {"diff", "--left", "new", "--right", fixtures::kMiniTree, "--year", "2026", "corpus",
                              "vpn.log"});
  CHECK(r.status == 0);
  CHECK(r.err.empty());
  CHECK(r.out == "strictlog diff: 31 lines, 0 changed (left new; right " + fixtures::kMiniTree + ")\n" +
                     "  into_quarantine           0\n"
                     "  out_of_quarantine         0\n"
                     "  drop                      0\n"
                     "  event_type                0\n"
                     "  rule                      0\n"
                     "  fields                    0\n"
                     "  quarantine                0\n");

  Run json = run_strictlog(box, {"diff", "--left", "new", "--right", "new", "--format", "json", "vpn.log"});
  CHECK(json.status == 0);
  CHECK(json.out ==
        "{\"left\":\"new\",\"right\":\"new\",\"lines\":3,\"changed\":0,\"counts\":{\"into_quarantine\":0,"
        "\"out_of_quarantine\":0,\"drop\":0,\"event_type\":0,\"rule\":0,\"fields\":0,\"quarantine\":0},"
        "\"changes\":[]}\n");
}

TEST_CASE("diff: a rule set that does not load exits 2 and an unreadable input exits 3", "[cli]") {
  Sandbox box;
  make_trees(box);
  Run load = run_strictlog(box, {"diff", "--left", "nope", "--right", "new", "vpn.log"});
  CHECK(load.status == 2);
  CHECK(load.out.empty());
  CHECK(load.err ==
        "'nope/grammars' is not a directory [missing-directory]\n"
        "'nope/mappings' is not a directory [missing-directory]\n"
        "strictlog diff: 2 errors; nothing was processed\n");

  Run missing = run_strictlog(box, {"diff", "--left", "old", "--right", "new", "vpn.log", "nope.log"});
  CHECK(missing.status == 3);
  CHECK(missing.out.empty());
  CHECK(missing.err == "strictlog diff: cannot open 'nope.log': No such file or directory\n");
}

// Two versions of one source in one rule set (`--left-version`, `--right-version`): version 1 says `fatal x`,
// version 2 `fatal: x`, and `sig` is inherited unchanged, so its lines differ only in the version inside the
// rule's ref, which is no change.
namespace {

void write_versions(const Sandbox& box) {
  fs::create_directories(box / "rules/grammars/v");
  fs::create_directories(box / "rules/mappings/v");
  write_file(box / "rules/grammars/v/1.grammar",
             "grammar v 1;\n"
             "programs \"v\";\n"
             "rule fatal = \"fatal \" f:word example \"fatal x\";\n"
             "rule sig = \"signal \" s:word example \"signal HUP\";\n");
  write_file(box / "rules/grammars/v/2.grammar",
             "grammar v 2 extends 1;\n"
             "default;\n"
             "override rule fatal = \"fatal: \" f:word example \"fatal: x\";\n");
  write_file(box / "rules/mappings/v/1.mapping",
             "mapping v 1;\n"
             "rule fatal -> strictlog.openvpn.v1.FatalTlsError { function_name = f; }\n"
             "rule sig -> strictlog.openvpn.v1.ProcessSignal { signal_name = s; }\n");
  write_file(box / "v.log",
             "Nov 22 12:21:12 h v[1]: signal HUP\n"
             "Nov 22 12:21:13 h v[1]: fatal x\n"
             "Nov 22 12:21:14 h v[1]: fatal: y\n"
             "Nov 22 12:21:15 h v[1]: neither\n");
}

std::vector<std::string> diff_versions(std::vector<std::string> versions) {
  std::vector<std::string> args{"diff", "--left", "rules", "--right", "rules", "--year", "2026"};
  args.insert(args.end(), versions.begin(), versions.end());
  args.push_back("v.log");
  return args;
}

}  // namespace

TEST_CASE("diff --left-version --right-version: only lines whose meaning differs between versions", "[cli]") {
  Sandbox box;
  write_versions(box);
  Run r = run_strictlog(box, diff_versions({"--left-version", "v=1", "--right-version", "v=2"}));
  CHECK(r.status == 4);
  CHECK(r.err.empty());
  CHECK(r.out ==
        "strictlog diff: 4 lines, 2 changed (left rules with v=1; right rules with v=2)\n"
        "  into_quarantine           1\n"
        "  out_of_quarantine         1\n"
        "  drop                      0\n"
        "  event_type                0\n"
        "  rule                      0\n"
        "  fields                    0\n"
        "  quarantine                0\n"
        "\ninto_quarantine (1):\n" +
            example("v.log:2", "Nov 22 12:21:13 h v[1]: fatal x",
                    "event v/1/fatal (strictlog.openvpn.v1.FatalTlsError)",
                    "quarantine NO_MATCH: no rule matches the message of program 'v' with v 2; rule v/1/fatal of "
                    "version 1 matches it (--grammar-version v=1)") +
            "\nout_of_quarantine (1):\n" +
            example("v.log:3", "Nov 22 12:21:14 h v[1]: fatal: y",
                    "quarantine NO_MATCH: no rule matches the message of program 'v' with v 1; rule v/2/fatal of "
                    "version 2 matches it (--grammar-version v=2)",
                    "event v/2/fatal (strictlog.openvpn.v1.FatalTlsError)"));

  // The same version on both sides, chosen on one side only (the other reads the default, 2): nothing changed.
  Run same = run_strictlog(box, diff_versions({"--right-version", "v=2"}));
  CHECK(same.status == 0);
  CHECK(starts_with(same.out, "strictlog diff: 4 lines, 0 changed (left rules; right rules with v=2)\n"));
}

// Each --left-version/--right-version takes one value: inputs after it are inputs, however many.
TEST_CASE("diff: inputs after --right-version are not taken for versions", "[cli]") {
  Sandbox box;
  write_versions(box);
  fs::copy_file(box / "v.log", box / "w.log");
  Run r = run_strictlog(box, {"diff", "--left", "rules", "--right", "rules", "--year", "2026", "--left-version", "v=1",
                              "--right-version", "v=2", "v.log", "w.log"});
  CHECK(r.err.empty());
  CHECK(r.status == 4);
  CHECK(starts_with(r.out, "strictlog diff: 8 lines, 4 changed (left rules with v=1; right rules with v=2)\n"));
}

TEST_CASE("diff: a bad --left-version or --right-version exits 1 with the exact message", "[cli]") {
  Sandbox box;
  write_versions(box);
  Run left = run_strictlog(box, diff_versions({"--left-version", "v=3", "--right-version", "v=2"}));
  CHECK(left.status == 1);
  CHECK(left.out.empty());
  CHECK(left.err == "strictlog diff: --left-version 'v=3': grammar 'v' has no version '3' (loaded: 1, 2)\n");

  Run right = run_strictlog(box, diff_versions({"--left-version", "v=1", "--right-version", "v"}));
  CHECK(right.status == 1);
  CHECK(right.out.empty());
  CHECK(right.err == "strictlog diff: --right-version 'v' is not NAME=VERSION (e.g. openvpn=2.5)\n");

  Run unknown = run_strictlog(box, diff_versions({"--right-version", "openvpn=2.6"}));
  CHECK(unknown.status == 1);
  CHECK(unknown.err == "strictlog diff: --right-version 'openvpn=2.6': no grammar 'openvpn' is loaded (loaded: v)\n");
}

}  // namespace strictlog
