#include "sink/internal/spool.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <vector>

#include "sink/internal/fd_writer.h"

namespace strictlog::sink_internal {

namespace {

constexpr std::string_view kSuffix = ".batch";
constexpr std::string_view kTempPrefix = ".tmp-";

Diagnostic spool_error(std::string message) { return plain_error("spool", std::move(message)); }

// mkdir -p with mode 0700 for every directory it creates.
Status make_dirs(const std::string& dir) {
  struct stat st {};
  if (stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return kOk;
    return spool_error(fmt::format("cannot create spool directory '{}': it exists and is not a directory", dir));
  }
  size_t slash = dir.find_last_of('/');
  if (slash != std::string::npos && slash > 0) {
    if (auto st2 = make_dirs(dir.substr(0, slash)); !st2) return st2;
  }
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return spool_error(fmt::format("cannot create spool directory '{}': {}", dir, errno_text(errno)));
  }
  return kOk;
}

Status fsync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return spool_error(fmt::format("cannot sync spool directory '{}': {}", dir, errno_text(errno)));
  int rc = fsync(fd);
  int err = errno;
  close(fd);
  if (rc != 0) return spool_error(fmt::format("cannot sync spool directory '{}': {}", dir, errno_text(err)));
  return kOk;
}

template <class T>
bool parse_number(std::string_view s, T* out) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc{} && end == s.data() + s.size();
}

}  // namespace

std::string Spool::name_of(const SpoolEntry& e) {
  return fmt::format("{:020}-{}-{}-{}-{}{}", e.seq, e.table, e.rows, e.format, e.version, kSuffix);
}

std::optional<SpoolEntry> Spool::parse_name(std::string_view name) {
  if (!name.ends_with(kSuffix)) return std::nullopt;
  name.remove_suffix(kSuffix.size());
  // seq from the left; version, format and rows from the right; the table (which may hold '-') between.
  SpoolEntry e;
  size_t dash = name.find('-');
  if (dash != 20 || !parse_number(name.substr(0, dash), &e.seq)) return std::nullopt;
  std::string_view rest = name.substr(dash + 1);
  std::string_view parts[3];
  for (int i = 2; i >= 0; --i) {
    size_t at = rest.rfind('-');
    if (at == std::string_view::npos) return std::nullopt;
    parts[i] = rest.substr(at + 1);
    rest = rest.substr(0, at);
  }
  if (rest.empty() || !parse_number(parts[0], &e.rows) || parts[1].empty() || parts[2].empty()) return std::nullopt;
  e.table = std::string(rest);
  e.format = std::string(parts[1]);
  e.version = std::string(parts[2]);
  return e;
}

Result<std::unique_ptr<Spool>> Spool::open(const std::string& dir) {
  if (auto st = make_dirs(dir); !st) return st.errors();
  std::string lock_path = dir + "/.lock";
  int lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd < 0) return spool_error(fmt::format("cannot open '{}': {}", lock_path, errno_text(errno)));
  if (flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    close(lock_fd);
    if (err == EWOULDBLOCK) {
      return spool_error(fmt::format("spool directory '{}' is in use by another strictlog process", dir));
    }
    return spool_error(fmt::format("cannot lock '{}': {}", lock_path, errno_text(err)));
  }
  std::unique_ptr<Spool> spool(new Spool(dir, lock_fd));

  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return spool_error(fmt::format("cannot read spool directory '{}': {}", dir, errno_text(errno)));
  std::vector<SpoolEntry> found;
  Diagnostics errors;
  while (dirent* ent = readdir(d)) {
    std::string_view name = ent->d_name;
    if (name.starts_with(kTempPrefix)) {
      // A batch whose writing was interrupted: it was never acknowledged, so its rows were never counted.
      unlinkat(dirfd(d), ent->d_name, 0);
      continue;
    }
    if (!name.ends_with(kSuffix)) continue;
    std::optional<SpoolEntry> e = parse_name(name);
    if (!e) {
      errors.push_back(spool_error(fmt::format("spool file '{}/{}' is not named <seq>-<table>-<rows>-<format>-"
                                               "<version>.batch: move it away or deliver it by hand",
                                               dir, name)));
      continue;
    }
    e->path = dir + "/" + std::string(name);
    found.push_back(std::move(*e));
  }
  closedir(d);
  if (!errors.empty()) return errors;
  std::sort(found.begin(), found.end(), [](const SpoolEntry& a, const SpoolEntry& b) { return a.seq < b.seq; });
  for (SpoolEntry& e : found) {
    spool->rows_ += e.rows;
    spool->next_seq_ = e.seq + 1;
    spool->entries_.push_back(std::move(e));
  }
  return spool;
}

Spool::~Spool() {
  if (lock_fd_ >= 0) close(lock_fd_);  // releases the flock
}

Status Spool::write_whole(const std::string& temp, const std::string& final_path, std::string_view bytes) {
  auto fail = [&](std::string_view what, int err) {
    unlink(temp.c_str());
    return spool_error(fmt::format("cannot {} spool file '{}': {}", what, final_path, errno_text(err)));
  };
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return spool_error(fmt::format("cannot create spool file '{}': {}", final_path, errno_text(errno)));
  const char* p = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      close(fd);
      return fail("write", err);
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (fsync(fd) != 0) {
    int err = errno;
    close(fd);
    return fail("sync", err);
  }
  if (close(fd) != 0) return fail("write", errno);
  if (rename(temp.c_str(), final_path.c_str()) != 0) return fail("rename", errno);
  return fsync_dir(dir_);
}

Result<SpoolEntry> Spool::put(std::string_view table, std::string_view format, std::string_view version,
                              uint64_t rows, std::string_view bytes) {
  SpoolEntry e{next_seq_, std::string(table), rows, std::string(format), std::string(version), {}};
  e.path = dir_ + "/" + name_of(e);
  std::string temp = fmt::format("{}/{}{:020}", dir_, kTempPrefix, e.seq);
  if (auto st = write_whole(temp, e.path, bytes); !st) return st.errors();
  ++next_seq_;
  rows_ += rows;
  entries_.push_back(e);
  return e;
}

Result<std::string> Spool::read(const SpoolEntry& entry) const {
  int fd = ::open(entry.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return spool_error(fmt::format("cannot read spool file '{}': {}", entry.path, errno_text(errno)));
  std::string bytes;
  struct stat st {};
  if (fstat(fd, &st) == 0) bytes.reserve(static_cast<size_t>(st.st_size));
  char buf[1 << 16];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      close(fd);
      return spool_error(fmt::format("cannot read spool file '{}': {}", entry.path, errno_text(err)));
    }
    if (n == 0) break;
    bytes.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return bytes;
}

Status Spool::pop() {
  if (entries_.empty()) return kOk;
  const SpoolEntry& e = entries_.front();
  // Not followed by a directory fsync: a removal lost in a crash delivers the batch again, which the
  // sink's at-least-once contract allows.
  if (unlink(e.path.c_str()) != 0 && errno != ENOENT) {
    return spool_error(fmt::format("cannot remove delivered spool file '{}': {}", e.path, errno_text(errno)));
  }
  rows_ -= e.rows;
  entries_.pop_front();
  return kOk;
}

std::string Spool::server_version() const {
  std::string path = dir_ + "/server-version";
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  char buf[64];
  ssize_t n = ::read(fd, buf, sizeof buf);
  close(fd);
  if (n <= 0) return {};
  std::string text(buf, static_cast<size_t>(n));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

Status Spool::write_server_version(std::string_view version) {
  return write_whole(dir_ + "/.tmp-server-version", dir_ + "/server-version", fmt::format("{}\n", version));
}

}  // namespace strictlog::sink_internal
