// ParallelNormalizer: LineNormalizer on N threads, with every output byte and count in input order.
//
// The calling thread reads: push() copies each line into the current batch (a batch holds up to
// batch_lines lines, or closes once it holds batch_bytes bytes, and may hold lines of several inputs, each line normalized as its own input says). N worker threads,
// each with its own LineNormalizer over the shared, immutable RuleSet, normalize whole batches and encode every
// outcome into the batch's own buffers with the caller's RecordEncoder. The calling thread hands finished
// batches to the RecordSink strictly in the order they were read and adds up their counts in that order.
//
// So the sink receives the same bytes, and counters() ends with the same counts, for every thread count, on
// one condition this engine relies on: LineNormalizer::normalize() gives a line's outcome from the line and its
// input alone (name, reference time, stated year; they travel with the batch), never from the lines before it.
// Year inference is such a function of the line and its input's reference time (ingest/syslog_time.h).
//
// Budgets: at most 2 × threads + 2 batches are in flight (normalized or waiting to be) besides the one being
// filled; push() waits for the oldest when the window is full. Memory is therefore bounded by the window
// times a batch (its lines, at most batch_bytes plus one line of at most max_line bytes, and their encoded
// records), whatever the input's length. With threads == 1 no thread is started: the calling thread normalizes
// each batch when it is full, through the same code.
//
// Signals: worker threads block every asynchronous signal, so a SIGINT or SIGTERM reaches a thread that
// does not block it (the reading thread), and interrupts a read(2) it is blocked in (ingest/line_reader.h).
//
// Errors: the first error, of the encoder (e.g. serialize-failed: that batch's records and counts up to the
// failing line still reach the sink and counters()) or of the sink (e.g. write-failed: that batch is counted),
// stops the workers; the push() or finish() that meets it and every later call return it. Nothing more
// reaches the sink. A worker thread that cannot be started gives `thread-failed`:
//   `cannot start worker thread 2 of 4: Resource temporarily unavailable`.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/result.h"
#include "pipeline/normalizer.h"

namespace strictlog {

// The records of a batch, encoded: one buffer per output, each the concatenation of its records in input order.
struct EncodedRecords {
  std::string events;      // events, in the run's format
  std::string quarantine;  // quarantine records
  std::string dropped;     // lines drop rules took, when they are kept
  // A database sink's rows, one buffer per table (sink/database.h); empty without one.
  std::vector<std::string> tables;
  void clear() {
    events.clear();
    quarantine.clear();
    dropped.clear();
    for (std::string& t : tables) t.clear();
  }
};

// Appends what one line's outcome produced to `*out` (see LineNormalizer::normalize() for which of `event` and
// `record` holds it); `line` is the line's bytes as read. Called on worker threads at the same time: it must be
// thread-safe. An error stops the run (see above).
using RecordEncoder = std::function<Status(Outcome outcome, const v1::Event& event, const v1::QuarantineRecord& record,
                                           std::string_view line, EncodedRecords* out)>;
// Takes each batch's records, in input order, on the thread that calls push() and finish().
using RecordSink = std::function<Status(const EncodedRecords& records)>;

inline constexpr size_t kMaxThreads = 256;

struct ParallelOptions {
  size_t threads = 1;                    // 1..kMaxThreads; others are clamped to that range
  size_t batch_lines = 2048;             // lines per batch
  size_t batch_bytes = size_t{1} << 20;  // a batch closes once its lines hold this many bytes
};

// The number of CPUs this process may run on (its affinity mask; else std::thread::hardware_concurrency()),
// between 1 and kMaxThreads: `normalize --threads`'s default.
size_t default_threads();

class ParallelNormalizer {
 public:
  // `options` is given to every worker's LineNormalizer; its input_name, reference_time and year_fixed are the
  // input lines belong to until start_input() is called.
  ParallelNormalizer(std::shared_ptr<const RuleSet> rules, const NormalizeOptions& options, ParallelOptions parallel,
                     RecordEncoder encode, RecordSink sink);
  // Abandons the run unless finish() returned: nothing more reaches the sink; every thread is joined.
  ~ParallelNormalizer();
  ParallelNormalizer(const ParallelNormalizer&) = delete;
  ParallelNormalizer& operator=(const ParallelNormalizer&) = delete;

  // As LineNormalizer::start_input(): lines pushed from now on belong to this input.
  void start_input(std::string input_name, int64_t reference_time, bool year_fixed = false);

  // Copies `line` (its bytes and position) into the current batch; hands a full batch to the workers, then the
  // sink every batch already normalized, oldest first, and waits while the window is full.
  Status push(const Line& line);
  // The same for a line of its own input (`strictlog serve`: each message's listener, peer and connection):
  // lines of several inputs may share a batch. Keep the same pointer for the lines of one input: a worker
  // starts an input only where the pointer changes.
  Status push(const Line& line, std::shared_ptr<const InputSource> input);

  // Hands the batch being filled to the workers and everything normalized to the sink, waiting for all of it:
  // for a stream that pauses (`serve`), so that a quiet period leaves no line waiting for its batch to fill.
  Status flush();

  // Normalizes every line pushed, hands all of it to the sink and joins the workers. Call once; push() may not
  // follow.
  Status finish();

  // Stops now: lines not yet handed to the sink are dropped uncounted, and every thread is joined. For a run
  // that is interrupted; idempotent.
  void abandon();

  // The counts of the lines whose records reached the sink: every line pushed, once finish() succeeded.
  const Counters& counters() const { return counters_; }

 private:
  struct Batch;
  struct Worker;

  Status submit();
  Status drain(size_t keep);
  Status deliver(std::unique_ptr<Batch> batch);
  void run_batch(Worker& worker, Batch& batch);
  void work(Worker& worker);
  std::unique_ptr<Batch> new_batch();

  ParallelOptions parallel_;
  size_t window_;
  RecordEncoder encode_;
  RecordSink sink_;
  std::shared_ptr<const InputSource> input_;
  Counters counters_;
  std::optional<Diagnostics> error_;
  bool finished_ = false;

  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;  // empty with threads == 1: the calling thread normalizes
  std::unique_ptr<Batch> filling_;
  std::deque<std::unique_ptr<Batch>> in_flight_;  // handed to the workers, oldest first
  std::vector<std::unique_ptr<Batch>> spare_;     // written batches, kept for their buffers' capacity

  std::mutex mutex_;
  std::condition_variable work_ready_;  // todo_ or stopping_ changed
  std::condition_variable batch_done_;  // a Batch::done became true
  std::deque<Batch*> todo_;             // guarded by mutex_
  bool stopping_ = false;               // guarded by mutex_
  std::atomic<bool> abandoned_{false};  // read by workers between lines
};

}  // namespace strictlog
