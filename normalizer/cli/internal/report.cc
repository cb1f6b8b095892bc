#include "cli/internal/report.h"

#include <fmt/format.h>

#include <cstdio>
#include <cstring>

#include "cli/exit_codes.h"
#include "pipeline/normalizer.h"

namespace strictlog::cli {
namespace {

void print_counts(const Counters& c) {
  std::fprintf(stderr, "  lines_in %llu == events %llu + dropped_by_rule %llu + quarantined %llu: %s\n",
               static_cast<unsigned long long>(c.lines_in), static_cast<unsigned long long>(c.events),
               static_cast<unsigned long long>(c.dropped_by_rule), static_cast<unsigned long long>(c.quarantined),
               c.balanced() ? "ok" : "VIOLATED (a bug: please report it)");
}

}  // namespace

void print_diagnostics(std::string_view command, const Diagnostics& ds) {
  std::fputs(render(ds).c_str(), stderr);
  std::fputs(fmt::format("strictlog {}: {} error{}; nothing was processed\n", command, ds.size(),
                         ds.size() == 1 ? "" : "s").c_str(), stderr);
}

int usage_error(std::string_view command, std::string_view message) {
  std::fputs(fmt::format("strictlog {}: {}\n", command, message).c_str(), stderr);
  return kExitUsage;
}

namespace {
std::string g_database;  // set_database_sink()
}  // namespace

void set_database_sink(std::string describe) { g_database = std::move(describe); }

int io_error(std::string_view command, const Diagnostics& ds, const Counters* counts) {
  for (const auto& d : ds) std::fputs(fmt::format("strictlog {}: {}\n", command, d.message).c_str(), stderr);
  if (counts && !g_database.empty()) {
    std::fputs(fmt::format("strictlog: stopped; the rows of the batches written before the stop stay in {}{}, "
                           "the rest were not written. Counts when it stopped:\n",
                           g_database, g_database.starts_with("clickhouse") ? " (or wait in its spool)" : "")
                   .c_str(),
               stderr);
    print_counts(*counts);
  } else if (counts) {
    std::fputs("strictlog: stopped; no output file was left behind (records already streamed to stdout or a "
               "device are incomplete). Counts when it stopped:\n",
               stderr);
    print_counts(*counts);
  }
  return kExitIoError;
}

int interrupted(std::string_view command, int sig, const Counters& counts) {
  std::fputs(fmt::format("strictlog {}: interrupted by signal {} ({})\n", command, sig, strsignal(sig)).c_str(), stderr);
  io_error(command, {}, &counts);
  return 128 + sig;
}

void print_summary(std::string_view command, const RuleSet& rules, const Counters& c, double seconds, size_t inputs,
                   const std::string& events_to, const std::string& quarantine_to, const std::string& dropped_to,
                   std::string_view input_kind) {
  // Only the rules that took lines: a rule set with several versions of several sources has hundreds.
  std::vector<SummaryRule> counts;
  for (size_t g = 0; g < rules.grammars.size(); ++g) {
    const auto& grammar = rules.grammars[g];
    for (size_t r = 0; r < grammar.rules.size(); ++r) {
      if (c.lines_by_rule[g][r] == 0) continue;
      const CompiledRule& rule = grammar.rules[r];
      counts.push_back({rule_ref(grammar, rule), rule.drop, c.lines_by_rule[g][r]});
    }
  }
  print_summary(command, counts, c, seconds, inputs, events_to, quarantine_to, dropped_to, input_kind);
}

void print_summary(std::string_view command, const std::vector<SummaryRule>& rules, const Counters& c, double seconds,
                   size_t inputs, const std::string& events_to, const std::string& quarantine_to,
                   const std::string& dropped_to, std::string_view input_kind) {
  std::string s = fmt::format("strictlog {}: {} line{} from {} {}{} in {:.3f} s ({:.0f} lines/s)\n",
                              command, c.lines_in, c.lines_in == 1 ? "" : "s", inputs, input_kind,
                              inputs == 1 ? "" : "s", seconds,
                              seconds > 0 ? static_cast<double>(c.lines_in) / seconds : 0.0);
  s += fmt::format("  events          {:>10}\n", c.events);
  auto per_rule = [&](bool drop) {
    for (const SummaryRule& r : rules) {
      if (r.drop != drop || r.lines == 0) continue;
      s += fmt::format("    {:<48} {:>10}\n", r.ref, r.lines);
    }
  };
  per_rule(false);
  if (c.repeat_notices != 0) {
    s += fmt::format("    {:<48} {:>10}\n", fmt::format("{}/{}", kRepeatGrammar, kRepeatRule), c.repeat_notices);
  }
  s += fmt::format("  dropped         {:>10}\n", c.dropped_by_rule);
  per_rule(true);
  s += fmt::format("  quarantined     {:>10}\n", c.quarantined);
  for (size_t reason = 1; reason < c.quarantined_by_reason.size(); ++reason) {
    if (c.quarantined_by_reason[reason] == 0) continue;
    s += fmt::format("    {:<48} {:>10}\n", v1::QuarantineReason_Name(static_cast<v1::QuarantineReason>(reason)),
                     c.quarantined_by_reason[reason]);
  }
  s += fmt::format("  events     -> {}\n  quarantine -> {}\n  dropped    -> {}\n", events_to, quarantine_to,
                   dropped_to);
  std::fputs(s.c_str(), stderr);
  print_counts(c);
}

}  // namespace strictlog::cli
