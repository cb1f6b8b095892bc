// End-to-end run of the bundled grammars over corpus/<source>/<version>/cases.log: every line's event or
// quarantine record must equal the reviewed expectation beside it, byte for byte in proto3 JSON.
// The run is deterministic: the year is fixed (end of 2026, as `normalize --year 2026`), the input is named
// `cases.log` and processed_time is left unset. To change the expectations, regenerate them with the
// command in CONTRIBUTING.md and review the diff.
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "ingest/line_reader.h"
#include "pipeline/normalizer.h"
#include "sink/record_writer.h"

namespace strictlog {
namespace {

constexpr int64_t kEndOf2026 = 1798761599;  // 2026-12-31T23:59:59Z

class StringStream final : public OutputStream {
 public:
  Status write(std::string_view data) override {
    text += data;
    return kOk;
  }
  Status commit() override { return kOk; }
  std::string text;
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  std::stringstream ss;
  ss << in.rdbuf();
  return lines_of(ss.str());
}

// Compares line by line so that a failure names the first differing record, not two whole files.
void compare(const std::string& what, const std::vector<std::string>& got, const std::vector<std::string>& want) {
  for (size_t i = 0; i < std::min(got.size(), want.size()); ++i) {
    INFO(what << " record " << i + 1);
    CHECK(got[i] == want[i]);
  }
  INFO(what);
  CHECK(got.size() == want.size());
}

TEST_CASE("corpus openvpn/2.6: every line gives its expected event or quarantine record", "[corpus]") {
  const std::string dir = STRICTLOG_SOURCE_DIR "/corpus/openvpn/2.6/";
  auto rules = load_ruleset(STRICTLOG_SOURCE_DIR "/grammars", STRICTLOG_SOURCE_DIR "/mappings");
  REQUIRE(rules.ok());

  int fd = open((dir + "cases.log").c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  LineNormalizer normalizer(*rules, NormalizeOptions{"cases.log", kEndOf2026, false});
  StringStream events_out, quarantine_out;
  EventWriter events(events_out, EventFormat::kJsonLines);
  QuarantineWriter quarantine(quarantine_out);
  LineReader reader(fd);
  v1::Event event;
  v1::QuarantineRecord record;
  while (true) {
    auto line = reader.next();
    REQUIRE(line.ok());
    if (!*line) break;
    if (normalizer.normalize(**line, &event, &record) == Outcome::kEvent) {
      REQUIRE(events.write(event).ok());
    } else {
      REQUIRE(quarantine.write(record).ok());
    }
  }
  close(fd);

  compare("expected.events.jsonl", lines_of(events_out.text), read_lines(dir + "expected.events.jsonl"));
  compare("expected.quarantine.jsonl", lines_of(quarantine_out.text), read_lines(dir + "expected.quarantine.jsonl"));

  const Counters& c = normalizer.counters();
  CHECK(c.balanced());
  CHECK(c.lines_in == read_lines(dir + "cases.log").size());
  // The corpus must exercise every rule and, as near misses, every reason a file input can produce except
  // OVERSIZE (a 64 KiB line does not belong in a reviewable corpus; tests/pipeline covers it).
  for (size_t r = 0; r < c.events_by_rule[0].size(); ++r) {
    INFO("rule " << (*rules)->grammars[0].rules[r].id);
    CHECK(c.events_by_rule[0][r] > 0);
  }
  for (auto reason : {v1::NO_MATCH, v1::CONVERSION, v1::ENCODING, v1::HEADER}) {
    INFO("reason " << v1::QuarantineReason_Name(reason));
    CHECK(c.quarantined_by_reason[static_cast<size_t>(reason)] > 0);
  }
}

}  // namespace
}  // namespace strictlog
