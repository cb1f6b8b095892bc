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
#include "cli/internal/report.h"
#include "ingest/syslog_time.h"
#include "pipeline/normalizer.h"
#include "sink/record_writer.h"

namespace strictlog::cli {
namespace {

struct NormalizeArgs {
  std::vector<std::string> inputs;
  std::string grammars = "grammars";
  std::string mappings = "mappings";
  std::string format = "pb";
  std::string out = "-";
  std::string quarantine;
  std::string dropped;  // empty: dropped lines are only counted
  std::string input_name;
  int year = 0;
  size_t max_line = kDefaultMaxLine;
  bool fail_on_quarantine = false;
  bool no_processed_time = false;
};

// `events.pb` -> `events.quarantine.jsonl`, in the same directory; when events are streamed (stdout, a
// device, a FIFO) there is no directory of theirs to use, so the current one.
std::string default_quarantine_path(const std::string& out) {
  if (is_stream_path(out)) return "strictlog-quarantine.jsonl";
  std::filesystem::path p(out);
  return (p.parent_path() / (p.stem().string() + ".quarantine.jsonl")).string();
}

// Set by SIGINT/SIGTERM/SIGHUP; the line loop stops at the next line boundary and the outputs, still
// temporary files, are removed by their destructors: an interrupted run leaves nothing that looks complete.
volatile std::sig_atomic_t g_stop_signal = 0;

void on_stop_signal(int sig) { g_stop_signal = sig; }

// Without SA_RESTART, so that a read(2) blocked on a quiet pipe or terminal returns EINTR (line_reader.h).
void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);
  // A closed pipe (`normalize | head`) or a file size limit must surface as a write error (EPIPE, EFBIG)
  // that aborts the run cleanly, not as a signal that kills it with temporary files left behind.
  signal(SIGPIPE, SIG_IGN);
  signal(SIGXFSZ, SIG_IGN);
}

// What a path names, for "is this the same file" checks that spelling cannot answer (`a`, `./a`, a link):
// the file's (device, inode) when it exists, else its canonical directory and name. `-` is `dash_fd`.
struct PathId {
  bool exists = false;
  dev_t dev = 0;
  ino_t ino = 0;
  std::string name;
  bool operator==(const PathId& o) const {
    return exists == o.exists && (exists ? dev == o.dev && ino == o.ino : name == o.name);
  }
};

PathId path_id(const std::string& path, int dash_fd) {
  PathId id;
  struct stat st {};
  if (path == "-" ? fstat(dash_fd, &st) == 0 : stat(path.c_str(), &st) == 0) {
    id.exists = true;
    id.dev = st.st_dev;
    id.ino = st.st_ino;
    return id;
  }
  std::error_code ec;
  std::filesystem::path p(path);
  id.name = (std::filesystem::weakly_canonical(p.parent_path().empty() ? "." : p.parent_path(), ec) / p.filename())
                .string();
  return id;
}

// Outputs must not be an input (that would overwrite the evidence being read) or each other (one would
// replace the other, or both would interleave on one stream). `outputs` pairs each flag with its path.
std::string output_clash(const std::vector<std::string>& inputs,
                         const std::vector<std::pair<std::string_view, std::string>>& outputs) {
  std::vector<PathId> ids;
  for (const auto& [flag, path] : outputs) ids.push_back(path_id(path, 1));
  for (size_t i = 0; i < outputs.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (ids[i] == ids[j]) {
        return fmt::format("{} '{}' and {} '{}' are the same file", outputs[j].first, outputs[j].second,
                           outputs[i].first, outputs[i].second);
      }
    }
  }
  for (const auto& input : inputs) {
    PathId in = path_id(input, 0);
    if (!in.exists) continue;  // reported as a missing input later
    for (size_t i = 0; i < outputs.size(); ++i) {
      if (in == ids[i]) {
        return fmt::format("input '{}' is also the {} file: strictlog never writes over its input", input,
                           outputs[i].first);
      }
    }
  }
  return {};
}

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
  std::string quarantine_path = a.quarantine.empty() ? default_quarantine_path(a.out) : a.quarantine;
  std::vector<std::pair<std::string_view, std::string>> outputs{{"--out", a.out}, {"--quarantine", quarantine_path}};
  if (!a.dropped.empty()) outputs.emplace_back("--dropped", a.dropped);
  if (std::string clash = output_clash(inputs, outputs); !clash.empty()) {
    return usage_error("normalize", clash);
  }
  auto rules = load_ruleset(a.grammars, a.mappings);
  if (!rules) {
    print_diagnostics("normalize", rules.errors());
    return kExitLoadError;
  }

  // Outputs are temp files until every input was read: a failed run leaves no output that looks complete.
  install_signal_handlers();
  auto events_out = open_output(a.out, 0644);
  if (!events_out) return io_error("normalize", events_out.errors());
  auto quarantine_out = open_output(quarantine_path, 0600);  // may hold secrets: sshd logs passwords typed as users
  if (!quarantine_out) return io_error("normalize", quarantine_out.errors());
  std::unique_ptr<OutputStream> dropped_out;
  if (!a.dropped.empty()) {
    auto opened = open_output(a.dropped, 0600);  // raw log lines, like the quarantine
    if (!opened) return io_error("normalize", opened.errors());
    dropped_out = std::move(*opened);
  }
  EventWriter events(**events_out, a.format == "jsonl" ? EventFormat::kJsonLines : EventFormat::kProtobuf);
  QuarantineWriter quarantine(**quarantine_out);
  std::vector<OutputStream*> all_outputs{events_out->get(), quarantine_out->get()};
  if (dropped_out) all_outputs.push_back(dropped_out.get());

  NormalizeOptions options;
  options.stamp_processed_time = !a.no_processed_time;
  LineNormalizer normalizer(*rules, options);
  v1::Event event;
  v1::QuarantineRecord record;
  for (const auto& path : inputs) {
    OpenInput in;
    if (auto st = open_input(path, &in); !st) return io_error("normalize", st.errors(), &normalizer.counters());
    normalizer.start_input(a.input_name.empty() ? path : a.input_name, a.year ? end_of_year(a.year) : in.mtime,
                           a.year != 0);
    LineReader reader(in.fd, a.max_line);
    reader.set_stop_flag(&g_stop_signal);
    while (true) {
      if (g_stop_signal) return interrupted("normalize", g_stop_signal, normalizer.counters());
      auto line = reader.next();
      if (!line && g_stop_signal) return interrupted("normalize", g_stop_signal, normalizer.counters());
      if (!line) return io_error("normalize", line.errors(), &normalizer.counters());
      if (!*line) break;
      Status written = kOk;
      switch (normalizer.normalize(**line, &event, &record)) {
        case Outcome::kEvent: written = events.write(event); break;
        case Outcome::kQuarantined: written = quarantine.write(record); break;
        case Outcome::kDropped:
          // Exactly the bytes read, terminator normalised to LF like every line the reader returns.
          if (dropped_out && (written = dropped_out->write((*line)->bytes))) written = dropped_out->write("\n");
          break;
      }
      if (!written) return io_error("normalize", written.errors(), &normalizer.counters());
    }
  }
  if (!normalizer.counters().balanced()) {
    return io_error("normalize", {plain_error("internal", "a line was lost: the counts do not balance (a bug)")},
                    &normalizer.counters());
  }
  // Every output or none: make all durable, then show them one by one; withdraw those shown if one fails.
  for (auto* out : all_outputs) {
    if (auto st = out->prepare(); !st) return io_error("normalize", st.errors(), &normalizer.counters());
  }
  for (size_t i = 0; i < all_outputs.size(); ++i) {
    if (auto st = all_outputs[i]->publish(); !st) {
      for (size_t j = 0; j <= i; ++j) all_outputs[j]->withdraw();
      return io_error("normalize", st.errors(), &normalizer.counters());
    }
  }

  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const Counters& c = normalizer.counters();
  print_summary(**rules, c, seconds, inputs.size(),
                fmt::format("{} ({})", a.out == "-" ? "stdout" : a.out, a.format), quarantine_path,
                a.dropped.empty() ? "counted only (--dropped FILE keeps them)" : a.dropped);
  if (a.fail_on_quarantine && c.quarantined > 0) return kExitMismatch;
  return kExitOk;
}

}  // namespace

Run add_normalize(CLI::App& app) {
  auto args = std::make_shared<NormalizeArgs>();
  CLI::App* cmd = app.add_subcommand("normalize", "Normalize RFC 3164 syslog files into typed events");
  cmd->add_option("inputs", args->inputs, "Input files; '-' or none reads stdin");
  cmd->add_option("--grammars", args->grammars, "Directory of *.grammar files")->capture_default_str();
  cmd->add_option("--mappings", args->mappings, "Directory of *.mapping files")->capture_default_str();
  cmd->add_option("--format", args->format, "Event output format: pb (length-delimited strictlog.v1.Event) or "
                                            "jsonl (proto3 JSON, one per line)")
      ->check(CLI::IsMember({"pb", "jsonl"}))
      ->capture_default_str();
  cmd->add_option("--out", args->out, "Events output file; '-' is stdout")->capture_default_str();
  cmd->add_option("--quarantine", args->quarantine,
                  "Quarantine output (JSON lines, mode 0600); default: <out stem>.quarantine.jsonl beside --out, "
                  "or strictlog-quarantine.jsonl when events go to stdout");
  cmd->add_option("--dropped", args->dropped,
                  "Keep the lines that drop rules matched, as read, in this file (mode 0600); default: count only");
  cmd->add_option("--input-name", args->input_name, "Name recorded for the single input (default: its path)");
  cmd->add_option("--year", args->year, "Year of RFC 3164 timestamps (default: inferred from the file's mtime)")
      ->check(CLI::Range(1970, 9999));
  cmd->add_option("--max-line", args->max_line, "Longest line in bytes; longer lines are quarantined as OVERSIZE")
      ->check(CLI::Range(size_t{64}, size_t{16} << 20))
      ->capture_default_str();
  cmd->add_flag("--no-processed-time", args->no_processed_time,
               "Leave processed_time unset, so the same input always gives byte-identical output (goldens)");
  cmd->add_flag("--fail-on-quarantine", args->fail_on_quarantine, "Exit 4 when any line was quarantined");
  return [args] { return run(*args); };
}

}  // namespace strictlog::cli
