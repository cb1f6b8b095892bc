#include "ingest/line_reader.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace strictlog {

namespace {

constexpr size_t kMinBuffer = 256 * 1024;
// Skipping an oversize line reads this much (at least) per read(2).
constexpr size_t kSkipChunk = 64 * 1024;

}  // namespace

size_t LineReader::buffer_size(size_t max_line) {
  return std::max(kMinBuffer, max_line + kSkipChunk);
}

LineReader::LineReader(int fd, size_t max_line) : LineReader(std::make_unique<FdSource>(fd), max_line) {
  fd_source_ = static_cast<FdSource*>(source_.get());
}

LineReader::LineReader(std::unique_ptr<ByteSource> source, size_t max_line)
    : source_(std::move(source)),
      max_line_(max_line),
      cap_(buffer_size(max_line)),
      buf_(std::make_unique_for_overwrite<char[]>(cap_)) {}

ssize_t LineReader::fill(size_t at, size_t n) {
  auto got = source_->read(buf_.get() + at, n);
  if (!got) {
    error_ = std::move(got).take_errors();
    return -1;
  }
  bytes_read_ += *got;
  if (*got == 0) eof_ = true;
  return static_cast<ssize_t>(*got);
}

Result<std::optional<Line>> LineReader::failure() const { return error_; }

// Returns the line of `raw_length` bytes at begin_ (plus its '\n' when `terminated`) and moves past it.
Line LineReader::take(size_t raw_length, bool terminated) {
  const char* p = buf_.get() + begin_;
  Line line;
  line.had_cr = terminated && raw_length > 0 && p[raw_length - 1] == '\r';
  line.length = raw_length - (line.had_cr ? 1 : 0);
  line.oversize = line.length > max_line_;
  line.bytes = std::string_view(p, line.oversize ? max_line_ : line.length);
  line.number = ++number_;
  line.offset = stream_pos_;
  size_t consumed = raw_length + (terminated ? 1 : 0);
  begin_ += consumed;
  stream_pos_ += consumed;
  scanned_ = 0;
  return line;
}

Result<std::optional<Line>> LineReader::next() {
  if (!error_.empty()) return failure();
  for (;;) {
    const char* start = buf_.get() + begin_;
    size_t pending = end_ - begin_;
    if (const void* nl = std::memchr(start + scanned_, '\n', pending - scanned_)) {
      return std::optional<Line>(take(static_cast<size_t>(static_cast<const char*>(nl) - start), true));
    }
    // Remembered so that a line arriving in many small reads (a pipe) is scanned once, not quadratically.
    scanned_ = pending;
    if (eof_) {
      if (pending == 0) return std::optional<Line>();
      return std::optional<Line>(take(pending, false));
    }
    if (end_ == cap_) {
      // The buffer holds more than max_line + 1 bytes without '\n': the line is oversize.
      if (begin_ == 0) return skip_oversize();
      std::memmove(buf_.get(), start, pending);
      begin_ = 0;
      end_ = pending;
    }
    ssize_t got = fill(end_, cap_ - end_);
    if (got < 0) return failure();
    end_ += static_cast<size_t>(got);
  }
}

// Precondition: buf_ is full with one line's first bytes (begin_ == 0, end_ == cap_, no '\n').
// Keeps buf_[0, max_line_) as the returned prefix and reads the rest of the line into the area after it,
// counting and discarding, until '\n' or end of input. What follows the '\n' stays buffered.
Result<std::optional<Line>> LineReader::skip_oversize() {
  const size_t scratch = max_line_;
  uint64_t raw_length = end_;  // may end with the '\r' of a "\r\n" terminator
  char last = buf_[end_ - 1];
  bool terminated = false;
  bool had_cr = false;
  for (;;) {
    ssize_t got = fill(scratch, cap_ - scratch);
    if (got < 0) return failure();
    const char* chunk = buf_.get() + scratch;
    size_t n = static_cast<size_t>(got);
    if (n == 0) {
      begin_ = end_ = scratch;
      break;
    }
    if (const void* nl = std::memchr(chunk, '\n', n)) {
      size_t k = static_cast<size_t>(static_cast<const char*>(nl) - chunk);
      had_cr = (k > 0 ? chunk[k - 1] : last) == '\r';
      raw_length += k;
      terminated = true;
      begin_ = scratch + k + 1;
      end_ = scratch + n;
      break;
    }
    raw_length += n;
    last = chunk[n - 1];
  }
  Line line;
  line.bytes = std::string_view(buf_.get(), max_line_);
  line.number = ++number_;
  line.offset = stream_pos_;
  line.had_cr = had_cr;
  line.length = raw_length - (had_cr ? 1 : 0);
  line.oversize = true;  // length >= buffer_size - 1 > max_line
  stream_pos_ += raw_length + (terminated ? 1 : 0);
  scanned_ = 0;
  return std::optional<Line>(line);
}

}  // namespace strictlog
