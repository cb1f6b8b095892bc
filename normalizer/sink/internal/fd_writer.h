// BufferedFd: the buffered, short-write-safe write(2) loop shared by AtomicFile and FdStream.
// Internal to the sink stage.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace strictlog::sink_internal {

// Text of an errno value, e.g. `No space left on device` (thread-safe, unlike strerror).
std::string errno_text(int err);

class BufferedFd {
 public:
  // Everything written is collected in a buffer of this size and reaches the fd in chunks of it,
  // so a stream of small records costs one write(2) per 64 KiB.
  static constexpr size_t kBufferSize = 64 * 1024;

  // Does not own `fd`. `name` is what errors call the output (the path the user gave).
  BufferedFd(int fd, std::string name);

  // Buffers `data`; writes the buffer out when it fills. Errors are sticky: after the first failure
  // every later write() and flush() returns the same diagnostic without touching the fd again, so a
  // failed output never gets bytes appended after a hole.
  Status write(std::string_view data);
  // Writes out everything buffered.
  Status flush();

  int fd() const { return fd_; }
  const std::string& name() const { return name_; }
  void set_fd(int fd) { fd_ = fd; }
  // Drops buffered bytes (used when the output is being thrown away).
  void discard() { buffer_.clear(); }
  // For a regular file: drops buffered bytes, cuts the file to `size` bytes and writes on from there, the
  // sticky error cleared. Takes back a write that failed part way (a full disk) so it can be tried again.
  Status truncate_to(uint64_t size);

 private:
  // write(2) until all of `data` is out: retries short writes and EINTR.
  Status write_all(std::string_view data);
  Status fail(int err);

  int fd_;
  std::string name_;
  std::string buffer_;
  std::optional<Diagnostic> error_;
};

}  // namespace strictlog::sink_internal
