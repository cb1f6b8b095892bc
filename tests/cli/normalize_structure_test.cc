// `strictlog normalize` on a rule set that uses drop rules and precedence, through the built binary on real
// files: drop rules are counted per rule and their lines kept verbatim with --dropped; `prefer` decides a
// line two rules match; two rules nothing orders make the line AMBIGUOUS with both named; a drop rule's
// captures are converted like any other, so a line that only looks like noise is quarantined.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/harness.h"

namespace strictlog {
namespace {

using namespace cli_test;

const char* const kGrammar = R"(grammar app 1.0;
programs "app";
rule login = "login " user:word " from " ip:ipv4 example "login bob from 192.0.2.1";
drop heartbeat = "heartbeat " n:uint example "heartbeat 7";
drop keepalive = "keepalive" example "keepalive";
rule generic_error = "error: " text:rest example "error: out of cheese";
rule disk_error = "error: disk " device:word " full" example "error: disk sda1 full";
prefer disk_error over generic_error;
rule any_down = w:word " down" example "link down";
rule iface_down = "eth" n:uint " down" example "eth0 down";
)";

const char* const kMapping = R"(mapping app 1.0;
rule login -> strictlog.openvpn.v1.FatalTlsError { function_name = user; src_endpoint.ip = ip; }
rule generic_error -> strictlog.openvpn.v1.FatalTlsError { function_name = text; }
rule disk_error -> strictlog.openvpn.v1.FatalTlsError { function_name = device; }
rule any_down -> strictlog.openvpn.v1.FatalTlsError { function_name = w; }
rule iface_down -> strictlog.openvpn.v1.FatalTlsError { discard n; }
)";

std::string line(const std::string& message) { return "Nov 22 12:00:00 host app[7]: " + message; }

std::vector<std::string> with_tree(const Sandbox& box, std::vector<std::string> args) {
  args.insert(args.begin() + 1, {"--grammars", box / "grammars", "--mappings", box / "mappings"});
  return args;
}

void write_tree(const Sandbox& box, const std::string& mapping = kMapping) {
  std::filesystem::create_directories(box / "grammars");
  std::filesystem::create_directories(box / "mappings");
  write_file(box / "grammars/app.grammar", kGrammar);
  write_file(box / "mappings/app.mapping", mapping);
}

TEST_CASE("normalize: drop rules counted per rule and kept with --dropped and precedence and AMBIGUOUS",
          "[cli]") {
  Sandbox box;
  write_tree(box);
  const std::vector<std::string> input = {
      line("login bob from 192.0.2.1"),             // 1 event login
      line("heartbeat 1"),                          // 2 dropped by heartbeat
      line("keepalive"),                            // 3 dropped by keepalive
      line("heartbeat 99999999999999999999"),    // 4 CONVERSION: looks like noise, is not a uint64
      line("error: disk sda1 full"),                // 5 event disk_error: preferred over generic_error
      line("error: printer on fire"),               // 6 event generic_error
      line("eth0 down"),                            // 7 AMBIGUOUS: any_down and iface_down, unordered
      "Nov 22 12:00:01 host app[7]: heartbeat 2\r",  // 8 dropped: kept as read, CR stripped like every line
  };
  std::string text;
  for (const auto& l : input) text += l + "\n";
  write_file(box / "in.log", text);
  Run r = run_strictlog(box, with_tree(box, {"normalize", "--year", "2026", "--no-processed-time", "--format", "jsonl",
                                            "--out", "events.jsonl", "--dropped", "noise.log", "in.log"}));
  INFO(r.err);
  CHECK(r.status == 0);
  auto err = split_lines(r.err);
  REQUIRE(err.size() == 15);  // rules that took no line (any_down, iface_down) are not listed
  CHECK(err[1] == "  events                   3");
  CHECK(err[2] == "    app/1.0/login                                             1");
  CHECK(err[3] == "    app/1.0/generic_error                                     1");
  CHECK(err[4] == "    app/1.0/disk_error                                        1");
  CHECK(err[5] == "  dropped                  3");
  CHECK(err[6] == "    app/1.0/heartbeat                                         2");
  CHECK(err[7] == "    app/1.0/keepalive                                         1");
  CHECK(err[8] == "  quarantined              2");
  CHECK(err[9] == "    AMBIGUOUS                                                 1");
  CHECK(err[10] == "    CONVERSION                                                1");
  CHECK(err[13] == "  dropped    -> noise.log");
  CHECK(err[14] == "  lines_in 8 == events 3 + dropped_by_rule 3 + quarantined 2: ok");

  CHECK(read_all(box / "noise.log") == input[1] + "\n" + input[2] + "\n" + "Nov 22 12:00:01 host app[7]: heartbeat 2\n");
  CHECK(mode_of(box / "noise.log") == 0600);

  auto events = split_lines(read_all(box / "events.jsonl"));
  REQUIRE(events.size() == 3);
  CHECK(events[0].find("\"rule_id\":\"login\"") != std::string::npos);
  CHECK(events[1].find("\"rule_id\":\"disk_error\",\"header_format\":\"RFC3164\"},"
                       "\"openvpn_fatal_tls_error\":{\"function_name\":\"sda1\"}") != std::string::npos);
  CHECK(events[2].find("\"rule_id\":\"generic_error\"") != std::string::npos);

  auto quarantine = split_lines(read_all(box / "events.quarantine.jsonl"));
  REQUIRE(quarantine.size() == 2);
  CHECK(quarantine[0].find("\"reason\":\"CONVERSION\",\"detail\":\"capture 'n': cannot convert "
                           "'99999999999999999999' to uint: ") != std::string::npos);
  CHECK(quarantine[0].find("\"candidate_rule_ids\":[\"app/1.0/heartbeat\"]") != std::string::npos);
  CHECK(quarantine[1].find("\"reason\":\"AMBIGUOUS\",\"detail\":\"2 rules match: app/1.0/any_down, "
                           "app/1.0/iface_down\"") != std::string::npos);
  CHECK(quarantine[1].find("\"candidate_rule_ids\":[\"app/1.0/any_down\",\"app/1.0/iface_down\"]") !=
        std::string::npos);
}

TEST_CASE("normalize: without --dropped dropped lines are only counted and no file appears", "[cli]") {
  Sandbox box;
  write_tree(box);
  write_file(box / "in.log", line("heartbeat 1") + "\n");
  Run r = run_strictlog(box, with_tree(box, {"normalize", "--year", "2026", "--out", "events.pb", "in.log"}));
  CHECK(r.status == 0);
  auto err = split_lines(r.err);
  CHECK(std::find(err.begin(), err.end(), "  dropped    -> counted only (--dropped FILE keeps them)") != err.end());
  CHECK(err.back() == "  lines_in 1 == events 0 + dropped_by_rule 1 + quarantined 0: ok");
  CHECK(box.entries() == std::vector<std::string>{"events.pb", "events.quarantine.jsonl", "grammars", "in.log",
                                                  "mappings"});
}

TEST_CASE("normalize: --dropped may not be the input or another output", "[cli]") {
  Sandbox box;
  write_tree(box);
  write_file(box / "in.log", line("heartbeat 1") + "\n");
  Run same = run_strictlog(box, with_tree(box, {"normalize", "--out", "x.pb", "--dropped", "x.pb", "in.log"}));
  CHECK(same.status == 1);
  CHECK(same.err == "strictlog normalize: --out 'x.pb' and --dropped 'x.pb' are the same file\n");
  Run input = run_strictlog(box, with_tree(box, {"normalize", "--out", "x.pb", "--dropped", "in.log", "in.log"}));
  CHECK(input.status == 1);
  CHECK(input.err ==
        "strictlog normalize: input 'in.log' is also the --dropped file: strictlog never writes over its input\n");
  CHECK(read_all(box / "in.log") == line("heartbeat 1") + "\n");
}

TEST_CASE("normalize: a mapping for a drop rule does not load", "[cli]") {
  Sandbox box;
  write_tree(box, std::string(kMapping) + "rule heartbeat -> strictlog.openvpn.v1.FatalTlsError { discard n; }\n");
  write_file(box / "in.log", "");
  Run r = run_strictlog(box, with_tree(box, {"normalize", "--out", "x.pb", "in.log"}));
  CHECK(r.status == 2);
  CHECK(r.err.find("mappings/app.mapping:7:1: rule 'heartbeat' is a drop rule: its lines are counted and dropped, "
                   "never mapped; remove this mapping, or declare the rule with 'rule' instead of 'drop' "
                   "[mapping-for-drop-rule]\n") != std::string::npos);
  CHECK(r.err.find("grammars/app.grammar:4:1: note: declared here\n") != std::string::npos);
  CHECK(box.entries() == std::vector<std::string>{"grammars", "in.log", "mappings"});
}

}  // namespace
}  // namespace strictlog

namespace strictlog {
namespace {

TEST_CASE("normalize: a drop rule does not take a line whose date the stated year lacks", "[cli]") {
  Sandbox box;
  write_tree(box);
  write_file(box / "in.log", "Feb 29 12:00:00 host app[7]: heartbeat 1\n");
  Run r = run_strictlog(box, with_tree(box, {"normalize", "--year", "2025", "--dropped", "noise.log", "--out",
                                            "events.pb", "in.log"}));
  CHECK(r.status == 0);
  CHECK(split_lines(r.err).back() == "  lines_in 1 == events 0 + dropped_by_rule 0 + quarantined 1: ok");
  CHECK(read_all(box / "noise.log").empty());
  auto quarantine = split_lines(read_all(box / "events.quarantine.jsonl"));
  REQUIRE(quarantine.size() == 1);
  CHECK(quarantine[0].find("\"reason\":\"HEADER\",\"detail\":\"the timestamp 'Feb 29 12:00:00' does not exist in "
                           "2025, the year given for this input\"") != std::string::npos);
}

}  // namespace
}  // namespace strictlog
