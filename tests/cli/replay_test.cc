// `strictlog replay` on the openvpn-mini fixture: quarantine written by a smaller rule set (the fixture without
// fatal_tls_error) replayed with the whole fixture gives byte for byte the events and records a fresh
// `normalize` gives; OVERSIZE records are carried as they are; a malformed record, a missing input or an
// output that is the input stop the run with the exact message and leave no file.
#include <sys/time.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "cli/harness.h"
#include "pipeline/normalizer.h"
#include "ruleset/ruleset.h"

namespace strictlog {
namespace {

using namespace cli_test;
namespace fs = std::filesystem;

const std::string kHandshake =
    "Nov 22 12:21:12 vpn1 openvpn[1234]: 198.51.100.7:51234 TLS Error: TLS handshake failed";
const std::string kFatal =
    "Nov 22 12:21:13 vpn1 openvpn[1234]: 198.51.100.7:51234 Fatal TLS error (check_tls_errors_co), restarting";
const std::string kCron = "Nov 22 12:21:15 vpn1 CRON[5]: (root) CMD (true)";
const std::string kFatalCn =
    "Nov 22 12:21:19 vpn1 openvpn[1234]: alice/203.0.113.9:1194 Fatal TLS error (check_tls_errors_nco), restarting";
const std::string kPort = "Nov 22 12:21:16 vpn1 openvpn[1234]: 198.51.100.7:65536 TLS Error: TLS handshake failed";
const std::string kSignal =
    "Nov 22 12:21:14 vpn1 openvpn[1234]: 198.51.100.7:51234 SIGUSR1[soft,tls-error] received, client-instance "
    "restarting";

const std::string kStopped =
    "strictlog: stopped; no output file was left behind (records already streamed to stdout or a device are "
    "incomplete). Counts when it stopped:\n";


// The fixture without fatal_tls_error and its mapping, in `dir`/grammars and `dir`/mappings.
void write_smaller_rules(const Sandbox& box, const std::string& dir) {
  fs::create_directories(box / dir);
  fs::copy(kGrammars, box / (dir + "/grammars"), fs::copy_options::recursive);
  fs::copy(kMappings, box / (dir + "/mappings"), fs::copy_options::recursive);
  const std::string grammar = box / (dir + "/grammars/openvpn/2.6.grammar");
  write_file(grammar,
             replaced(read_all(grammar),
                      "# forward.c:82 check_tls_errors_co / forward.c check_tls_errors_nco, D_STREAM_ERRORS (verb 1, "
                      "syslog err).\n"
                      "rule fatal_tls_error = client:peer \" Fatal TLS error (\" function:word \"), restarting\"\n"
                      "  example \"198.51.100.7:51234 Fatal TLS error (check_tls_errors_co), restarting\";\n\n",
                      ""));
  const std::string mapping = box / (dir + "/mappings/openvpn/2.6.mapping");
  write_file(mapping, replaced(read_all(mapping),
                               "rule fatal_tls_error -> strictlog.openvpn.v1.FatalTlsError {\n"
                               "  src_endpoint = client;\n"
                               "  function_name = function;\n"
                               "}\n\n",
                               ""));
}



void set_mtime(const std::string& path, time_t seconds) {
  struct timeval times[2] = {{seconds, 0}, {seconds, 0}};
  REQUIRE(::utimes(path.c_str(), times) == 0);
}

}  // namespace

TEST_CASE("replay: lines a restored rule takes become the events a fresh run gives them", "[cli]") {
  Sandbox box;
  write_smaller_rules(box, "small");
  // Lines 2 and 4 need fatal_tls_error; 3 (no grammar) and 5 (port 65536) are quarantined by both rule sets.
  write_file(box / "r.log", kHandshake + "\n" + kFatal + "\n" + kCron + "\n" + kFatalCn + "\n" + kPort + "\n" +
                                kSignal + "\n");
  // 2019, not this year: the replayed events must take the year from the records, not from a clock.
  Run first = run_strictlog(box, {"normalize", "--grammars", "small/grammars", "--mappings", "small/mappings",
                                  "--year", "2019", "--no-processed-time", "--format", "jsonl", "--out",
                                  "first.jsonl", "r.log"});
  REQUIRE(first.status == 0);
  REQUIRE(split_lines(first.err).back() == "  lines_in 6 == events 2 + dropped_by_rule 0 + quarantined 4: ok");
  Run fresh = run_strictlog(box, with_rules({"normalize", "--year", "2019", "--no-processed-time", "--format",
                                             "jsonl", "--out", "fresh.jsonl", "r.log"}));
  REQUIRE(fresh.status == 0);
  REQUIRE(split_lines(fresh.err).back() == "  lines_in 6 == events 4 + dropped_by_rule 0 + quarantined 2: ok");

  Run r = run_strictlog(box, with_rules({"replay", "first.quarantine.jsonl", "--no-processed-time", "--format",
                                         "jsonl", "--out", "replayed.jsonl"}));
  CHECK(r.status == 0);
  CHECK(r.out.empty());
  check_run_summary(r.err, "strictlog replay: 4 lines from 1 input in ",
                "  events                   2\n"
                "    openvpn/2.6/fatal_tls_error                               2\n"
                "  dropped                  0\n"
                "  quarantined              2\n"
                "    NO_MATCH                                                  1\n"
                "    CONVERSION                                                1\n"
                "  events     -> replayed.jsonl (jsonl)\n"
                "  quarantine -> replayed.quarantine.jsonl\n"
                "  dropped    -> counted only (--dropped FILE keeps them)\n"
                "  lines_in 4 == events 2 + dropped_by_rule 0 + quarantined 2: ok\n"
                "  replayed 4 records: 2 left quarantine (2 events, 0 dropped), 2 still quarantined\n");

  // The fresh run's events for lines 2 and 4, byte for byte: same uid (input name, offset, line), same
  // line number and offset, the year of the first run.
  std::vector<std::string> fresh_events = split_lines(read_all(box / "fresh.jsonl"));
  REQUIRE(fresh_events.size() == 4);
  CHECK(read_all(box / "replayed.jsonl") == fresh_events[1] + "\n" + fresh_events[2] + "\n");
  const uint64_t fatal_offset = kHandshake.size() + 1;
  CHECK(starts_with(fresh_events[1], "{\"envelope\":{\"uid\":\"" + make_event_id("r.log", fatal_offset, kFatal) +
                                         "\",\"time\":\"2019-11-22T12:21:13Z\""));
  CHECK(fresh_events[1].find("\"input\":{\"name\":\"r.log\",\"line\":\"2\",\"offset\":\"" +
                             std::to_string(fatal_offset) + "\"}") != std::string::npos);
  CHECK(fresh_events[2].find("\"function_name\":\"check_tls_errors_nco\"") != std::string::npos);

  // The lines still quarantined: exactly the records the fresh run wrote (same rule set hash, same year).
  const std::string requarantined = read_all(box / "replayed.quarantine.jsonl");
  CHECK(requarantined == read_all(box / "fresh.quarantine.jsonl"));
  std::vector<std::string> records = split_lines(requarantined);
  REQUIRE(records.size() == 2);
  CHECK(starts_with(records[0], "{\"reason\":\"NO_MATCH\",\"detail\":\"no grammar applies to program 'CRON'\""));
  CHECK(starts_with(records[1], "{\"reason\":\"CONVERSION\""));
  CHECK(ends_with(records[1], ",\"year_reference_time\":\"2019-12-31T23:59:59Z\",\"year_stated\":true}"));
  CHECK(mode_of(box / "replayed.quarantine.jsonl") == 0600);
  CHECK(box.entries() == std::vector<std::string>{"first.jsonl", "first.quarantine.jsonl", "fresh.jsonl",
                                                  "fresh.quarantine.jsonl", "r.log", "replayed.jsonl",
                                                  "replayed.quarantine.jsonl", "small"});

  // The same records from stdin, with a blank line an editor left at the end (it holds no record), give the
  // same events and records.
  write_file(box / "stdin.jsonl", read_all(box / "first.quarantine.jsonl") + "\n");
  RunOptions from_stdin;
  from_stdin.stdin_path = box / "stdin.jsonl";
  Run piped = run_strictlog(box, with_rules({"replay", "--no-processed-time", "--format", "jsonl", "--out",
                                             "piped.jsonl", "--quarantine", "piped.quarantine.jsonl", "-"}),
                            from_stdin);
  CHECK(piped.status == 0);
  CHECK(split_lines(piped.err).back() == "  replayed 4 records: 2 left quarantine (2 events, 0 dropped), 2 still "
                                         "quarantined");
  CHECK(read_all(box / "piped.jsonl") == read_all(box / "replayed.jsonl"));
  CHECK(read_all(box / "piped.quarantine.jsonl") == read_all(box / "replayed.quarantine.jsonl"));
}

TEST_CASE("replay: OVERSIZE records are carried as they are", "[cli]") {
  Sandbox box;
  const std::string longer = kHandshake + std::string(200, 'x');
  write_file(box / "long.log", longer + "\n" + kCron + "\n");
  // With processed_time: a carried record keeps the first run's.
  Run first = run_strictlog(box, with_rules({"normalize", "--year", "2019", "--max-line", "64", "--out", "o.pb",
                                             "long.log"}));
  REQUIRE(first.status == 0);
  std::vector<std::string> before = split_lines(read_all(box / "o.quarantine.jsonl"));
  REQUIRE(before.size() == 2);
  REQUIRE(starts_with(before[0], "{\"reason\":\"OVERSIZE\""));
  REQUIRE(before[0].find("\"processed_time\":\"") != std::string::npos);

  Run r = run_strictlog(box, with_rules({"replay", "--no-processed-time", "--out", "o2.pb", "o.quarantine.jsonl"}));
  CHECK(r.status == 0);
  check_run_summary(r.err, "strictlog replay: 2 lines from 1 input in ",
                "  events                   0\n"
                "  dropped                  0\n"
                "  quarantined              2\n"
                "    NO_MATCH                                                  1\n"
                "    OVERSIZE                                                  1\n"
                "  events     -> o2.pb (pb)\n"
                "  quarantine -> o2.quarantine.jsonl\n"
                "  dropped    -> counted only (--dropped FILE keeps them)\n"
                "  lines_in 2 == events 0 + dropped_by_rule 0 + quarantined 2: ok\n"
                "  replayed 2 records: 0 left quarantine (0 events, 0 dropped), 2 still quarantined (1 OVERSIZE or "
                "FRAMING, kept as they were)\n");
  std::vector<std::string> after = split_lines(read_all(box / "o2.quarantine.jsonl"));
  REQUIRE(after.size() == 2);
  CHECK(after[0] == before[0]);
  // The CRON line went through the rules again: --no-processed-time, so no processed_time now.
  CHECK(after[1] == before[1].substr(0, before[1].find(",\"processed_time\":")) +
                        before[1].substr(before[1].find(",\"process_name\":")));
  CHECK(read_all(box / "o2.pb").empty());
}

TEST_CASE("replay: a malformed record exits 3 naming the file and line and leaves no output", "[cli]") {
  const std::string good = "{\"reason\":\"NO_MATCH\",\"detail\":\"x\",\"raw_text\":\"" + kHandshake +
                           "\",\"input\":{\"name\":\"a.log\",\"line\":\"1\"}}\n";
  struct Case {
    std::string record;
    std::string message;  // after "strictlog replay: 'bad.jsonl' line 2: "; protobuf words the parse errors
    bool exact;
  };
  const Case cases[] = {
      {"garbage", "not a quarantine record: ", false},
      {"{\"reason\":\"NO_MATCH\",\"raw_text\":\"x\",\"raw_txt\":\"y\"}", "not a quarantine record: ", false},
      {"{\"reason\":\"NO_MATCH\",\"detail\":\"x\"}", "the record holds no raw line\n", true},
      {"{\"raw_text\":\"" + kHandshake + "\"}", "the record has no reason\n", true},
      // Without its input, an event would get an id and a position no first run gave it.
      {"{\"reason\":\"NO_MATCH\",\"raw_text\":\"" + kHandshake + "\"}", "the record names no input\n", true},
      {"{\"reason\":\"NO_MATCH\",\"raw_text\":\"" + kHandshake + "\",\"input\":{\"name\":\"a.log\"},"
       "\"year_reference_time\":\"0001-01-01T00:00:00Z\"}",
       "year_reference_time is outside 1970-9999\n", true},
  };
  const std::string counts = "  lines_in 1 == events 1 + dropped_by_rule 0 + quarantined 0: ok\n";
  for (const Case& c : cases) {
    INFO("record: " << c.record);
    Sandbox box;
    write_file(box / "bad.jsonl", good + c.record + "\n");
    Run r = run_strictlog(box, with_rules({"replay", "--format", "jsonl", "--out", "ev.jsonl", "bad.jsonl"}));
    CHECK(r.status == 3);
    CHECK(r.out.empty());
    const std::string head = "strictlog replay: 'bad.jsonl' line 2: " + c.message;
    if (c.exact) {
      CHECK(r.err == head + kStopped + counts);
    } else {
      CHECK(starts_with(r.err, head));
      CHECK(ends_with(r.err, "\n" + kStopped + counts));
    }
    // The first record had become an event: the events file is withdrawn with the rest.
    CHECK(box.entries() == std::vector<std::string>{"bad.jsonl"});
  }

  Sandbox box;
  Run missing = run_strictlog(box, with_rules({"replay", "--out", "ev.pb", "nope.jsonl"}));
  CHECK(missing.status == 3);
  CHECK(missing.err == "strictlog replay: cannot open 'nope.jsonl': No such file or directory\n");
  CHECK(box.entries().empty());
}

TEST_CASE("replay: an output that is the input exits 1 and writes nothing", "[cli]") {
  Sandbox box;
  const std::string record = "{\"reason\":\"NO_MATCH\",\"detail\":\"x\",\"raw_text\":\"" + kFatal + "\"}\n";
  write_file(box / "q.jsonl", record);
  write_file(box / "e.quarantine.jsonl", record);
  const std::string never = ": strictlog never writes over its input\n";

  Run out = run_strictlog(box, with_rules({"replay", "q.jsonl", "--out", "q.jsonl"}));
  CHECK(out.status == 1);
  CHECK(out.err == "strictlog replay: input 'q.jsonl' is also the --out file" + never);

  // normalize --out e.pb wrote e.quarantine.jsonl; replaying it with the same --out would replace it.
  Run default_quarantine = run_strictlog(box, with_rules({"replay", "e.quarantine.jsonl", "--out", "e.pb"}));
  CHECK(default_quarantine.status == 1);
  CHECK(default_quarantine.err ==
        "strictlog replay: input 'e.quarantine.jsonl' is also the --quarantine file" + never);

  Run dropped = run_strictlog(box, with_rules({"replay", "q.jsonl", "--out", "x.pb", "--dropped", "./q.jsonl"}));
  CHECK(dropped.status == 1);
  CHECK(dropped.err == "strictlog replay: input 'q.jsonl' is also the --dropped file" + never);

  CHECK(read_all(box / "q.jsonl") == record);
  CHECK(read_all(box / "e.quarantine.jsonl") == record);
  CHECK(box.entries() == std::vector<std::string>{"e.quarantine.jsonl", "q.jsonl"});
}

TEST_CASE("replay: records without a year reference take --year or else the file's mtime", "[cli]") {
  Sandbox box;
  // As written before records carried year_reference_time.
  write_file(box / "old.jsonl", "{\"reason\":\"NO_MATCH\",\"detail\":\"x\",\"raw_text\":\"" + kFatal +
                                    "\",\"input\":{\"name\":\"old.log\",\"line\":\"7\",\"offset\":\"500\"}}\n"
                                    "{\"reason\":\"NO_MATCH\",\"detail\":\"x\",\"raw_text\":\"" + kCron +
                                    "\",\"input\":{\"name\":\"old.log\",\"line\":\"8\",\"offset\":\"600\"}}\n");
  const time_t december_2019 = 1575158400;  // 2019-12-01T00:00:00Z
  set_mtime(box / "old.jsonl", december_2019);
  const std::string uid = make_event_id("old.log", 500, kFatal);

  Run mtime = run_strictlog(box, with_rules({"replay", "old.jsonl", "--no-processed-time", "--format", "jsonl",
                                             "--out", "m.jsonl"}));
  CHECK(mtime.status == 0);
  CHECK(starts_with(read_all(box / "m.jsonl"),
                    "{\"envelope\":{\"uid\":\"" + uid + "\",\"time\":\"2019-11-22T12:21:13Z\""));
  CHECK(ends_with(read_all(box / "m.quarantine.jsonl"),
                  "\"input\":{\"name\":\"old.log\",\"line\":\"8\",\"offset\":\"600\"},\"grammar_set_hash\":\"" +
                      mini_hash() +
                      "\",\"process_name\":\"CRON\",\"year_reference_time\":\"2019-12-01T00:00:00Z\"}\n"));

  Run stated = run_strictlog(box, with_rules({"replay", "old.jsonl", "--year", "2018", "--no-processed-time",
                                              "--format", "jsonl", "--out", "s.jsonl"}));
  CHECK(stated.status == 0);
  CHECK(starts_with(read_all(box / "s.jsonl"),
                    "{\"envelope\":{\"uid\":\"" + uid + "\",\"time\":\"2018-11-22T12:21:13Z\""));
  CHECK(ends_with(read_all(box / "s.quarantine.jsonl"),
                  "\"process_name\":\"CRON\",\"year_reference_time\":\"2018-12-31T23:59:59Z\",\"year_stated\":true}"
                  "\n"));
}

TEST_CASE("replay --explain records the nearest miss of lines still unmatched", "[cli]") {
  Sandbox box;
  const std::string typo = "Nov 22 12:21:12 vpn1 openvpn[1234]: 198.51.100.7:51234 TLS Error: TLS handshake falied";
  write_file(box / "q.jsonl", "{\"reason\":\"NO_MATCH\",\"detail\":\"x\",\"raw_text\":\"" + typo +
                                  "\",\"input\":{\"name\":\"a.log\",\"line\":\"1\"},\"year_reference_time\":"
                                  "\"2019-12-31T23:59:59Z\",\"year_stated\":true}\n");
  Run r = run_strictlog(box, with_rules({"replay", "q.jsonl", "--explain", "--no-processed-time", "--out", "e.pb"}));
  CHECK(r.status == 0);
  // 36 bytes of header, 18 of peer, 28 of " TLS Error: TLS handshake fa": the miss is at byte 82.
  CHECK(ends_with(read_all(box / "e.quarantine.jsonl"),
                  "\"year_reference_time\":\"2019-12-31T23:59:59Z\",\"year_stated\":true,\"nearest_miss\":{\"offset\":"
                  "\"82\",\"rule_id\":\"openvpn/2.6/tls_handshake_failed\",\"element\":\"" + kGrammars +
                      "/openvpn/2.6.grammar:14:41\",\"expected\":\"\\\" TLS Error: TLS handshake failed\\\"\"}}\n"));
}

}  // namespace strictlog
