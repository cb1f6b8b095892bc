// The built `strictlog` binary on real files in a fresh temp dir: exit codes (cli/exit_codes.h), the exact
// texts it prints, where outputs go, their modes, and that a failed run leaves no output file behind.
//
// Each run is a fork/exec with stdin, stdout and stderr redirected to files and an alarm(2) that kills a
// hung child, so every test is bounded.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/harness.h"
#include "pipeline/normalizer.h"
#include "ruleset/ruleset.h"

namespace strictlog {
namespace {

using namespace std::string_literals;

using namespace cli_test;



const std::string kHandshake =
    "Nov 22 12:21:12 vpn1 openvpn[1234]: 198.51.100.7:51234 TLS Error: TLS handshake failed";
const std::string kFatal =
    "Nov 22 12:21:13 vpn1 openvpn[1234]: 198.51.100.7:51234 Fatal TLS error (check_tls_errors_co), restarting";
const std::string kSignal =
    "Nov 22 12:21:14 vpn1 openvpn[1234]: 198.51.100.7:51234 SIGUSR1[soft,tls-error] received, client-instance "
    "restarting";
const std::string kCron = "Nov 22 12:21:15 vpn1 CRON[5]: (root) CMD (true)";

// Ten lines: 3 events (one per rule) and 7 quarantined (NO_MATCH 2, CONVERSION 2, ENCODING 1, HEADER 2).
const std::string kMixed = "<27>" + kHandshake + "\n" +                                              //  1 event
                           kCron + "\n" +                                                             //  2
                           "Nov 22 12:21:16 vpn1 openvpn[1234]: 198.51.100.7:65536 TLS Error: TLS handshake "
                           "failed\n" +                                                               //  3
                           kHandshake + " \n" +                                                       //  4
                           kFatal + "\n" +                                                            //  5 event
                           "Nov 22 12:21:17 vpn1 openvpn[1234]: 198.51.100.7:51234 SIGUSR1[soft,tls-error] "
                           "received, client-instance pausing\n" +                                    //  6
                           "Nov 22 12:21:18 vpn1 openvpn[1234]: \xFF\n" +                             //  7
                           kSignal + "\n" +                                                           //  8 event
                           "garbage\n" +                                                              //  9
                           "\n";                                                                      // 10

const std::string kMixedSummaryTail =
    "  events                   3\n"
    "    openvpn/2.6/tls_handshake_failed                          1\n"
    "    openvpn/2.6/fatal_tls_error                               1\n"
    "    openvpn/2.6/client_instance_signal                        1\n"
    "  dropped                  0\n"
    "  quarantined              7\n"
    "    NO_MATCH                                                  2\n"
    "    CONVERSION                                                2\n"
    "    ENCODING                                                  1\n"
    "    HEADER                                                    2\n";
const std::string kCountedOnly = "  dropped    -> counted only (--dropped FILE keeps them)\n";
const std::string kMixedInvariant = "  lines_in 10 == events 3 + dropped_by_rule 0 + quarantined 7: ok";

const std::string kStopped =
    "strictlog: stopped; no output file was left behind (records already streamed to stdout or a device are "
    "incomplete). Counts when it stopped:\n";


}  // namespace

TEST_CASE("normalize: events and quarantine files, the exact summary and the invariant line", "[cli]") {
  Sandbox box;
  write_file(box / "mixed.log", kMixed);
  Run r = run_strictlog(box, with_rules({"normalize", "--year", "2026", "--no-processed-time", "--format", "jsonl",
                                         "--out", "events.jsonl", "mixed.log"}));
  CHECK(r.status == 0);
  CHECK(r.out.empty());
  check_run_summary(r.err, "strictlog normalize: 10 lines from 1 input in ",
                kMixedSummaryTail + "  events     -> events.jsonl (jsonl)\n" +
                    "  quarantine -> events.quarantine.jsonl\n" + kCountedOnly + kMixedInvariant + "\n");
  CHECK(split_lines(r.err).back() == kMixedInvariant);
  CHECK(box.entries() == std::vector<std::string>{"events.jsonl", "events.quarantine.jsonl", "mixed.log"});
  CHECK(mode_of(box / "events.jsonl") == 0644);
  CHECK(mode_of(box / "events.quarantine.jsonl") == 0600);

  const std::string& hash = mini_hash();
  std::vector<std::string> events = split_lines(read_all(box / "events.jsonl"));
  REQUIRE(events.size() == 3);
  CHECK(events[0] ==
        "{\"envelope\":{\"uid\":\"" + make_event_id("mixed.log", 0, "<27>" + kHandshake) +
            "\",\"time\":\"2026-11-22T12:21:12Z\",\"time_text\":\"Nov 22 12:21:12\",\"time_year_inferred\":true,"
            "\"hostname\":\"vpn1\",\"process_name\":\"openvpn\",\"pid\":1234,\"facility\":3,\"severity\":3,"
            "\"input\":{\"name\":\"mixed.log\",\"line\":\"1\"},\"grammar\":\"openvpn\",\"source_version\":\"2.6\","
            "\"grammar_set_hash\":\"" +
            hash +
            "\",\"rule_id\":\"tls_handshake_failed\",\"header_format\":\"RFC3164\"},"
            "\"openvpn_tls_handshake_failed\":{\"src_endpoint\":{\"ip\":\"198.51.100.7\",\"port\":51234}}}");
  CHECK(events[1].find("\"rule_id\":\"fatal_tls_error\"") != std::string::npos);
  CHECK(events[2].find("\"rule_id\":\"client_instance_signal\"") != std::string::npos);

  std::vector<std::string> quarantine = split_lines(read_all(box / "events.quarantine.jsonl"));
  REQUIRE(quarantine.size() == 7);
  const uint64_t cron_offset = 4 + kHandshake.size() + 1;
  CHECK(quarantine[0] ==
        "{\"reason\":\"NO_MATCH\",\"detail\":\"no grammar applies to program 'CRON'\",\"raw_text\":\"" + kCron +
            "\",\"input\":{\"name\":\"mixed.log\",\"line\":\"2\",\"offset\":\"" + std::to_string(cron_offset) +
            "\"},\"grammar_set_hash\":\"" + hash +
            "\",\"process_name\":\"CRON\",\"year_reference_time\":\"2026-12-31T23:59:59Z\",\"year_stated\":true}");
  const char* const reasons[] = {"NO_MATCH", "CONVERSION", "NO_MATCH", "CONVERSION", "ENCODING", "HEADER", "HEADER"};
  for (size_t i = 0; i < quarantine.size(); ++i) {
    INFO("record " << i << ": " << quarantine[i]);
    CHECK(starts_with(quarantine[i], "{\"reason\":\""s + reasons[i] + "\""));
  }
  // Invalid UTF-8 travels as base64 raw_bytes, exactly the line's bytes.
  const std::string encoded = base64("Nov 22 12:21:18 vpn1 openvpn[1234]: \xFF");
  CHECK(quarantine[4].find("\"detail\":\"invalid UTF-8 lead byte 0xFF at byte 36\",\"raw_bytes\":\"" + encoded +
                           "\"") != std::string::npos);
  // The empty line is an (empty) raw_text, not a missing one.
  CHECK(quarantine[6].find("\"raw_text\":\"\"") != std::string::npos);
}

TEST_CASE("normalize: events on stdout put quarantine in ./strictlog-quarantine.jsonl", "[cli]") {
  Sandbox box;
  write_file(box / "mixed.log", kMixed);
  Run r = run_strictlog(
      box, with_rules({"normalize", "--year", "2026", "--no-processed-time", "--format", "jsonl", "mixed.log"}));
  CHECK(r.status == 0);
  CHECK(split_lines(r.out).size() == 3);
  check_run_summary(r.err, "strictlog normalize: 10 lines from 1 input in ",
                kMixedSummaryTail + "  events     -> stdout (jsonl)\n" +
                    "  quarantine -> strictlog-quarantine.jsonl\n" + kCountedOnly + kMixedInvariant + "\n");
  CHECK(box.entries() == std::vector<std::string>{"mixed.log", "strictlog-quarantine.jsonl"});
  CHECK(mode_of(box / "strictlog-quarantine.jsonl") == 0600);
  CHECK(split_lines(read_all(box / "strictlog-quarantine.jsonl")).size() == 7);
}

TEST_CASE("normalize: the default quarantine path is <out stem>.quarantine.jsonl beside --out", "[cli]") {
  Sandbox box;
  write_file(box / "mixed.log", kMixed);
  std::filesystem::create_directory(box / "out");
  // An existing quarantine file is replaced, not modified: its old content and mode do not survive.
  write_file(box / "out/run1.quarantine.jsonl", "old\n");
  ::chmod((box / "out/run1.quarantine.jsonl").c_str(), 0666);
  Run r = run_strictlog(box, with_rules({"normalize", "--year", "2026", "--out", "out/run1.pb", "mixed.log"}));
  CHECK(r.status == 0);
  CHECK(split_lines(r.err).back() == kMixedInvariant);
  CHECK(r.err.find("\n  events     -> out/run1.pb (pb)\n  quarantine -> out/run1.quarantine.jsonl\n" +
                   kCountedOnly) != std::string::npos);
  CHECK(box.entries() == std::vector<std::string>{"mixed.log", "out"});
  CHECK(exists(box / "out/run1.pb"));
  CHECK(mode_of(box / "out/run1.pb") == 0644);
  CHECK(mode_of(box / "out/run1.quarantine.jsonl") == 0600);
  std::vector<std::string> quarantine = split_lines(read_all(box / "out/run1.quarantine.jsonl"));
  REQUIRE(quarantine.size() == 7);
  CHECK(starts_with(quarantine[0], "{\"reason\":\"NO_MATCH\""));
  // Without --no-processed-time, records carry when they were quarantined.
  CHECK(quarantine[0].find("\"processed_time\":\"") != std::string::npos);
}

TEST_CASE("normalize: the quarantine file stays 0600 under any umask: events honour it", "[cli]") {
  Sandbox box;
  write_file(box / "mixed.log", kMixed);
  RunOptions options;
  options.umask = 027;
  Run r = run_strictlog(box, with_rules({"normalize", "--out", "e.pb", "mixed.log"}), options);
  CHECK(r.status == 0);
  CHECK(mode_of(box / "e.pb") == 0640);
  CHECK(mode_of(box / "e.quarantine.jsonl") == 0600);
  options.umask = 0;
  r = run_strictlog(box, with_rules({"normalize", "--out", "e.pb", "mixed.log"}), options);
  CHECK(r.status == 0);
  CHECK(mode_of(box / "e.pb") == 0644);
  CHECK(mode_of(box / "e.quarantine.jsonl") == 0600);
}

TEST_CASE("cat prints exactly what --format jsonl writes", "[cli]") {
  Sandbox box;
  write_file(box / "mixed.log", kMixed + kHandshake + "\n" + kFatal + "\n");
  Run pb = run_strictlog(box, with_rules({"normalize", "--year", "2026", "--no-processed-time", "--out", "e.pb",
                                          "mixed.log"}));
  REQUIRE(pb.status == 0);
  const std::string pb_quarantine = read_all(box / "e.quarantine.jsonl");
  Run jsonl = run_strictlog(box, with_rules({"normalize", "--year", "2026", "--no-processed-time", "--format",
                                             "jsonl", "--out", "e.jsonl", "mixed.log"}));
  REQUIRE(jsonl.status == 0);
  // Both runs share the default quarantine path (stem `e`); the format does not change the records.
  CHECK(split_lines(pb_quarantine).size() == 7);
  CHECK(read_all(box / "e.quarantine.jsonl") == pb_quarantine);

  Run cat = run_strictlog(box, {"cat", "e.pb"});
  CHECK(cat.status == 0);
  CHECK(cat.err.empty());
  CHECK(split_lines(cat.out).size() == 5);
  CHECK(cat.out == read_all(box / "e.jsonl"));

  // `cat -` reads stdin.
  RunOptions from_stdin;
  from_stdin.stdin_path = box / "e.pb";
  Run piped = run_strictlog(box, {"cat", "-"}, from_stdin);
  CHECK(piped.status == 0);
  CHECK(piped.out == cat.out);
}

TEST_CASE("normalize --fail-on-quarantine exits 4 when a line was quarantined, and still writes", "[cli]") {
  Sandbox box;
  write_file(box / "mixed.log", kMixed);
  write_file(box / "clean.log", kHandshake + "\n" + kFatal + "\n");
  Run r = run_strictlog(box, with_rules({"normalize", "--fail-on-quarantine", "--out", "e.pb", "mixed.log"}));
  CHECK(r.status == 4);
  CHECK(split_lines(r.err).back() == kMixedInvariant);
  CHECK(exists(box / "e.pb"));
  CHECK(split_lines(read_all(box / "e.quarantine.jsonl")).size() == 7);

  Run clean = run_strictlog(box, with_rules({"normalize", "--fail-on-quarantine", "--out", "c.pb", "clean.log"}));
  CHECK(clean.status == 0);
  CHECK(split_lines(clean.err).back() == "  lines_in 2 == events 2 + dropped_by_rule 0 + quarantined 0: ok");
  CHECK(read_all(box / "c.quarantine.jsonl").empty());
}

TEST_CASE("Usage errors exit 1 and create nothing", "[cli]") {
  Sandbox box;
  write_file(box / "a.log", kHandshake + "\n");
  write_file(box / "b.log", kHandshake + "\n");
  const std::string run_help = "\nRun 'strictlog --help' for usage.\n";
  struct Case {
    std::vector<std::string> args;
    std::vector<std::string> mentions;  // CLI11 words the message; strictlog frames it
  };
  const Case cases[] = {
      {{"normalize", "--bogus", "a.log"}, {"--bogus"}},
      {{"normalize", "--format", "xml", "a.log"}, {"--format", "xml"}},
      {{"normalize", "--year", "1969", "a.log"}, {"--year", "1969"}},
      {{"normalize", "--max-line", "10", "a.log"}, {"--max-line", " 10 "}},
      {{"cat"}, {"file"}},
      {{}, {"subcommand"}},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = c.args;
    if (!args.empty() && args[0] == "normalize") args = with_rules(args);
    Run r = run_strictlog(box, args);
    INFO("stderr: " << r.err);
    CHECK(r.status == 1);
    CHECK(r.out.empty());
    CHECK(starts_with(r.err, "strictlog: "));
    CHECK(ends_with(r.err, run_help));
    for (const std::string& word : c.mentions) CHECK(r.err.find(word) != std::string::npos);
  }

  Run named = run_strictlog(box, with_rules({"normalize", "--input-name", "x.log", "a.log", "b.log"}));
  CHECK(named.status == 1);
  CHECK(named.err == "strictlog normalize: --input-name names a single input, but several were given\n");

  Run same = run_strictlog(box, with_rules({"normalize", "--out", "x.jsonl", "--quarantine", "./x.jsonl", "a.log"}));
  CHECK(same.status == 1);
  CHECK(same.err == "strictlog normalize: --out 'x.jsonl' and --quarantine './x.jsonl' are the same file\n");

  Run streams = run_strictlog(box, with_rules({"normalize", "--quarantine", "-", "a.log"}));
  CHECK(streams.status == 1);
  CHECK(streams.err == "strictlog normalize: --out '-' and --quarantine '-' are the same file\n");

  Run over_input = run_strictlog(box, with_rules({"normalize", "--out", "./a.log", "a.log"}));
  CHECK(over_input.status == 1);
  CHECK(over_input.err ==
        "strictlog normalize: input 'a.log' is also the --out file: strictlog never writes over its input\n");
  CHECK(read_all(box / "a.log") == kHandshake + "\n");

  // Checked before the rules load: a usage mistake is reported as one even when the rules are broken too.
  Run both = run_strictlog(box, {"normalize", "--grammars", "missing", "--input-name", "x", "a.log", "b.log"});
  CHECK(both.status == 1);
  CHECK(box.entries() == std::vector<std::string>{"a.log", "b.log"});
}

TEST_CASE("A grammar that fails to load exits 2 with the pointed diagnostic", "[cli]") {
  Sandbox box;
  write_file(box / "a.log", kHandshake + "\n");
  std::filesystem::create_directory(box / "grammars");
  write_file(box / "grammars/broken.grammar",
             "grammar broken 1.0;\nprograms \"x\";\nrule r = ip:ipv5 \" up\"\n  example \"1.2.3.4 up\";\n");
  Run r = run_strictlog(box, {"normalize", "--grammars", "grammars", "--mappings", kMappings, "--out", "e.pb",
                              "a.log"});
  CHECK(r.status == 2);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "grammars/broken.grammar:3:13: unknown field type 'ipv5': not a field type (see 'strictlog fields') nor a "
        "pattern of this grammar [unknown-field-type]\n"
        "  rule r = ip:ipv5 \" up\"\n"
        "              ^\n"
        "strictlog normalize: 1 error; nothing was processed\n");
  CHECK(box.entries() == std::vector<std::string>{"a.log", "grammars"});

  Run missing = run_strictlog(box, {"normalize", "--grammars", "nope", "--mappings", "nope2", "a.log"});
  CHECK(missing.status == 2);
  CHECK(missing.err ==
        "'nope' is not a directory [missing-directory]\n"
        "'nope2' is not a directory [missing-directory]\n"
        "strictlog normalize: 2 errors; nothing was processed\n");
}

TEST_CASE("A missing input exits 3 and leaves neither output nor temporary files", "[cli]") {
  Sandbox box;
  write_file(box / "mixed.log", kMixed);
  Run r = run_strictlog(box, with_rules({"normalize", "--year", "2026", "--out", "e.pb", "mixed.log", "nope.log"}));
  CHECK(r.status == 3);
  CHECK(r.out.empty());
  // The first input was read in full before the second failed: the counts say so.
  CHECK(r.err == "strictlog normalize: cannot open 'nope.log': No such file or directory\n" + kStopped +
                     kMixedInvariant + "\n");
  // Not e.pb, not e.quarantine.jsonl, no `.e.pb.tmp.XXXXXX`.
  CHECK(box.entries() == std::vector<std::string>{"mixed.log"});
}

TEST_CASE("A directory as input exits 3 and leaves nothing", "[cli]") {
  Sandbox box;
  std::filesystem::create_directory(box / "sub");
  Run r = run_strictlog(box, with_rules({"normalize", "--out", "e.pb", "sub"}));
  CHECK(r.status == 3);
  CHECK(r.err == "strictlog normalize: cannot read 'sub': it is a directory\n" + kStopped +
                     "  lines_in 0 == events 0 + dropped_by_rule 0 + quarantined 0: ok\n");
  CHECK(box.entries() == std::vector<std::string>{"sub"});
}

TEST_CASE("An output that cannot be created exits 3 and leaves nothing", "[cli]") {
  Sandbox box;
  write_file(box / "a.log", kHandshake + "\n");
  Run events = run_strictlog(box, with_rules({"normalize", "--out", "nodir/e.pb", "a.log"}));
  CHECK(events.status == 3);
  CHECK(events.err == "strictlog normalize: cannot create 'nodir/e.pb': No such file or directory\n");
  CHECK(box.entries() == std::vector<std::string>{"a.log"});

  // The events file was already being written when the quarantine file failed: it is removed too.
  Run quarantine = run_strictlog(box, with_rules({"normalize", "--out", "e.pb", "--quarantine", "nodir/q.jsonl",
                                                  "a.log"}));
  CHECK(quarantine.status == 3);
  CHECK(quarantine.err == "strictlog normalize: cannot create 'nodir/q.jsonl': No such file or directory\n");
  CHECK(box.entries() == std::vector<std::string>{"a.log"});
}

TEST_CASE("A write error (/dev/full) exits 3, leaves no quarantine file, and the device stays a device", "[cli]") {
  struct stat st {};
  REQUIRE(::stat("/dev/full", &st) == 0);
  REQUIRE(S_ISCHR(st.st_mode));
  Sandbox box;
  write_file(box / "mixed.log", kMixed);
  // Through a symlink, so that a regression (a temp file renamed over the target) replaces the link in the
  // sandbox rather than the system's /dev/full.
  REQUIRE(::symlink("/dev/full", (box / "full").c_str()) == 0);
  Run r = run_strictlog(box, with_rules({"normalize", "--out", "full", "--quarantine", "q.jsonl", "mixed.log"}));
  CHECK(r.status == 3);
  CHECK(r.err == "strictlog normalize: cannot write 'full': No space left on device\n" + kStopped +
                     kMixedInvariant + "\n");
  CHECK(box.entries() == std::vector<std::string>{"full", "mixed.log"});
  struct stat link {};
  REQUIRE(::lstat((box / "full").c_str(), &link) == 0);
  CHECK(S_ISLNK(link.st_mode));
  REQUIRE(::stat("/dev/full", &st) == 0);
  CHECK(S_ISCHR(st.st_mode));
}

TEST_CASE("A FIFO as --out is written through, not replaced", "[cli]") {
  Sandbox box;
  write_file(box / "mixed.log", kMixed);
  REQUIRE(::mkfifo((box / "events.fifo").c_str(), 0600) == 0);
  // Hold the read end open (non-blocking) so the child's open for writing does not wait.
  int reader = ::open((box / "events.fifo").c_str(), O_RDONLY | O_NONBLOCK);
  REQUIRE(reader >= 0);
  Run r = run_strictlog(box, with_rules({"normalize", "--year", "2026", "--no-processed-time", "--format", "jsonl",
                                         "--out", "events.fifo", "--quarantine", "q.jsonl", "mixed.log"}));
  std::string received;
  char buf[4096];
  for (int i = 0; i < 64; ++i) {  // the pipe holds at most 64 KiB; the events are well under that
    ssize_t n = ::read(reader, buf, sizeof buf);
    if (n <= 0) break;
    received.append(buf, static_cast<size_t>(n));
  }
  ::close(reader);
  CHECK(r.status == 0);
  CHECK(split_lines(r.err).back() == kMixedInvariant);
  CHECK(split_lines(received).size() == 3);
  CHECK(starts_with(received, "{\"envelope\":{\"uid\":\"" + make_event_id("mixed.log", 0, "<27>" + kHandshake)));
  struct stat st {};
  REQUIRE(::lstat((box / "events.fifo").c_str(), &st) == 0);
  CHECK(S_ISFIFO(st.st_mode));
  CHECK(box.entries() == std::vector<std::string>{"events.fifo", "mixed.log", "q.jsonl"});
}

TEST_CASE("When the quarantine cannot be published the events file is withdrawn too", "[cli]") {
  Sandbox box;
  write_file(box / "mixed.log", kMixed);
  std::filesystem::create_directory(box / "q.jsonl");  // rename(2) of a file over a directory fails
  Run r = run_strictlog(box, with_rules({"normalize", "--out", "ev.pb", "--quarantine", "q.jsonl", "mixed.log"}));
  CHECK(r.status == 3);
  CHECK(r.err == "strictlog normalize: cannot rename temporary file to 'q.jsonl': Is a directory\n" + kStopped +
                     kMixedInvariant + "\n");
  CHECK(box.entries() == std::vector<std::string>{"mixed.log", "q.jsonl"});
}

TEST_CASE("A device as --out puts the default quarantine file in the current directory", "[cli]") {
  Sandbox box;
  write_file(box / "mixed.log", kMixed);
  Run r = run_strictlog(box, with_rules({"normalize", "--out", "/dev/null", "mixed.log"}));
  CHECK(r.status == 0);
  CHECK(split_lines(r.err).back() == kMixedInvariant);
  CHECK(box.entries() == std::vector<std::string>{"mixed.log", "strictlog-quarantine.jsonl"});
  struct stat st {};
  REQUIRE(::stat("/dev/null", &st) == 0);
  CHECK(S_ISCHR(st.st_mode));
}

TEST_CASE("normalize reads stdin as '-' and when no input is given", "[cli]") {
  Sandbox box;
  write_file(box / "stdin.log", kHandshake + "\n" + kCron + "\n");
  RunOptions options;
  options.stdin_path = box / "stdin.log";

  Run dash = run_strictlog(box, with_rules({"normalize", "--year", "2026", "--no-processed-time", "--format",
                                            "jsonl", "--out", "e.jsonl", "-"}),
                           options);
  CHECK(dash.status == 0);
  CHECK(split_lines(dash.err).back() == "  lines_in 2 == events 1 + dropped_by_rule 0 + quarantined 1: ok");
  std::string events = read_all(box / "e.jsonl");
  CHECK(events.find("\"uid\":\"" + make_event_id("-", 0, kHandshake) + "\"") != std::string::npos);
  CHECK(events.find("\"input\":{\"name\":\"-\",\"line\":\"1\"}") != std::string::npos);

  Run none = run_strictlog(box, with_rules({"normalize", "--year", "2026", "--no-processed-time", "--format",
                                            "jsonl", "--out", "e2.jsonl"}),
                           options);
  CHECK(none.status == 0);
  CHECK(starts_with(none.err, "strictlog normalize: 2 lines from 1 input in "));
  CHECK(read_all(box / "e2.jsonl") == events);

  // --input-name gives stdin the name a file would have had, and so the same ids.
  Run named = run_strictlog(box, with_rules({"normalize", "--year", "2026", "--no-processed-time", "--format",
                                             "jsonl", "--input-name", "vpn.log", "--out", "e3.jsonl", "-"}),
                            options);
  CHECK(named.status == 0);
  std::string named_events = read_all(box / "e3.jsonl");
  CHECK(named_events.find("\"uid\":\"" + make_event_id("vpn.log", 0, kHandshake) + "\"") != std::string::npos);
  CHECK(named_events.find("\"input\":{\"name\":\"vpn.log\",\"line\":\"1\"}") != std::string::npos);
  CHECK(split_lines(read_all(box / "e3.quarantine.jsonl")).size() == 1);
}

TEST_CASE("A last line without newline is a line: CRLF terminators are not part of it", "[cli]") {
  Sandbox box;
  write_file(box / "tail.log", kHandshake + "\r\n" + kFatal);  // no final newline
  Run r = run_strictlog(box, with_rules({"normalize", "--year", "2026", "--no-processed-time", "--format", "jsonl",
                                         "--fail-on-quarantine", "--out", "e.jsonl", "tail.log"}));
  CHECK(r.status == 0);
  CHECK(split_lines(r.err).back() == "  lines_in 2 == events 2 + dropped_by_rule 0 + quarantined 0: ok");
  std::vector<std::string> events = split_lines(read_all(box / "e.jsonl"));
  REQUIRE(events.size() == 2);
  CHECK(events[0].find("\"rule_id\":\"tls_handshake_failed\"") != std::string::npos);
  const std::string second_offset = std::to_string(kHandshake.size() + 2);
  CHECK(events[1].find("\"input\":{\"name\":\"tail.log\",\"line\":\"2\",\"offset\":\"" + second_offset + "\"}") !=
        std::string::npos);
  CHECK(events[1].find("\"function_name\":\"check_tls_errors_co\"") != std::string::npos);
}

TEST_CASE("normalize --max-line quarantines longer lines as OVERSIZE with their first bytes", "[cli]") {
  Sandbox box;
  const std::string longer = kHandshake + std::string(200, 'x');
  write_file(box / "long.log", longer + "\n" + kHandshake + "\n");
  Run r = run_strictlog(box, with_rules({"normalize", "--year", "2026", "--no-processed-time", "--max-line", "64",
                                         "--out", "e.pb", "long.log"}));
  CHECK(r.status == 0);
  CHECK(split_lines(r.err).back() == "  lines_in 2 == events 0 + dropped_by_rule 0 + quarantined 2: ok");
  std::vector<std::string> records = split_lines(read_all(box / "e.quarantine.jsonl"));
  REQUIRE(records.size() == 2);
  CHECK(starts_with(records[0], "{\"reason\":\"OVERSIZE\",\"detail\":\"line is " + std::to_string(longer.size()) +
                                    " bytes, over the limit of 64; raw holds the first 64 bytes\",\"raw_text\":\"" +
                                    longer.substr(0, 64) + "\",\"input\":{\"name\":\"long.log\",\"line\":\"1\"}"));
  CHECK(starts_with(records[1], "{\"reason\":\"OVERSIZE\",\"detail\":\"line is " +
                                    std::to_string(kHandshake.size()) + " bytes, over the limit of 64;"));
}

TEST_CASE("cat on a truncated events file exits 3 with the exact message after the complete records", "[cli]") {
  Sandbox box;
  write_file(box / "a.log", kHandshake + "\n" + kFatal + "\n");
  Run normalize = run_strictlog(box, with_rules({"normalize", "--year", "2026", "--no-processed-time", "--out",
                                                 "e.pb", "a.log"}));
  REQUIRE(normalize.status == 0);
  const std::string pb = read_all(box / "e.pb");
  // Record 1: a varint length prefix, then that many bytes.
  uint64_t first_length = 0;
  size_t prefix = 0;
  for (int shift = 0; prefix < pb.size() && shift < 64; shift += 7) {
    auto byte = static_cast<unsigned char>(pb[prefix++]);
    first_length |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) break;
  }
  const size_t second = prefix + first_length;
  REQUIRE(second < pb.size());
  // Keep record 1, record 2's length prefix and a few of its bytes. These events are 128..16383 bytes long,
  // so the prefix is two bytes.
  const auto low = static_cast<unsigned char>(pb[second]);
  const auto high = static_cast<unsigned char>(pb[second + 1]);
  REQUIRE((low & 0x80) != 0);
  REQUIRE((high & 0x80) == 0);
  const uint64_t declared = (low & 0x7fu) | (static_cast<uint64_t>(high) << 7);
  const size_t present = 10;
  write_file(box / "trunc.pb", pb.substr(0, second + 2 + present));

  Run first_only = run_strictlog(box, {"cat", "e.pb"});
  REQUIRE(first_only.status == 0);
  Run cat = run_strictlog(box, {"cat", "trunc.pb"});
  CHECK(cat.status == 3);
  CHECK(cat.err == "strictlog cat: cannot read 'trunc.pb': truncated record at byte offset " + std::to_string(second) +
                       " (" + std::to_string(declared) + " bytes declared, " + std::to_string(present) +
                       " present)\n");
  CHECK(cat.out == split_lines(first_only.out).front() + "\n");

  Run missing = run_strictlog(box, {"cat", "nope.pb"});
  CHECK(missing.status == 3);
  CHECK(missing.err == "strictlog cat: cannot open 'nope.pb': No such file or directory\n");
  CHECK(missing.out.empty());
}

}  // namespace strictlog
