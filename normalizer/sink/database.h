// Database sinks: events into one table per payload and quarantine records into `quarantine`, with the
// tables, columns and row encodings of the table model (schema/table.h, ddl.h, row.h), so the rows a sink
// writes are exactly what the generated DDL declares.
//
//   clickhouse://HOST:PORT/DB[?format=RowBinary|JSONEachRow]   ClickHouse over HTTP (PORT is the HTTP port,
//                                                              8123 by default); RowBinary unless asked
//   sqlite:FILE                                                SQLite, WAL mode, one transaction per batch
//
// Contract, the same for every sink (the run's accounting depends on it): every record handed to write() is
// either in the database or in the spool directory on disk when finish() returns; until then a sink that
// batches may hold a table's pending rows in memory only (a sink destroyed without finish(), as by an
// interrupted run, writes them to the spool unsent). A server that is down, refuses a batch it may accept
// later (5xx, connection refused, timeouts) or answers slowly is not an error: the batch goes to the spool and
// is sent again, oldest first, with backoff. Only what would lose a record is an error: the spool cannot be
// written (a full disk), or the server rejects a batch as invalid (4xx, a ClickHouse syntax/type error), which
// retrying cannot fix: then the batch stays in the spool and the error names the spool file.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "pipeline/normalizer.h"
#include "pipeline/parallel.h"

namespace strictlog {

struct DatabaseOptions {
  // Where undelivered batches wait, one file per batch (written whole: temp file, fsync, rename). Empty: a
  // directory named after the sink in the current directory, `strictlog-spool/<host>_<port>_<db>`. The
  // sqlite sink has no spool: each write() commits its batch or fails (sink/internal/sqlite_sink.h).
  std::string spool_dir;
  // A table's rows are sent when it holds this many, and everything pending at least every `flush_interval`.
  size_t batch_rows = 100000;
  std::chrono::milliseconds flush_interval{1000};
  // finish() keeps retrying undelivered batches for this long before it leaves them in the spool.
  std::chrono::milliseconds finish_timeout{10000};
};

// What a sink did, for the run summary.
struct DeliveryReport {
  uint64_t rows_delivered = 0;  // in this run, spooled rows of earlier runs included
  uint64_t rows_spooled = 0;    // still in the spool at the end
  uint64_t retries = 0;
  std::string spool_dir;
};

class DatabaseSink {
 public:
  virtual ~DatabaseSink() = default;

  // Opens the sink `url` names (see above), creates its database and tables when missing (CREATE ... IF NOT
  // EXISTS: the DDL of ddl.h), and delivers what an earlier run left in the spool. A server that does not
  // answer is not an error here either; a malformed URL, an unknown scheme or format, or a spool directory
  // that cannot be created is, with the URL in the message.
  static Result<std::unique_ptr<DatabaseSink>> open(std::string_view url, const DatabaseOptions& options);

  // Appends the encoded row of one outcome to `out->tables[i]`, `i` the table's index in
  // schema::builtin_tables(); dropped lines add nothing. Thread-safe: the RecordEncoder of ParallelNormalizer.
  virtual Status encode(Outcome outcome, const v1::Event& event, const v1::QuarantineRecord& record,
                        EncodedRecords* out) const = 0;

  // Takes the rows of one batch, in order (the RecordSink of ParallelNormalizer): queues them, and sends
  // or spools tables whose batch is full or old.
  virtual Status write(const EncodedRecords& records) = 0;

  // Sends everything pending, retrying for finish_timeout; what is still undelivered stays in the spool
  // (rows_spooled > 0), to be delivered by the next open() of the same sink.
  virtual Result<DeliveryReport> finish() = 0;

  // `clickhouse://127.0.0.1:8123/strictlog (RowBinary)` or `sqlite:events.db`, for the summary.
  virtual std::string describe() const = 0;
};

}  // namespace strictlog
