// ParallelNormalizer over a small rule set written to a temp dir: for every thread count and batch size the
// sink receives the bytes one LineNormalizer gives when it reads the same lines in order, and the counts are
// its counts; several inputs (names, stated and inferred years across a new year) travel with their batches;
// the window bounds what is in flight; an encoder error, a sink error and abandon() stop it without a hang.
#include "pipeline/parallel.h"

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/diagnostic.h"
#include "ingest/syslog_time.h"
#include "sink/record_writer.h"

namespace strictlog {
namespace {

// An event rule, a drop rule whose capture can fail to convert, and a second program no grammar covers.
const char* const kGrammar = R"(grammar app 1.0;
programs "app";
rule login = "login " user:word " from " ip:ipv4 example "login bob from 192.0.2.1";
drop heartbeat = "heartbeat " n:uint example "heartbeat 7";
)";
const char* const kMapping = R"(mapping app 1.0;
rule login -> strictlog.openvpn.v1.FatalTlsError { function_name = user; src_endpoint.ip = ip; }
)";

std::shared_ptr<const RuleSet> app_rules() {
  static const std::shared_ptr<const RuleSet> rules = [] {
    std::string dir = (std::filesystem::temp_directory_path() / "strictlog-parallel-XXXXXX").string();
    if (::mkdtemp(dir.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    std::filesystem::create_directories(dir + "/grammars");
    std::filesystem::create_directories(dir + "/mappings");
    std::ofstream(dir + "/grammars/app.grammar") << kGrammar;
    std::ofstream(dir + "/mappings/app.mapping") << kMapping;
    auto loaded = load_ruleset(dir + "/grammars", dir + "/mappings");
    std::filesystem::remove_all(dir);
    if (!loaded) throw std::runtime_error("test rules do not load:\n" + render(loaded.errors()));
    return *loaded;
  }();
  return rules;
}

constexpr int64_t kJan2_2026 = 1767312000;  // 2026-01-02T00:00:00Z: `Dec 31` infers 2025, `Jan  1` 2026
constexpr int64_t kMar1_2028 = 1835481600;  // 2028-03-01T00:00:00Z: a leap year

struct Input {
  std::string name;
  int64_t reference_time;
  bool year_fixed;
  std::vector<std::string> lines;  // their bytes; a line over 200 bytes is pushed as OVERSIZE, cut to 200
};

// Every outcome and quarantine reason the rules give, in a cycle of 11, with varying bytes.
std::string line_of_kind(size_t i) {
  const std::string n = std::to_string(i);
  switch (i % 11) {
    case 0: return "Nov 22 12:00:00 host app[7]: login u" + n + " from 192.0.2." + std::to_string(i % 250);
    case 1: return "Nov 22 12:00:01 host app[7]: heartbeat " + n;                    // dropped
    case 2: return "Nov 22 12:00:02 host app[7]: heartbeat 99999999999999999999";    // CONVERSION
    case 3: return "garbage " + n;                                                   // HEADER
    case 4: return "Nov 22 12:00:03 host cron[1]: job " + n;                         // NO_MATCH, no grammar
    case 5: return "Nov 22 12:00:04 host app[7]: caf\xE9 " + n;                      // ENCODING
    case 6: return "Nov 22 12:00:05 host app[7]: login " + n + " from nowhere";      // NO_MATCH, nearest miss
    case 7: return "Dec 31 23:59:59 host app[7]: login late" + n + " from 192.0.2.9"; // the year before?
    case 8: return "Jan  1 00:00:00 host app[7]: login early" + n + " from 192.0.2.8";
    case 9: return "Feb 29 12:00:00 host app[7]: login leap" + n + " from 192.0.2.7";  // HEADER in 2026
    default: return "Nov 22 12:00:06 host app[7]: login " + std::string(200 + i, 'x');  // OVERSIZE
  }
}

// Three inputs: years inferred across a new year, a stated common year (Feb 29 is HEADER), a leap year.
std::vector<Input> three_inputs(size_t lines_each) {
  std::vector<Input> inputs{{"a.log", kJan2_2026, false, {}}, {"b.log", end_of_year(2026), true, {}},
                            {"-", kMar1_2028, false, {}}};
  size_t k = 0;
  for (auto& in : inputs) {
    for (size_t i = 0; i < lines_each; ++i) in.lines.push_back(line_of_kind(k++));
  }
  return inputs;
}

Line line_at(const std::string& bytes, uint64_t number, uint64_t offset) {
  Line line;
  line.bytes = bytes;
  line.number = number;
  line.offset = offset;
  line.length = bytes.size();
  if (bytes.size() > 200) {
    line.bytes = line.bytes.substr(0, 200);
    line.oversize = true;
  }
  return line;
}

NormalizeOptions options() {
  NormalizeOptions o;
  o.stamp_processed_time = false;
  o.explain = true;
  return o;
}

// What the CLI's RunOutputs::encode() does with --format jsonl and --dropped.
Status encode(Outcome outcome, const v1::Event& event, const v1::QuarantineRecord& record, std::string_view line,
              EncodedRecords* out) {
  switch (outcome) {
    case Outcome::kEvent: return append_event_record(event, EventFormat::kJsonLines, &out->events);
    case Outcome::kQuarantined: return append_quarantine_record(record, &out->quarantine);
    case Outcome::kDropped:
      out->dropped.append(line);
      out->dropped.push_back('\n');
      return kOk;
  }
  return kOk;
}

struct Collected {
  EncodedRecords records;
  size_t calls = 0;
};

RecordSink collect_into(Collected* c) {
  return [c](const EncodedRecords& r) {
    c->records.events += r.events;
    c->records.quarantine += r.quarantine;
    c->records.dropped += r.dropped;
    ++c->calls;
    return Status{kOk};
  };
}

// One LineNormalizer over the lines in order: what every thread count must reproduce. With `limit`, only the
// first `limit` lines of all inputs together.
struct Sequential {
  EncodedRecords records;
  Counters counts;
};
Sequential sequential(const std::vector<Input>& inputs, size_t limit = SIZE_MAX) {
  Sequential s;
  LineNormalizer n(app_rules(), options());
  v1::Event event;
  v1::QuarantineRecord record;
  size_t done = 0;
  for (const auto& in : inputs) {
    n.start_input(in.name, in.reference_time, in.year_fixed);
    uint64_t offset = 0;
    for (size_t i = 0; i < in.lines.size() && done < limit; ++i, ++done) {
      Line line = line_at(in.lines[i], i + 1, offset);
      offset += in.lines[i].size() + 1;
      Outcome o = n.normalize(line, &event, &record);
      REQUIRE(encode(o, event, record, line.bytes, &s.records).ok());
    }
  }
  s.counts = n.counters();
  return s;
}

// Pushes every line; the first error push() returns, if any.
Status push_all(ParallelNormalizer& p, const std::vector<Input>& inputs) {
  for (const auto& in : inputs) {
    p.start_input(in.name, in.reference_time, in.year_fixed);
    uint64_t offset = 0;
    for (size_t i = 0; i < in.lines.size(); ++i) {
      Line line = line_at(in.lines[i], i + 1, offset);
      offset += in.lines[i].size() + 1;
      if (auto st = p.push(line); !st) return st;
    }
  }
  return kOk;
}

void check_same_counts(const Counters& got, const Counters& want) {
  CHECK(got.lines_in == want.lines_in);
  CHECK(got.events == want.events);
  CHECK(got.dropped_by_rule == want.dropped_by_rule);
  CHECK(got.quarantined == want.quarantined);
  CHECK(got.lines_by_rule == want.lines_by_rule);
  CHECK(got.repeat_notices == want.repeat_notices);
  CHECK(got.quarantined_by_reason == want.quarantined_by_reason);
  CHECK(got.balanced());
}

std::string first_message(const Status& st) { return st.ok() ? "" : st.errors().front().message; }

}  // namespace

TEST_CASE("ParallelNormalizer: every thread count and batch size gives the sequential bytes and counts",
          "[pipeline]") {
  const std::vector<Input> inputs = three_inputs(400);
  const Sequential want = sequential(inputs);
  // The lines cover what the test claims to cover.
  REQUIRE(want.counts.events > 0);
  REQUIRE(want.counts.dropped_by_rule > 0);
  for (auto reason : {v1::HEADER, v1::NO_MATCH, v1::CONVERSION, v1::ENCODING, v1::OVERSIZE}) {
    REQUIRE(want.counts.quarantined_by_reason[static_cast<size_t>(reason)] > 0);
  }
  REQUIRE(want.records.quarantine.find("\"nearest_miss\":") != std::string::npos);
  REQUIRE(want.records.events.find("\"time\":\"2025-12-31T23:59:59Z\"") != std::string::npos);
  REQUIRE(want.records.events.find("\"time\":\"2026-12-31T23:59:59Z\"") != std::string::npos);
  REQUIRE(want.records.events.find("\"time\":\"2028-02-29T12:00:00Z\"") != std::string::npos);

  struct Case {
    size_t threads, batch_lines, batch_bytes;
  };
  const Case cases[] = {{1, 2048, 1 << 20}, {1, 1, 1 << 20}, {2, 1, 1 << 20}, {2, 3, 1 << 20}, {3, 7, 1 << 20},
                        {8, 1, 1 << 20},    {8, 5, 1 << 20}, {8, 2048, 300},  {3, 2048, 1 << 20}};
  for (const Case& c : cases) {
    INFO("threads " << c.threads << " batch_lines " << c.batch_lines << " batch_bytes " << c.batch_bytes);
    Collected got;
    ParallelNormalizer p(app_rules(), options(), {c.threads, c.batch_lines, c.batch_bytes}, encode,
                         collect_into(&got));
    REQUIRE(push_all(p, inputs).ok());
    REQUIRE(p.finish().ok());
    CHECK(got.records.events == want.records.events);
    CHECK(got.records.quarantine == want.records.quarantine);
    CHECK(got.records.dropped == want.records.dropped);
    check_same_counts(p.counters(), want.counts);
  }
}

TEST_CASE("ParallelNormalizer: lines of interleaved inputs share batches and each is read as its own input says",
          "[pipeline]") {
  // serve's case: messages of several connections alternate; each carries its listener, peer and connection.
  std::vector<std::shared_ptr<const InputSource>> sources{
      std::make_shared<const InputSource>(InputSource{"tcp://127.0.0.1:5514", "192.0.2.1:40000", "1.1", kJan2_2026, false}),
      std::make_shared<const InputSource>(InputSource{"tcp://127.0.0.1:5514", "192.0.2.2:40001", "1.2", kMar1_2028, false}),
      std::make_shared<const InputSource>(InputSource{"udp://127.0.0.1:5514", "192.0.2.3:514", "1.0", kJan2_2026, false})};
  std::vector<std::string> texts;
  for (size_t i = 0; i < 300; ++i) texts.push_back(line_of_kind(i));
  auto source_of = [&](size_t i) { return sources[(i / 3) % sources.size()]; };  // runs of 3 lines

  Sequential want;
  {
    LineNormalizer n(app_rules(), options());
    v1::Event event;
    v1::QuarantineRecord record;
    for (size_t i = 0; i < texts.size(); ++i) {
      n.start_input(*source_of(i));
      Line line = line_at(texts[i], i + 1, i * 100);
      REQUIRE(encode(n.normalize(line, &event, &record), event, record, line.bytes, &want.records).ok());
    }
    want.counts = n.counters();
  }
  REQUIRE(want.records.events.find("\"peer\":\"192.0.2.2:40001\",\"connection\":\"1.2\"") != std::string::npos);
  REQUIRE(want.records.quarantine.find("\"peer\":\"192.0.2.3:514\",\"connection\":\"1.0\"") != std::string::npos);
  REQUIRE(want.records.events.find("\"time\":\"2028-02-29T12:00:00Z\"") != std::string::npos);  // 1.2's year

  for (size_t threads : {1, 3}) {
    INFO("threads " << threads);
    Collected got;
    ParallelNormalizer p(app_rules(), options(), {threads, 64, 1 << 20}, encode, collect_into(&got));
    for (size_t i = 0; i < texts.size(); ++i) REQUIRE(p.push(line_at(texts[i], i + 1, i * 100), source_of(i)).ok());
    REQUIRE(p.finish().ok());
    CHECK(got.calls == 5);  // 300 lines in batches of 64: inputs do not cut batches
    CHECK(got.records.events == want.records.events);
    CHECK(got.records.quarantine == want.records.quarantine);
    check_same_counts(p.counters(), want.counts);
  }
}

TEST_CASE("ParallelNormalizer: flush() writes the lines of a batch that is not full and the run goes on",
          "[pipeline]") {
  for (size_t threads : {1, 2}) {
    INFO("threads " << threads);
    Collected got;
    ParallelNormalizer p(app_rules(), options(), {threads, 2048, 1 << 20}, encode, collect_into(&got));
    REQUIRE(p.push(line_at(line_of_kind(0), 1, 0)).ok());
    REQUIRE(p.push(line_at(line_of_kind(3), 2, 100)).ok());
    CHECK(got.calls == 0);
    REQUIRE(p.flush().ok());
    CHECK(got.calls == 1);
    CHECK(p.counters().lines_in == 2);
    CHECK(p.counters().events == 1);
    CHECK(p.counters().quarantined == 1);
    REQUIRE(p.flush().ok());  // nothing new: no empty batch reaches the sink
    CHECK(got.calls == 1);
    REQUIRE(p.push(line_at(line_of_kind(1), 3, 200)).ok());
    REQUIRE(p.finish().ok());
    CHECK(got.calls == 2);
    CHECK(p.counters().lines_in == 3);
    CHECK(p.counters().dropped_by_rule == 1);
  }
}

TEST_CASE("ParallelNormalizer: push() returns with at most 2 x threads + 2 batches unwritten", "[pipeline]") {
  std::vector<Input> inputs{{"a.log", end_of_year(2026), true, {}}};
  for (size_t i = 0; i < 1000; ++i) inputs[0].lines.push_back(line_of_kind(i * 11));
  for (size_t threads : {1, 2, 5}) {
    Collected got;
    ParallelNormalizer p(app_rules(), options(), {threads, 1, 1 << 20}, encode, collect_into(&got));
    size_t pushed = 0;
    for (const auto& text : inputs[0].lines) {
      REQUIRE(p.push(line_at(text, ++pushed, 0)).ok());
      INFO("threads " << threads << " after line " << pushed);
      REQUIRE(got.calls + 2 * threads + 2 >= pushed);
    }
    REQUIRE(p.finish().ok());
    CHECK(got.calls == 1000);
  }
}

TEST_CASE("ParallelNormalizer: worker threads block SIGINT and SIGTERM so that the reading thread takes them",
          "[pipeline]") {
  std::atomic<int> unblocked{0};
  std::atomic<int> encoded{0};
  auto check_mask = [&](Outcome outcome, const v1::Event& event, const v1::QuarantineRecord& record,
                        std::string_view line, EncodedRecords* out) {
    sigset_t mask;
    pthread_sigmask(SIG_SETMASK, nullptr, &mask);
    if (!sigismember(&mask, SIGINT) || !sigismember(&mask, SIGTERM)) ++unblocked;
    ++encoded;
    return encode(outcome, event, record, line, out);
  };
  Collected got;
  ParallelNormalizer p(app_rules(), options(), {3, 4, 1 << 20}, check_mask, collect_into(&got));
  REQUIRE(push_all(p, three_inputs(20)).ok());
  REQUIRE(p.finish().ok());
  CHECK(encoded == 60);
  CHECK(unblocked == 0);
  // The thread that started them keeps its own mask.
  sigset_t mask;
  pthread_sigmask(SIG_SETMASK, nullptr, &mask);
  CHECK_FALSE(sigismember(&mask, SIGINT));
}

TEST_CASE("ParallelNormalizer: an encoder error stops the run at its line and every later call returns it",
          "[pipeline]") {
  std::vector<Input> inputs = three_inputs(300);
  const size_t failing = 437;  // of all lines: the second input's 138th
  inputs[1].lines[failing - 300] = "garbage FAIL";
  const Sequential before = sequential(inputs, failing);   // the lines before it: what reaches the sink
  const Sequential through = sequential(inputs, failing + 1);  // and it: what is counted
  auto failing_encoder = [](Outcome outcome, const v1::Event& event, const v1::QuarantineRecord& record,
                            std::string_view line, EncodedRecords* out) -> Status {
    if (line == "garbage FAIL") return plain_error("serialize-failed", "cannot serialize 'garbage FAIL'");
    return encode(outcome, event, record, line, out);
  };
  for (size_t threads : {1, 2, 8}) {
    for (size_t batch_lines : {1, 7, 2048}) {
      INFO("threads " << threads << " batch_lines " << batch_lines);
      Collected got;
      ParallelNormalizer p(app_rules(), options(), {threads, batch_lines, 1 << 20}, failing_encoder,
                           collect_into(&got));
      Status pushed = push_all(p, inputs);
      Status finished = p.finish();
      // It surfaces when the failing batch is written: at a later push(), or at finish().
      CHECK(first_message(pushed.ok() ? finished : pushed) == "cannot serialize 'garbage FAIL'");
      CHECK(first_message(finished) == "cannot serialize 'garbage FAIL'");
      CHECK(first_message(p.push(line_at("x", 1, 0))) == "cannot serialize 'garbage FAIL'");
      CHECK(got.records.events == before.records.events);
      CHECK(got.records.quarantine == before.records.quarantine);
      CHECK(got.records.dropped == before.records.dropped);
      check_same_counts(p.counters(), through.counts);
    }
  }
}

TEST_CASE("ParallelNormalizer: a sink error stops the run after the batch it failed on", "[pipeline]") {
  const std::vector<Input> inputs = three_inputs(300);
  const Sequential written = sequential(inputs, 10);
  const Sequential counted = sequential(inputs, 15);
  for (size_t threads : {1, 2, 8}) {
    INFO("threads " << threads);
    Collected got;
    RecordSink collect = collect_into(&got);
    auto failing_sink = [&](const EncodedRecords& r) -> Status {
      if (got.calls == 2) return plain_error("write-failed", "cannot write 'e.pb': No space left on device");
      return collect(r);
    };
    ParallelNormalizer p(app_rules(), options(), {threads, 5, 1 << 20}, encode, failing_sink);
    Status pushed = push_all(p, inputs);
    CHECK(first_message(pushed) == "cannot write 'e.pb': No space left on device");
    CHECK(first_message(p.finish()) == "cannot write 'e.pb': No space left on device");
    CHECK(got.calls == 2);
    CHECK(got.records.events == written.records.events);
    CHECK(got.records.quarantine == written.records.quarantine);
    check_same_counts(p.counters(), counted.counts);
  }
}

TEST_CASE("ParallelNormalizer: abandon() and the destructor stop the workers and keep the counts balanced",
          "[pipeline]") {
  const std::vector<Input> inputs = three_inputs(1000);
  for (size_t threads : {1, 4}) {
    INFO("threads " << threads);
    Collected got;
    ParallelNormalizer p(app_rules(), options(), {threads, 3, 1 << 20}, encode, collect_into(&got));
    for (size_t i = 0; i < 500; ++i) REQUIRE(p.push(line_at(inputs[0].lines[i], i + 1, 0)).ok());
    p.abandon();
    p.abandon();
    const Counters& c = p.counters();
    CHECK(c.balanced());
    CHECK(c.lines_in <= 500);
    CHECK(c.lines_in == 3 * got.calls);  // whole batches only
    // A run abandoned stays stopped: a line pushed after it is refused, not silently dropped.
    const size_t calls = got.calls;
    auto late = p.push(line_at(inputs[0].lines[500], 501, 0));
    REQUIRE_FALSE(late.ok());
    CHECK(late.errors().front().message == "the run was abandoned");
    auto finished = p.finish();
    REQUIRE_FALSE(finished.ok());
    CHECK(finished.errors().front().message == "the run was abandoned");
    CHECK(got.calls == calls);
    {
      // Destroyed in the middle of a run, with batches in flight: joins, and nothing more is written.
      Collected more;
      ParallelNormalizer q(app_rules(), options(), {threads, 3, 1 << 20}, encode, collect_into(&more));
      REQUIRE(push_all(q, inputs).ok());
    }
  }
}

TEST_CASE("default_threads is the CPUs this process may use and within 1..kMaxThreads", "[pipeline]") {
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  REQUIRE(sched_getaffinity(0, sizeof cpus, &cpus) == 0);
  CHECK(default_threads() == std::min<size_t>(static_cast<size_t>(CPU_COUNT(&cpus)), kMaxThreads));
  CHECK(default_threads() >= 1);
}

}  // namespace strictlog
