#include "pipeline/parallel.h"

#include <fmt/format.h>
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <csignal>
#include <exception>
#include <system_error>

namespace strictlog {

struct ParallelNormalizer::Batch {
  // (first line, input) for each run of lines of one input, in line order; never empty once a line is in.
  std::vector<std::pair<size_t, std::shared_ptr<const InputSource>>> inputs;
  std::string bytes;          // the lines' bytes, back to back
  std::vector<Line> lines;    // positions; each one's bytes are bytes[starts[i], starts[i+1])
  std::vector<size_t> starts;
  std::string details;                                // framing details, back to back
  std::vector<std::pair<size_t, size_t>> detail_spans;  // each line's framing detail in `details`
  EncodedRecords records;
  Counters counts;
  std::optional<Diagnostics> error;  // the encoder's, at the line the batch stopped at
  bool done = false;                 // normalized; guarded by mutex_ while worker threads run

  std::string_view line_bytes(size_t i) const {
    size_t end = i + 1 < starts.size() ? starts[i + 1] : bytes.size();
    return std::string_view(bytes).substr(starts[i], end - starts[i]);
  }
  // Empties the batch; its buffers keep their capacity.
  void clear() {
    inputs.clear();
    bytes.clear();
    lines.clear();
    starts.clear();
    details.clear();
    detail_spans.clear();
    records.clear();
    counts = Counters{};
    error.reset();
    done = false;
  }
};

struct ParallelNormalizer::Worker {
  Worker(std::shared_ptr<const RuleSet> rules, const NormalizeOptions& options)
      : normalizer(std::move(rules), options) {}
  LineNormalizer normalizer;
  std::shared_ptr<const InputSource> input;  // the input `normalizer` was last started on
  v1::Event event;
  v1::QuarantineRecord record;
};

size_t default_threads() {
  size_t n = 0;
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  if (sched_getaffinity(0, sizeof cpus, &cpus) == 0) n = static_cast<size_t>(CPU_COUNT(&cpus));
  if (n == 0) n = std::thread::hardware_concurrency();
  return std::clamp<size_t>(n, 1, kMaxThreads);
}

ParallelNormalizer::ParallelNormalizer(std::shared_ptr<const RuleSet> rules, const NormalizeOptions& options,
                                       ParallelOptions parallel, RecordEncoder encode, RecordSink sink)
    : parallel_(parallel),
      encode_(std::move(encode)),
      sink_(std::move(sink)),
      input_(std::make_shared<const InputSource>(InputSource{options.input_name, options.input_peer,
                                                             options.input_connection, options.reference_time,
                                                             options.year_fixed})) {
  parallel_.threads = std::clamp<size_t>(parallel_.threads, 1, kMaxThreads);
  parallel_.batch_lines = std::max<size_t>(parallel_.batch_lines, 1);
  window_ = 2 * parallel_.threads + 2;
  for (size_t i = 0; i < parallel_.threads; ++i) workers_.push_back(std::make_unique<Worker>(rules, options));
  counters_ = workers_.front()->normalizer.counters();  // all zero, in the rule set's shape
  if (parallel_.threads == 1) return;

  // Threads inherit the mask of the thread that starts them. Faults stay deliverable: blocking them would not
  // stop the kernel from killing the process, only hide the reason.
  sigset_t blocked, previous;
  sigfillset(&blocked);
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT}) sigdelset(&blocked, sig);
  pthread_sigmask(SIG_BLOCK, &blocked, &previous);
  for (size_t i = 0; i < workers_.size(); ++i) {
    try {
      threads_.emplace_back([this, w = workers_[i].get()] { work(*w); });
    } catch (const std::system_error& e) {
      error_ = Diagnostics{plain_error("thread-failed", fmt::format("cannot start worker thread {} of {}: {}", i + 1,
                                                                    workers_.size(), e.code().message()))};
      break;
    }
  }
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  if (error_) abandon();
}

ParallelNormalizer::~ParallelNormalizer() { abandon(); }

void ParallelNormalizer::start_input(std::string input_name, int64_t reference_time, bool year_fixed) {
  input_ = std::make_shared<const InputSource>(InputSource{std::move(input_name), {}, {}, reference_time, year_fixed});
}

std::unique_ptr<ParallelNormalizer::Batch> ParallelNormalizer::new_batch() {
  std::unique_ptr<Batch> batch;
  if (spare_.empty()) {
    batch = std::make_unique<Batch>();
  } else {
    batch = std::move(spare_.back());
    spare_.pop_back();
  }
  return batch;
}

Status ParallelNormalizer::push(const Line& line) { return push(line, input_); }

Status ParallelNormalizer::push(const Line& line, std::shared_ptr<const InputSource> input) {
  if (error_) return *error_;
  if (finished_) return plain_error("internal", "a line was pushed after finish() (a bug)");
  if (!filling_) filling_ = new_batch();
  Batch& b = *filling_;
  if (b.inputs.empty() || b.inputs.back().second != input) b.inputs.emplace_back(b.lines.size(), std::move(input));
  b.starts.push_back(b.bytes.size());
  b.bytes.append(line.bytes);
  b.detail_spans.emplace_back(b.details.size(), line.framing_detail.size());
  b.details.append(line.framing_detail);
  b.lines.push_back(line);
  b.lines.back().bytes = {};  // points into the reader's buffer, which the next read reuses
  b.lines.back().framing_detail = {};
  if (b.lines.size() >= parallel_.batch_lines || b.bytes.size() >= parallel_.batch_bytes) return submit();
  return kOk;
}

Status ParallelNormalizer::flush() {
  if (error_) return *error_;
  if (finished_) return kOk;
  if (filling_ && !filling_->lines.empty()) {
    if (auto st = submit(); !st) return st;
  }
  return drain(0);
}

Status ParallelNormalizer::finish() {
  if (error_) return *error_;
  if (finished_) return kOk;
  if (filling_ && !filling_->lines.empty()) {
    if (auto st = submit(); !st) return st;
  }
  if (auto st = drain(0); !st) return st;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
  finished_ = true;
  return kOk;
}

void ParallelNormalizer::abandon() {
  abandoned_.store(true, std::memory_order_relaxed);
  // Later calls must not look like a run that went on: push() and finish() report it.
  if (!error_ && !finished_) error_ = Diagnostics{plain_error("abandoned", "the run was abandoned")};
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    todo_.clear();
  }
  work_ready_.notify_all();
  for (auto& t : threads_) t.join();
  threads_.clear();
  in_flight_.clear();
  filling_.reset();
}

Status ParallelNormalizer::submit() {
  std::unique_ptr<Batch> batch = std::move(filling_);
  if (threads_.empty()) {
    run_batch(*workers_.front(), *batch);
    return deliver(std::move(batch));
  }
  {
    std::lock_guard lock(mutex_);
    todo_.push_back(batch.get());
  }
  work_ready_.notify_one();
  in_flight_.push_back(std::move(batch));
  return drain(window_);
}

// Hands finished batches to the sink, oldest first: waits for the oldest while more than `keep` are in flight,
// then takes those already done without waiting.
Status ParallelNormalizer::drain(size_t keep) {
  while (!in_flight_.empty()) {
    const Batch& oldest = *in_flight_.front();
    {
      std::unique_lock lock(mutex_);
      if (in_flight_.size() > keep) {
        batch_done_.wait(lock, [&] { return oldest.done; });
      } else if (!oldest.done) {
        return kOk;
      }
    }
    std::unique_ptr<Batch> batch = std::move(in_flight_.front());
    in_flight_.pop_front();
    if (auto st = deliver(std::move(batch)); !st) return st;
  }
  return kOk;
}

Status ParallelNormalizer::deliver(std::unique_ptr<Batch> batch) {
  counters_.add(batch->counts);
  Status written = sink_(batch->records);
  // A write error comes before an encoding error of the same batch: the records before the failing line
  // were being written when it happened.
  std::optional<Diagnostics> failure;
  if (!written) {
    failure = written.errors();
  } else if (batch->error) {
    failure = std::move(batch->error);
  }
  batch->clear();
  spare_.push_back(std::move(batch));
  if (!failure) return kOk;
  error_ = std::move(failure);
  abandon();
  return *error_;
}

void ParallelNormalizer::run_batch(Worker& w, Batch& b) {
  try {
    size_t next_input = 0;
    for (size_t i = 0; i < b.lines.size(); ++i) {
      if (abandoned_.load(std::memory_order_relaxed)) break;
      if (next_input < b.inputs.size() && b.inputs[next_input].first == i) {
        const auto& input = b.inputs[next_input++].second;
        if (w.input != input) {
          w.normalizer.start_input(*input);
          w.input = input;
        }
      }
      Line line = b.lines[i];
      line.bytes = b.line_bytes(i);
      line.framing_detail = std::string_view(b.details).substr(b.detail_spans[i].first, b.detail_spans[i].second);
      Outcome outcome = w.normalizer.normalize(line, &w.event, &w.record);
      if (auto st = encode_(outcome, w.event, w.record, line.bytes, &b.records); !st) {
        b.error = st.errors();
        break;
      }
    }
  } catch (const std::exception& e) {
    // Nothing here is meant to throw; should it (std::bad_alloc), the run stops with the reason instead of
    // std::terminate() on a worker thread.
    b.error = Diagnostics{plain_error("internal", fmt::format("a worker thread failed: {}", e.what()))};
  }
  b.counts = w.normalizer.take_counters();
}

void ParallelNormalizer::work(Worker& w) {
  while (true) {
    Batch* batch = nullptr;
    {
      std::unique_lock lock(mutex_);
      work_ready_.wait(lock, [&] { return stopping_ || !todo_.empty(); });
      if (stopping_) return;
      batch = todo_.front();
      todo_.pop_front();
    }
    run_batch(w, *batch);
    {
      std::lock_guard lock(mutex_);
      batch->done = true;
    }
    batch_done_.notify_one();
  }
}

}  // namespace strictlog
