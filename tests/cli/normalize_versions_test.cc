// `strictlog normalize --grammar-version SOURCE=VERSION` (cli/normalize.cc) with two versions of one source in a
// small rule tree written into the sandbox: which version reads each line (envelope.source_version in the
// events), the ctime() detection of `--program` lines, and the exact usage errors (exit 1, nothing written).
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "cli/harness.h"

namespace strictlog {
namespace {

using namespace cli_test;

// Version 1 says `fatal x` and writes ctime() timestamps; version 2, the default, says `fatal: x`.
void write_rules(const Sandbox& box) {
  std::filesystem::create_directories(box / "rules/grammars/v");
  std::filesystem::create_directories(box / "rules/mappings/v");
  write_file(box / "rules/grammars/v/1.grammar",
             "grammar v 1;\n"
             "programs \"v\";\n"
             "detect timestamp ctime;\n"
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
}

std::vector<std::string> normalize(std::vector<std::string> extra, const std::string& input) {
  std::vector<std::string> args{"normalize", "--grammars", "rules/grammars", "--mappings", "rules/mappings",
                                "--year", "2026", "--no-processed-time", "--format", "jsonl", "--out", "events.jsonl",
                                "--quarantine", "q.jsonl"};
  args.insert(args.end(), extra.begin(), extra.end());
  args.push_back(input);
  return args;
}

// `source_version/rule_id` of each event, or the reason of each quarantine record.
std::vector<std::string> outcomes(const std::string& jsonl) {
  std::vector<std::string> out;
  for (const std::string& line : split_lines(jsonl)) {
    auto field = [&](const std::string& name) {
      size_t at = line.find("\"" + name + "\":\"");
      if (at == std::string::npos) return std::string("-");
      at += name.size() + 4;
      return line.substr(at, line.find('"', at) - at);
    };
    CHECK(line.find("\"grammar\":\"v\"") != std::string::npos);
    out.push_back(field("source_version") + "/" + field("rule_id"));
  }
  return out;
}

const std::string kLines =
    "Nov 22 12:21:12 h v[1]: fatal x\n"
    "Nov 22 12:21:13 h v[1]: fatal: y\n"
    "Nov 22 12:21:14 h v[1]: signal HUP\n";

TEST_CASE("normalize --grammar-version: the chosen version reads every line of its source", "[cli]") {
  Sandbox box;
  write_rules(box);
  write_file(box / "v.log", kLines);

  Run by_default = run_strictlog(box, normalize({}, "v.log"));
  INFO(by_default.err);
  CHECK(by_default.status == 0);
  CHECK(outcomes(read_all(box / "events.jsonl")) == std::vector<std::string>{"2/fatal", "2/sig"});
  CHECK(read_all(box / "q.jsonl").find("\"detail\":\"no rule matches the message of program 'v' with v 2; rule "
                                       "v/1/fatal of version 1 matches it (--grammar-version v=1)\"") !=
        std::string::npos);

  Run chosen = run_strictlog(box, normalize({"--grammar-version", "v=1"}, "v.log"));
  INFO(chosen.err);
  CHECK(chosen.status == 0);
  CHECK(outcomes(read_all(box / "events.jsonl")) == std::vector<std::string>{"1/fatal", "1/sig"});
  CHECK(read_all(box / "q.jsonl").find("(--grammar-version v=2)") != std::string::npos);
}

TEST_CASE("normalize --program: ctime() timestamps select the version that detects them", "[cli]") {
  Sandbox box;
  write_rules(box);
  write_file(box / "v.log",
             "Sun Nov 22 09:15:02 2026 fatal x\n"
             "2026-11-22 09:15:03 fatal: y\n"
             "Sun Nov 22 09:15:04 2026 signal HUP\n"
             "2026-11-22 09:15:05 signal USR1\n");
  Run r = run_strictlog(box, normalize({"--program", "v"}, "v.log"));
  INFO(r.err);
  CHECK(r.status == 0);
  CHECK(outcomes(read_all(box / "events.jsonl")) == std::vector<std::string>{"1/fatal", "2/fatal", "1/sig", "2/sig"});
  CHECK(read_all(box / "q.jsonl").empty());

  // A chosen version reads every line, whatever its timestamp.
  Run forced = run_strictlog(box, normalize({"--program", "v", "--grammar-version", "v=2"}, "v.log"));
  CHECK(forced.status == 0);
  CHECK(outcomes(read_all(box / "events.jsonl")) == std::vector<std::string>{"2/fatal", "2/sig", "2/sig"});
}

TEST_CASE("normalize --grammar-version: a bad value exits 1 with the exact message and writes nothing", "[cli]") {
  Sandbox box;
  write_rules(box);
  write_file(box / "v.log", kLines);
  struct Case {
    std::vector<std::string> args;
    std::string err;
  };
  const Case cases[] = {
      {{"--grammar-version", "v"}, "strictlog normalize: 'v' is not NAME=VERSION (e.g. openvpn=2.5)\n"},
      {{"--grammar-version", "v="}, "strictlog normalize: 'v=' is not NAME=VERSION (e.g. openvpn=2.5)\n"},
      {{"--grammar-version", "openvpn=2.6"},
       "strictlog normalize: 'openvpn=2.6': no grammar 'openvpn' is loaded (loaded: v)\n"},
      {{"--grammar-version", "v=2.6"}, "strictlog normalize: 'v=2.6': grammar 'v' has no version '2.6' (loaded: 1, 2)\n"},
      {{"--grammar-version", "v=1", "--grammar-version", "v=2"},
       "strictlog normalize: 'v=2': grammar 'v' is already chosen as version 1\n"},
      // Only the first of several mistakes is printed.
      {{"--grammar-version", "x=1", "--grammar-version", "v=9"},
       "strictlog normalize: 'x=1': no grammar 'x' is loaded (loaded: v)\n"},
  };
  for (const Case& c : cases) {
    Run r = run_strictlog(box, normalize(c.args, "v.log"));
    INFO(c.args.back());
    CHECK(r.status == 1);
    CHECK(r.out.empty());
    CHECK(r.err == c.err);
    CHECK(box.entries() == std::vector<std::string>{"rules", "v.log"});
  }
}

}  // namespace
}  // namespace strictlog
