// `strictlog normalize --threads N` through the built binary on real files: the events, quarantine and dropped
// files and the summary are the same bytes for 1, 2, 3 and 8 threads, over the bundled grammars and every line
// of the bundled corpus (events, drops, every quarantine reason, invalid UTF-8, --explain's nearest misses)
// plus OVERSIZE and CRLF lines, in several inputs whose years are inferred across a new year; and a run that
// fails (a full disk, an unreadable input, a missing second input) prints what one thread prints, exits 3 and
// leaves nothing.
#include <sys/stat.h>
#include <sys/time.h>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "cli/harness.h"
#include "common/source_files.h"
#include "verify/corpus.h"

namespace strictlog {
namespace {

using namespace cli_test;

const std::string kRepoGrammars = STRICTLOG_SOURCE_DIR "/grammars";
const std::string kRepoMappings = STRICTLOG_SOURCE_DIR "/mappings";

// The raw line of every case in the bundled corpus, in file order.
std::vector<std::string> corpus_lines() {
  std::vector<std::string> lines;
  auto files = list_files(STRICTLOG_SOURCE_DIR "/corpus", ".cases");
  REQUIRE(files.ok());
  for (const auto& path : *files) {
    auto source = read_source_file(path);
    REQUIRE(source.ok());
    auto parsed = parse_corpus(*source);
    REQUIRE(parsed.ok());
    for (const auto& c : parsed->cases) lines.push_back(c.raw);
  }
  REQUIRE(lines.size() > 100);
  return lines;
}

void set_mtime(const std::string& path, time_t seconds) {
  struct timeval times[2] = {{seconds, 0}, {seconds, 0}};
  REQUIRE(::utimes(path.c_str(), times) == 0);
}

// A line of the corpus with its timestamp replaced: `Nov 22 09:15:02 host ...` -> `<stamp> host ...`.
std::string restamped(const std::string& line, const std::string& stamp) {
  return line.size() > 15 && line[3] == ' ' && line[6] == ' ' ? stamp + line.substr(15) : line;
}

// Three inputs and stdin. a.log: the corpus 12 times over (two batches of 2048 lines). b.log: the corpus
// with December and January dates, its year inferred from an mtime of 2026-01-02. c.log: OVERSIZE lines (over
// --max-line 512), CRLF terminators, an empty line and a last line without a newline. stdin: the corpus once.
void write_inputs(const Sandbox& box) {
  const std::vector<std::string> corpus = corpus_lines();
  std::string a, b, c, in;
  for (int round = 0; round < 12; ++round) {
    for (const auto& line : corpus) a += line + "\n";
  }
  for (size_t i = 0; i < corpus.size(); ++i) {
    b += restamped(corpus[i], i % 2 ? "Dec 31 23:59:59" : "Jan  1 00:00:01") + "\n";
  }
  for (size_t i = 0; i < corpus.size(); ++i) {
    c += corpus[i] + (i % 3 == 0 ? "\r\n" : "\n");
    if (i % 10 == 0) c += corpus[i] + std::string(600 + i, 'x') + "\n";
  }
  c += "\n" + corpus.front();
  for (const auto& line : corpus) in += line + "\n";
  write_file(box / "a.log", a);
  write_file(box / "b.log", b);
  write_file(box / "c.log", c);
  write_file(box / "stdin.log", in);
  set_mtime(box / "a.log", 1795350072);      // 2026-11-22T12:21:12Z
  set_mtime(box / "b.log", 1767312000);      // 2026-01-02T00:00:00Z
  set_mtime(box / "c.log", 1795350072);
  set_mtime(box / "stdin.log", 1795350072);
}

struct Outputs {
  Run run;
  std::string events, quarantine, dropped;
};

Outputs normalize_with(const Sandbox& box, const std::string& format, bool explain, const std::string& threads) {
  const std::string events = "ev-" + threads + "." + format;
  const std::string quarantine = "q-" + threads + ".jsonl";
  const std::string dropped = "d-" + threads + ".log";
  RunOptions options;
  options.stdin_path = box / "stdin.log";
  Outputs o;
  std::vector<std::string> args{"normalize", "--grammars", kRepoGrammars, "--mappings", kRepoMappings,
                                "--no-processed-time", "--max-line", "512", "--format", format, "--out", events,
                                "--quarantine", quarantine, "--dropped", dropped, "--threads", threads,
                                "a.log", "b.log", "-", "c.log"};
  if (explain) args.push_back("--explain");
  o.run = run_strictlog(box, args, options);
  o.events = read_all(box / events);
  o.quarantine = read_all(box / quarantine);
  o.dropped = read_all(box / dropped);
  return o;
}

// The summary without its first line (which carries the duration) and without the output paths, which name the
// thread count.
std::vector<std::string> counts_of(const std::string& err) {
  std::vector<std::string> lines = split_lines(err);
  std::vector<std::string> counts;
  for (size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].find(" -> ") == std::string::npos) counts.push_back(lines[i]);
  }
  return counts;
}

}  // namespace

TEST_CASE("normalize --threads 1 2 3 and 8 write the same bytes and counts over the bundled corpus", "[cli]") {
  Sandbox box;
  write_inputs(box);
  // --explain costs prefix matches for each NO_MATCH line, and the event format does not touch the threads:
  // every thread count once with both, then pb alone against 8 threads.
  struct Runs {
    std::string format;
    bool explain;
    std::vector<std::string> threads;
  };
  for (const Runs& runs : {Runs{"jsonl", true, {"2", "3", "8"}}, Runs{"pb", false, {"8"}}}) {
    const std::string& format = runs.format;
    INFO("--format " << format);
    const Outputs one = normalize_with(box, format, runs.explain, "1");
    INFO(one.run.err);
    REQUIRE(one.run.status == 0);
    CHECK(starts_with(one.run.err, "strictlog normalize: "));
    CHECK(one.run.err.find(" lines from 4 inputs in ") != std::string::npos);
    CHECK(ends_with(one.run.err, ": ok\n"));
    // What the comparison covers.
    CHECK(one.dropped.size() > 0);
    for (const char* reason : {"OVERSIZE", "ENCODING", "HEADER", "NO_MATCH", "CONVERSION"}) {
      CHECK(one.quarantine.find("{\"reason\":\"" + std::string(reason) + "\"") != std::string::npos);
    }
    if (runs.explain) CHECK(one.quarantine.find("\"nearest_miss\":") != std::string::npos);
    if (format == "jsonl") {
      CHECK(one.events.find("\"time\":\"2025-12-31T23:59:59Z\"") != std::string::npos);
      CHECK(one.events.find("\"time\":\"2026-01-01T00:00:01Z\"") != std::string::npos);
      CHECK(one.events.find("\"input\":{\"name\":\"-\"") != std::string::npos);
    }
    for (const std::string& threads : runs.threads) {
      INFO("--threads " << threads);
      const Outputs n = normalize_with(box, format, runs.explain, threads);
      CHECK(n.run.status == 0);
      CHECK(n.events == one.events);
      CHECK(n.quarantine == one.quarantine);
      CHECK(n.dropped == one.dropped);
      CHECK(counts_of(n.run.err) == counts_of(one.run.err));
    }
  }
}

TEST_CASE("normalize --threads: a full disk mid-run stops it as one thread does with exit 3 and nothing left",
          "[cli]") {
  Sandbox box;
  write_inputs(box);
  // Through a symlink, so that a regression (a temp file renamed over the target) replaces the link in the
  // sandbox rather than the system's /dev/full.
  REQUIRE(::symlink("/dev/full", (box / "full").c_str()) == 0);
  auto run = [&](const std::string& threads) {
    return run_strictlog(box, {"normalize", "--grammars", kRepoGrammars, "--mappings", kRepoMappings, "--format",
                               "jsonl", "--out", "full", "--quarantine", "q.jsonl", "--threads", threads, "a.log"});
  };
  const Run one = run("1");
  CHECK(one.status == 3);
  CHECK(starts_with(one.err, "strictlog normalize: cannot write 'full': No space left on device\n"
                             "strictlog: stopped; no output file was left behind"));
  CHECK(ends_with(one.err, ": ok\n"));
  for (const std::string threads : {"2", "3", "8"}) {
    INFO("--threads " << threads);
    // The same batches reach the full disk in the same order, so even the counts when it stopped agree.
    const Run n = run(threads);
    CHECK(n.status == 3);
    CHECK(n.err == one.err);
  }
  CHECK(box.entries() == std::vector<std::string>{"a.log", "b.log", "c.log", "full", "stdin.log"});
}

TEST_CASE("normalize --threads: an unreadable or missing input stops the run as one thread does", "[cli]") {
  Sandbox box;
  write_inputs(box);
  for (const std::string threads : {"1", "4"}) {
    INFO("--threads " << threads);
    // Opening /proc/self/mem works even for root; reading it at offset 0 fails with EIO.
    const Run unreadable = run_strictlog(box, with_rules({"normalize", "--threads", threads, "--out", "ev.pb",
                                                          "/proc/self/mem"}));
    CHECK(unreadable.status == 3);
    CHECK(starts_with(unreadable.err,
                      "strictlog normalize: cannot read '/proc/self/mem' at byte offset 0: Input/output error\n"));
    CHECK(ends_with(unreadable.err, "  lines_in 0 == events 0 + dropped_by_rule 0 + quarantined 0: ok\n"));

    // The lines of a.log before the missing input are all counted.
    const Run missing = run_strictlog(box, with_rules({"normalize", "--threads", threads, "--year", "2026", "--out",
                                                       "ev.pb", "stdin.log", "nope.log"}));
    CHECK(missing.status == 3);
    const std::string lines = std::to_string(split_lines(read_all(box / "stdin.log")).size());
    CHECK(starts_with(missing.err, "strictlog normalize: cannot open 'nope.log': No such file or directory\n"));
    CHECK(missing.err.find("  lines_in " + lines + " == ") != std::string::npos);
    CHECK(ends_with(missing.err, ": ok\n"));
    CHECK(box.entries() == std::vector<std::string>{"a.log", "b.log", "c.log", "stdin.log"});
  }
}

TEST_CASE("normalize --threads outside 1..256 is a usage error", "[cli]") {
  Sandbox box;
  write_file(box / "a.log", "garbage\n");
  for (const std::string threads : {"0", "257", "two"}) {
    const Run r = run_strictlog(box, with_rules({"normalize", "--threads", threads, "a.log"}));
    INFO(r.err);
    CHECK(r.status == 1);
    CHECK(starts_with(r.err, "strictlog: --threads: "));
    CHECK(box.entries() == std::vector<std::string>{"a.log"});
  }
}

}  // namespace strictlog
