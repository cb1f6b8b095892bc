#include "sink/internal/sqlite_sink.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unordered_map>
#include <vector>

#include "schema/ddl.h"
#include "schema/row.h"
#include "schema/table.h"
#include "sink/internal/fd_writer.h"
#include "sink/internal/sqlite_values.h"

namespace strictlog::sink_internal {

namespace {

using schema::Table;

// Budgets of the connection, measured on the OpenVPN benchmark workload (bench/sink_sqlite.sh). Every
// batch's commit writes each page its inserts touched to the WAL; the envelope_uid indexes, of hashes, take
// random pages, which makes most of them. The page cache keeps those pages between batches: at SQLite's
// default of 2 MiB, every batch read them again. A checkpoint after 32 MiB of WAL rather than 4 MiB copies a
// page that several batches changed once. Together: 22% less wall time for about 34 MiB more peak memory.
// Pages of 8 KiB rather than 4 (for a new database; an existing one keeps its own): 40% fewer system calls
// for the same rows; 10% less wall time at 200,000 rows, 6% at 667,000 (paired medians, noisy).
constexpr int kPageSize = 8192;
constexpr int kCacheKiB = 32 * 1024;
constexpr int kCheckpointPages = (32 << 20) / kPageSize;

// The SQL columns of `t`, in the order of sqlite_create() and sqlite_row().
std::vector<std::string> column_names(const Table& t) {
  std::vector<std::string> names;
  for (const schema::Column& c : t.columns) {
    for (const schema::SqlColumn& col : schema::sql_columns(c, schema::Target::kSqlite)) names.push_back(col.name);
  }
  return names;
}

// `INSERT INTO t (c1, c2, ...) VALUES (?, ?, ...)`: the columns named, so a table that `schema migrate`
// gave a newer model's columns (each nullable or with a default) still takes this model's rows.
std::string insert_sql(const Table& t, const std::vector<std::string>& names) {
  std::vector<std::string_view> marks(names.size(), "?");
  return fmt::format("INSERT INTO {} ({}) VALUES ({})", t.name, fmt::join(names, ", "), fmt::join(marks, ", "));
}

// The columns of `table` in the database; none when there is no such table.
std::vector<std::string> existing_columns(sqlite3* db, const std::string& table) {
  std::vector<std::string> names;
  sqlite3_stmt* stmt = nullptr;
  std::string sql = fmt::format("PRAGMA table_info({})", table);
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) return names;
  while (sqlite3_step(stmt) == SQLITE_ROW)
    names.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1)));
  sqlite3_finalize(stmt);
  return names;
}

class SqliteSink final : public DatabaseSink {
 public:
  SqliteSink(std::string url, std::string file) : url_(std::move(url)), file_(std::move(file)) {}
  ~SqliteSink() override { close(); }

  Status open(const SqliteTuning& tuning);
  Status encode(Outcome outcome, const v1::Event& event, const v1::QuarantineRecord& record,
                EncodedRecords* out) const override;
  Status write(const EncodedRecords& records) override;
  Result<DeliveryReport> finish() override;
  std::string describe() const override { return url_; }

 private:
  // Runs one SQLite call with errno cleared, and keeps the errno it leaves for error(): SQLite returns from
  // a failed system call without making another that could fail, and sqlite3_system_errno() is not set on
  // every path (a failed COMMIT leaves it 0).
  template <class F>
  int call(F f) {
    errno = 0;
    int rc = f();
    errno_ = errno;
    return rc;
  }
  int exec(const char* sql) {
    return call([&] { return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr); });
  }
  // SQLite's message for the last failure, with the system's reason for a failed system call:
  // `disk I/O error (File too large)`.
  std::string error(int rc) const;
  Diagnostic open_error(std::string_view what, int rc) const {
    return plain_error("sqlite-open", fmt::format("--sink '{}': {}: {}", url_, what, error(rc)));
  }
  Status configure(const SqliteTuning& tuning);
  Status create_tables();
  std::string missing_columns() const;
  bool insert_rows(const EncodedRecords& records, uint64_t* rows, std::string* why);
  void close();

  std::string url_;
  std::string file_;
  const std::vector<Table>& tables_ = schema::builtin_tables();
  std::unordered_map<const google::protobuf::FieldDescriptor*, size_t> by_payload_;  // Event tables by oneof field
  const google::protobuf::OneofDescriptor* payload_ = nullptr;
  size_t quarantine_ = 0;
  std::vector<std::vector<std::string>> columns_;  // SQL columns per table, as tables_
  sqlite3* db_ = nullptr;
  std::vector<sqlite3_stmt*> insert_;  // per table, as tables_
  int errno_ = 0;                      // left by the last call()
  uint64_t rows_ = 0;                  // committed in this run
};

std::string SqliteSink::error(int rc) const {
  std::string text = db_ == nullptr ? sqlite3_errstr(rc) : sqlite3_errmsg(db_);
  int primary = rc & 0xff;
  if ((primary == SQLITE_CANTOPEN || primary == SQLITE_IOERR || primary == SQLITE_FULL) && errno_ != 0) {
    text += fmt::format(" ({})", errno_text(errno_));
  }
  return text;
}

Status SqliteSink::open(const SqliteTuning& tuning) {
  for (size_t i = 0; i < tables_.size(); ++i) {
    const Table& t = tables_[i];
    if (t.message == v1::Event::descriptor() && t.payload != nullptr) {
      by_payload_[t.payload] = i;
      payload_ = t.payload->containing_oneof();
    } else if (t.message == v1::QuarantineRecord::descriptor()) {
      quarantine_ = i;
    }
    columns_.push_back(column_names(t));
  }
  // Created here, not by SQLite: SQLite names a file it cannot create by the errno of its last attempt, a
  // read-only open (`No such file or directory` in a directory it may not write). Mode 0600, as the
  // quarantine file's: the table quarantine holds raw lines, which may hold secrets. SQLite gives the -wal
  // and -shm files the database file's mode.
  if (int fd = ::open(file_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600); fd >= 0) {
    ::close(fd);
  } else if (errno != EEXIST) {
    return plain_error("sqlite-open",
                       fmt::format("--sink '{}': cannot create the database file: {}", url_, errno_text(errno)));
  }
  // FILE is a path, whatever it looks like: Debian's SQLite reads a name that starts with `file:` as a URI
  // even without SQLITE_OPEN_URI (it is built with SQLITE_USE_URI), but not `./file:...`. NOMUTEX: one
  // thread at a time uses the connection (the one that calls write(); encode() never touches it).
  const std::string path = file_.starts_with("file:") ? "./" + file_ : file_;
  int rc = call([&] {
    return sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  });
  if (rc != SQLITE_OK) return open_error("cannot open the database", rc);
  sqlite3_extended_result_codes(db_, 1);
  // SQLite opens a file it may not write read-only, without an error; every INSERT would then fail.
  if (sqlite3_db_readonly(db_, "main") == 1) {
    return plain_error("sqlite-open",
                       fmt::format("--sink '{}': cannot open the database: the file is read-only", url_));
  }
  if (auto st = configure(tuning); !st) return st;
  if (auto st = create_tables(); !st) return st;
  insert_.assign(tables_.size(), nullptr);
  for (size_t i = 0; i < tables_.size(); ++i) {
    std::string sql = insert_sql(tables_[i], columns_[i]);
    rc =
        call([&] { return sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &insert_[i], nullptr); });
    if (rc != SQLITE_OK) return open_error(fmt::format("cannot prepare the INSERT into table {}", tables_[i].name), rc);
  }
  return kOk;
}

Status SqliteSink::configure(const SqliteTuning& tuning) {
  sqlite3_busy_timeout(db_, static_cast<int>(tuning.busy_timeout.count()));
  // The first statement reads the file: one that is not a database fails here. The page size applies to
  // a new (empty) database only, and must come before WAL mode. WAL: readers (a user's queries) and this
  // writer do not block each other, and a commit appends to one file.
  sqlite3_stmt* stmt = nullptr;
  std::string mode;
  const std::string page_size = fmt::format("PRAGMA page_size={}", kPageSize);
  int rc = call([&] {
    int r = sqlite3_exec(db_, page_size.c_str(), nullptr, nullptr, nullptr);
    if (r == SQLITE_OK) r = sqlite3_prepare_v2(db_, "PRAGMA journal_mode=WAL", -1, &stmt, nullptr);
    if (r == SQLITE_OK && (r = sqlite3_step(stmt)) == SQLITE_ROW) {
      mode = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
      r = SQLITE_OK;
    }
    sqlite3_finalize(stmt);
    return r;
  });
  if (rc != SQLITE_OK) return open_error("cannot open the database", rc);
  if (mode != "wal") {
    return plain_error("sqlite-open",
                       fmt::format("--sink '{}': cannot turn on WAL mode: journal_mode stays '{}'", url_, mode));
  }
  // synchronous=FULL, not NORMAL: in WAL mode NORMAL syncs only at checkpoints, so a batch committed just
  // before a power loss or kernel crash could vanish although the run counted it delivered; the contract
  // holds a spool file to the same bar (fsync before it counts). FULL syncs the WAL once per batch, which
  // costs no measurable time (farm-bench, paired runs on the workload of bench/sink_sqlite.sh: ratio 0.96).
  std::string setup = fmt::format("PRAGMA synchronous=FULL; PRAGMA cache_size=-{}; PRAGMA wal_autocheckpoint={};",
                                  kCacheKiB, kCheckpointPages);
  if (tuning.max_page_count > 0) setup += fmt::format("PRAGMA max_page_count={};", tuning.max_page_count);
  if (rc = exec(setup.c_str()); rc != SQLITE_OK) return open_error("cannot set up the connection", rc);
  return kOk;
}

// In one transaction, so that a second strictlog starting at the same time waits for it rather than meeting
// half the tables: checks that the tables already there have every column, then creates the missing ones.
Status SqliteSink::create_tables() {
  if (int rc = exec("BEGIN IMMEDIATE"); rc != SQLITE_OK) return open_error("cannot create the tables", rc);
  if (std::string missing = missing_columns(); !missing.empty()) {
    exec("ROLLBACK");
    return plain_error("sqlite-open",
                       fmt::format("--sink '{}': {}: the database has an older schema; strictlog schema migrate "
                                   "--target sqlite gives the ALTER TABLE statements that update it",
                                   url_, missing));
  }
  std::string ddl;
  for (const Table& t : tables_) ddl += schema::sqlite_create(t);
  ddl += "COMMIT;";
  if (int rc = exec(ddl.c_str()); rc != SQLITE_OK) {
    Diagnostic d = open_error("cannot create the tables", rc);
    if (sqlite3_get_autocommit(db_) == 0) exec("ROLLBACK");
    return d;
  }
  return kOk;
}

// `table quarantine has no column detail, raw_text (and 3 other tables lack columns)`, or empty when every
// table that exists has every column of this version.
std::string SqliteSink::missing_columns() const {
  std::string first;
  size_t more = 0;
  for (size_t i = 0; i < tables_.size(); ++i) {
    std::vector<std::string> have = existing_columns(db_, tables_[i].name);
    if (have.empty()) continue;  // created next
    std::vector<std::string> missing;
    for (const std::string& c : columns_[i]) {
      if (std::find(have.begin(), have.end(), c) == have.end()) missing.push_back(c);
    }
    if (missing.empty()) continue;
    if (first.empty()) {
      first = fmt::format("table {} has no column {}", tables_[i].name, fmt::join(missing, ", "));
    } else {
      ++more;
    }
  }
  if (more > 0) first += fmt::format(" (and {} other table{} columns)", more, more == 1 ? " lacks" : "s lack");
  return first;
}

Status SqliteSink::encode(Outcome outcome, const v1::Event& event, const v1::QuarantineRecord& record,
                          EncodedRecords* out) const {
  const google::protobuf::Message* message = nullptr;
  const v1::Input* input = nullptr;
  size_t table = 0;
  switch (outcome) {
    case Outcome::kDropped: return kOk;
    case Outcome::kEvent: {
      message = &event;
      input = &event.envelope().input();
      auto it = by_payload_.find(event.GetReflection()->GetOneofFieldDescriptor(event, payload_));
      if (it == by_payload_.end()) {
        return plain_error("sqlite-row",
                           fmt::format("input '{}' line {}: the event has no payload, so no table takes it",
                                       input->name(), input->line()));
      }
      table = it->second;
      break;
    }
    case Outcome::kQuarantined:
      message = &record;
      input = &record.input();
      table = quarantine_;
      break;
  }
  // Each worker thread's own: a row's values, packed into the batch at once.
  thread_local std::vector<schema::SqlValue> values;
  if (auto st = schema::sqlite_row(tables_[table], *message, &values); !st) {
    return plain_error(
        "sqlite-row", fmt::format("input '{}' line {}: {}", input->name(), input->line(), st.errors().front().message));
  }
  if (out->tables.size() < tables_.size()) out->tables.resize(tables_.size());
  pack_sqlite_row(values, &out->tables[table]);
  return kOk;
}

// Binds and inserts every row of the batch, counting them in `*rows`; false and `*why` on a failure, after
// which the caller rolls back.
bool SqliteSink::insert_rows(const EncodedRecords& records, uint64_t* rows, std::string* why) {
  PackedValue v;
  for (size_t i = 0; i < records.tables.size() && i < tables_.size(); ++i) {
    sqlite3_stmt* stmt = insert_[i];
    PackedReader reader(records.tables[i]);
    while (!reader.done()) {
      for (size_t k = 1; k <= columns_[i].size(); ++k) {
        if (!reader.next(&v)) {
          *why = fmt::format("table {}: a row of the batch is malformed (a bug)", tables_[i].name);
          return false;
        }
        int col = static_cast<int>(k);
        switch (v.kind) {
          case PackedValue::kNull: sqlite3_bind_null(stmt, col); break;
          case PackedValue::kInteger: sqlite3_bind_int64(stmt, col, v.integer); break;
          case PackedValue::kReal: sqlite3_bind_double(stmt, col, v.real); break;
          // SQLITE_STATIC: the batch outlives the step. An empty value still needs a pointer: SQLite binds
          // a null one as NULL.
          case PackedValue::kText:
            sqlite3_bind_text64(stmt, col, v.text.empty() ? "" : v.text.data(), v.text.size(), SQLITE_STATIC,
                                SQLITE_UTF8);
            break;
          case PackedValue::kBlob:
            if (v.text.empty()) {
              sqlite3_bind_zeroblob(stmt, col, 0);
            } else {
              sqlite3_bind_blob64(stmt, col, v.text.data(), v.text.size(), SQLITE_STATIC);
            }
            break;
        }
      }
      int rc = call([&] { return sqlite3_step(stmt); });
      if (rc != SQLITE_DONE) *why = error(rc);
      sqlite3_reset(stmt);
      if (rc != SQLITE_DONE) return false;
      ++*rows;
    }
  }
  return true;
}

Status SqliteSink::write(const EncodedRecords& records) {
  bool empty =
      std::all_of(records.tables.begin(), records.tables.end(), [](const std::string& t) { return t.empty(); });
  if (empty) return kOk;  // no transaction for a batch of dropped lines only
  if (db_ == nullptr) return plain_error("internal", fmt::format("--sink '{}': write() after finish() (a bug)", url_));
  uint64_t rows = 0;
  std::string why;
  // IMMEDIATE: the write lock now, waiting up to the busy timeout, rather than at the first INSERT.
  if (int rc = exec("BEGIN IMMEDIATE"); rc != SQLITE_OK) {
    why = error(rc);
  } else if (insert_rows(records, &rows, &why)) {
    rc = exec("COMMIT");
    if (rc == SQLITE_OK) {
      rows_ += rows;
      return kOk;
    }
    why = error(rc);
  }
  // A failed COMMIT may have rolled back already; a failed INSERT leaves the transaction open.
  if (sqlite3_get_autocommit(db_) == 0) exec("ROLLBACK");
  return plain_error("sqlite-write", fmt::format("--sink '{}': {}: the batch was rolled back; the database holds "
                                                 "the {} rows of this run's earlier batches",
                                                 url_, why, rows_));
}

Result<DeliveryReport> SqliteSink::finish() {
  close();
  DeliveryReport report;
  report.rows_delivered = rows_;
  return report;
}

// Every write() committed: closing finalizes the statements and lets SQLite checkpoint the WAL into the
// database file (and remove it, when no other connection has the database open).
void SqliteSink::close() {
  for (sqlite3_stmt*& stmt : insert_) {
    sqlite3_finalize(stmt);
    stmt = nullptr;
  }
  if (db_ != nullptr) sqlite3_close(db_);
  db_ = nullptr;
}

}  // namespace

Result<std::unique_ptr<DatabaseSink>> open_sqlite(std::string_view url, const DatabaseOptions& options,
                                                  const SqliteTuning& tuning) {
  std::string_view file = url.substr(std::strlen("sqlite:"));
  if (file.empty()) {
    return plain_error("sink-url", fmt::format("--sink '{}': no file name: sqlite:FILE, e.g. sqlite:events.db", url));
  }
  // `sqlite:///x.db` (SQLAlchemy's spelling) would be the path `///x.db`, `sqlite://x.db` the path `/x.db`.
  if (file.starts_with("//")) {
    return plain_error("sink-url", fmt::format("--sink '{}': sqlite:FILE takes a path without `//`, e.g. "
                                               "sqlite:events.db or sqlite:/var/lib/strictlog/events.db",
                                               url));
  }
  if (file == ":memory:") {
    return plain_error("sink-url",
                       fmt::format("--sink '{}': an in-memory database ends with the run: give a file", url));
  }
  // Refused rather than ignored: a user who names a spool expects one to be used.
  if (!options.spool_dir.empty()) {
    return plain_error("sink-url",
                       fmt::format("--sink '{}': --spool does not apply: the sqlite sink commits each batch or fails, "
                                   "it has no spool",
                                   url));
  }
  auto sink = std::make_unique<SqliteSink>(std::string(url), std::string(file));
  if (auto st = sink->open(tuning); !st) return st.errors();
  return std::unique_ptr<DatabaseSink>(std::move(sink));
}

}  // namespace strictlog::sink_internal
