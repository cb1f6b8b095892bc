#include "ingest/byte_source.h"

#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace strictlog {

Result<size_t> FdSource::read(char* buf, size_t n) {
  if (errno_ != 0) return failure();
  if (eof_) return size_t{0};
  for (;;) {
    ssize_t got = ::read(fd_, buf, n);
    if (got >= 0) {
      bytes_read_ += static_cast<uint64_t>(got);
      if (got == 0) eof_ = true;
      return static_cast<size_t>(got);
    }
    if (errno == EINTR && !(stop_ && *stop_)) continue;
    errno_ = errno;
    return failure();
  }
}

// The offset is bytes_read_, which stops moving once a read failed.
Diagnostic FdSource::failure() const {
  if (errno_ == EINTR) {
    return plain_error("interrupted", "stopped by a signal at byte offset " + std::to_string(bytes_read_));
  }
  return plain_error("read-failed", (name_.empty() ? std::string("cannot read input") : "cannot read '" + name_ + "'") +
                                        " at byte offset " + std::to_string(bytes_read_) + ": " +
                                        std::generic_category().message(errno_));
}

}  // namespace strictlog
