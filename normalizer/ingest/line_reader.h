// LineReader: splits a byte stream (file, pipe, socket, or the output of a decompressing ByteSource) into lines
// with flat memory.
//
// Memory is one buffer of `buffer_size(max_line)` bytes, allocated once, whatever the input: a line longer
// than `max_line` keeps only its first `max_line` bytes and the rest is read and discarded while counting,
// so a 100 MB line without '\n' costs no more than a short one. Every byte of the input belongs to exactly
// one returned Line or terminator; offsets and lengths let the caller account for all of them.
//
// Terminators: '\n' ends a line, and a '\r' right before it is removed too (CRLF input; `had_cr` says so).
// A final line without '\n' is still a line, returned as is (a trailing '\r' there is kept: without '\n'
// it is not a terminator). An empty line is a line.
//
// Offsets count the bytes the reader's source delivers: for a gzip or zstd input read through
// open_byte_source() (ingest/decompress.h) they are offsets in the decompressed stream, as if the file had
// been decompressed first, so the same lines get the same offsets (and event ids) either way.
#pragma once

#include <csignal>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <sys/types.h>

#include "common/result.h"
#include "ingest/byte_source.h"

namespace strictlog {

inline constexpr size_t kDefaultMaxLine = 64 * 1024;
// The range `--max-line` accepts.
inline constexpr size_t kSmallestMaxLine = 64;
inline constexpr size_t kLargestMaxLine = 16 << 20;

struct Line {
  // The line without its terminator, cut to the first max_line bytes when oversize. Points into the
  // reader's buffer: valid until the next call to next().
  std::string_view bytes;
  uint64_t number = 0;    // 1-based
  uint64_t offset = 0;    // stream offset of the line's first byte
  uint64_t length = 0;    // full length without terminator, even when oversize
  bool oversize = false;  // length > max_line
  bool had_cr = false;    // the terminator was "\r\n"
  // Set for a network frame that was malformed (ingest/framing.h): why, e.g. "connection closed after 3 of 12
  // bytes of an octet-counted message". The line is then quarantined as FRAMING with `bytes` as they came.
  // LineReader never sets it.
  std::string_view framing_detail;
};

class LineReader {
 public:
  // Reads from `fd`, which stays owned by the caller and must outlive the reader. Blocking reads;
  // EINTR is retried.
  LineReader(int fd, size_t max_line = kDefaultMaxLine);
  // Reads from `source` (e.g. open_byte_source()), whose errors next() returns as they are. set_stop_flag()
  // and set_name() do not apply to it: give the source its own before handing it over.
  explicit LineReader(std::unique_ptr<ByteSource> source, size_t max_line = kDefaultMaxLine);
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // The next line; std::nullopt at end of input (and on every call after it). A failing read(2) gives an
  // error with code `read-failed`, e.g. "cannot read input at byte offset 0: Bad file descriptor", or with
  // set_name("a.log") "cannot read 'a.log' at byte offset 0: ..."; a failing ByteSource gives its error. The
  // reader then stays failed and returns the same error again. Lines complete before the failure are returned
  // first.
  Result<std::optional<Line>> next();

  // While `*stop` is non-zero, a read(2) interrupted by a signal (EINTR) ends reading with an error coded
  // `interrupted` instead of being retried, so a signal handler that sets the flag stops a reader blocked
  // on a quiet pipe or terminal. The handler must be installed without SA_RESTART.
  void set_stop_flag(const volatile std::sig_atomic_t* stop) {
    if (fd_source_) fd_source_->set_stop_flag(stop);
  }

  // The name read errors call the input by (a path, or `-`).
  void set_name(std::string name) {
    if (fd_source_) fd_source_->set_name(std::move(name));
  }

  // Bytes obtained from read(2) so far, or from the ByteSource (decompressed bytes); may run ahead of the lines
  // returned.
  uint64_t bytes_read() const { return bytes_read_; }

  // The buffer budget for a given max_line: at least 256 KiB, and room for a kept max_line prefix plus a
  // 64 KiB scratch area used to skip the rest of an oversize line.
  static size_t buffer_size(size_t max_line);

 private:
  // Reads the source into buf_[at, at+n); returns the count (0 at end of input) or -1 after recording the error.
  ssize_t fill(size_t at, size_t n);
  Result<std::optional<Line>> failure() const;
  Line take(size_t raw_length, bool terminated);
  Result<std::optional<Line>> skip_oversize();

  std::unique_ptr<ByteSource> source_;
  FdSource* fd_source_ = nullptr;  // source_, when the reader was made for a descriptor
  size_t max_line_;
  size_t cap_;
  std::unique_ptr<char[]> buf_;
  size_t begin_ = 0;    // first unreturned byte in buf_
  size_t end_ = 0;      // end of valid data in buf_
  size_t scanned_ = 0;  // bytes after begin_ known to hold no '\n'
  uint64_t stream_pos_ = 0;  // stream offset of buf_[begin_]
  uint64_t number_ = 0;
  uint64_t bytes_read_ = 0;
  bool eof_ = false;
  Diagnostics error_;  // non-empty once a read failed
};

}  // namespace strictlog
