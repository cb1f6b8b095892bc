#include "sink/internal/sqlite_sink.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
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

// SQLite's message for the last failure on `db`, with the system's reason when SQLite took it from a system
// call (SQLite keeps errno only for CANTOPEN and IOERR; for other codes it would be stale).
std::string sqlite_error(sqlite3* db, int rc) {
  if (db == nullptr) return sqlite3_errstr(rc);
  std::string text = sqlite3_errmsg(db);
  int primary = rc & 0xff;
  if ((primary == SQLITE_CANTOPEN || primary == SQLITE_IOERR) && sqlite3_system_errno(db) != 0) {
    text += fmt::format(" ({})", errno_text(sqlite3_system_errno(db)));
  }
  return text;
}

// `INSERT INTO t (c1, c2, ...) VALUES (?, ?, ...)`: the columns named, so a table that a migration gave
// more columns (of a newer model) still takes this model's rows.
std::string insert_sql(const Table& t, size_t* width) {
  std::vector<std::string> names;
  for (const schema::Column& c : t.columns) {
    for (const schema::SqlColumn& col : schema::sql_columns(c, schema::Target::kSqlite)) names.push_back(col.name);
  }
  *width = names.size();
  std::vector<std::string_view> marks(names.size(), "?");
  return fmt::format("INSERT INTO {} ({}) VALUES ({})", t.name, fmt::join(names, ", "), fmt::join(marks, ", "));
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
  Diagnostic open_error(std::string_view what, int rc) const {
    return plain_error("sqlite-open", fmt::format("--sink '{}': {}: {}", url_, what, sqlite_error(db_, rc)));
  }
  bool insert_rows(const EncodedRecords& records, uint64_t* rows, std::string* error);
  void close();

  std::string url_;
  std::string file_;
  const std::vector<Table>& tables_ = schema::builtin_tables();
  std::unordered_map<const google::protobuf::FieldDescriptor*, size_t> by_payload_;  // Event tables by oneof field
  const google::protobuf::OneofDescriptor* payload_ = nullptr;
  size_t quarantine_ = 0;
  sqlite3* db_ = nullptr;
  std::vector<sqlite3_stmt*> insert_;  // per table, as tables_
  std::vector<size_t> width_;          // SQL columns per table
  uint64_t rows_ = 0;                  // committed in this run
};

Status SqliteSink::open(const SqliteTuning& tuning) {
  for (size_t i = 0; i < tables_.size(); ++i) {
    const Table& t = tables_[i];
    if (t.message == v1::Event::descriptor() && t.payload != nullptr) {
      by_payload_[t.payload] = i;
      payload_ = t.payload->containing_oneof();
    } else if (t.message == v1::QuarantineRecord::descriptor()) {
      quarantine_ = i;
    }
  }
  // Not SQLITE_OPEN_URI: FILE is a path, whatever it looks like. NOMUTEX: one thread at a time uses the
  // connection (the one that calls write(); encode() never touches it).
  int rc = sqlite3_open_v2(file_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) return open_error("cannot open the database", rc);
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, static_cast<int>(tuning.busy_timeout.count()));
  // SQLite opens a file it may not write read-only, without an error; every INSERT would then fail.
  if (sqlite3_db_readonly(db_, "main") == 1) {
    return plain_error("sqlite-open", fmt::format("--sink '{}': cannot open the database: the file is read-only", url_));
  }
  // The first statement reads the file: a file that is not a database fails here.
  sqlite3_stmt* stmt = nullptr;
  rc = sqlite3_prepare_v2(db_, "PRAGMA journal_mode=WAL", -1, &stmt, nullptr);
  std::string mode;
  if (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    mode = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    rc = SQLITE_OK;
  }
  sqlite3_finalize(stmt);
  if (rc != SQLITE_OK) return open_error("cannot open the database", rc);
  if (mode != "wal") {
    return plain_error("sqlite-open", fmt::format("--sink '{}': cannot turn on WAL mode: journal_mode stays '{}'",
                                                  url_, mode));
  }
  // FULL, not NORMAL: in WAL mode NORMAL syncs only at checkpoints, so a batch committed just before a power
  // loss or kernel crash may vanish, yet the run would have counted it delivered. The contract holds a spool
  // file to the same bar (fsync before it counts). FULL costs one fsync of the WAL per batch (bench/run.sh).
  std::string setup = "PRAGMA synchronous=FULL;";
  if (tuning.max_page_count > 0) setup += fmt::format("PRAGMA max_page_count={};", tuning.max_page_count);
  // One transaction: a second strictlog starting at the same time waits for it rather than meeting half
  // the tables.
  setup += "BEGIN IMMEDIATE;";
  for (const Table& t : tables_) setup += schema::sqlite_create(t);
  setup += "COMMIT;";
  if (rc = sqlite3_exec(db_, setup.c_str(), nullptr, nullptr, nullptr); rc != SQLITE_OK) {
    Diagnostic d = open_error("cannot create the tables", rc);
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return d;
  }
  insert_.assign(tables_.size(), nullptr);
  width_.assign(tables_.size(), 0);
  for (size_t i = 0; i < tables_.size(); ++i) {
    std::string sql = insert_sql(tables_[i], &width_[i]);
    if (rc = sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &insert_[i], nullptr);
        rc != SQLITE_OK) {
      // A column missing from a table created by an older model: the migration adds it.
      return open_error(fmt::format("table {} does not take this version's rows (strictlog schema migrate "
                                    "--target sqlite gives the ALTER TABLE statements)",
                                    tables_[i].name),
                        rc);
    }
  }
  return kOk;
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
      const auto* field = event.GetReflection()->GetOneofFieldDescriptor(event, payload_);
      auto it = by_payload_.find(field);
      if (it == by_payload_.end()) {
        return plain_error("sqlite-row", fmt::format("input '{}' line {}: the event has no payload, so no table takes it",
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
  // Reused by each worker thread: a row's values, then packed into the batch.
  thread_local std::vector<schema::SqlValue> values;
  if (auto st = schema::sqlite_row(tables_[table], *message, &values); !st) {
    return plain_error("sqlite-row", fmt::format("input '{}' line {}: {}", input->name(), input->line(),
                                                 st.errors().front().message));
  }
  if (out->tables.size() < tables_.size()) out->tables.resize(tables_.size());
  pack_sqlite_row(values, &out->tables[table]);
  return kOk;
}

// Binds and inserts every row of the batch, counting them in `*rows`; false and `*error` on a failure,
// after which the caller rolls back.
bool SqliteSink::insert_rows(const EncodedRecords& records, uint64_t* rows, std::string* error) {
  PackedValue v;
  for (size_t i = 0; i < records.tables.size() && i < tables_.size(); ++i) {
    sqlite3_stmt* stmt = insert_[i];
    PackedReader reader(records.tables[i]);
    while (!reader.done()) {
      for (size_t k = 1; k <= width_[i]; ++k) {
        if (!reader.next(&v)) {
          *error = fmt::format("table {}: a row of the batch is malformed (a bug)", tables_[i].name);
          return false;
        }
        int col = static_cast<int>(k);
        switch (v.kind) {
          case PackedValue::kNull: sqlite3_bind_null(stmt, col); break;
          case PackedValue::kInteger: sqlite3_bind_int64(stmt, col, v.integer); break;
          case PackedValue::kReal: sqlite3_bind_double(stmt, col, v.real); break;
          // SQLITE_STATIC: the batch outlives the statement's step. An empty value still needs a non-null
          // pointer, which SQLite would otherwise bind as NULL.
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
      int rc = sqlite3_step(stmt);
      if (rc != SQLITE_DONE) *error = sqlite_error(db_, rc);
      sqlite3_reset(stmt);
      if (rc != SQLITE_DONE) return false;
      ++*rows;
    }
  }
  return true;
}

Status SqliteSink::write(const EncodedRecords& records) {
  bool empty = std::all_of(records.tables.begin(), records.tables.end(), [](const std::string& t) { return t.empty(); });
  if (empty) return kOk;  // no transaction for a batch of dropped lines only
  uint64_t rows = 0;
  std::string error;
  int rc = sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    error = sqlite_error(db_, rc);
  } else if (insert_rows(records, &rows, &error)) {
    rc = sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
    if (rc == SQLITE_OK) {
      rows_ += rows;
      return kOk;
    }
    error = sqlite_error(db_, rc);
  }
  // A failed COMMIT may have rolled back already; a failed INSERT leaves the transaction open.
  if (sqlite3_get_autocommit(db_) == 0) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  return plain_error("sqlite-write", fmt::format("--sink '{}': {}: the batch was rolled back; the database holds "
                                                 "the {} rows of this run's earlier batches",
                                                 url_, error, rows_));
}

Result<DeliveryReport> SqliteSink::finish() {
  close();
  DeliveryReport report;
  report.rows_delivered = rows_;
  return report;
}

// Every write() committed: closing only finalizes the statements and lets SQLite checkpoint the WAL into
// the database file (and remove it, when no other connection has the database open).
void SqliteSink::close() {
  for (sqlite3_stmt*& stmt : insert_) {
    sqlite3_finalize(stmt);
    stmt = nullptr;
  }
  if (db_ != nullptr) sqlite3_close(db_);
  db_ = nullptr;
}

}  // namespace

Result<std::unique_ptr<DatabaseSink>> open_sqlite(std::string_view url, const DatabaseOptions&,
                                                  const SqliteTuning& tuning) {
  std::string_view file = url.substr(std::strlen("sqlite:"));
  if (file.empty()) {
    return plain_error("sink-url", fmt::format("--sink '{}': no file name: sqlite:FILE, e.g. sqlite:events.db", url));
  }
  // `sqlite:///x.db` (SQLAlchemy's spelling) would be read as the path `///x.db`, `sqlite://x.db` as `/x.db`.
  if (file.starts_with("//")) {
    return plain_error("sink-url", fmt::format("--sink '{}': sqlite:FILE takes a path without `//`, e.g. "
                                               "sqlite:events.db or sqlite:/var/lib/strictlog/events.db",
                                               url));
  }
  if (file == ":memory:") {
    return plain_error("sink-url",
                       fmt::format("--sink '{}': an in-memory database ends with the run: give a file", url));
  }
  auto sink = std::make_unique<SqliteSink>(std::string(url), std::string(file));
  if (auto st = sink->open(tuning); !st) return st.errors();
  return std::unique_ptr<DatabaseSink>(std::move(sink));
}

}  // namespace strictlog::sink_internal
