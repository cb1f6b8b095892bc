#include "sink/internal/clickhouse_sink.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "schema/ddl.h"
#include "schema/row.h"
#include "schema/table.h"
#include "sink/internal/clickhouse_client.h"
#include "sink/internal/clickhouse_url.h"
#include "sink/internal/spool.h"
#include "strictlog/v1/quarantine.pb.h"

namespace strictlog::sink_internal {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Memory bounds whatever batch_rows says: a batch is sent once it holds kMaxBatchBytes, and once all pending
// batches together hold kMaxPendingBytes the largest is sent.
constexpr size_t kMaxBatchBytes = size_t{32} << 20;
constexpr size_t kMaxPendingBytes = size_t{128} << 20;
constexpr milliseconds kFirstBackoff{50};
constexpr milliseconds kMaxBackoff{5000};
// What a server that never answered is taken to be: the oldest version strictlog supports, whose DDL and
// rows every later version also accepts.
constexpr schema::ClickHouseVersion kAssumedVersion{18, 16};

std::string version_text(const schema::ClickHouseVersion& v) { return fmt::format("{}.{}", v.major, v.minor); }

// Rows travel from encode() to write() framed as a 4-byte little-endian length and the row's bytes, so that
// write() can count them and cut batches at row boundaries without parsing RowBinary.
constexpr size_t kFrame = 4;

struct Batch {
  size_t table = 0;
  std::string bytes;
  uint64_t rows = 0;
};

struct Pending {
  std::string bytes;
  uint64_t rows = 0;
  Clock::time_point since;  // when its first row came
};

class ClickHouseSink final : public DatabaseSink {
 public:
  ClickHouseSink(ClickHouseUrl url, const DatabaseOptions& options, std::unique_ptr<Spool> spool,
                 schema::ClickHouseVersion version)
      : url_(std::move(url)),
        options_(options),
        tables_(schema::builtin_tables()),
        version_(version),
        client_(url_.http_base()),
        spool_(std::move(spool)),
        pending_(tables_.size()) {
    if (options_.batch_rows == 0) options_.batch_rows = 1;
    for (size_t i = 0; i < tables_.size(); ++i) {
      if (tables_[i].message == v1::QuarantineRecord::descriptor()) quarantine_table_ = i;
    }
    client_.http().set_abort_flag(&abort_);
  }

  ~ClickHouseSink() override {
    if (!sender_.joinable()) return;
    {
      std::lock_guard lk(m_);
      stopping_ = true;
    }
    abort_ = true;
    cv_.notify_all();
    sender_.join();
  }

  // open()'s part on the calling thread: learn the version, create the tables; then start the sender.
  Status start(bool server_answered) {
    if (server_answered) {
      ClickHouseAnswer a = create_tables();
      if (a.kind == Answer::kRefused) return refused_setup(a);
    }
    sender_ = std::thread([this] { run(); });
    return kOk;
  }

  Status encode(Outcome outcome, const v1::Event& event, const v1::QuarantineRecord& record,
                EncodedRecords* out) const override {
    if (out->tables.size() < tables_.size()) out->tables.resize(tables_.size());
    const schema::Table* table = nullptr;
    const google::protobuf::Message* message = nullptr;
    switch (outcome) {
      case Outcome::kEvent:
        table = schema::table_for(tables_, event);
        message = &event;
        if (table == nullptr) {
          return plain_error("row", fmt::format("event of {}: no table for its payload",
                                                event.envelope().rule_id().empty() ? std::string("no rule")
                                                                                   : event.envelope().rule_id()));
        }
        break;
      case Outcome::kQuarantined:
        table = &tables_[quarantine_table_];
        message = &record;
        break;
      case Outcome::kDropped: return kOk;
    }
    std::string& buffer = out->tables[static_cast<size_t>(table - tables_.data())];
    size_t mark = buffer.size();
    buffer.append(kFrame, '\0');
    if (auto st = schema::append_row(*table, url_.format, version_, *message, &buffer); !st) {
      buffer.resize(mark);
      return st;
    }
    auto length = static_cast<uint32_t>(buffer.size() - mark - kFrame);
    std::memcpy(buffer.data() + mark, &length, kFrame);
    return kOk;
  }

  // After the first error the rows are still queued (and go to the spool, unsent) before the error is
  // returned: what was handed to write() is never dropped.
  Status write(const EncodedRecords& records) override {
    std::unique_lock lk(m_);
    if (finishing_) return plain_error("internal", "clickhouse sink: write() after finish() (a bug)");
    bool started = false;  // a table that was empty holds rows now: the sender must know its flush time
    for (size_t t = 0; t < records.tables.size() && t < tables_.size(); ++t) {
      std::string_view frames = records.tables[t];
      while (frames.size() >= kFrame) {
        uint32_t length = 0;
        std::memcpy(&length, frames.data(), kFrame);
        if (length > frames.size() - kFrame) {
          return plain_error("internal", "clickhouse sink: a row's frame is cut short (a bug)");
        }
        Pending& p = pending_[t];
        if (p.rows == 0) {
          p.since = Clock::now();
          started = true;
          // Reserved whole, so that a growing batch is never copied; pages never written cost no memory.
          p.bytes.reserve(std::min(kMaxBatchBytes + (size_t{1} << 20), options_.batch_rows * (size_t{length} + 64)));
        }
        p.bytes.append(frames.substr(kFrame, length));
        ++p.rows;
        pending_bytes_ += length;
        frames.remove_prefix(kFrame + length);
        if (p.rows >= options_.batch_rows || p.bytes.size() >= kMaxBatchBytes) hand_off(t, lk);
        if (pending_bytes_ >= kMaxPendingBytes) {
          auto largest = std::max_element(pending_.begin(), pending_.end(), [](const Pending& a, const Pending& b) {
            return a.bytes.size() < b.bytes.size();
          });
          hand_off(static_cast<size_t>(largest - pending_.begin()), lk);
        }
      }
    }
    if (started) cv_.notify_all();
    if (!fatal_.empty()) return fatal_;
    return kOk;
  }

  // Moves table `t`'s pending rows to the sender. One batch waits for the sender at a time: this is where a
  // slow server slows the run down.
  void hand_off(size_t t, std::unique_lock<std::mutex>& lk) {
    Batch b = take(t);
    cv_.wait(lk, [&] { return !handoff_; });
    handoff_ = std::move(b);
    cv_.notify_all();
  }

  // Table `t`'s pending rows as a batch, leaving it empty. Under m_.
  Batch take(size_t t) {
    Batch b{t, std::move(pending_[t].bytes), pending_[t].rows};
    pending_bytes_ -= b.bytes.size();
    pending_[t] = Pending{};
    return b;
  }

  Result<DeliveryReport> finish() override {
    if (sender_.joinable()) {
      {
        std::lock_guard lk(m_);
        finishing_ = true;
        deadline_ = Clock::now() + options_.finish_timeout;
      }
      cv_.notify_all();
      sender_.join();
    }
    if (!fatal_.empty()) return fatal_;
    DeliveryReport report;
    report.rows_delivered = delivered_;
    report.rows_spooled = spool_->rows();
    report.retries = retries_;
    report.spool_dir = spool_->dir();
    return report;
  }

  std::string describe() const override { return url_.describe(); }

 private:
  // ---- the sender thread ----

  void run() {
    std::unique_lock lk(m_);
    while (true) {
      Clock::time_point now = Clock::now();
      // The spool first, so that a busy producer cannot keep its oldest batches waiting.
      if (!spool_->empty() && fatal_.empty() && !stopping_ && now >= next_attempt_) {
        lk.unlock();
        send_oldest();
        lk.lock();
        continue;
      }
      if (handoff_) {
        Batch b = std::move(*handoff_);
        handoff_.reset();
        cv_.notify_all();
        lk.unlock();
        handle(std::move(b));
        lk.lock();
        continue;
      }
      bool closing = finishing_ || stopping_;
      std::optional<size_t> due;
      Clock::time_point wake = Clock::time_point::max();
      for (size_t t = 0; t < pending_.size(); ++t) {
        if (pending_[t].rows == 0) continue;
        Clock::time_point at = pending_[t].since + options_.flush_interval;
        if (closing || at <= now) {
          due = t;
          break;
        }
        wake = std::min(wake, at);
      }
      if (due) {
        Batch b = take(*due);
        lk.unlock();
        handle(std::move(b));
        lk.lock();
        continue;
      }
      if (stopping_) break;
      if (finishing_ && (spool_->empty() || !fatal_.empty() || now >= deadline_)) break;
      if (!spool_->empty() && fatal_.empty()) wake = std::min(wake, next_attempt_);
      if (finishing_) wake = std::min(wake, deadline_);
      if (wake == Clock::time_point::max()) {
        cv_.wait(lk);
      } else {
        cv_.wait_until(lk, wake);
      }
    }
  }

  // Sends a new batch, or spools it when older batches wait, the run failed or the sink is being destroyed.
  void handle(Batch b) {
    bool send;
    {
      std::lock_guard lk(m_);
      send = fatal_.empty() && !stopping_ && spool_->empty();
    }
    const std::string& table = tables_[b.table].name;
    std::string_view format = format_name(url_.format);
    if (send) {
      ClickHouseAnswer a = deliver(table, format, b.bytes);
      if (a.kind == Answer::kDone) {
        delivered_ += b.rows;
        backoff_ = kFirstBackoff;
        return;
      }
      Result<SpoolEntry> spooled = spool_->put(table, format, version_text(version_), b.rows, b.bytes);
      if (!spooled) return fail(spooled.errors());
      if (a.kind == Answer::kRefused) return fail(refused(a, *spooled));
      failed_attempt();
      return;
    }
    Result<SpoolEntry> spooled = spool_->put(table, format, version_text(version_), b.rows, b.bytes);
    if (!spooled) fail(spooled.errors());
  }

  void send_oldest() {
    SpoolEntry entry = *spool_->oldest();
    Result<std::string> bytes = spool_->read(entry);
    if (!bytes) return fail(bytes.errors());
    ClickHouseAnswer a = deliver(entry.table, entry.format, *bytes);
    if (a.kind == Answer::kDone) {
      if (auto st = spool_->pop(); !st) return fail(st.errors());
      delivered_ += entry.rows;
      backoff_ = kFirstBackoff;
      std::lock_guard lk(m_);
      next_attempt_ = Clock::now();
      return;
    }
    if (a.kind == Answer::kRefused) return fail(refused(a, entry));
    failed_attempt();
  }

  // One INSERT, the tables created first when they may be missing.
  ClickHouseAnswer deliver(std::string_view table, std::string_view format, std::string_view bytes) {
    if (!tables_ready_) {
      ClickHouseAnswer a = create_tables();
      if (a.kind != Answer::kDone) return a;
    }
    ClickHouseAnswer a = client_.insert(url_.database, table, format, bytes);
    // After an outage the server may have lost its tables (a new data directory); after UNKNOWN_TABLE someone
    // dropped them. Either way they are created again before the next insert.
    if (a.kind == Answer::kMissingTable || (a.kind == Answer::kRetry && a.code == 0)) tables_ready_ = false;
    if (a.kind == Answer::kMissingTable) a.kind = Answer::kRetry;
    return a;
  }

  // CREATE DATABASE, then CREATE TABLE for each table the database does not list yet (a statement per
  // table: ClickHouse takes one per request).
  ClickHouseAnswer create_tables() {
    ClickHouseAnswer a = client_.execute(fmt::format("CREATE DATABASE IF NOT EXISTS {}", url_.database));
    if (a.kind != Answer::kDone) a.message = fmt::format("CREATE DATABASE {}: {}", url_.database, a.message);
    std::set<std::string, std::less<>> existing;
    if (a.kind == Answer::kDone) {
      a = client_.execute(fmt::format("SELECT name FROM system.tables WHERE database = '{}' FORMAT TabSeparated",
                                      url_.database));
      for (size_t start = 0; a.kind == Answer::kDone && start < a.body.size();) {
        size_t end = std::min(a.body.find('\n', start), a.body.size());
        existing.insert(a.body.substr(start, end - start));
        start = end + 1;
      }
    }
    for (size_t i = 0; i < tables_.size() && a.kind == Answer::kDone; ++i) {
      if (existing.count(tables_[i].name)) continue;
      a = client_.execute(schema::clickhouse_create(tables_[i], version_, url_.database));
      if (a.kind != Answer::kDone) {
        a.message = fmt::format("CREATE TABLE {}.{}: {}", url_.database, tables_[i].name, a.message);
      }
    }
    if (a.kind == Answer::kMissingTable) a.kind = Answer::kRetry;  // a database dropped meanwhile
    tables_ready_ = a.kind == Answer::kDone;
    return a;
  }

  void failed_attempt() {
    ++retries_;
    std::lock_guard lk(m_);
    next_attempt_ = Clock::now() + backoff_;
    backoff_ = std::min(backoff_ * 2, kMaxBackoff);
  }

  Diagnostic refused(const ClickHouseAnswer& a, const SpoolEntry& entry) const {
    return plain_error("sink-refused",
                       fmt::format("{}: the server refused {} rows for table {} (encoded for ClickHouse {}): {}; they "
                                   "stay in spool file '{}' (deliver or remove it by hand)",
                                   url_.describe(), entry.rows, entry.table, entry.version, a.message, entry.path));
  }

  Status refused_setup(const ClickHouseAnswer& a) const {
    return plain_error("sink-refused", fmt::format("{}: the server refused to create the tables: {}", url_.describe(),
                                                   a.message));
  }

  void fail(const Diagnostics& errors) {
    std::lock_guard lk(m_);
    if (fatal_.empty()) {
      for (const Diagnostic& e : errors) {
        Diagnostic d = e;
        if (d.code == "spool") d.message = fmt::format("{}: {}", url_.describe(), d.message);
        fatal_.push_back(std::move(d));
      }
    }
    cv_.notify_all();
  }
  void fail(const Diagnostic& error) { fail(Diagnostics{error}); }

  const ClickHouseUrl url_;
  DatabaseOptions options_;
  const std::vector<schema::Table>& tables_;
  size_t quarantine_table_ = 0;
  const schema::ClickHouseVersion version_;

  // The sender's own (and open()'s, before the sender starts).
  ClickHouseClient client_;
  std::unique_ptr<Spool> spool_;
  bool tables_ready_ = false;
  milliseconds backoff_ = kFirstBackoff;
  std::atomic<uint64_t> delivered_{0};
  std::atomic<uint64_t> retries_{0};
  std::atomic<bool> abort_{false};

  // Shared between write()/finish() and the sender, under m_.
  std::mutex m_;
  std::condition_variable cv_;
  std::vector<Pending> pending_;
  size_t pending_bytes_ = 0;  // of all pending_ together
  std::optional<Batch> handoff_;
  Diagnostics fatal_;  // the first error; the run stops, everything later goes to the spool unsent
  bool finishing_ = false;
  bool stopping_ = false;
  Clock::time_point deadline_;
  Clock::time_point next_attempt_;
  std::thread sender_;
};

}  // namespace

Result<std::unique_ptr<DatabaseSink>> open_clickhouse(std::string_view url, const DatabaseOptions& options) {
  Result<ClickHouseUrl> parsed = parse_clickhouse_url(url);
  if (!parsed) return parsed.errors();
  std::string dir = options.spool_dir.empty() ? "strictlog-spool/" + parsed->spool_name() : options.spool_dir;
  Result<std::unique_ptr<Spool>> spool = Spool::open(dir);
  if (!spool) {
    Diagnostics errors = spool.errors();
    for (Diagnostic& e : errors) e.message = fmt::format("--sink '{}': {}", url, e.message);
    return errors;
  }

  // The version decides the rows and the DDL; a server that does not answer is not an error (see the header).
  ClickHouseClient probe(parsed->http_base());
  ClickHouseAnswer a = probe.execute("SELECT version()");
  schema::ClickHouseVersion version = kAssumedVersion;
  bool answered = false;
  if (a.kind == Answer::kDone) {
    Result<schema::ClickHouseVersion> v = schema::ClickHouseVersion::parse(
        std::string_view(a.body).substr(0, a.body.find_last_not_of("\r\n") + 1));
    if (!v) {
      return plain_error("sink-version", fmt::format("{}: the server's version() is '{}', not MAJOR.MINOR...",
                                                     parsed->describe(), a.body));
    }
    version = *v;
    answered = true;
    if ((*spool)->server_version() != version_text(version)) {
      if (auto st = (*spool)->write_server_version(version_text(version)); !st) return st.errors();
    }
  } else if (a.kind == Answer::kRefused) {
    return plain_error("sink-refused", fmt::format("{}: the server refused `SELECT version()`: {}", parsed->describe(),
                                                   a.message));
  } else if (Result<schema::ClickHouseVersion> known = schema::ClickHouseVersion::parse((*spool)->server_version())) {
    version = *known;
  }

  auto sink = std::make_unique<ClickHouseSink>(std::move(*parsed), options, std::move(*spool), version);
  if (auto st = sink->start(answered); !st) return st.errors();
  return std::unique_ptr<DatabaseSink>(std::move(sink));
}

}  // namespace strictlog::sink_internal
