// What `normalize` and `replay` share: where their records go, how a run is stopped by a signal, and the
// rule that a run leaves every output file or none (each is a temporary file until publish()).
#pragma once

#include <csignal>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "pipeline/normalizer.h"
#include "pipeline/parallel.h"
#include "sink/database.h"
#include "sink/record_writer.h"

namespace strictlog::cli {

// Set by SIGINT/SIGTERM/SIGHUP once install_signal_handlers() ran; read loops stop at the next line boundary
// and the outputs, still temporary files, are removed by their destructors: an interrupted run leaves
// nothing that looks complete.
extern volatile std::sig_atomic_t g_stop_signal;

// Without SA_RESTART, so that a read(2) blocked on a quiet pipe or terminal returns EINTR (line_reader.h).
// SIGPIPE and SIGXFSZ are ignored: a closed pipe or a file size limit surfaces as a write error (EPIPE, EFBIG)
// that aborts the run cleanly. `on_hup`: SIGHUP's handler instead of stopping (serve rotates its outputs).
void install_signal_handlers(void (*on_hup)(int) = nullptr);

struct OutputPaths {
  std::string out = "-";
  std::string format = "pb";  // pb or jsonl
  std::string quarantine;     // empty: default_quarantine_path(out)
  std::string dropped;        // empty: dropped lines are only counted
  // A database (sink/database.h) instead of the events and quarantine files: `out`, `format` and
  // `quarantine` are then unused.
  std::string sink;
  DatabaseOptions database;
};

// `events.pb` -> `events.quarantine.jsonl`, in the same directory; when events are streamed (stdout, a
// device, a FIFO) there is no directory of theirs to use, so the current one.
std::string default_quarantine_path(const std::string& out);

// Outputs must not be an input (that would overwrite the evidence being read) or each other (one would replace
// the other, or both would interleave on one stream). The message saying which clash, or empty.
std::string output_clash(const std::vector<std::string>& inputs, const OutputPaths& paths);

// The bytes RunOutputs::write() writes for `outcome`, appended to `*out`; `keep_dropped`: --dropped was given.
// Thread-safe, and it needs no open output: the RecordEncoder of ParallelNormalizer, also while serve's
// outputs rotate.
Status encode_outcome(EventFormat format, bool keep_dropped, Outcome outcome, const v1::Event& event,
                      const v1::QuarantineRecord& record, std::string_view line, EncodedRecords* out);
EventFormat event_format(const OutputPaths& paths);

class RunOutputs {
 public:
  // Opens every output as a temporary file: events 0644, quarantine and dropped 0600 (raw lines may hold
  // secrets: sshd logs passwords typed as user names).
  static Result<std::unique_ptr<RunOutputs>> open(const OutputPaths& paths);

  // Writes what `outcome` produced: the event, the record, or (with --dropped) the line's bytes and a LF.
  // Exactly encode() and then write() of what it encoded.
  Status write(Outcome outcome, const v1::Event& event, const v1::QuarantineRecord& record, std::string_view line);

  // Appends to `*out` the bytes write() would write for `outcome`; leaves it unchanged on serialize-failed.
  // Thread-safe (it only reads the format and whether dropped lines are kept): the RecordEncoder of
  // ParallelNormalizer.
  Status encode(Outcome outcome, const v1::Event& event, const v1::QuarantineRecord& record, std::string_view line,
                EncodedRecords* out) const;
  // Writes records encode() made, each buffer to its output: the RecordSink of ParallelNormalizer.
  Status write(const EncodedRecords& records);

  // Makes every output durable, then shows them one by one; withdraws those shown if one fails. With a
  // database sink, first delivers what it holds (DatabaseSink::finish()); delivery() then says how it went.
  Status publish();
  const std::optional<DeliveryReport>& delivery() const { return delivery_; }

  // OutputStream::checkpoint() and rollback() of every output: after a failed write(), rollback() leaves each
  // file as it was at the last checkpoint(), so the same records can be written again.
  Status checkpoint();
  Status rollback();

  // For the summary: `events.pb (pb)`, the quarantine path, and where dropped lines went.
  std::string events_to() const;
  const std::string& quarantine_to() const { return quarantine_path_; }
  std::string dropped_to() const;

 private:
  RunOutputs(OutputPaths paths) : paths_(std::move(paths)) {}

  OutputPaths paths_;
  std::string quarantine_path_;
  EventFormat format_ = EventFormat::kProtobuf;
  std::unique_ptr<OutputStream> events_out_, quarantine_out_, dropped_out_;
  std::unique_ptr<DatabaseSink> database_;
  std::optional<DeliveryReport> delivery_;
  EncodedRecords scratch_;  // write() of one outcome
};

}  // namespace strictlog::cli
