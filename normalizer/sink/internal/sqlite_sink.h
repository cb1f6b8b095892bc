// The sqlite DatabaseSink (sink/database.h): `sqlite:FILE`. Internal to the sink stage: reached through
// DatabaseSink::open().
//
// FILE is a path, taken literally (no SQLite URI, no `:memory:`), created when missing. open() turns on WAL
// mode, creates every table of schema::builtin_tables() with schema::sqlite_create() (IF NOT EXISTS: a second
// run appends to the same tables) and prepares one INSERT per table. Each write() is one transaction holding
// the whole batch: committed, with the WAL synced to disk, before write() returns, or rolled back and an error.
// So the database always holds whole batches, and the contract's "in the database or in the spool" holds
// without a spool: there is no server to wait for, and what makes a batch fail here (a full disk, an I/O
// error, a lock held past the busy timeout, a database of an older schema) makes a spool on the same machine
// no better. DeliveryReport::rows_spooled is always 0 and spool_dir empty; `--spool` is not used.
//
// Errors (Diagnostics without a position):
//   sink-url      `--sink 'sqlite:': no file name: sqlite:FILE, e.g. sqlite:events.db`
//   sqlite-open   `--sink 'sqlite:ro/e.db': cannot open the database: unable to open database file
//                  (Permission denied)`; SQLite's message, and the system's when SQLite has one
//   sqlite-write  `--sink 'sqlite:e.db': database or disk is full: the batch was rolled back; the database
//                  holds the 40960 rows of this run's earlier batches`
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
