// `strictlog test`: the grammar author's test runner over rule examples and corpus cases.
#include <fmt/format.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/internal/report.h"
#include "sink/atomic_file.h"
#include "verify/junit.h"
#include "verify/runner.h"

namespace strictlog::cli {
namespace {

struct TestArgs {
  std::vector<std::string> corpus_dirs;
  std::string grammars = "grammars";
  std::string mappings = "mappings";
  std::string junit;
  bool update = false;
};

void print_report(const TestReport& r, double seconds) {
  std::string s;
  for (const auto& m : r.mismatches) {
    s += fmt::format("{}:{}: {}\n", m.pos.source ? m.pos.source->path : "?", m.pos.line, m.summary);
    for (const auto& d : m.details) s += "  " + d + "\n";
  }
  for (const auto& c : r.conflicts) s += "conflict: " + c.message + "\n";
  for (const auto& u : r.uncovered) s += "uncovered: " + u + "\n";
  for (const auto& u : r.updated) s += u;
  s += fmt::format("{:<48} {:>8} {:>6} {:>8}\n", "rule", "examples", "cases", "re2_size");
  for (const auto& rule : r.rules) {
    s += fmt::format("{:<48} {:>8} {:>6} {:>8}\n", rule.ref, rule.example_hits, rule.case_hits, rule.program_size);
  }
  auto plural = [](size_t n, std::string_view word) { return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s"); };
  s += fmt::format("strictlog test: {}, {} in {}, {} in {:.3f} s: "
                   "{} mismatch{}, {} uncovered, {} conflict{}{}\n",
                   plural(r.examples, "example"), plural(r.cases, "case"), plural(r.corpus_files, "file"),
                   fmt::format("{} overlap witness{}", r.witnesses, r.witnesses == 1 ? "" : "es"), seconds, r.mismatches.size(),
                   r.mismatches.size() == 1 ? "" : "es", r.uncovered.size(), r.conflicts.size(),
                   r.conflicts.size() == 1 ? "" : "s",
                   r.updated.empty() ? "" : fmt::format("; {} case{} rewritten", r.updated.size(),
                                                         r.updated.size() == 1 ? "" : "s"));
  std::fputs(s.c_str(), stdout);
}

int run(const TestArgs& a) {
  auto start = std::chrono::steady_clock::now();
  // A report from an earlier run must not survive a run that fails before writing its own: CI would read
  // the old, green one.
  if (!a.junit.empty() && !is_stream_path(a.junit)) ::unlink(a.junit.c_str());
  auto rules = load_ruleset(a.grammars, a.mappings);
  if (!rules) {
    print_diagnostics("test", rules.errors());
    return kExitLoadError;
  }
  TestOptions options{a.corpus_dirs.empty() ? std::vector<std::string>{"corpus"} : a.corpus_dirs, a.update};
  auto report = run_tests(*rules, options);
  if (!report) {
    bool positioned = report.errors().front().where.source != nullptr;
    if (positioned) {
      print_diagnostics("test", report.errors());
      return kExitLoadError;
    }
    return io_error("test", report.errors());
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  print_report(*report, seconds);
  if (!a.junit.empty()) {
    auto out = open_output(a.junit, 0644);  // a device or FIFO is written through, never replaced
    if (!out) return io_error("test", out.errors());
    if (auto st = (*out)->write(junit_xml(*report)); !st) return io_error("test", st.errors());
    if (auto st = (*out)->commit(); !st) return io_error("test", st.errors());
  }
  if (!report->mismatches.empty()) return kExitMismatch;
  if (!report->uncovered.empty() || !report->conflicts.empty()) return kExitCoverage;
  return kExitOk;
}

}  // namespace

Run add_test(CLI::App& app) {
  auto args = std::make_shared<TestArgs>();
  CLI::App* cmd = app.add_subcommand("test", "Run every rule's examples and every corpus case; check coverage and overlaps");
  cmd->add_option("corpus", args->corpus_dirs, "Corpus directories searched for *.cases (default: corpus)");
  cmd->add_option("--grammars", args->grammars, "Directory of *.grammar files")->capture_default_str();
  cmd->add_option("--mappings", args->mappings, "Directory of *.mapping files")->capture_default_str();
  cmd->add_option("--junit", args->junit, "Also write the results as JUnit XML to this file");
  cmd->add_flag("--update", args->update, "Rewrite every case's expectation from the current result and print the diff");
  return [args] { return run(*args); };
}

}  // namespace strictlog::cli
