#include "sink/atomic_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <utility>

namespace strictlog {

using sink_internal::errno_text;

namespace {

constexpr const char* kStdoutName = "<stdout>";

// The directory part of `path` ("." for a bare name) and the file name part.
std::pair<std::string, std::string> split_path(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return {".", path};
  return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

// The process umask. umask(2) can only be read by setting it, which races with other threads creating
// files, so read it from /proc (Linux 4.7+) and fall back to set-and-restore only without /proc.
mode_t process_umask() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "Umask:") {
      std::string octal;
      status >> octal;
      return static_cast<mode_t>(std::strtoul(octal.c_str(), nullptr, 8));
    }
    status.ignore(4096, '\n');
  }
  mode_t mask = ::umask(022);
  ::umask(mask);
  return mask;
}

Diagnostic sys_error(const char* code, const std::string& what, int err) {
  return plain_error(code, fmt::format("{}: {}", what, errno_text(err)));
}

Status fsync_directory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return sys_error("fsync-failed", fmt::format("cannot sync directory '{}'", dir), errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return sys_error("fsync-failed", fmt::format("cannot sync directory '{}'", dir), err);
  return kOk;
}

}  // namespace

OutputStream::~OutputStream() = default;

Result<AtomicFile> AtomicFile::create(const std::string& path, mode_t mode) {
  std::string base = split_path(path).second;
  if (base.empty() || base == "." || base == "..") {
    return plain_error("create-failed", fmt::format("cannot create '{}': not a file name", path));
  }
  std::string temp = path.substr(0, path.size() - base.size()) + "." + base + ".tmp.XXXXXX";
  int fd = ::mkostemp(temp.data(), O_CLOEXEC);  // mkstemp with close-on-exec
  if (fd < 0) return sys_error("create-failed", fmt::format("cannot create '{}'", path), errno);
  if (::fchmod(fd, mode & ~process_umask()) != 0) {
    int err = errno;
    ::close(fd);
    ::unlink(temp.c_str());
    return sys_error("create-failed", fmt::format("cannot create '{}'", path), err);
  }
  return AtomicFile(path, std::move(temp), fd);
}

AtomicFile::AtomicFile(std::string path, std::string temp_path, int fd)
    : path_(std::move(path)), temp_path_(std::move(temp_path)), out_(fd, path_) {}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : path_(std::move(other.path_)),
      temp_path_(std::exchange(other.temp_path_, {})),
      out_(std::move(other.out_)),
      published_(std::exchange(other.published_, false)),
      size_(other.size_),
      checkpoint_(other.checkpoint_) {
  other.out_.set_fd(-1);
}

AtomicFile& AtomicFile::operator=(AtomicFile&& other) noexcept {
  if (this != &other) {
    abort();
    path_ = std::move(other.path_);
    temp_path_ = std::exchange(other.temp_path_, {});
    out_ = std::move(other.out_);
    published_ = std::exchange(other.published_, false);
    size_ = other.size_;
    checkpoint_ = other.checkpoint_;
    other.out_.set_fd(-1);
  }
  return *this;
}

AtomicFile::~AtomicFile() { abort(); }

Status AtomicFile::write(std::string_view data) {
  if (temp_path_.empty()) {
    return plain_error("write-failed", fmt::format("cannot write '{}': already committed or aborted", path_));
  }
  Status written = out_.write(data);
  if (written) size_ += data.size();
  return written;
}

Status AtomicFile::checkpoint() {
  if (temp_path_.empty() || out_.fd() < 0) {
    return plain_error("write-failed", fmt::format("cannot write '{}': already committed or aborted", path_));
  }
  if (Status s = out_.flush(); !s) return s;
  checkpoint_ = size_;
  return kOk;
}

Status AtomicFile::rollback() {
  if (temp_path_.empty() || out_.fd() < 0) {
    return plain_error("write-failed", fmt::format("cannot write '{}': already committed or aborted", path_));
  }
  if (Status s = out_.truncate_to(checkpoint_); !s) return s;
  size_ = checkpoint_;
  return kOk;
}

Status AtomicFile::set_mode(mode_t mode) {
  if (temp_path_.empty() || out_.fd() < 0) {
    return plain_error("write-failed", fmt::format("cannot write '{}': already prepared, committed or aborted", path_));
  }
  if (::fchmod(out_.fd(), mode) != 0) {
    int err = errno;
    abort();
    return sys_error("create-failed", fmt::format("cannot create '{}'", path_), err);
  }
  return kOk;
}

Status OutputStream::commit() {
  if (Status s = prepare(); !s.ok()) return s;
  return publish();
}

Status AtomicFile::prepare() {
  if (temp_path_.empty() || out_.fd() < 0) {
    return plain_error("write-failed", fmt::format("cannot write '{}': already committed or aborted", path_));
  }
  if (Status s = out_.flush(); !s.ok()) {
    abort();
    return s;
  }
  if (::fsync(out_.fd()) != 0) {
    int err = errno;
    abort();
    return sys_error("fsync-failed", fmt::format("cannot sync '{}'", path_), err);
  }
  // close(2) can report a deferred write error (NFS); the fd is gone either way, so never retry it.
  int rc = ::close(out_.fd());
  int err = errno;
  out_.set_fd(-1);
  if (rc != 0 && err != EINTR) {
    abort();
    return sys_error("write-failed", fmt::format("cannot write '{}'", path_), err);
  }
  return kOk;
}

Status AtomicFile::publish() {
  if (temp_path_.empty() || out_.fd() >= 0) {
    return plain_error("write-failed", fmt::format("cannot publish '{}': not prepared, or already published", path_));
  }
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    int err = errno;
    abort();
    return sys_error("rename-failed", fmt::format("cannot rename temporary file to '{}'", path_), err);
  }
  temp_path_.clear();
  published_ = true;
  return fsync_directory(split_path(path_).first);
}

void AtomicFile::withdraw() {
  if (published_) ::unlink(path_.c_str());
  published_ = false;
}

void AtomicFile::abort() {
  if (out_.fd() >= 0) ::close(out_.fd());
  out_.set_fd(-1);
  out_.discard();
  if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
  temp_path_.clear();
}

FdStream::FdStream(int fd, std::string name) : out_(fd, std::move(name)) {}

Status FdStream::write(std::string_view data) {
  if (committed_) {
    return plain_error("write-failed", fmt::format("cannot write '{}': already committed", out_.name()));
  }
  return out_.write(data);
}

Status FdStream::rollback() {
  return plain_error("write-failed",
                     fmt::format("cannot take back bytes written to '{}': it is a stream", out_.name()));
}

Status FdStream::prepare() {
  committed_ = true;
  return out_.flush();
}

namespace {

// An existing device or FIFO (`/dev/null`, a named pipe) is written through, like stdout: renaming a regular
// file over it would replace the device node when run as root.
class DeviceStream final : public OutputStream {
 public:
  DeviceStream(int fd, const std::string& path) : fd_(fd), stream_(fd, path) {}
  ~DeviceStream() override { close(fd_); }
  DeviceStream(const DeviceStream&) = delete;
  DeviceStream& operator=(const DeviceStream&) = delete;
  Status write(std::string_view data) override { return stream_.write(data); }
  Status prepare() override { return stream_.prepare(); }
  Status publish() override { return kOk; }
  Status checkpoint() override { return stream_.checkpoint(); }
  Status rollback() override { return stream_.rollback(); }

 private:
  int fd_;
  FdStream stream_;
};

}  // namespace

bool is_stream_path(const std::string& path) {
  struct stat st {};
  return path == "-" || (stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode));
}

Result<std::unique_ptr<OutputStream>> open_output(const std::string& path, mode_t mode) {
  if (path == "-") {
    return std::unique_ptr<OutputStream>(std::make_unique<FdStream>(STDOUT_FILENO, kStdoutName));
  }
  if (is_stream_path(path)) {
    int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
      return plain_error("create-failed", fmt::format("cannot open '{}': {}", path, sink_internal::errno_text(errno)));
    }
    return std::unique_ptr<OutputStream>(std::make_unique<DeviceStream>(fd, path));
  }
  Result<AtomicFile> file = AtomicFile::create(path, mode);
  if (!file.ok()) return std::move(file).take_errors();
  return std::unique_ptr<OutputStream>(std::make_unique<AtomicFile>(std::move(file).value()));
}

}  // namespace strictlog
