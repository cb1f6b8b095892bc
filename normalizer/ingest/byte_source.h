// ByteSource: where LineReader's bytes come from. FdSource reads a descriptor; open_byte_source()
// (ingest/decompress.h) wraps one to decompress gzip and zstd input.
#pragma once

#include <csignal>
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/result.h"

namespace strictlog {

class ByteSource {
 public:
  virtual ~ByteSource() = default;

  // Up to `n` (> 0) bytes into `buf`: the count, which may be less than `n` without meaning anything; 0 at end
  // of input and on every call after it. After an error the source stays failed and returns the same error
  // again.
  virtual Result<size_t> read(char* buf, size_t n) = 0;
};

// read(2) on a descriptor, which stays owned by the caller and must outlive the source. Blocking reads; EINTR
// is retried. Once read(2) returned 0 the descriptor is not read again (a terminal's end-of-file is not sticky).
class FdSource final : public ByteSource {
 public:
  explicit FdSource(int fd) : fd_(fd) {}

  // A failing read(2) gives an error coded `read-failed`, e.g. "cannot read input at byte offset 0: Bad file
  // descriptor", or with set_name("a.log") "cannot read 'a.log' at byte offset 0: ...".
  Result<size_t> read(char* buf, size_t n) override;

  // While `*stop` is non-zero, a read(2) interrupted by a signal (EINTR) fails with an error coded
  // `interrupted` ("stopped by a signal at byte offset N") instead of being retried, so a signal handler that
  // sets the flag stops a reader blocked on a quiet pipe or terminal. The handler must be installed without
  // SA_RESTART.
  void set_stop_flag(const volatile std::sig_atomic_t* stop) { stop_ = stop; }

  // The name read errors call the input by (a path, or `-`).
  void set_name(std::string name) { name_ = std::move(name); }

  // Bytes obtained from read(2) so far.
  uint64_t bytes_read() const { return bytes_read_; }

 private:
  Diagnostic failure() const;

  int fd_;
  uint64_t bytes_read_ = 0;
  bool eof_ = false;
  int errno_ = 0;  // non-zero once a read failed
  const volatile std::sig_atomic_t* stop_ = nullptr;
  std::string name_;
};

}  // namespace strictlog
