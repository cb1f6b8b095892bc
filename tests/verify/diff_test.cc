// Rule-set diff: the openvpn-mini fixture against copies of it with known edits, over a log file and a corpus
// file, so that every kind of change is produced by a real grammar or mapping change and counted exactly.
#include "verify/diff.h"

#include <stdlib.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "fixtures/openvpn_mini.h"

namespace strictlog {
namespace {

namespace fs = std::filesystem;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// Replaces exactly one occurrence of `from`, so that an edit the fixture no longer allows fails loudly.
std::string edit(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  if (at == std::string::npos || text.find(from, at + 1) != std::string::npos) {
    throw std::runtime_error("edit: '" + from + "' is not in the text exactly once");
  }
  return text.replace(at, from.size(), to);
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "strictlog-diff-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    root_ = tmpl;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }
  const fs::path& root() const { return root_; }

 private:
  fs::path root_;
};

const std::string kGrammar = fixtures::kMiniGrammars + "/openvpn/2.6.grammar";
const std::string kMapping = fixtures::kMiniMappings + "/openvpn/2.6.mapping";

std::shared_ptr<const RuleSet> load(const fs::path& dir) {
  auto rules = load_ruleset((dir / "grammars").string(), (dir / "mappings").string());
  if (!rules) throw std::runtime_error("rules do not load:\n" + render(rules.errors()));
  return *rules;
}

std::shared_ptr<const RuleSet> mini() {
  auto rules = load_ruleset(fixtures::kMiniGrammars, fixtures::kMiniMappings);
  if (!rules) throw std::runtime_error("the fixture does not load");
  return *rules;
}

// One line for each thing the edits below change, and two that nothing changes.
const std::vector<std::string> kLines = {
    "Nov 22 12:00:01 vpn1 openvpn[1]: 198.51.100.7:51234 TLS Error: TLS handshake failed",
    "Nov 22 12:00:02 vpn1 openvpn[1]: 198.51.100.7:51234 Fatal TLS error (check_tls_errors_co), restarting",
    "Nov 22 12:00:03 vpn1 openvpn[1]: 198.51.100.7:51234 SIGUSR1[soft,tls-error] received, client-instance restarting",
    "Nov 22 12:00:04 vpn1 openvpn[1]: 198.51.100.7:51234 SIGTERM[hard,] received, client-instance exiting",
    "Nov 22 12:00:05 vpn1 openvpn[1]: 3 variation(s) on previous 10 message(s) suppressed by --mute",
    "Nov 22 12:00:06 vpn1 openvpn[1]: 198.51.100.7:51234 SIGUSR1[medium,tls-error] received, client-instance restarting",
    "garbage",
};

struct Collected {
  DiffCounts counts;
  std::vector<LineChange> changes;
};

Collected diff(std::shared_ptr<const RuleSet> left, std::shared_ptr<const RuleSet> right,
               std::vector<std::string> inputs) {
  Collected c;
  auto counts = diff_rule_sets(left, right, {std::move(inputs), 2026},
                               [&](const LineChange& change) { c.changes.push_back(change); });
  INFO((counts.ok() ? std::string() : render(counts.errors())));
  REQUIRE(counts.ok());
  c.counts = *counts;
  return c;
}

std::string log_file(const TempDir& dir) {
  std::string text;
  for (const auto& l : kLines) text += l + "\n";
  write_file(dir.root() / "vpn.log", text);
  return (dir.root() / "vpn.log").string();
}

TEST_CASE("diff: structure changes are each counted under their kind", "[verify]") {
  TempDir dir;
  // fatal_tls_error becomes a drop rule, tls_handshake_failed maps to another type, a new drop rule takes the
  // --mute note, and the signal rule accepts only soft signals.
  std::string grammar = read_file(kGrammar);
  grammar = edit(grammar, "rule fatal_tls_error =", "drop fatal_tls_error =");
  grammar = edit(grammar, "hardness:word", "hardness:enum(\"soft\")");
  grammar = edit(grammar, "40112 SIGTERM[hard,]", "40112 SIGTERM[soft,]");  // the rule's own example must match
  grammar += "\ndrop mute = n:uint \" variation(s) on previous \" m:uint \" message(s) suppressed by --mute\"\n"
             "  example \"3 variation(s) on previous 10 message(s) suppressed by --mute\";\n";
  std::string mapping = read_file(kMapping);
  mapping = edit(mapping, "rule tls_handshake_failed -> strictlog.openvpn.v1.TlsHandshakeFailed",
                 "rule tls_handshake_failed -> strictlog.openvpn.v1.UnsupportedKeyMethod");
  mapping = edit(mapping,
                 "rule fatal_tls_error -> strictlog.openvpn.v1.FatalTlsError {\n  src_endpoint = client;\n"
                 "  function_name = function;\n}\n",
                 "");
  write_file(dir.root() / "right/grammars/openvpn/2.6.grammar", grammar);
  write_file(dir.root() / "right/mappings/openvpn/2.6.mapping", mapping);

  Collected c = diff(mini(), load(dir.root() / "right"), {log_file(dir)});
  CHECK(c.counts.lines == 7);
  CHECK(c.counts.changed == 5);
  CHECK(c.counts.by_kind == std::array<uint64_t, kChangeKinds>{1, 1, 1, 1, 0, 0, 1});
  REQUIRE(c.changes.size() == 5);
  const std::string log = (dir.root() / "vpn.log").string();

  CHECK(c.changes[0].kind == ChangeKind::kEventType);
  CHECK(c.changes[0].where == log + ":1");
  CHECK(c.changes[0].raw == kLines[0]);
  CHECK(c.changes[0].left.type == "strictlog.openvpn.v1.TlsHandshakeFailed");
  CHECK(c.changes[0].right.type == "strictlog.openvpn.v1.UnsupportedKeyMethod");
  CHECK(c.changes[0].left.rule == "openvpn/2.6/tls_handshake_failed");
  CHECK(c.changes[0].right.rule == "openvpn/2.6/tls_handshake_failed");

  CHECK(c.changes[1].kind == ChangeKind::kDrop);
  CHECK(c.changes[1].where == log + ":2");
  CHECK(c.changes[1].left.kind == LineResult::Kind::kEvent);
  CHECK(c.changes[1].right.kind == LineResult::Kind::kDropped);
  CHECK(c.changes[1].right.rule == "openvpn/2.6/fatal_tls_error");

  CHECK(c.changes[2].kind == ChangeKind::kIntoQuarantine);
  CHECK(c.changes[2].where == log + ":4");
  CHECK(c.changes[2].right.reason == "NO_MATCH");
  CHECK(c.changes[2].right.detail == "no rule matches the message of program 'openvpn'");

  CHECK(c.changes[3].kind == ChangeKind::kOutOfQuarantine);
  CHECK(c.changes[3].where == log + ":5");
  CHECK(c.changes[3].left.reason == "NO_MATCH");
  CHECK(c.changes[3].right.kind == LineResult::Kind::kDropped);
  CHECK(c.changes[3].right.rule == "openvpn/2.6/mute");
  CHECK(c.changes[3].fields.empty());  // no field list against a quarantine record

  // CONVERSION before (medium is not a hardness), NO_MATCH now (the rule only accepts soft).
  CHECK(c.changes[4].kind == ChangeKind::kQuarantine);
  CHECK(c.changes[4].where == log + ":6");
  CHECK(c.changes[4].left.reason == "CONVERSION");
  CHECK(c.changes[4].left.candidates == std::vector<std::string>{"openvpn/2.6/client_instance_signal"});
  CHECK(c.changes[4].right.reason == "NO_MATCH");
}

TEST_CASE("diff: a renamed rule and a dropped field: corpus files are read case by case", "[verify]") {
  TempDir dir;
  std::string grammar = edit(read_file(kGrammar), "rule client_instance_signal =", "rule instance_signal =");
  std::string mapping = edit(read_file(kMapping), "rule client_instance_signal ->", "rule instance_signal ->");
  mapping = edit(mapping, "function_name = function;", "discard function;");
  write_file(dir.root() / "right/grammars/openvpn/2.6.grammar", grammar);
  write_file(dir.root() / "right/mappings/openvpn/2.6.mapping", mapping);
  // The same lines as a corpus file, in a directory given as the input.
  std::string cases = "year: 2026\n";
  for (const auto& l : kLines) cases += "\nline: " + l + "\n";
  write_file(dir.root() / "corpus/t/1/a.cases", cases);

  Collected c = diff(mini(), load(dir.root() / "right"), {(dir.root() / "corpus").string()});
  CHECK(c.counts.lines == 7);
  CHECK(c.counts.by_kind == std::array<uint64_t, kChangeKinds>{0, 0, 0, 0, 2, 1, 1});
  REQUIRE(c.changes.size() == 4);
  const std::string file = (dir.root() / "corpus/t/1/a.cases").lexically_normal().string();

  CHECK(c.changes[0].kind == ChangeKind::kFields);
  CHECK(c.changes[0].where == file + ":5");  // the case's `line:` line
  REQUIRE(c.changes[0].fields.size() == 1);
  CHECK(c.changes[0].fields[0].path == "openvpn_fatal_tls_error.function_name");
  CHECK(c.changes[0].fields[0].left == "\"check_tls_errors_co\"");
  CHECK(c.changes[0].fields[0].right.empty());

  CHECK(c.changes[1].kind == ChangeKind::kRule);
  CHECK(c.changes[1].left.rule == "openvpn/2.6/client_instance_signal");
  CHECK(c.changes[1].right.rule == "openvpn/2.6/instance_signal");
  CHECK(c.changes[1].fields.empty());
  CHECK(c.changes[2].kind == ChangeKind::kRule);
  CHECK(c.changes[2].where == file + ":9");
  CHECK(c.changes[3].kind == ChangeKind::kQuarantine);
  CHECK(c.changes[3].right.candidates == std::vector<std::string>{"openvpn/2.6/instance_signal"});
}

TEST_CASE("diff: the same rules change nothing", "[verify]") {
  TempDir dir;
  Collected c = diff(mini(), mini(), {log_file(dir), fixtures::kMiniCorpus});
  CHECK(c.counts.lines == 7 + 28);
  CHECK(c.counts.changed == 0);
  CHECK(c.changes.empty());
}

TEST_CASE("diff: an unreadable input and a malformed corpus file are errors", "[verify]") {
  TempDir dir;
  auto missing = diff_rule_sets(mini(), mini(), {{(dir.root() / "nope.log").string()}, 2026}, [](const LineChange&) {});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.errors().front().message ==
        "cannot open '" + (dir.root() / "nope.log").string() + "': No such file or directory");
  write_file(dir.root() / "bad.cases", "event: openvpn/2.6/x\n");
  auto bad = diff_rule_sets(mini(), mini(), {{(dir.root() / "bad.cases").string()}, 2026}, [](const LineChange&) {});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.errors().front().where.line == 1);
}

// A directory of logs holds no corpus: comparing nothing must not pass for a clean diff.
TEST_CASE("diff: a directory without corpus files is an error", "[verify]") {
  TempDir dir;
  log_file(dir);
  auto result = diff_rule_sets(mini(), mini(), {{dir.root().string()}, 2026}, [](const LineChange&) {});
  REQUIRE_FALSE(result.ok());
  CHECK(result.errors().front().code == "no-cases");
  CHECK(result.errors().front().message ==
        "'" + dir.root().string() + "' holds no *.cases file: a directory stands for a corpus; give log files by name");
}

TEST_CASE("change_name gives the stable JSON keys", "[verify]") {
  std::vector<std::string> names;
  for (size_t k = 0; k < kChangeKinds; ++k) names.emplace_back(change_name(static_cast<ChangeKind>(k)));
  CHECK(names == std::vector<std::string>{"into_quarantine", "out_of_quarantine", "drop", "event_type", "rule",
                                          "fields", "quarantine"});
}

// Versions of one source compared in one rule set (DiffOptions::left_versions, right_versions): rules are named
// without their version, so a rule inherited unchanged is no change. Version 1 says `fatal x`, version 2 (the
// default) `fatal: x`, version 3 `fatal; x`; `sig` is the same in all three.
std::shared_ptr<const RuleSet> three_versions(const TempDir& dir) {
  write_file(dir.root() / "v/grammars/v/1.grammar",
             "grammar v 1;\nprograms \"v\";\n"
             "rule fatal = \"fatal \" f:word example \"fatal x\";\n"
             "rule sig = \"signal \" s:word example \"signal HUP\";\n");
  write_file(dir.root() / "v/grammars/v/2.grammar",
             "grammar v 2 extends 1;\ndefault;\noverride rule fatal = \"fatal: \" f:word example \"fatal: x\";\n");
  write_file(dir.root() / "v/grammars/v/3.grammar",
             "grammar v 3 extends 2;\noverride rule fatal = \"fatal; \" f:word example \"fatal; x\";\n");
  write_file(dir.root() / "v/mappings/v/1.mapping",
             "mapping v 1;\n"
             "rule fatal -> strictlog.openvpn.v1.FatalTlsError { function_name = f; }\n"
             "rule sig -> strictlog.openvpn.v1.ProcessSignal { signal_name = s; }\n");
  return load(dir.root() / "v");
}

Collected diff_versions(std::shared_ptr<const RuleSet> rules, const std::string& left, const std::string& right,
                        const std::string& log) {
  auto l = choose_versions(*rules, {left});
  auto r = choose_versions(*rules, {right});
  REQUIRE(l.ok());
  REQUIRE(r.ok());
  Collected c;
  DiffOptions options{{log}, 2026, *l, *r};
  auto counts = diff_rule_sets(rules, rules, options, [&](const LineChange& change) { c.changes.push_back(change); });
  INFO((counts.ok() ? std::string() : render(counts.errors())));
  REQUIRE(counts.ok());
  c.counts = *counts;
  return c;
}

TEST_CASE("diff: two versions of one rule set differ only where a line's meaning does", "[verify]") {
  TempDir dir;
  auto rules = three_versions(dir);
  write_file(dir.root() / "v.log",
             "Nov 22 12:00:01 h v[1]: signal HUP\n"
             "Nov 22 12:00:02 h v[1]: fatal x\n"
             "Nov 22 12:00:03 h v[1]: fatal: y\n"
             "Nov 22 12:00:04 h v[1]: neither\n");
  const std::string log = (dir.root() / "v.log").string();
  Collected c = diff_versions(rules, "v=1", "v=2", log);
  CHECK(c.counts.lines == 4);
  CHECK(c.counts.changed == 2);
  CHECK(c.counts.by_kind == std::array<uint64_t, kChangeKinds>{1, 1, 0, 0, 0, 0, 0});
  REQUIRE(c.changes.size() == 2);
  CHECK(c.changes[0].kind == ChangeKind::kIntoQuarantine);
  CHECK(c.changes[0].where == log + ":2");
  CHECK(c.changes[0].left.rule == "v/1/fatal");
  CHECK(c.changes[0].right.reason == "NO_MATCH");
  CHECK(c.changes[1].kind == ChangeKind::kOutOfQuarantine);
  CHECK(c.changes[1].where == log + ":3");
  CHECK(c.changes[1].right.rule == "v/2/fatal");
  CHECK(c.changes[1].fields.empty());

  // A version against itself changes nothing.
  CHECK(diff_versions(rules, "v=3", "v=3", log).counts.changed == 0);
}

// A line that neither side's version takes is quarantined NO_MATCH on both sides. The detail names the side's
// own version ("with v 1" / "with v 2") and the version that would take it; that is the same meaning, so it
// must not count as a change (DiffOptions: "only lines whose event, fields, drop or quarantine differ between
// the versions count as changed").
TEST_CASE("diff: a line only a third version takes is no change between the other two", "[verify]") {
  TempDir dir;
  auto rules = three_versions(dir);
  write_file(dir.root() / "v.log", "Nov 22 12:00:01 h v[1]: fatal; z\n");
  const std::string log = (dir.root() / "v.log").string();
  Collected c = diff_versions(rules, "v=1", "v=2", log);
  CHECK(c.counts.lines == 1);
  INFO((c.changes.empty() ? std::string() : c.changes[0].left.detail + " | " + c.changes[0].right.detail));
  CHECK(c.counts.changed == 0);
}


// Review fix: an AMBIGUOUS detail names the candidates with their versions ("2 rules match: v/1/a, v/1/b"), so
// a line both versions find ambiguous between the same two rules counted as a quarantine change. Version 3
// prefers one of them: the line is then read, which shows it is ambiguous in the other two.
TEST_CASE("diff: a line AMBIGUOUS in both versions between the same rules is no change", "[verify]") {
  TempDir dir;
  write_file(dir.root() / "v/grammars/v/1.grammar",
             "grammar v 1;\nprograms \"v\";\n"
             "rule a = \"amb \" x:word example \"amb x\";\n"
             "rule b = y:word \" z\" example \"w z\";\n");
  write_file(dir.root() / "v/grammars/v/2.grammar", "grammar v 2 extends 1;\ndefault;\n");
  write_file(dir.root() / "v/grammars/v/3.grammar", "grammar v 3 extends 2;\nprefer a over b;\n");
  write_file(dir.root() / "v/mappings/v/1.mapping",
             "mapping v 1;\n"
             "rule a -> strictlog.openvpn.v1.FatalTlsError { function_name = x; }\n"
             "rule b -> strictlog.openvpn.v1.FatalTlsError { function_name = y; }\n");
  auto rules = load(dir.root() / "v");
  write_file(dir.root() / "v.log", "Nov 22 12:00:01 h v[1]: amb z\n");
  const std::string log = (dir.root() / "v.log").string();

  Collected same = diff_versions(rules, "v=1", "v=2", log);
  CHECK(same.counts.lines == 1);
  INFO((same.changes.empty() ? std::string() : same.changes[0].left.detail + " | " + same.changes[0].right.detail));
  CHECK(same.counts.changed == 0);
  CHECK(same.counts.by_kind == std::array<uint64_t, kChangeKinds>{0, 0, 0, 0, 0, 0, 0});
  CHECK(same.changes.empty());

  Collected read = diff_versions(rules, "v=1", "v=3", log);
  CHECK(read.counts.changed == 1);
  REQUIRE(read.changes.size() == 1);
  CHECK(read.changes[0].kind == ChangeKind::kOutOfQuarantine);
  CHECK(read.changes[0].left.reason == "AMBIGUOUS");
  CHECK(read.changes[0].left.detail == "2 rules match: v/1/a, v/1/b");
  CHECK(read.changes[0].left.candidates == std::vector<std::string>{"v/1/a", "v/1/b"});
  CHECK(read.changes[0].right.rule == "v/3/a");
}

}  // namespace
}  // namespace strictlog
