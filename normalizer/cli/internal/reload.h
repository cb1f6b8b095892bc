// `strictlog serve` reloading its grammars and mappings on SIGHUP while traffic flows.
//
// Two parts, both used on serve's main thread:
//   - ReloadableNormalizer: the pipeline across rule sets. Each rule set in use is a generation with its own
//     ParallelNormalizer. switch_to() flushes the current one (every line pushed so far is normalized by the
//     set it was pushed under and handed to the sink), joins its workers, and starts the next: the lines
//     pushed after it use the new set. Counts stay whole across generations: totals add up, and a rule's
//     lines are kept by its names (grammar, version, rule id, drop or not), since a new set renumbers rules.
//   - Reloader: loads and compiles the directories serve was started with (--grammars, --mappings, and the
//     --grammar-version choices) on a thread of its own, so that the main thread keeps taking messages off
//     the queue meanwhile; apply() switches the pipeline once the new set is ready, or logs why it is not
//     and keeps the old one. A request while a load runs is remembered (once) and loads again after it.
//
// Atomicity: a line is normalized wholly by one set; every line taken off the queue before a switch by the
// old set, every line after it by the new one. Listeners, outputs and every other option stay as they were.
#pragma once

#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "cli/internal/report.h"
#include "cli/internal/serve_metrics.h"  // RuleCount, ReloadCounts: what the metrics endpoint exports
#include "common/result.h"
#include "pipeline/parallel.h"
#include "ruleset/ruleset.h"

namespace strictlog::cli {

// A rule set and the versions chosen in it (--grammar-version), as a generation runs with them.
struct LoadedRules {
  std::shared_ptr<const RuleSet> rules;
  VersionChoice versions;
};

// load_ruleset() then choose_versions(): every error of both, as diagnostics.
Result<LoadedRules> load_rules(const std::string& grammars_dir, const std::string& mappings_dir,
                               const std::vector<std::string>& version_specs);

// `rules` as a summary prints them (print_summary()).
std::vector<SummaryRule> summary_rules(const std::vector<RuleCount>& rules);

class ReloadableNormalizer {
 public:
  // `options.versions` is replaced by each generation's own.
  ReloadableNormalizer(LoadedRules first, NormalizeOptions options, ParallelOptions parallel, RecordEncoder encode,
                       RecordSink sink);

  // As ParallelNormalizer's, on the current generation.
  Status push(const Line& line, std::shared_ptr<const InputSource> input) {
    return current_->push(line, std::move(input));
  }
  Status flush() { return current_->flush(); }
  Status finish() { return current_->finish(); }
  void abandon() { current_->abandon(); }

  // Flushes and finishes the current generation, then starts one with `next`. An error is the current
  // generation's (its sink's or encoder's: serve cannot go on); nothing is switched then.
  Status switch_to(LoadedRules next);

  const RuleSet& rules() const { return *loaded_.rules; }
  // Generations so far: 1 before the first switch.
  uint64_t generation() const { return generation_; }
  // Lines whose records reached the sink, over every generation (for the sink's per-batch line count).
  uint64_t lines_in() const { return finished_.lines_in + current_->counters().lines_in; }

  // The counts over every generation, of the lines whose records reached the sink. `totals`: every counter
  // but lines_by_rule (left empty); `rules`: every rule that took a line under any set, in the order the
  // sets named them (the first set's grammar and rule order, then rules new in later sets), and last, when
  // there are any, the repeat notices as grammar `syslog`, version "", rule `last_message_repeated` (also
  // totals->repeat_notices). Reuses the vectors' and strings' capacity, so calling it every few milliseconds
  // costs a pass over the rules and no allocation once the rows settled.
  void snapshot(Counters* totals, std::vector<RuleCount>* rules) const;

 private:
  void start_generation();

  NormalizeOptions options_;
  ParallelOptions parallel_;
  RecordEncoder encode_;
  RecordSink sink_;
  LoadedRules loaded_;
  std::unique_ptr<ParallelNormalizer> current_;
  uint64_t generation_ = 0;

  Counters finished_;                 // totals of the finished generations (lines_by_rule unused)
  std::vector<RuleCount> rows_;       // every rule of every generation, by names; lines: finished ones'
  std::unordered_map<std::string, size_t> row_of_;  // rows_ index by `grammar NUL version NUL rule NUL drop`
  std::vector<std::vector<size_t>> slot_;           // slot_[g][r]: the current set's rule's row
  mutable std::vector<uint64_t> scratch_;           // snapshot()'s per-row sums
};

class Reloader {
 public:
  // What to load again on each request: the arguments serve was started with. `in_use`: the set loaded
  // at start, whose hash status() reports until a reload succeeds.
  Reloader(std::string grammars_dir, std::string mappings_dir, std::vector<std::string> version_specs,
           const RuleSet& in_use);
  // Waits for a load in progress (it cannot be interrupted; it reads and compiles files, nothing more).
  ~Reloader();
  Reloader(const Reloader&) = delete;
  Reloader& operator=(const Reloader&) = delete;

  // Main thread (SIGHUP): starts a load, or, while one runs, has another start after it. Requests made
  // during one load count once.
  void request();

  // Main thread, once per loop: when a load finished, switches `pipeline` to the new set and logs
  // `reloaded`, or logs the diagnostics and `reload_failed` and keeps the set in use; then starts the load
  // requested meanwhile, if any. The error returned is the pipeline's (switch_to()): serve cannot go on.
  Status apply(ReloadableNormalizer& pipeline);

  // A load is running.
  bool loading() const { return pending_.valid(); }

  // Any thread: reloads so far, the last one's outcome and time, and the hash of the set in use; a copy
  // taken under a mutex.
  ReloadCounts status() const;

 private:
  void start();
  void record(bool ok, const std::string& hash);

  std::string grammars_dir_, mappings_dir_;
  std::vector<std::string> version_specs_;
  std::future<Result<LoadedRules>> pending_;
  std::chrono::steady_clock::time_point started_;
  bool again_ = false;  // requested while pending_ ran

  mutable std::mutex mutex_;
  ReloadCounts status_;  // guarded by mutex_
};

}  // namespace strictlog::cli
