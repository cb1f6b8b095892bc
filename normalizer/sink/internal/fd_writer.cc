#include "sink/internal/fd_writer.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace strictlog::sink_internal {

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

BufferedFd::BufferedFd(int fd, std::string name) : fd_(fd), name_(std::move(name)) {
  buffer_.reserve(kBufferSize);
}

Status BufferedFd::write(std::string_view data) {
  if (error_) return *error_;
  if (buffer_.size() + data.size() <= kBufferSize) {
    buffer_.append(data);
    return kOk;
  }
  if (Status s = flush(); !s.ok()) return s;
  // A chunk that would not fit an empty buffer goes straight to the fd instead of being copied.
  if (data.size() >= kBufferSize) return write_all(data);
  buffer_.append(data);
  return kOk;
}

Status BufferedFd::flush() {
  if (error_) return *error_;
  Status s = write_all(buffer_);
  buffer_.clear();
  return s;
}

Status BufferedFd::write_all(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(errno);
    }
    // write(2) never returns 0 for a non-empty regular write; guard anyway so we cannot spin.
    if (n == 0) return fail(EIO);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return kOk;
}

Status BufferedFd::truncate_to(uint64_t size) {
  buffer_.clear();
  auto offset = static_cast<off_t>(size);
  if (::ftruncate(fd_, offset) != 0 || ::lseek(fd_, offset, SEEK_SET) != offset) {
    int err = errno;
    return plain_error("write-failed",
                       fmt::format("cannot take back a failed write to '{}': {}", name_, errno_text(err)));
  }
  error_.reset();
  return kOk;
}

Status BufferedFd::fail(int err) {
  error_ = plain_error("write-failed", fmt::format("cannot write '{}': {}", name_, errno_text(err)));
  return *error_;
}

}  // namespace strictlog::sink_internal
