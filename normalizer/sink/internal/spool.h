// A spool: the directory where a database sink's undelivered batches wait, one file per batch. Internal to
// the sink stage.
//
// A batch file is written whole before it is visible: `.tmp-<seq>` is written, fsync()ed and renamed to its
// name, then the directory is fsync()ed, so after a crash a batch is either complete or absent (a leftover
// `.tmp-*` was never acknowledged and is removed by the next open()). The name says everything delivery and
// accounting need without reading the file:
//
//   <seq>-<table>-<rows>-<format>-<version>.batch
//   00000000000000000042-openvpn_peer_info-2048-RowBinary-18.16.batch
//
// seq, 20 digits, orders the batches (oldest first: the next seq is one more than the largest in the
// directory); `version` is the ClickHouse version the rows were encoded for (schema::ClickHouseVersion).
// Files are removed only after the database acknowledged them. One process at a time: open() takes an
// exclusive flock(2) on `<dir>/.lock` and keeps it until the Spool is destroyed.
//
// The directory, and every missing parent, is created with mode 0700 (batches hold raw log lines, which may
// hold secrets). `<dir>/server-version` remembers the last ClickHouse version the sink talked to, so that a
// run that starts while the server is down encodes rows for the tables that server has.
//
// Errors (plain diagnostics, code `spool`) name the file: `cannot write spool file '<path>': No space left on
// device`, `spool directory '<dir>' is in use by another strictlog process`.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace strictlog::sink_internal {

struct SpoolEntry {
  uint64_t seq = 0;
  std::string table;
  uint64_t rows = 0;
  std::string format;
  std::string version;
  std::string path;  // dir/name
};

class Spool {
 public:
  // Creates `dir` when missing, locks it, removes leftover temporaries and lists the batches in it. A
  // `.batch` file whose name is not of the form above is an error (it is not ours, or the form changed):
  // delivering or ignoring it could both be wrong.
  static Result<std::unique_ptr<Spool>> open(const std::string& dir);
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Writes one batch as the newest file.
  Result<SpoolEntry> put(std::string_view table, std::string_view format, std::string_view version, uint64_t rows,
                         std::string_view bytes);
  // The oldest batch, nullptr when the spool is empty.
  const SpoolEntry* oldest() const { return entries_.empty() ? nullptr : &entries_.front(); }
  Result<std::string> read(const SpoolEntry& entry) const;
  // Removes the oldest batch (after it was delivered).
  Status pop();

  uint64_t rows() const { return rows_; }
  size_t files() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  const std::string& dir() const { return dir_; }

  // The contents of `<dir>/server-version`, empty when there is none; write_server_version() replaces it
  // (written whole, like a batch).
  std::string server_version() const;
  Status write_server_version(std::string_view version);

  // The name a batch file gets; parse_name() reads one back (nullopt when `name` is not of that form).
  static std::string name_of(const SpoolEntry& entry);
  static std::optional<SpoolEntry> parse_name(std::string_view name);

 private:
  Spool(std::string dir, int lock_fd) : dir_(std::move(dir)), lock_fd_(lock_fd) {}
  Status write_whole(const std::string& temp, const std::string& final_path, std::string_view bytes);

  std::string dir_;
  int lock_fd_ = -1;
  std::deque<SpoolEntry> entries_;  // oldest first
  uint64_t next_seq_ = 1;
  uint64_t rows_ = 0;
};

}  // namespace strictlog::sink_internal
