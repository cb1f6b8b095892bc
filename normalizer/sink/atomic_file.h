// Output files that are complete or visibly not there.
//
// Every output strictlog writes (events, quarantine) goes through an OutputStream. For a path, that is an
// AtomicFile: bytes go to a hidden temporary file next to the target and appear under the target's name only
// when commit() succeeds, so a crash, a full disk or an error upstream never leaves a truncated file that
// looks finished. For stdout ("-") atomicity is impossible; FdStream writes through, and the CLI's exit
// code is the only signal that the output is incomplete.
//
// Errors are Diagnostics without a position (`plain_error`), with these codes:
//   create-failed  `cannot create 'out.pb': No such file or directory`
//   write-failed   `cannot write 'out.pb': No space left on device` (also a failed close)
//   fsync-failed   `cannot sync 'out.pb': ...` / `cannot sync directory 'out': ...`
//   rename-failed  `cannot rename temporary file to 'out.pb': Is a directory`
// Paths are shown as the caller gave them; the random temporary name is never shown.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "sink/internal/fd_writer.h"

namespace strictlog {

// A byte sink that is only complete after commit(). Not thread-safe: one writer per stream.
class OutputStream {
 public:
  virtual ~OutputStream();
  // Appends bytes (buffered). After an error, every later call returns that same error.
  virtual Status write(std::string_view data) = 0;
  // Makes everything written final: prepare() then publish(). Call once; nothing may be written afterwards.
  Status commit();
  // Two-phase commit, for outputs that must appear together: prepare() makes the bytes durable without
  // showing them (flush, fsync); publish() shows them (for a file: rename, fsync of the directory).
  // Prepare every output before publishing any, and withdraw() the published ones if a later one fails.
  virtual Status prepare() = 0;
  virtual Status publish() = 0;
  // Removes a published file again; a no-op for streams, whose bytes cannot be taken back.
  virtual void withdraw() {}
  // Writes out everything written so far and marks that point; rollback() returns to the last mark, taking
  // back the bytes after it (a write that failed part way on a full disk), so the same bytes can be written
  // again. A stream cannot take bytes back: its rollback() fails.
  virtual Status checkpoint() = 0;
  virtual Status rollback() = 0;
};

// A file that appears at `path`, with all its content, only when commit() succeeds. Move-only.
class AtomicFile final : public OutputStream {
 public:
  // Creates `.<basename>.tmp.XXXXXX` in the directory of `path` (same file system, so the final rename
  // is atomic) and sets its mode to `mode & ~umask`: the mode open(2) would give a new file. So 0600
  // (quarantine files, which hold raw log lines and may hold secrets) stays private under any umask,
  // and 0644 (events) honours a user's stricter umask (027 gives 0640). An existing file at `path` keeps
  // its content until commit() replaces it; it is replaced, never modified, so its old mode is not kept.
  static Result<AtomicFile> create(const std::string& path, mode_t mode);

  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&& other) noexcept;
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  // Aborts unless committed.
  ~AtomicFile() override;

  Status write(std::string_view data) override;
  // Sets the mode to exactly `mode`, the umask not applied: for a file that replaces one whose mode must
  // be kept (`strictlog test --update` on a corpus file). Call before prepare(); on failure, aborts.
  Status set_mode(mode_t mode);
  // Flushes, fsync()s and closes the temporary file, renames it over `path`, then fsync()s the directory
  // so the new name survives a crash. On any failure up to the rename, the temporary file is removed and
  // `path` is untouched. If only the directory fsync fails, `path` holds the complete new content but the
  // rename may not survive a power loss; the error is still reported.
  Status prepare() override;
  Status publish() override;
  void withdraw() override;
  Status checkpoint() override;
  Status rollback() override;
  // Removes the temporary file and discards buffered bytes; `path` is untouched. Idempotent; a no-op
  // after commit().
  void abort();

  const std::string& path() const { return path_; }

 private:
  AtomicFile(std::string path, std::string temp_path, int fd);

  std::string path_;       // the target, as given
  std::string temp_path_;  // empty once committed or aborted
  sink_internal::BufferedFd out_;
  bool published_ = false;  // renamed into place, so withdraw() has something to remove
  uint64_t size_ = 0;        // bytes written (buffered or in the file)
  uint64_t checkpoint_ = 0;  // the file's size at the last checkpoint()
};

// Writes through to an fd it does not own (stdout, a pipe, a device): buffered; commit() flushes.
// Bytes reach the fd whenever the 64 KiB buffer fills, so a failed run may already have streamed part of
// its output; the exit code says it is incomplete. A write to a closed pipe raises SIGPIPE unless the CLI ignores it,
// in which case it is reported as `cannot write '<stdout>': Broken pipe`.
class FdStream final : public OutputStream {
 public:
  // `name` is what errors call the output, e.g. `<stdout>` or `/dev/full`.
  FdStream(int fd, std::string name);
  Status write(std::string_view data) override;
  Status prepare() override;
  Status publish() override { return kOk; }
  Status checkpoint() override { return out_.flush(); }
  Status rollback() override;

 private:
  sink_internal::BufferedFd out_;
  bool committed_ = false;
};

// True for `-` and for an existing path that is neither a regular file nor a directory (a device such as
// /dev/null, a FIFO): outputs that are streamed, not made atomic.
bool is_stream_path(const std::string& path);

// `-` means stdout (an FdStream named `<stdout>`); a stream path (see above) is opened and written through;
// any other path becomes an AtomicFile with `mode`.
Result<std::unique_ptr<OutputStream>> open_output(const std::string& path, mode_t mode);

}  // namespace strictlog
