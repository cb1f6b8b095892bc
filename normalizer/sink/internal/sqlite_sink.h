// The sqlite DatabaseSink (sink/database.h): `sqlite:FILE`. Internal to the sink stage: reached through
// DatabaseSink::open().
//
// FILE is a path, taken literally (no SQLite URI, no `:memory:`), created with mode 0600 when missing (the
// table quarantine holds raw lines). open() turns on WAL mode, creates every table of
// schema::builtin_tables() with schema::sqlite_create() (IF NOT EXISTS: a second run appends to the same
// tables; a table that lacks a column of this version is refused, naming it) and prepares one INSERT per
// table. encode() computes each row's values with schema::sqlite_row() on the worker threads and packs them
// (sqlite_values.h); the writer only binds them. Each write() is one transaction holding the whole batch:
// committed, with the WAL synced to disk (synchronous=FULL), before write() returns, or rolled back and an
// error. So the database always holds whole batches, and the contract's "in the database or in the spool"
// holds without a spool: there is no server to wait for, and what makes a batch fail here (a full disk, an
// I/O error, a lock held past the busy timeout) would make a spool on the same machine fail too.
// DeliveryReport::rows_spooled is always 0 and spool_dir empty; a spool directory (`--spool`) is refused. A run that
// stops on an error leaves the batches it committed: the error says how many rows they hold.
//
// Errors (Diagnostics without a position):
//   sink-url      `--sink 'sqlite:': no file name: sqlite:FILE, e.g. sqlite:events.db`
//   sqlite-open   `--sink 'sqlite:e.db': cannot open the database: file is not a database`; `cannot create the
//                  database file: Permission denied`; `table quarantine has no column detail: the database has
//                  an older schema; strictlog schema migrate --target sqlite gives the ALTER TABLE statements
//                  that update it`
//   sqlite-write  `--sink 'sqlite:e.db': disk I/O error (File too large): the batch was rolled back; the
//                  database holds the 40960 rows of this run's earlier batches`: SQLite's message, with the
//                  system's reason when a system call failed
//   sqlite-row    from encode(): the row cannot be made (`input 'a.log' line 3: table ...: column ...: '1.2'
//                  is not an IP address`)
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>

#include "common/result.h"
#include "sink/database.h"

namespace strictlog::sink_internal {

// Knobs the URL does not expose: tests set them to meet a lock or a full disk quickly.
struct SqliteTuning {
  // How long a write waits for another connection's write lock (readers never block a writer in WAL
  // mode) before the batch fails with `database is locked`.
  std::chrono::milliseconds busy_timeout{10000};
  // PRAGMA max_page_count for this connection; 0 keeps SQLite's (a full disk in miniature).
  uint32_t max_page_count = 0;
};

Result<std::unique_ptr<DatabaseSink>> open_sqlite(std::string_view url, const DatabaseOptions& options,
                                                  const SqliteTuning& tuning = {});

}  // namespace strictlog::sink_internal
