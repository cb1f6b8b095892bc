// What the CLI prints: diagnostics, error lines and run summaries, all on stderr so that stdout can carry
// records.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/diagnostic.h"
#include "pipeline/counters.h"
#include "ruleset/ruleset.h"

namespace strictlog::cli {

// Prints every diagnostic, then `strictlog COMMAND: N errors; nothing was processed`.
void print_diagnostics(std::string_view command, const Diagnostics& ds);

// Prints `strictlog COMMAND: message` and returns kExitUsage.
int usage_error(std::string_view command, std::string_view message);

// Prints the errors; when `counts` is given also the counts so far and that no output was written.
// Returns kExitIoError.
int io_error(std::string_view command, const Diagnostics& ds, const Counters* counts = nullptr);
// The run writes to this database sink (`describe()`): a stopped run then says that what it wrote stays there,
// instead of that no output file was left behind.
void set_database_sink(std::string describe);

// Prints that the run stopped on signal `sig`, the counts so far, and that no output was left; returns
// 128 + sig, as a shell reports a command killed by that signal.
int interrupted(std::string_view command, int sig, const Counters& counts);

// The run summary: lines, events per rule, dropped, quarantined per reason, lines/s, the invariant.
// `inputs` counts what lines came from: files (`input`) or, for serve, listeners (`input_kind` "listener").
void print_summary(std::string_view command, const RuleSet& rules, const Counters& c, double seconds, size_t inputs,
                   const std::string& events_to, const std::string& quarantine_to, const std::string& dropped_to,
                   std::string_view input_kind = "input");

// One line of a summary's per-rule counts: `openvpn/2.6/tls_handshake_failed`, a drop rule or not, its lines.
struct SummaryRule {
  std::string ref;
  bool drop = false;
  uint64_t lines = 0;
};

// The same summary from counts by name (serve sums them over the rule sets a run used, since a reload
// renumbers rules): `rules` in the order to print; rules without lines are left out; `c.lines_by_rule` is
// not read.
void print_summary(std::string_view command, const std::vector<SummaryRule>& rules, const Counters& c, double seconds,
                   size_t inputs, const std::string& events_to, const std::string& quarantine_to,
                   const std::string& dropped_to, std::string_view input_kind = "input");

}  // namespace strictlog::cli
