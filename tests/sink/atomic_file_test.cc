// AtomicFile, FdStream and open_output against a real file system.
#include "sink/atomic_file.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>

#include "temp_dir.h"

namespace strictlog {
namespace {

using testing::exists;
using testing::mode_of;
using testing::read_all;
using testing::TempDir;
using testing::UmaskGuard;

const std::string kTempPrefix = ".out.pb.tmp.";

bool is_temp_of_out(const std::string& name) {
  return name.rfind(kTempPrefix, 0) == 0 && name.size() == kTempPrefix.size() + 6;  // mkstemp's XXXXXX
}

// Caps the size of files this process may write, with SIGXFSZ ignored so the write fails with EFBIG
// instead of killing the test runner; both are restored on scope exit.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &old_limit_);
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit limit = old_limit_;
    limit.rlim_cur = bytes;
    ::setrlimit(RLIMIT_FSIZE, &limit);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &old_limit_);
    std::signal(SIGXFSZ, old_handler_);
  }

 private:
  rlimit old_limit_{};
  void (*old_handler_)(int) = nullptr;
};

}  // namespace

TEST_CASE("AtomicFile: the file appears only on commit, with exact content and mode", "[sink]") {
  TempDir dir;
  UmaskGuard umask(022);
  const std::string path = dir / "out.pb";
  Result<AtomicFile> file = AtomicFile::create(path, 0600);
  REQUIRE(file.ok());
  REQUIRE(file->write("line one\n").ok());
  REQUIRE(file->write("line two\n").ok());

  std::vector<std::string> before = dir.entries();
  REQUIRE(before.size() == 1);
  CHECK(is_temp_of_out(before[0]));
  CHECK(mode_of(dir / before[0]) == 0600);
  CHECK_FALSE(exists(path));

  REQUIRE(file->commit().ok());
  CHECK(dir.entries() == std::vector<std::string>{"out.pb"});
  CHECK(read_all(path) == "line one\nline two\n");
  CHECK(mode_of(path) == 0600);
}

TEST_CASE("AtomicFile: the mode is `mode & ~umask`, as open(2) would give", "[sink]") {
  TempDir dir;
  struct Case {
    mode_t umask, requested, expected;
  };
  for (Case c : {Case{022, 0644, 0644}, Case{027, 0644, 0640}, Case{077, 0644, 0600}, Case{0, 0600, 0600}}) {
    UmaskGuard umask(c.umask);
    Result<AtomicFile> file = AtomicFile::create(dir / "out.pb", c.requested);
    REQUIRE(file.ok());
    REQUIRE(file->commit().ok());
    CHECK(mode_of(dir / "out.pb") == c.expected);
  }
}

TEST_CASE("AtomicFile: an existing file keeps its content until commit replaces it", "[sink]") {
  TempDir dir;
  const std::string path = dir / "out.pb";
  { std::ofstream(path) << "old"; }
  Result<AtomicFile> file = AtomicFile::create(path, 0644);
  REQUIRE(file.ok());
  REQUIRE(file->write("new").ok());
  CHECK(read_all(path) == "old");
  REQUIRE(file->commit().ok());
  CHECK(read_all(path) == "new");
  CHECK(dir.entries() == std::vector<std::string>{"out.pb"});
}

TEST_CASE("AtomicFile: writes larger than and across the 64 KiB buffer arrive intact", "[sink]") {
  TempDir dir;
  std::string expected;
  Result<AtomicFile> file = AtomicFile::create(dir / "out.pb", 0644);
  REQUIRE(file.ok());
  // Sizes straddle the buffer: tiny, just under, exactly, just over and several times 64 KiB.
  for (size_t size : {1u, 65535u, 1u, 65536u, 65537u, 7u, 200000u, 3u}) {
    std::string chunk(size, static_cast<char>('a' + expected.size() % 26));
    expected += chunk;
    REQUIRE(file->write(chunk).ok());
  }
  REQUIRE(file->commit().ok());
  CHECK(read_all(dir / "out.pb") == expected);
}

TEST_CASE("AtomicFile: abort and the destructor leave neither the file nor a temporary", "[sink]") {
  TempDir dir;
  {
    Result<AtomicFile> file = AtomicFile::create(dir / "out.pb", 0600);
    REQUIRE(file.ok());
    REQUIRE(file->write("data").ok());
    file->abort();
    CHECK(dir.entries().empty());
    file->abort();  // idempotent
    Status late = file->write("more");
    REQUIRE_FALSE(late.ok());
    CHECK(late.errors()[0].message ==
          "cannot write '" + (dir / "out.pb") + "': already committed or aborted");
  }
  {
    Result<AtomicFile> file = AtomicFile::create(dir / "out.pb", 0600);
    REQUIRE(file.ok());
    REQUIRE(file->write("data").ok());
    CHECK(dir.entries().size() == 1);
  }
  CHECK(dir.entries().empty());
}

TEST_CASE("AtomicFile: a moved-to file commits, the moved-from one does nothing", "[sink]") {
  TempDir dir;
  Result<AtomicFile> file = AtomicFile::create(dir / "out.pb", 0644);
  REQUIRE(file.ok());
  REQUIRE(file->write("abc").ok());
  {
    AtomicFile moved = std::move(file).value();
    REQUIRE(moved.commit().ok());
  }
  CHECK(read_all(dir / "out.pb") == "abc");
  CHECK(dir.entries() == std::vector<std::string>{"out.pb"});
}

TEST_CASE("AtomicFile: create in a missing directory names the path and the reason", "[sink]") {
  TempDir dir;
  const std::string path = dir / "missing/out.pb";
  Result<AtomicFile> file = AtomicFile::create(path, 0600);
  REQUIRE_FALSE(file.ok());
  REQUIRE(file.errors().size() == 1);
  CHECK(file.errors()[0].code == "create-failed");
  CHECK(render(file.errors()) == "cannot create '" + path + "': No such file or directory [create-failed]\n");

  Result<AtomicFile> dir_path = AtomicFile::create(dir.path() + "/", 0600);
  REQUIRE_FALSE(dir_path.ok());
  CHECK(dir_path.errors()[0].message == "cannot create '" + dir.path() + "/': not a file name");
}

TEST_CASE("AtomicFile: a file too large fails the commit and publishes nothing", "[sink]") {
  TempDir dir;
  const std::string path = dir / "out.pb";
  Status committed = kOk;
  {
    Result<AtomicFile> file = AtomicFile::create(path, 0600);
    REQUIRE(file.ok());
    FileSizeLimit limit(1000);  // the first write(2) is short (1000 bytes), the next gets EFBIG
    REQUIRE(file->write(std::string(4096, 'x')).ok());  // still buffered
    committed = file->commit();
  }
  REQUIRE_FALSE(committed.ok());
  CHECK(committed.errors()[0].code == "write-failed");
  CHECK(committed.errors()[0].message == "cannot write '" + path + "': File too large");
  CHECK(dir.entries().empty());
}

TEST_CASE("AtomicFile: a failed rename removes the temporary and leaves the target", "[sink]") {
  TempDir dir;
  const std::string path = dir / "out.pb";
  std::filesystem::create_directory(path);
  Result<AtomicFile> file = AtomicFile::create(path, 0600);
  REQUIRE(file.ok());
  REQUIRE(file->write("data").ok());
  Status committed = file->commit();
  REQUIRE_FALSE(committed.ok());
  CHECK(committed.errors()[0].code == "rename-failed");
  CHECK(committed.errors()[0].message == "cannot rename temporary file to '" + path + "': Is a directory");
  CHECK(dir.entries() == std::vector<std::string>{"out.pb"});
  CHECK(std::filesystem::is_directory(path));
}

TEST_CASE("FdStream: a full device fails with the exact text, and stays failed", "[sink]") {
  int fd = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  {
    FdStream out(fd, "/dev/full");
    REQUIRE(out.write("buffered").ok());
    Status committed = out.commit();
    REQUIRE_FALSE(committed.ok());
    CHECK(render(committed.errors()) == "cannot write '/dev/full': No space left on device [write-failed]\n");
  }
  {
    FdStream out(fd, "/dev/full");
    Status big = out.write(std::string(70000, 'x'));  // over the buffer: fails at once
    REQUIRE_FALSE(big.ok());
    CHECK(big.errors()[0].message == "cannot write '/dev/full': No space left on device");
    Status again = out.write("x");
    REQUIRE_FALSE(again.ok());
    CHECK(again.errors()[0].message == "cannot write '/dev/full': No space left on device");
  }
  ::close(fd);
}

TEST_CASE("FdStream: nothing reaches the fd before commit", "[sink]") {
  int fds[2];
  REQUIRE(::pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0);
  FdStream out(fds[1], "pipe");
  REQUIRE(out.write("hello ").ok());
  REQUIRE(out.write("world\n").ok());
  char buf[64];
  CHECK(::read(fds[0], buf, sizeof buf) == -1);  // EAGAIN: empty
  REQUIRE(out.commit().ok());
  ssize_t n = ::read(fds[0], buf, sizeof buf);
  CHECK(std::string(buf, n > 0 ? static_cast<size_t>(n) : 0) == "hello world\n");
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST_CASE("open_output: `-` is stdout, anything else an atomic file", "[sink]") {
  TempDir dir;
  Result<std::unique_ptr<OutputStream>> stdout_stream = open_output("-", 0644);
  REQUIRE(stdout_stream.ok());
  CHECK(dynamic_cast<FdStream*>(stdout_stream->get()) != nullptr);

  Result<std::unique_ptr<OutputStream>> file = open_output(dir / "events.jsonl", 0644);
  REQUIRE(file.ok());
  REQUIRE(dynamic_cast<AtomicFile*>(file->get()) != nullptr);
  REQUIRE((*file)->write("{}\n").ok());
  CHECK_FALSE(exists(dir / "events.jsonl"));
  REQUIRE((*file)->commit().ok());
  CHECK(read_all(dir / "events.jsonl") == "{}\n");

  Result<std::unique_ptr<OutputStream>> missing = open_output(dir / "no/such.jsonl", 0644);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.errors()[0].code == "create-failed");
}

}  // namespace strictlog

namespace strictlog {
namespace {

TEST_CASE("AtomicFile: prepare() makes the temporary durable without showing it: publish() shows it", "[sink]") {
  TempDir dir;
  const std::string path = dir / "out.pb";
  Result<AtomicFile> file = AtomicFile::create(path, 0600);
  REQUIRE(file.ok());
  REQUIRE(file->write("x\n").ok());
  REQUIRE(file->prepare().ok());
  REQUIRE(dir.entries().size() == 1);
  CHECK(is_temp_of_out(dir.entries()[0]));
  CHECK_FALSE(exists(path));
  REQUIRE(file->publish().ok());
  CHECK(dir.entries() == std::vector<std::string>{"out.pb"});
  CHECK(read_all(path) == "x\n");
  Status again = file->publish();
  REQUIRE_FALSE(again.ok());
  CHECK(again.errors()[0].message == "cannot publish '" + path + "': not prepared, or already published");
}

TEST_CASE("AtomicFile: a prepared file that is never published leaves nothing", "[sink]") {
  TempDir dir;
  {
    Result<AtomicFile> file = AtomicFile::create(dir / "out.pb", 0600);
    REQUIRE(file.ok());
    REQUIRE(file->write("x\n").ok());
    REQUIRE(file->prepare().ok());
  }
  CHECK(dir.entries().empty());
}

TEST_CASE("AtomicFile: withdraw() removes a published file and nothing else", "[sink]") {
  TempDir dir;
  Result<AtomicFile> file = AtomicFile::create(dir / "out.pb", 0600);
  REQUIRE(file.ok());
  REQUIRE(file->write("x\n").ok());
  file->withdraw();  // not published yet: nothing to remove
  REQUIRE(file->commit().ok());
  CHECK(dir.entries() == std::vector<std::string>{"out.pb"});
  file->withdraw();
  CHECK(dir.entries().empty());
}


TEST_CASE("AtomicFile: set_mode() gives exactly the mode asked for whatever the umask", "[sink]") {
  TempDir dir;
  const std::string path = dir / "out.pb";
  UmaskGuard umask(077);
  for (mode_t mode : {mode_t{0664}, mode_t{0600}, mode_t{0755}}) {
    INFO(mode);
    Result<AtomicFile> file = AtomicFile::create(path, 0644);
    REQUIRE(file.ok());
    REQUIRE(file->write("x\n").ok());
    REQUIRE(file->set_mode(mode).ok());
    REQUIRE(file->commit().ok());
    CHECK(mode_of(path) == mode);
  }
  // Once prepared, the temporary is closed: too late.
  Result<AtomicFile> file = AtomicFile::create(path, 0644);
  REQUIRE(file.ok());
  REQUIRE(file->prepare().ok());
  Status late = file->set_mode(0600);
  REQUIRE_FALSE(late.ok());
  CHECK(render(late.errors()) ==
        "cannot write '" + path + "': already prepared, committed or aborted [write-failed]\n");
}

}  // namespace
}  // namespace strictlog

namespace strictlog {

// serve's full disk (cli/internal/segments.h): a write that failed part way is taken back to the last
// checkpoint, and the same bytes can be written again once there is room.
TEST_CASE("AtomicFile: rollback() takes a failed write back to the last checkpoint and writing goes on", "[sink]") {
  TempDir dir;
  const std::string path = dir / "out.pb";
  Result<AtomicFile> file = AtomicFile::create(path, 0644);
  REQUIRE(file.ok());
  const std::string first(3000, 'a'), second(3000, 'b');
  {
    FileSizeLimit limit(4096);
    REQUIRE(file->write(first).ok());
    REQUIRE(file->checkpoint().ok());
    REQUIRE(file->write(second).ok());  // buffered: the limit is met when it is written out
    Status st = file->checkpoint();
    REQUIRE_FALSE(st.ok());
    CHECK(st.errors().front().message == "cannot write '" + path + "': File too large");
    CHECK_FALSE(file->write("x").ok());  // sticky until taken back
    REQUIRE(file->rollback().ok());
  }
  REQUIRE(file->write(second).ok());  // room again: the same bytes, after the checkpoint
  REQUIRE(file->commit().ok());
  CHECK(read_all(path) == first + second);
}

TEST_CASE("AtomicFile: rollback() without a checkpoint empties the file", "[sink]") {
  TempDir dir;
  const std::string path = dir / "out.pb";
  Result<AtomicFile> file = AtomicFile::create(path, 0644);
  REQUIRE(file.ok());
  REQUIRE(file->write(std::string(100000, 'z')).ok());  // past the buffer: partly in the file already
  REQUIRE(file->rollback().ok());
  REQUIRE(file->write("kept").ok());
  REQUIRE(file->commit().ok());
  CHECK(read_all(path) == "kept");
}

TEST_CASE("FdStream: bytes written to a stream cannot be taken back", "[sink]") {
  FdStream stream(STDOUT_FILENO, "<stdout>");
  REQUIRE(stream.checkpoint().ok());
  Status st = stream.rollback();
  REQUIRE_FALSE(st.ok());
  CHECK(st.errors().front().message == "cannot take back bytes written to '<stdout>': it is a stream");
}

}  // namespace strictlog
