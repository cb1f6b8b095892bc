// `strictlog normalize`: syslog lines in, typed events and quarantine records out.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/internal/outputs.h"
#include "cli/internal/report.h"
#include "cli/internal/versions.h"
#include "ingest/decompress.h"
#include "ingest/syslog_time.h"
#include "pipeline/normalizer.h"
#include "pipeline/parallel.h"
#include "sink/record_writer.h"

namespace strictlog::cli {
namespace {

struct NormalizeArgs {
  std::vector<std::string> inputs;
  std::string grammars = "grammars";
  std::string mappings = "mappings";
  OutputPaths outputs;
  std::string input_name;
  int year = 0;
  size_t max_line = kDefaultMaxLine;
  size_t threads = default_threads();
  bool fail_on_quarantine = false;
  bool no_processed_time = false;
  bool explain = false;
  std::string timezone;
  std::string program;
  std::vector<std::string> grammar_versions;
};

struct OpenInput {
  int fd = -1;
  int64_t mtime = 0;
  ~OpenInput() {
    if (fd > 0) close(fd);
  }
};

Result<std::monostate> open_input(const std::string& path, OpenInput* in) {
  in->fd = path == "-" ? 0 : open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (in->fd < 0) return plain_error("open-failed", fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
  struct stat st {};
  if (fstat(in->fd, &st) != 0) {
    return plain_error("open-failed", fmt::format("cannot stat '{}': {}", path, std::strerror(errno)));
  }
  if (S_ISDIR(st.st_mode)) return plain_error("open-failed", fmt::format("cannot read '{}': it is a directory", path));
  in->mtime = S_ISREG(st.st_mode) ? st.st_mtim.tv_sec : std::chrono::duration_cast<std::chrono::seconds>(
                                                          std::chrono::system_clock::now().time_since_epoch())
                                                          .count();
  return kOk;
}

int run(const NormalizeArgs& a) {
  auto start = std::chrono::steady_clock::now();
  std::vector<std::string> inputs = a.inputs.empty() ? std::vector<std::string>{"-"} : a.inputs;
  if (!a.input_name.empty() && inputs.size() != 1) {
    return usage_error("normalize", "--input-name names a single input, but several were given");
  }
  if (std::string clash = output_clash(inputs, a.outputs); !clash.empty()) return usage_error("normalize", clash);
  std::optional<TimeZone> zone;
  if (!a.timezone.empty()) {
    auto located = TimeZone::locate(a.timezone);
    if (!located) return usage_error("normalize", located.errors().front().message);
    zone = *located;
  }
  auto rules = load_ruleset(a.grammars, a.mappings);
  if (!rules) {
    print_diagnostics("normalize", rules.errors());
    return kExitLoadError;
  }
  auto versions = choose_versions(**rules, a.grammar_versions);
  if (!versions) return usage_error("normalize", versions.errors().front().message);

  install_signal_handlers();
  auto outputs = RunOutputs::open(a.outputs);
  if (!outputs) return io_error("normalize", outputs.errors());
  if (!a.outputs.sink.empty()) set_database_sink((*outputs)->events_to());

  NormalizeOptions options;
  options.stamp_processed_time = !a.no_processed_time;
  options.explain = a.explain;
  options.time_zone = zone;
  options.program = a.program;
  options.versions = *versions;
  // Records are encoded on the worker threads and written here, in input order (pipeline/parallel.h).
  RunOutputs& out = **outputs;
  ParallelNormalizer normalizer(
      *rules, options, ParallelOptions{.threads = a.threads},
      [&out](Outcome outcome, const v1::Event& event, const v1::QuarantineRecord& record, std::string_view line,
             EncodedRecords* encoded) { return out.encode(outcome, event, record, line, encoded); },
      [&out](const EncodedRecords& encoded) { return out.write(encoded); });
  // An input that fails stops the run after the lines read before it, so that the counts say how far it got.
  auto stop = [&normalizer](Diagnostics errors) {
    if (auto st = normalizer.finish(); !st) errors.insert(errors.end(), st.errors().begin(), st.errors().end());
    return io_error("normalize", errors, &normalizer.counters());
  };
  for (const auto& path : inputs) {
    OpenInput in;
    if (auto st = open_input(path, &in); !st) return stop(st.errors());
    normalizer.start_input(a.input_name.empty() ? path : a.input_name, a.year ? end_of_year(a.year) : in.mtime,
                           a.year != 0);
    // gzip and zstd input, files and stdin alike, is recognised by its first bytes and decompressed.
    auto raw = std::make_unique<FdSource>(in.fd);
    raw->set_stop_flag(&g_stop_signal);
    raw->set_name(path);
    LineReader reader(open_byte_source(std::move(raw), path), a.max_line);
    while (true) {
      if (g_stop_signal) return interrupted("normalize", g_stop_signal, normalizer.counters());
      auto line = reader.next();
      if (!line && g_stop_signal) return interrupted("normalize", g_stop_signal, normalizer.counters());
      if (!line) return stop(line.errors());
      if (!*line) break;
      if (auto st = normalizer.push(**line); !st) return io_error("normalize", st.errors(), &normalizer.counters());
    }
  }
  if (auto st = normalizer.finish(); !st) return io_error("normalize", st.errors(), &normalizer.counters());
  // The batches still in flight at the end of the input took a while: a signal meanwhile still stops the run.
  if (g_stop_signal) return interrupted("normalize", g_stop_signal, normalizer.counters());
  if (!normalizer.counters().balanced()) {
    return io_error("normalize", {plain_error("internal", "a line was lost: the counts do not balance (a bug)")},
                    &normalizer.counters());
  }
  if (auto st = (*outputs)->publish(); !st) return io_error("normalize", st.errors(), &normalizer.counters());

  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const Counters& c = normalizer.counters();
  print_summary("normalize", **rules, c, seconds, inputs.size(), (*outputs)->events_to(), (*outputs)->quarantine_to(),
                (*outputs)->dropped_to());
  if (const auto& d = (*outputs)->delivery(); d && d->rows_spooled > 0) {
    fmt::print(stderr,
               "normalize: {} rows are not in the database yet: they wait in {} and the next run with this "
               "--sink delivers them first\n",
               d->rows_spooled, d->spool_dir);
    return kExitSpooled;
  }
  if (a.fail_on_quarantine && c.quarantined > 0) return kExitMismatch;
  return kExitOk;
}

}  // namespace

Run add_normalize(CLI::App& app) {
  auto args = std::make_shared<NormalizeArgs>();
  CLI::App* cmd = app.add_subcommand("normalize", "Normalize log files (syslog, or a program's own log) into typed events");
  cmd->add_option("inputs", args->inputs, "Input files; '-' or none reads stdin");
  cmd->add_option("--grammars", args->grammars, "Directory of *.grammar files")->capture_default_str();
  cmd->add_option("--mappings", args->mappings, "Directory of *.mapping files")->capture_default_str();
  cmd->add_option("--format", args->outputs.format, "Event output format: pb (length-delimited strictlog.v1.Event) or "
                                            "jsonl (proto3 JSON, one per line)")
      ->check(CLI::IsMember({"pb", "jsonl"}))
      ->capture_default_str();
  cmd->add_option("--out", args->outputs.out, "Events output file; '-' is stdout")->capture_default_str();
  CLI::Option* sink = cmd->add_option(
      "--sink", args->outputs.sink,
      "Write events and quarantine records to a database instead of files: clickhouse://HOST:PORT/DB "
      "(HTTP port; ?format=RowBinary (default) or JSONEachRow) or sqlite:FILE; one table per event type "
      "and the table quarantine (docs/SCHEMA.md). Undelivered rows wait in --spool (exit 6)");
  cmd->add_option("--spool", args->outputs.database.spool_dir,
                  "With --sink: directory where batches wait while the database is unreachable (default: "
                  "strictlog-spool/<sink> in the current directory)")
      ->needs(sink);
  cmd->get_option("--out")->excludes(sink);
  cmd->get_option("--format")->excludes(sink);
  cmd->add_option("--quarantine", args->outputs.quarantine,
                  "Quarantine output (JSON lines, mode 0600); default: <out stem>.quarantine.jsonl beside --out, "
                  "or strictlog-quarantine.jsonl when events go to stdout")
      ->excludes("--sink");
  cmd->add_option("--dropped", args->outputs.dropped,
                  "Keep the lines that drop rules matched, as read, in this file (mode 0600); default: count only");
  cmd->add_option("--input-name", args->input_name, "Name recorded for the single input (default: its path)");
  cmd->add_option("--year", args->year, "Year of RFC 3164 timestamps (default: inferred from the file's mtime)")
      ->check(CLI::Range(1970, 9999));
  cmd->add_option("--timezone", args->timezone,
                  "IANA zone that timestamps without a UTC offset (RFC 3164, OpenVPN's log) are wall-clock times "
                  "of, e.g. Europe/Berlin (default: UTC); a time the clocks skipped is quarantined as HEADER, one "
                  "they repeated takes its first occurrence");
  cmd->add_option("--program", args->program,
                  "The inputs are this program's own log file, without syslog headers (OpenVPN's --log: "
                  "'2026-11-22 09:15:02 msg', before 2.5 'Sun Nov 22 09:15:02 2026 msg', ' us=N' at verb 4, "
                  "or no timestamp); grammars for PROGRAM read the lines (default: syslog input, RFC 3164, "
                  "RFC 5424 and rsyslog's RFC 3339 lines, told apart line by line)");
  add_version_option(cmd, "--grammar-version", &args->grammar_versions, kGrammarVersionHelp);
  cmd->add_option("--max-line", args->max_line, "Longest line in bytes; longer lines are quarantined as OVERSIZE")
      ->check(CLI::Range(kSmallestMaxLine, kLargestMaxLine))
      ->capture_default_str();
  cmd->add_option("--threads", args->threads,
                  "Threads that normalize lines (default: one per CPU this process may run on); the outputs and "
                  "counts are the same for every number")
      ->check(CLI::Range(size_t{1}, kMaxThreads));
  cmd->add_flag("--no-processed-time", args->no_processed_time,
               "Leave processed_time unset, so the same input always gives byte-identical output (goldens)");
  cmd->add_flag("--explain", args->explain,
               "Record in each NO_MATCH quarantine record the nearest miss: the furthest byte any rule matched, "
               "and the rule and element that failed there (see 'strictlog explain')");
  cmd->add_flag("--fail-on-quarantine", args->fail_on_quarantine, "Exit 4 when any line was quarantined");
  return [args] { return run(*args); };
}

}  // namespace strictlog::cli
