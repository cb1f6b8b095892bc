// `strictlog explain` and `normalize --explain` on the openvpn-mini fixture (copied into the sandbox, so that
// grammar positions print as `grammars/openvpn/2.6.grammar:LINE:COL`): the exact text for near misses, the
// caret, the exit codes (0 every line taken, 4 one would be quarantined, 1 usage, 2 load), and the
// nearest_miss that NO_MATCH records carry.
//
// Offsets and expectations below are worked out by hand from the fixture grammar (lines 11-25) and
// explain/nearest_miss.h: a rule's nearest miss is the element it got furthest to, counted first in the rule's
// literal text found in the line (bytes), then in bytes of the line; a literal the line starts to spell is
// reached up to its first differing character.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "cli/harness.h"

namespace strictlog {
namespace {

using namespace cli_test;
namespace fs = std::filesystem;

const std::string kGrammarFile = "grammars/openvpn/2.6.grammar";
const std::string kApplies =
    "  grammar openvpn/2.6 (grammars/openvpn/2.6.grammar): applies: program 'openvpn' matches \"openvpn\" \"ovpn-*\" "
    "\"openvpn-*\"\n";
const std::string kNoRuleMatches = "  result: quarantine NO_MATCH: no rule matches the message of program 'openvpn'\n";

// "Nov 22 12:21:12 vpn1 openvpn[1234]: " is 36 bytes: the message starts there.
const std::string kPrefix = "Nov 22 12:21:12 vpn1 openvpn[1234]: ";
const size_t kMessageAt = 36;
const std::string kHandshakeMessage = "198.51.100.7:51234 TLS Error: TLS handshake failed";
const std::string kHandshake = kPrefix + kHandshakeMessage;
// A typo in the rule's last literal: "falied". The peer takes 18 bytes ("198.51.100.7:51234"), the literal
// " TLS Error: TLS handshake failed" agrees for 28 more (" TLS Error: TLS handshake fa").
const std::string kTypoMessage = "198.51.100.7:51234 TLS Error: TLS handshake falied";
const std::string kTypo = kPrefix + kTypoMessage;
const std::string kCron = "Nov 22 12:21:15 vpn1 CRON[5]: (root) CMD (true)";

// Copies the fixture's grammars/ and mappings/ into the sandbox.
void copy_fixture(const Sandbox& box) {
  fs::copy(kGrammars, box / "grammars", fs::copy_options::recursive);
  fs::copy(kMappings, box / "mappings", fs::copy_options::recursive);
}

std::vector<std::string> explain(std::vector<std::string> args) {
  args.insert(args.begin(), {"explain", "--grammars", "grammars", "--mappings", "mappings"});
  return args;
}

std::string caret_at(size_t column) { return "         " + std::string(column, ' ') + "^\n"; }

// One candidate that stopped short of the whole message, as explain lists it.
std::string short_of(const std::string& number_and_rule, int rule_line, size_t at, size_t evidence,
                     const std::string& shown, const std::string& expected, const std::string& found) {
  return "  " + number_and_rule + " (" + kGrammarFile + ":" + std::to_string(rule_line) + ":1) matched up to byte " +
         std::to_string(at) + ", " + std::to_string(evidence) + " bytes of its literal text found\n         " + shown + "\n" + caret_at(at) + "       " + kGrammarFile + ":" + expected +
         "\n       found " + found + "\n";
}

// The two rules that do not take a TLS handshake message, whether or not its last literal has a typo:
// client_instance_signal takes the peer, " " and signal:word ("TLS"), then needs "[" (line 25, col 33): of its
// literal text the line holds the peer's ":" and the " ", 2 bytes; fatal_tls_error takes the peer and the first
// byte of " Fatal TLS error (" (line 19, col 36): ":" and " ", 2 bytes too, and the byte further wins.
std::string other_rules(size_t message_at, const std::string& shown) {
  return short_of("  2. openvpn/2.6/client_instance_signal", 24, message_at + 22, 2, shown, "25:33: expected \"[\"",
                  "\" Error: TLS handshake fa\"...") +
         short_of("  3. openvpn/2.6/fatal_tls_error", 19, message_at + 19, 2, shown,
                  "19:36: expected \" Fatal TLS error (\"", "\"TLS Error: TLS handshake\"...");
}

// tls_handshake_failed: the peer's ":" and the 28 bytes of its literal, 29.
const std::string kTypoNearest = short_of("  1. openvpn/2.6/tls_handshake_failed", 14, kMessageAt + 46, 29, kTypo,
                                          "14:41: expected \" TLS Error: TLS handshake failed\"", "\"lied\"");

}  // namespace

TEST_CASE("explain: a near miss lists every rule with its caret and expectation and exits 4", "[cli]") {
  REQUIRE(kPrefix.size() == kMessageAt);
  Sandbox box;
  copy_fixture(box);
  Run r = run_strictlog(box, explain({kTypo}));
  CHECK(r.status == 4);
  CHECK(r.err.empty());
  CHECK(r.out == "line 1: " + kTypo + "\n" +
                     "  header: program 'openvpn', message from byte 36\n" + kApplies + kNoRuleMatches +
                     "  candidate rules, nearest miss first (3 of 3):\n" + kTypoNearest +
                     other_rules(kMessageAt, kTypo));
  CHECK(box.entries() == std::vector<std::string>{"grammars", "mappings"});
}

TEST_CASE("explain: a line a rule takes exits 0 and names the rule", "[cli]") {
  Sandbox box;
  copy_fixture(box);
  Run r = run_strictlog(box, explain({kHandshake}));
  CHECK(r.status == 0);
  CHECK(r.err.empty());
  CHECK(r.out == "line 1: " + kHandshake + "\n" +
                     "  header: program 'openvpn', message from byte 36\n" + kApplies +
                     "  result: event from openvpn/2.6/tls_handshake_failed\n"
                     "  candidate rules, nearest miss first (3 of 3):\n"
                     "    1. openvpn/2.6/tls_handshake_failed (grammars/openvpn/2.6.grammar:14:1) matches the whole "
                     "message\n" +
                     other_rules(kMessageAt, kHandshake));
}

TEST_CASE("explain --program: a bare message is explained with offsets counted from the message", "[cli]") {
  Sandbox box;
  copy_fixture(box);
  Run r = run_strictlog(box, explain({"--program", "openvpn", kTypoMessage}));
  CHECK(r.status == 4);
  CHECK(r.err.empty());
  CHECK(r.out == "line 1: " + kTypoMessage + "\n" + "  message of program 'openvpn' (--program)\n" + kApplies +
                     kNoRuleMatches + "  candidate rules, nearest miss first (3 of 3):\n" +
                     short_of("  1. openvpn/2.6/tls_handshake_failed", 14, 46, 29, kTypoMessage,
                              "14:41: expected \" TLS Error: TLS handshake failed\"", "\"lied\"") +
                     other_rules(0, kTypoMessage));
}

TEST_CASE("explain --grammar tries that grammar whatever the line's program", "[cli]") {
  Sandbox box;
  copy_fixture(box);
  // 'ovpn2' matches none of the grammar's globs: without --grammar the line is NO_MATCH.
  const std::string line = "Nov 22 12:21:12 vpn1 ovpn2[1234]: " + kHandshakeMessage;
  Run chosen = run_strictlog(box, explain({"--grammar", "openvpn", "--top", "1", line}));
  CHECK(chosen.status == 0);
  CHECK(chosen.out == "line 1: " + line + "\n" +
                          "  header: program 'ovpn2', message from byte 34\n"
                          "  grammar openvpn/2.6 (grammars/openvpn/2.6.grammar): applies: chosen with --grammar\n"
                          "  result: event from openvpn/2.6/tls_handshake_failed\n"
                          "  candidate rules, nearest miss first (1 of 3):\n"
                          "    1. openvpn/2.6/tls_handshake_failed (grammars/openvpn/2.6.grammar:14:1) matches the "
                          "whole message\n");

  Run unchosen = run_strictlog(box, explain({line}));
  CHECK(unchosen.status == 4);
  CHECK(unchosen.out == "line 1: " + line + "\n" +
                            "  header: program 'ovpn2', message from byte 34\n"
                            "  grammar openvpn/2.6 (grammars/openvpn/2.6.grammar): does not apply: program 'ovpn2' "
                            "matches none of \"openvpn\" \"ovpn-*\" \"openvpn-*\"\n"
                            "  result: quarantine NO_MATCH: no grammar applies to program 'ovpn2'\n");
}

TEST_CASE("explain: usage errors exit 1 and load errors exit 2 with the exact message", "[cli]") {
  Sandbox box;
  copy_fixture(box);
  Run grammar = run_strictlog(box, explain({"--grammar", "nope", kHandshake}));
  CHECK(grammar.status == 1);
  CHECK(grammar.out.empty());
  CHECK(grammar.err == "strictlog explain: --grammar 'nope' is not a loaded grammar (loaded: openvpn/2.6)\n");

  Run program = run_strictlog(box, explain({"--program", "two words", kHandshakeMessage}));
  CHECK(program.status == 1);
  CHECK(program.out.empty());
  CHECK(program.err == "strictlog explain: --program \"two words\" is not a syslog program name (TAG)\n");

  Run load = run_strictlog(box, {"explain", "--grammars", "nope", "--mappings", "nope2", kHandshake});
  CHECK(load.status == 2);
  CHECK(load.out.empty());
  CHECK(load.err ==
        "'nope' is not a directory [missing-directory]\n"
        "'nope2' is not a directory [missing-directory]\n"
        "strictlog explain: 2 errors; nothing was processed\n");
}

TEST_CASE("explain: a line without a syslog header gets the HEADER result and the --program hint", "[cli]") {
  Sandbox box;
  copy_fixture(box);
  Run r = run_strictlog(box, explain({kHandshakeMessage}));
  CHECK(r.status == 4);
  CHECK(r.err.empty());
  CHECK(r.out == "line 1: " + kHandshakeMessage + "\n" +
                     "  result: quarantine HEADER: not an RFC 3339 file line (rsyslog's high-precision format): "
                     "malformed TIMESTAMP at byte 3\n"
                     "  no rule was tried: the line has no syslog header. To explain a message alone, give its "
                     "program: --program NAME\n");
}

TEST_CASE("explain reads lines from stdin and explains each one", "[cli]") {
  Sandbox box;
  copy_fixture(box);
  write_file(box / "two.log", kHandshake + "\n" + kCron + "\n");
  RunOptions options;
  options.stdin_path = box / "two.log";
  Run r = run_strictlog(box, explain({"--top", "1"}), options);
  CHECK(r.status == 4);  // the CRON line would be quarantined
  CHECK(r.err.empty());
  CHECK(r.out == "line 1: " + kHandshake + "\n" +
                     "  header: program 'openvpn', message from byte 36\n" + kApplies +
                     "  result: event from openvpn/2.6/tls_handshake_failed\n"
                     "  candidate rules, nearest miss first (1 of 3):\n"
                     "    1. openvpn/2.6/tls_handshake_failed (grammars/openvpn/2.6.grammar:14:1) matches the whole "
                     "message\n"
                     "\n"
                     "line 2: " + kCron + "\n" +
                     "  header: program 'CRON', message from byte 30\n"
                     "  grammar openvpn/2.6 (grammars/openvpn/2.6.grammar): does not apply: program 'CRON' matches "
                     "none of \"openvpn\" \"ovpn-*\" \"openvpn-*\"\n"
                     "  result: quarantine NO_MATCH: no grammar applies to program 'CRON'\n");

  // Every line taken: exit 0.
  write_file(box / "one.log", kHandshake + "\n");
  options.stdin_path = box / "one.log";
  CHECK(run_strictlog(box, explain({}), options).status == 0);
}

TEST_CASE("explain reads a line as normalize does: over --max-line it is OVERSIZE", "[cli]") {
  Sandbox box;
  copy_fixture(box);
  Run r = run_strictlog(box, explain({"--max-line", "64", kHandshake}));
  CHECK(r.status == 4);
  CHECK(r.out == "line 1: " + kHandshake + "\n"
                 "  result: quarantine OVERSIZE: line is 86 bytes, over the limit of 64; raw holds the first 64 bytes\n"
                 "  no rule was tried: the line is refused before matching\n");
}

TEST_CASE("explain shows control characters as ? so that the terminal shows the line", "[cli]") {
  Sandbox box;
  copy_fixture(box);
  // ESC (C0), U+009B (C1 CSI, C2 9B) and U+202E (right-to-left override, E2 80 AE) in a common name.
  const std::string line = kPrefix + "a\x1b[2J\xC2\x9B\xE2\x80\xAE/" + kTypoMessage;
  Run r = run_strictlog(box, explain({"--top", "1", line}));
  CHECK(r.status == 4);
  std::vector<std::string> lines = split_lines(r.out);
  REQUIRE(lines.size() >= 7);
  CHECK(lines[0] == "line 1: " + kPrefix + "a?[2J?" "?/" + kTypoMessage);
  CHECK(lines[6] == "         " + kPrefix + "a?[2J?" "?/" + kTypoMessage);
  CHECK(r.out.find('\x1b') == std::string::npos);
}

TEST_CASE("explain --top 1 lists only the nearest rule", "[cli]") {
  Sandbox box;
  copy_fixture(box);
  Run r = run_strictlog(box, explain({"--top", "1", kTypo}));
  CHECK(r.status == 4);
  CHECK(r.out == "line 1: " + kTypo + "\n" + "  header: program 'openvpn', message from byte 36\n" + kApplies +
                     kNoRuleMatches + "  candidate rules, nearest miss first (1 of 3):\n" + kTypoNearest);
}

TEST_CASE("explain --regex adds the failing element's regex and the rule's regex", "[cli]") {
  Sandbox box;
  copy_fixture(box);
  // The rule's regex, piece by piece: the `peer` pattern as a group holding the optional `cn "/"` group,
  // then ipv4 (fields/ipv4.h), ":" and port (fields/port.h) captured; each literal through RE2::QuoteMeta.
  const std::string octet = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])";
  const std::string literal = "\\ TLS\\ Error\\:\\ TLS\\ handshake\\ failed";
  const std::string rule_regex = "(?:(?:([^\\x00-\\x1f\\x7f]+)\\/)?(" + octet + "(?:\\." + octet +
                                 "){3})\\:([0-9]{1,5}))" + literal;
  Run r = run_strictlog(box, explain({"--top", "1", "--regex", kTypo}));
  CHECK(r.status == 4);
  CHECK(r.out == "line 1: " + kTypo + "\n" + "  header: program 'openvpn', message from byte 36\n" + kApplies +
                     kNoRuleMatches + "  candidate rules, nearest miss first (1 of 3):\n" +
                     "    1. openvpn/2.6/tls_handshake_failed (grammars/openvpn/2.6.grammar:14:1) matched up to byte "
                     "82, 29 bytes of its literal text found\n"
                     "         " + kTypo + "\n" + caret_at(82) +
                     "       grammars/openvpn/2.6.grammar:14:41: expected \" TLS Error: TLS handshake failed\"\n"
                     "         regex: " + literal + "\n" +
                     "       found \"lied\"\n"
                     "       rule regex: " + rule_regex + "\n");

  // A rule that matches shows its regex too.
  Run matched = run_strictlog(box, explain({"--top", "1", "--regex", kHandshake}));
  CHECK(matched.status == 0);
  CHECK(ends_with(matched.out,
                  "    1. openvpn/2.6/tls_handshake_failed (grammars/openvpn/2.6.grammar:14:1) matches the whole "
                  "message\n       rule regex: " + rule_regex + "\n"));
}

TEST_CASE("explain: the caret counts characters and a miss inside a character shows whole characters", "[cli]") {
  Sandbox box;
  copy_fixture(box);
  // A PRI and a common name with a two-byte 'ë' before the miss: the message starts at byte 40 and the miss
  // is at byte 40 + 5 ("Zoë/") + 18 + 28 = 91, which is column 90.
  const std::string zoe = "<27>" + kPrefix + "Zo\xC3\xAB/" + kTypoMessage;
  Run r = run_strictlog(box, explain({"--top", "1", zoe}));
  CHECK(r.status == 4);
  CHECK(r.out == "line 1: " + zoe + "\n" + "  header: program 'openvpn', message from byte 40\n" + kApplies +
                     kNoRuleMatches + "  candidate rules, nearest miss first (1 of 3):\n" +
                     "    1. openvpn/2.6/tls_handshake_failed (grammars/openvpn/2.6.grammar:14:1) matched up to byte "
                     "91, 30 bytes of its literal text found\n"
                     "         " + zoe + "\n" + caret_at(90) +
                     "       grammars/openvpn/2.6.grammar:14:41: expected \" TLS Error: TLS handshake failed\"\n"
                     "       found \"lied\"\n");

  // A literal with 'é' (C3 A9) against a line with 'è' (C3 A8): they share their first byte, but the
  // character that differs is the whole 'è'. The miss is at it (byte 36 + 18 + 11: the peer, then
  // " Fatal TLS "), the caret points at it, and what was found starts with it, never with its second byte
  // alone.
  std::string grammar = read_all(box / kGrammarFile);
  const std::string written = "rule fatal_tls_error = client:peer \" Fatal TLS error (\"";
  size_t at = grammar.find(written);
  REQUIRE(at != std::string::npos);
  grammar.replace(at, written.size(), "rule fatal_tls_error = client:peer \" Fatal TLS \xC3\xA9rror (\"");
  at = grammar.find("(check_tls_errors_co), restarting\"");
  REQUIRE(at != std::string::npos);
  grammar.replace(at - 6, 6, "\xC3\xA9rror ");  // the example: "error " -> "érror "
  write_file(box / kGrammarFile, grammar);
  const std::string accented = kPrefix + "198.51.100.7:51234 Fatal TLS \xC3\xA8rror (x), restarting";
  Run acc = run_strictlog(box, explain({"--top", "1", accented}));
  CHECK(acc.status == 4);
  INFO(acc.err);
  std::vector<std::string> lines = split_lines(acc.out);
  REQUIRE(lines.size() == 10);
  // Its literal text found: the peer's ":" and " Fatal TLS ", 12 bytes.
  CHECK(lines[5] == "    1. openvpn/2.6/fatal_tls_error (grammars/openvpn/2.6.grammar:19:1) matched up to byte 65, 12 "
                    "bytes of its literal text found");
  CHECK(lines[7] == caret_at(65).substr(0, caret_at(65).size() - 1));
  CHECK(lines[8] == "       grammars/openvpn/2.6.grammar:19:36: expected \" Fatal TLS \xC3\xA9rror (\"");
  CHECK(lines[9] == "       found \"\xC3\xA8rror (x), restarting\"");
}

TEST_CASE("normalize --explain puts the nearest miss in NO_MATCH records where a grammar applied", "[cli]") {
  Sandbox box;
  copy_fixture(box);
  const std::string port = kPrefix + "198.51.100.7:65536 TLS Error: TLS handshake failed";
  write_file(box / "nm.log", kTypo + "\n" + kCron + "\n" + kHandshake + "\n" + port + "\n");
  Run r = run_strictlog(box, {"normalize", "--grammars", "grammars", "--mappings", "mappings", "--explain", "--year",
                              "2026", "--no-processed-time", "--format", "jsonl", "--out", "e.jsonl", "nm.log"});
  CHECK(r.status == 0);
  CHECK(split_lines(r.err).back() == "  lines_in 4 == events 1 + dropped_by_rule 0 + quarantined 3: ok");
  std::vector<std::string> records = split_lines(read_all(box / "e.quarantine.jsonl"));
  REQUIRE(records.size() == 3);
  // The typo: offset 82 in the raw line (36 + 46), at the rule's last literal.
  CHECK(starts_with(records[0], "{\"reason\":\"NO_MATCH\",\"detail\":\"no rule matches the message of program "
                                "'openvpn'\",\"raw_text\":\"" + kTypo + "\""));
  CHECK(ends_with(records[0],
                  ",\"year_stated\":true,\"nearest_miss\":{\"offset\":\"82\",\"rule_id\":\"openvpn/2.6/"
                  "tls_handshake_failed\",\"element\":\"grammars/openvpn/2.6.grammar:14:41\",\"expected\":\"\\\" TLS "
                  "Error: TLS handshake failed\\\"\"}}"));
  // No grammar applies to CRON, and a CONVERSION is not a miss: neither has a nearest_miss.
  CHECK(starts_with(records[1], "{\"reason\":\"NO_MATCH\",\"detail\":\"no grammar applies to program 'CRON'\""));
  CHECK(ends_with(records[1], ",\"year_stated\":true}"));
  CHECK(starts_with(records[2], "{\"reason\":\"CONVERSION\""));
  CHECK(ends_with(records[2], ",\"year_stated\":true}"));

  // Without --explain, the same NO_MATCH record has no nearest_miss.
  Run plain = run_strictlog(box, {"normalize", "--grammars", "grammars", "--mappings", "mappings", "--year", "2026",
                                  "--no-processed-time", "--format", "jsonl", "--out", "p.jsonl", "nm.log"});
  CHECK(plain.status == 0);
  std::vector<std::string> plain_records = split_lines(read_all(box / "p.quarantine.jsonl"));
  REQUIRE(plain_records.size() == 3);
  CHECK(plain_records[0] == records[0].substr(0, records[0].find(",\"nearest_miss\":")) + "}");
  CHECK(plain_records[1] == records[1]);
  CHECK(plain_records[2] == records[2]);
}

}  // namespace strictlog
