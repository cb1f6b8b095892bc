// What `serve --metrics` exports: the Prometheus families of a running serve, rendered on the metrics
// endpoint's thread from three sources that each have their own thread-safety:
//   - the listeners' counters (Receiver::stats()) and the queue's depth, read at scrape time;
//   - the pipeline's counts, which live on serve's main thread: it publishes a snapshot (publish()) after
//     every batch it hands on and at least every 50 ms, so a scrape sees counts at most that old;
//   - the log records per code (cli/internal/log.h).
// Every label value comes from a bounded set: listeners (the configured ones), rules (the loaded sets),
// quarantine reasons, log codes. No peer address is ever a label. docs/SERVE.md lists every family.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "listen/message_queue.h"
#include "listen/receiver.h"
#include "pipeline/counters.h"
#include "ruleset/ruleset.h"

namespace strictlog::cli {

// Lines one rule took, summed over every rule set the run used (a reload renumbers rules, names stay).
struct RuleCount {
  std::string grammar, version, rule;
  bool drop = false;
  uint64_t lines = 0;
};

struct ReloadCounts {
  uint64_t succeeded = 0, failed = 0;
  bool last_ok = true;
  int64_t last_unix_time = 0;  // 0: never reloaded
  std::string ruleset_hash;    // of the set in use
};

struct PipelineSnapshot {
  Counters totals;               // over the whole run (lines_by_rule unused: see rules)
  std::vector<RuleCount> rules;  // the rules that took at least one line
  ReloadCounts reload;
};

// The rules of `rules` that took lines in `c`, by name; the `last message repeated` events as
// syslog/last_message_repeated.
std::vector<RuleCount> rule_counts(const RuleSet& rules, const Counters& c);

class ServeMetrics {
 public:
  ServeMetrics(const Receiver& receiver, const MessageQueue& queue, size_t queue_messages, size_t queue_bytes);

  // Main thread.
  void publish(PipelineSnapshot snapshot);
  // Writing waits for room (disk full) and reading is paused: set by the thread that waits, which publishes
  // nothing meanwhile.
  void set_output_paused(bool paused) { output_paused_ = paused; }
  // Any thread: the exposition text.
  std::string render() const;

 private:
  const Receiver& receiver_;
  const MessageQueue& queue_;
  const size_t queue_messages_, queue_bytes_;
  const int64_t start_time_;
  std::atomic<bool> output_paused_{false};
  mutable std::mutex mutex_;
  PipelineSnapshot snapshot_;
};

}  // namespace strictlog::cli
