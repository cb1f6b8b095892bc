#include "cli/internal/outputs.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <filesystem>

namespace strictlog::cli {

volatile std::sig_atomic_t g_stop_signal = 0;

namespace {

void on_stop_signal(int sig) { g_stop_signal = sig; }

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

}  // namespace

void install_signal_handlers(void (*on_hup)(int)) {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM}) sigaction(sig, &sa, nullptr);
  sa.sa_handler = on_hup != nullptr ? on_hup : on_stop_signal;
  sigaction(SIGHUP, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  signal(SIGXFSZ, SIG_IGN);
}

std::string default_quarantine_path(const std::string& out) {
  if (is_stream_path(out)) return "strictlog-quarantine.jsonl";
  std::filesystem::path p(out);
  return (p.parent_path() / (p.stem().string() + ".quarantine.jsonl")).string();
}

std::string output_clash(const std::vector<std::string>& inputs, const OutputPaths& paths) {
  std::vector<std::pair<std::string_view, std::string>> outputs;
  if (paths.sink.empty()) {
    outputs.emplace_back("--out", paths.out);
    outputs.emplace_back("--quarantine", paths.quarantine.empty() ? default_quarantine_path(paths.out) : paths.quarantine);
  }
  if (!paths.dropped.empty()) outputs.emplace_back("--dropped", paths.dropped);
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

Result<std::unique_ptr<RunOutputs>> RunOutputs::open(const OutputPaths& paths) {
  std::unique_ptr<RunOutputs> o(new RunOutputs(paths));
  if (!paths.sink.empty()) {
    auto database = DatabaseSink::open(paths.sink, paths.database);
    if (!database) return database.errors();
    o->database_ = std::move(*database);
    o->quarantine_path_ = o->database_->describe() + ", table quarantine";
  } else {
    o->quarantine_path_ = paths.quarantine.empty() ? default_quarantine_path(paths.out) : paths.quarantine;
    auto events_out = open_output(paths.out, 0644);
    if (!events_out) return events_out.errors();
    o->events_out_ = std::move(*events_out);
    auto quarantine_out = open_output(o->quarantine_path_, 0600);
    if (!quarantine_out) return quarantine_out.errors();
    o->quarantine_out_ = std::move(*quarantine_out);
  }
  if (!paths.dropped.empty()) {
    auto dropped_out = open_output(paths.dropped, 0600);
    if (!dropped_out) return dropped_out.errors();
    o->dropped_out_ = std::move(*dropped_out);
  }
  o->format_ = event_format(paths);
  return o;
}

EventFormat event_format(const OutputPaths& paths) {
  return paths.format == "jsonl" ? EventFormat::kJsonLines : EventFormat::kProtobuf;
}

Status RunOutputs::write(Outcome outcome, const v1::Event& event, const v1::QuarantineRecord& record,
                         std::string_view line) {
  scratch_.clear();
  if (auto st = encode(outcome, event, record, line, &scratch_); !st) return st;
  return write(scratch_);
}

Status RunOutputs::encode(Outcome outcome, const v1::Event& event, const v1::QuarantineRecord& record,
                          std::string_view line, EncodedRecords* out) const {
  if (database_ != nullptr && outcome != Outcome::kDropped) return database_->encode(outcome, event, record, out);
  return encode_outcome(format_, dropped_out_ != nullptr, outcome, event, record, line, out);
}

Status encode_outcome(EventFormat format, bool keep_dropped, Outcome outcome, const v1::Event& event,
                      const v1::QuarantineRecord& record, std::string_view line, EncodedRecords* out) {
  switch (outcome) {
    case Outcome::kEvent: return append_event_record(event, format, &out->events);
    case Outcome::kQuarantined: return append_quarantine_record(record, &out->quarantine);
    case Outcome::kDropped:
      if (!keep_dropped) return kOk;
      // Exactly the bytes read, terminator normalised to LF like every line the reader returns.
      out->dropped.append(line);
      out->dropped.push_back('\n');
      return kOk;
  }
  return kOk;
}

Status RunOutputs::write(const EncodedRecords& records) {
  if (database_ != nullptr) {
    if (auto st = database_->write(records); !st) return st;
  }
  if (events_out_ && !records.events.empty()) {
    if (auto st = events_out_->write(records.events); !st) return st;
  }
  if (quarantine_out_ && !records.quarantine.empty()) {
    if (auto st = quarantine_out_->write(records.quarantine); !st) return st;
  }
  if (dropped_out_ && !records.dropped.empty()) return dropped_out_->write(records.dropped);
  return kOk;
}

Status RunOutputs::publish() {
  if (database_ != nullptr) {
    auto report = database_->finish();
    if (!report) return report.errors();
    delivery_ = *report;
  }
  std::vector<OutputStream*> all;
  for (auto* out : {events_out_.get(), quarantine_out_.get(), dropped_out_.get()}) {
    if (out != nullptr) all.push_back(out);
  }
  for (auto* out : all) {
    if (auto st = out->prepare(); !st) return st;
  }
  for (size_t i = 0; i < all.size(); ++i) {
    if (auto st = all[i]->publish(); !st) {
      for (size_t j = 0; j <= i; ++j) all[j]->withdraw();
      return st;
    }
  }
  return kOk;
}

Status RunOutputs::checkpoint() {
  for (auto* out : {events_out_.get(), quarantine_out_.get(), dropped_out_.get()}) {
    if (out == nullptr) continue;
    if (auto st = out->checkpoint(); !st) return st;
  }
  return kOk;
}

Status RunOutputs::rollback() {
  for (auto* out : {events_out_.get(), quarantine_out_.get(), dropped_out_.get()}) {
    if (out == nullptr) continue;
    if (auto st = out->rollback(); !st) return st;
  }
  return kOk;
}

std::string RunOutputs::events_to() const {
  if (database_ != nullptr) return database_->describe();
  return fmt::format("{} ({})", paths_.out == "-" ? "stdout" : paths_.out, paths_.format);
}

std::string RunOutputs::dropped_to() const {
  return paths_.dropped.empty() ? "counted only (--dropped FILE keeps them)" : paths_.dropped;
}

}  // namespace strictlog::cli
