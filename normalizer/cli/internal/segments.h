// serve's outputs: RunOutputs in segments, rotated by size and by time, each segment complete or not there.
//
// Without rotation there is one segment, written to exactly --out, --quarantine and --dropped and published
// (fsync, rename, fsync of the directory) when serve stops, as `normalize` publishes its outputs.
// With rotation (--rotate-bytes, --rotate-seconds), each output path P = DIR/STEM.EXT becomes a series of
// files DIR/STEM.<start>.<NNNNNN>.EXT, <start> the UTC time the segment was opened (`20261122T231500Z`) and NNNNNN
// its number in this run from 000001, e.g. `events.20261122T231500Z.000001.pb` beside
// `events.quarantine.20261122T231500Z.000001.jsonl`. A segment's files are published together (a file
// without records is empty, so that the set is always whole), when the segment reaches the size (bytes
// written to all its files; checked after each batch the pipeline writes, so a segment ends at most one
// batch, 2,048 messages or about 1 MiB, past it), when it is older than the time, on SIGUSR1 (SIGHUP
// reloads the rules), and when serve stops; until then they are hidden temporary files. A segment with
// no record is not published: a quiet hour leaves no empty file. A name already taken (a restart within
// the same second) takes the next number: a published file is never replaced.
//
// Durability: what is published is on disk (fsync'd). A crash loses the current segment's records, whose
// temporary files stay behind, visibly not a finished output (`.STEM...tmp.XXXXXX`).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "cli/internal/outputs.h"

namespace strictlog::cli {

struct RotationPolicy {
  uint64_t bytes = 0;                  // 0: never by size
  std::chrono::seconds age{0};         // 0: never by time
  bool enabled() const { return bytes != 0 || age.count() != 0; }
};

// `dir/events.pb`, 20261122T231500Z, 1 -> `dir/events.20261122T231500Z.000001.pb`.
std::string segment_path(const std::string& path, std::string_view start, uint64_t number);

class SegmentedOutputs {
 public:
  // Checks the paths (a stream such as `-` cannot be rotated: usage error text in the Diagnostic) and opens
  // the first segment.
  static Result<std::unique_ptr<SegmentedOutputs>> open(const OutputPaths& paths, RotationPolicy policy);

  // Writes a batch's records, made from `lines` lines, to the current segment and makes them a checkpoint.
  // When that fails (a full disk) the segment's files are cut back to the batch before and rolled_back()
  // says so: the segment is still whole and the same batch may be written again, e.g. once there is room
  // or after rotate(true) (a new segment, for a file size limit).
  Status write(const EncodedRecords& records, uint64_t lines);
  bool rolled_back() const { return rolled_back_; }
  // The current segment holds every batch written to it, whole: no write failed without being taken back
  // and no publication failed. Then finish() can still publish it.
  bool whole() const { return current_ != nullptr && !broken_; }
  // Rotates if the segment reached its size or is older than the policy's age; `force`: rotates now
  // (SIGUSR1). No-op without rotation or for a segment without records.
  Status rotate(bool force);
  // Publishes the last segment (without rotation: always, so the outputs exist even when empty).
  Status finish();

  uint64_t published() const { return published_; }
  // The events or quarantine go to a stream (stdout, a device): written through, never published.
  bool streamed() const { return is_stream_path(paths_.out) || is_stream_path(paths_.quarantine); }
  // The lines whose records are in published segments.
  uint64_t lines_published() const { return lines_published_; }

  // RunOutputs::encode() of the current segment. Only without rotation, where the first segment is the
  // only one: the workers call it while this thread writes (a database sink's encoder needs its tables).
  Status encode(Outcome outcome, const v1::Event& event, const v1::QuarantineRecord& record, std::string_view line,
                EncodedRecords* out) const {
    return current_->encode(outcome, event, record, line, out);
  }
  // The database sink's delivery once finish() published (nullptr without --sink).
  const DeliveryReport* delivery() const { return delivery_ ? &*delivery_ : nullptr; }

  std::string events_to() const;
  std::string quarantine_to() const;
  std::string dropped_to() const;

 private:
  SegmentedOutputs(OutputPaths paths, RotationPolicy policy) : paths_(std::move(paths)), policy_(policy) {}
  Status open_segment();
  Status publish_segment();

  OutputPaths paths_;  // quarantine filled in
  RotationPolicy policy_;
  std::unique_ptr<RunOutputs> current_;
  std::chrono::steady_clock::time_point started_;
  uint64_t bytes_ = 0;     // written to the current segment
  uint64_t number_ = 0;    // of the current segment
  uint64_t published_ = 0;
  uint64_t lines_in_segment_ = 0, lines_published_ = 0;
  std::optional<DeliveryReport> delivery_;
  bool rolled_back_ = false;
  bool broken_ = false;
};

}  // namespace strictlog::cli
