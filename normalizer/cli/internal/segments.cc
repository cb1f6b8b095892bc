#include "cli/internal/segments.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <ctime>
#include <filesystem>

namespace strictlog::cli {
namespace {

std::string utc_stamp() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  return fmt::format("{:%Y%m%dT%H%M%SZ}", tm);
}

bool taken(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace

std::string segment_path(const std::string& path, std::string_view start, uint64_t number) {
  std::filesystem::path p(path);
  return (p.parent_path() / fmt::format("{}.{}.{:06}{}", p.stem().string(), start, number, p.extension().string()))
      .string();
}

Result<std::unique_ptr<SegmentedOutputs>> SegmentedOutputs::open(const OutputPaths& paths, RotationPolicy policy) {
  OutputPaths filled = paths;
  if (filled.quarantine.empty()) filled.quarantine = default_quarantine_path(paths.out);
  if (policy.enabled()) {
    for (const std::string* p : {&filled.out, &filled.quarantine, &filled.dropped}) {
      if (!p->empty() && is_stream_path(*p)) {
        return plain_error("usage", fmt::format("'{}' is a stream (stdout, a device or a FIFO): it cannot be rotated; "
                                                "give file paths with --rotate-bytes or --rotate-seconds", *p));
      }
    }
  }
  std::unique_ptr<SegmentedOutputs> s(new SegmentedOutputs(std::move(filled), policy));
  if (auto st = s->open_segment(); !st) return st.errors();
  return s;
}

Status SegmentedOutputs::open_segment() {
  OutputPaths segment = paths_;
  if (policy_.enabled()) {
    std::string start = utc_stamp();
    // Every file of the segment must be new: a restart within the same second finds its numbers taken.
    auto free = [&](uint64_t n) {
      return !taken(segment_path(paths_.out, start, n)) && !taken(segment_path(paths_.quarantine, start, n)) &&
             (paths_.dropped.empty() || !taken(segment_path(paths_.dropped, start, n)));
    };
    ++number_;
    while (!free(number_)) ++number_;
    segment.out = segment_path(paths_.out, start, number_);
    segment.quarantine = segment_path(paths_.quarantine, start, number_);
    if (!paths_.dropped.empty()) segment.dropped = segment_path(paths_.dropped, start, number_);
  }
  auto opened = RunOutputs::open(segment);
  if (!opened) return opened.errors();
  current_ = std::move(*opened);
  broken_ = false;
  started_ = std::chrono::steady_clock::now();
  bytes_ = 0;
  lines_in_segment_ = 0;
  return kOk;
}

Status SegmentedOutputs::publish_segment() {
  if (auto st = current_->publish(); !st) {
    broken_ = true;
    return st;
  }
  if (current_->delivery()) delivery_ = *current_->delivery();
  ++published_;
  lines_published_ += lines_in_segment_;
  lines_in_segment_ = 0;
  return kOk;
}

Status SegmentedOutputs::write(const EncodedRecords& records, uint64_t lines) {
  rolled_back_ = false;
  if (!current_) {  // the last rotation published its segment but could not open the next (a full disk)
    if (auto st = open_segment(); !st) {
      rolled_back_ = true;  // nothing was written
      return st;
    }
  }
  Status st = current_->write(records);
  if (st) st = current_->checkpoint();
  if (!st) {
    rolled_back_ = current_->rollback().ok();
    broken_ = !rolled_back_;
    return st;
  }
  // A segment's age counts from its first line: after a quiet hour the next line opens a full period.
  if (lines_in_segment_ == 0 && lines != 0) started_ = std::chrono::steady_clock::now();
  lines_in_segment_ += lines;
  bytes_ += records.events.size() + records.quarantine.size() + records.dropped.size();
  return kOk;
}

Status SegmentedOutputs::rotate(bool force) {
  if (!policy_.enabled() || !current_ || lines_in_segment_ == 0) return kOk;
  bool full = policy_.bytes != 0 && bytes_ >= policy_.bytes;
  bool old = policy_.age.count() != 0 && std::chrono::steady_clock::now() - started_ >= policy_.age;
  if (!force && !full && !old) return kOk;
  if (auto st = publish_segment(); !st) return st;
  current_.reset();
  return open_segment();
}

Status SegmentedOutputs::finish() {
  // A rotated series ends with its last segment that holds records; the unused one is removed (its
  // RunOutputs' temporary files go with it).
  if (!current_ || (policy_.enabled() && lines_in_segment_ == 0)) {
    current_.reset();
    return kOk;
  }
  return publish_segment();
}

std::string SegmentedOutputs::events_to() const {
  if (!policy_.enabled()) return current_ ? current_->events_to() : paths_.out;
  std::filesystem::path p(paths_.out);
  return fmt::format("{} ({}, {} segment{})",
                     (p.parent_path() / (p.stem().string() + ".<start>.NNNNNN" + p.extension().string())).string(),
                     paths_.format, published_, published_ == 1 ? "" : "s");
}

std::string SegmentedOutputs::quarantine_to() const {
  if (!policy_.enabled()) return current_ ? current_->quarantine_to() : paths_.quarantine;
  std::filesystem::path p(paths_.quarantine);
  return (p.parent_path() / (p.stem().string() + ".<start>.NNNNNN" + p.extension().string())).string();
}

std::string SegmentedOutputs::dropped_to() const {
  return paths_.dropped.empty() ? "counted only (--dropped FILE keeps them)" : paths_.dropped;
}

}  // namespace strictlog::cli
