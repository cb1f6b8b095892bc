// `strictlog replay`: quarantine records back through the current grammars. Lines a rule now takes become
// events (with the id a fresh run would give them) or drops; the rest are quarantined again, in a new file.
#include <fcntl.h>
#include <fmt/format.h>
#include <google/protobuf/util/json_util.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/internal/outputs.h"
#include "cli/internal/report.h"
#include "cli/internal/versions.h"
#include "ingest/syslog_time.h"
#include "pipeline/normalizer.h"

namespace strictlog::cli {
namespace {

struct ReplayArgs {
  std::string input;
  std::string grammars = "grammars";
  std::string mappings = "mappings";
  OutputPaths outputs;
  int year = 0;
  bool no_processed_time = false;
  bool explain = false;
  std::vector<std::string> grammar_versions;
};

// Records are one JSON object per line. Raw text escaped as \u00XX (protobuf's JSON writes `<` so) is six
// times as long as the line, whose longest is kLargestMaxLine; the rest of a record is small.
constexpr size_t kMaxRecordLine = 6 * kLargestMaxLine + (1 << 20);

constexpr int64_t kLatestReference = 253402300799;  // 9999-12-31T23:59:59Z, as `--year` allows

Result<v1::QuarantineRecord> parse_record(const std::string& path, const Line& line) {
  v1::QuarantineRecord record;
  google::protobuf::util::JsonParseOptions options;  // strict: an unknown field is an error
  std::string text(line.bytes);
  auto status = google::protobuf::util::JsonStringToMessage(text, &record, options);
  if (!status.ok()) {
    return plain_error("bad-record", fmt::format("'{}' line {}: not a quarantine record: {}", path, line.number,
                                                 std::string(status.message())));
  }
  if (record.raw_case() == v1::QuarantineRecord::RAW_NOT_SET) {
    return plain_error("bad-record", fmt::format("'{}' line {}: the record holds no raw line", path, line.number));
  }
  if (record.reason() == v1::QUARANTINE_REASON_UNSPECIFIED) {
    return plain_error("bad-record", fmt::format("'{}' line {}: the record has no reason", path, line.number));
  }
  // Without them an event would get an id and a position no first run gave it.
  if (!record.has_input() || record.input().name().empty()) {
    return plain_error("bad-record", fmt::format("'{}' line {}: the record names no input", path, line.number));
  }
  if (record.has_year_reference_time() &&
      (record.year_reference_time().seconds() < 0 || record.year_reference_time().seconds() > kLatestReference)) {
    return plain_error("bad-record", fmt::format("'{}' line {}: year_reference_time is outside 1970-9999", path,
                                                 line.number));
  }
  return record;
}

int run(const ReplayArgs& a) {
  auto start = std::chrono::steady_clock::now();
  if (std::string clash = output_clash({a.input}, a.outputs); !clash.empty()) return usage_error("replay", clash);
  int fd = a.input == "-" ? 0 : open(a.input.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return io_error("replay", {plain_error("open-failed", fmt::format("cannot open '{}': {}", a.input,
                                                                      std::strerror(errno)))});
  }
  struct stat st {};
  fstat(fd, &st);
  if (S_ISDIR(st.st_mode)) {
    return io_error("replay", {plain_error("open-failed", fmt::format("cannot read '{}': it is a directory", a.input))});
  }
  // For records written before they carried their year reference: the stated year, else the file's mtime.
  const int64_t fallback_reference = a.year ? end_of_year(a.year) : st.st_mtim.tv_sec;

  auto rules = load_ruleset(a.grammars, a.mappings);
  if (!rules) {
    print_diagnostics("replay", rules.errors());
    return kExitLoadError;
  }
  auto versions = choose_versions(**rules, a.grammar_versions);
  if (!versions) return usage_error("replay", versions.errors().front().message);
  install_signal_handlers();
  auto outputs = RunOutputs::open(a.outputs);
  if (!outputs) return io_error("replay", outputs.errors());

  NormalizeOptions options;
  options.stamp_processed_time = !a.no_processed_time;
  options.explain = a.explain;
  options.versions = *versions;
  LineNormalizer normalizer(*rules, options);
  v1::Event event;
  v1::QuarantineRecord out;
  LineReader reader(fd, kMaxRecordLine);
  reader.set_stop_flag(&g_stop_signal);
  reader.set_name(a.input);
  uint64_t carried = 0;
  std::string zone_name;  // the zone the normalizer reads in now; empty: UTC
  while (true) {
    if (g_stop_signal) return interrupted("replay", g_stop_signal, normalizer.counters());
    auto line = reader.next();
    if (!line && g_stop_signal) return interrupted("replay", g_stop_signal, normalizer.counters());
    if (!line) return io_error("replay", line.errors(), &normalizer.counters());
    if (!*line) break;
    if ((*line)->bytes.empty()) continue;  // holds no record (a trailing blank line left by an editor)
    if ((*line)->oversize) {
      return io_error("replay", {plain_error("bad-record", fmt::format("'{}' line {}: a record longer than {} bytes",
                                                                       a.input, (*line)->number, kMaxRecordLine))},
                      &normalizer.counters());
    }
    auto record = parse_record(a.input, **line);
    if (!record) return io_error("replay", record.errors(), &normalizer.counters());
    Outcome outcome;
    std::string_view raw = record->raw_case() == v1::QuarantineRecord::kRawText ? record->raw_text() : record->raw_bytes();
    if (record->reason() == v1::OVERSIZE || record->reason() == v1::FRAMING) {
      // The raw bytes are a cut line or a broken frame, not a message that was sent: they stay as they are.
      outcome = normalizer.requarantine(*record, &out);
      ++carried;
    } else {
      // Read in the zone the first run used; a record naming a zone this machine lacks stops the run.
      if (record->time_zone() != zone_name) {
        zone_name = record->time_zone();
        if (zone_name.empty()) {
          normalizer.set_time_zone(std::nullopt);
        } else {
          auto zone = TimeZone::locate(zone_name);
          if (!zone) {
            return io_error("replay", {plain_error("bad-record", fmt::format("'{}' line {}: {}", a.input,
                                                                               (*line)->number,
                                                                               zone.errors().front().message))},
                            &normalizer.counters());
          }
          normalizer.set_time_zone(*zone);
        }
      }
      normalizer.set_program(record->input_program());
      normalizer.start_input(record->input().name(),
                             record->has_year_reference_time() ? record->year_reference_time().seconds()
                                                               : fallback_reference,
                             record->has_year_reference_time() ? record->year_stated() : a.year != 0);
      Line l;
      l.bytes = raw;
      l.number = record->input().line();
      l.offset = record->input().offset();
      l.length = raw.size();
      outcome = normalizer.normalize(l, &event, &out);
    }
    if (auto written = (*outputs)->write(outcome, event, out, raw); !written) {
      return io_error("replay", written.errors(), &normalizer.counters());
    }
  }
  if (fd > 0) close(fd);
  const Counters& c = normalizer.counters();
  if (!c.balanced()) {
    return io_error("replay", {plain_error("internal", "a record was lost: the counts do not balance (a bug)")}, &c);
  }
  if (auto published = (*outputs)->publish(); !published) return io_error("replay", published.errors(), &c);

  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  print_summary("replay", **rules, c, seconds, 1, (*outputs)->events_to(), (*outputs)->quarantine_to(),
                (*outputs)->dropped_to());
  std::fputs(fmt::format("  replayed {} record{}: {} left quarantine ({} event{}, {} dropped), {} still quarantined"
                         "{}\n",
                         c.lines_in, c.lines_in == 1 ? "" : "s", c.events + c.dropped_by_rule, c.events,
                         c.events == 1 ? "" : "s", c.dropped_by_rule, c.quarantined,
                         carried ? fmt::format(" ({} OVERSIZE or FRAMING, kept as they were)", carried) : "")
                 .c_str(),
             stderr);
  return kExitOk;
}

}  // namespace

Run add_replay(CLI::App& app) {
  auto args = std::make_shared<ReplayArgs>();
  CLI::App* cmd = app.add_subcommand(
      "replay", "Re-drive quarantine records through the current grammars: lines a rule now takes become events "
                "(same ids as a fresh run), the rest are quarantined again in the new quarantine file");
  cmd->add_option("quarantine_file", args->input, "Quarantine records (JSON lines) from normalize or replay; '-' is stdin")
      ->required();
  cmd->add_option("--grammars", args->grammars, "Directory of *.grammar files")->capture_default_str();
  cmd->add_option("--mappings", args->mappings, "Directory of *.mapping files")->capture_default_str();
  cmd->add_option("--format", args->outputs.format, "Event output format: pb or jsonl (as normalize)")
      ->check(CLI::IsMember({"pb", "jsonl"}))
      ->capture_default_str();
  cmd->add_option("--out", args->outputs.out, "Events output file; '-' is stdout")->capture_default_str();
  cmd->add_option("--quarantine", args->outputs.quarantine,
                  "Records still quarantined (JSON lines, mode 0600); default: <out stem>.quarantine.jsonl beside "
                  "--out, or strictlog-quarantine.jsonl when events go to stdout");
  cmd->add_option("--dropped", args->outputs.dropped,
                  "Keep the lines that drop rules now match in this file (mode 0600); default: count only");
  cmd->add_option("--year", args->year,
                  "Year of RFC 3164 timestamps for records that do not carry their first run's year reference "
                  "(default: the quarantine file's mtime)")
      ->check(CLI::Range(1970, 9999));
  cmd->add_flag("--no-processed-time", args->no_processed_time, "Leave processed_time unset (goldens)");
  cmd->add_flag("--explain", args->explain, "Record the nearest miss in records still quarantined as NO_MATCH");
  add_version_option(cmd, "--grammar-version", &args->grammar_versions, kGrammarVersionHelp);
  return [args] { return run(*args); };
}

}  // namespace strictlog::cli
