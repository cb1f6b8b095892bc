// The clickhouse DatabaseSink (sink/database.h). Internal to the sink stage: reached through DatabaseSink::open().
//
// Threads: encode() runs on the normalizer's workers; write() and finish() on the run's thread; one sender
// thread of the sink's own owns the HTTP connection and the spool. write() appends each row to its table's
// pending batch and hands a batch to the sender once it holds DatabaseOptions::batch_rows rows or 32 MiB, and
// the largest one whenever all pending batches together hold 128 MiB; the sender also takes every batch
// whose first row is older than flush_interval. Memory: at most 128 MiB of pending rows, one batch handed
// over and one being sent (each at most 32 MiB); write() waits while the sender is busy.
//
// The sender sends a batch as one `INSERT INTO db.table FORMAT f` (clickhouse_client.h says how answers
// are read). A batch that is not accepted goes to the spool (spool.h) at once, and while the spool holds a
// batch every newer one goes there behind it, so batches reach the server in the order they were made. The
// spool is sent oldest first, a file removed once the server answered 200; after a failure the next attempt
// waits 50 ms, doubling up to 5 s (each failed attempt counts in DeliveryReport::retries). A batch the server
// refuses (kRefused) stays in the spool and stops the run with an error naming its file: retrying cannot help,
// and dropping it would lose rows. finish() first sends (or spools) every pending batch, then retries the
// spool until finish_timeout has passed: the timeout bounds the retrying, not a first attempt, so finish()
// may return later by the requests under way (a server that stops answering mid-request is given up after
// 30 s without a byte, http_client.h).
//
// At least once: a batch whose answer was lost (the connection broke after the server inserted it) is sent
// again and is then stored twice. Envelope.uid (column envelope_uid) tells the copies apart.
//
// The ClickHouse version decides the row encoding and the DDL (schema/ddl.h): open() asks the server
// (`SELECT version()`); when the server does not answer, the version it last saw (the spool's
// server-version), else 18.16. The tables are created (`CREATE ... IF NOT EXISTS`) with that same version's
// DDL before the first insert, and again after the server was unreachable or answered UNKNOWN_TABLE.
//
// Destroyed without finish() (an interrupted run), the sink stops its sender (a transfer in progress is cut
// off) and writes every batch still in memory to the spool, unsent.
#pragma once

#include <memory>
#include <string_view>

#include "common/result.h"
#include "sink/database.h"

namespace strictlog::sink_internal {

Result<std::unique_ptr<DatabaseSink>> open_clickhouse(std::string_view url, const DatabaseOptions& options);

}  // namespace strictlog::sink_internal
