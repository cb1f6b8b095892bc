#include "ingest/byte_source.h"

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

namespace strictlog {
namespace {

namespace fs = std::filesystem;

// A file holding `data`, opened for reading; removed when the test ends.
class TempFile {
 public:
  explicit TempFile(const std::string& data) {
    std::string tmpl = (fs::temp_directory_path() / "strictlog-source-XXXXXX").string();
    fd_ = ::mkstemp(tmpl.data());
    REQUIRE(fd_ >= 0);
    path_ = tmpl;
    REQUIRE(::write(fd_, data.data(), data.size()) == static_cast<ssize_t>(data.size()));
    REQUIRE(::lseek(fd_, 0, SEEK_SET) == 0);
  }
  ~TempFile() {
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  int fd() const { return fd_; }

 private:
  int fd_;
  std::string path_;
};

std::string error_of(const Result<size_t>& r) {
  REQUIRE_FALSE(r.ok());
  REQUIRE(r.errors().size() == 1);
  return r.errors()[0].code + ": " + r.errors()[0].message;
}

TEST_CASE("FdSource reads to the end and then never reads the descriptor again", "[ingest][byte_source]") {
  TempFile first("abcdef");
  TempFile second("more");
  int fd = ::dup(first.fd());
  REQUIRE(fd >= 0);
  FdSource source(fd);
  char buf[16];
  auto got = source.read(buf, 4);
  REQUIRE(got.ok());
  CHECK(std::string(buf, *got) == "abcd");
  got = source.read(buf, sizeof buf);
  REQUIRE(got.ok());
  CHECK(std::string(buf, *got) == "ef");
  got = source.read(buf, sizeof buf);
  REQUIRE(got.ok());
  CHECK(*got == 0);
  // A terminal gives more after its end of file; FdSource does not look: the end stays the end.
  REQUIRE(::dup2(second.fd(), fd) == fd);
  got = source.read(buf, sizeof buf);
  REQUIRE(got.ok());
  CHECK(*got == 0);
  CHECK(source.bytes_read() == 6);
  ::close(fd);
}

TEST_CASE("FdSource read errors are read-failed with the name and the offset reached", "[ingest][byte_source]") {
  SECTION("bad descriptor, no name") {
    FdSource source(-1);
    CHECK(error_of(source.read(nullptr, 1)) == "read-failed: cannot read input at byte offset 0: Bad file descriptor");
  }
  SECTION("a directory after 4 bytes, named, and sticky") {
    TempFile file("abcdef");
    int fd = ::dup(file.fd());
    FdSource source(fd);
    source.set_name("a.log");
    char buf[4];
    REQUIRE(source.read(buf, 4).ok());
    int dir = ::open(fs::temp_directory_path().c_str(), O_RDONLY | O_DIRECTORY);
    REQUIRE(dir >= 0);
    REQUIRE(::dup2(dir, fd) == fd);
    ::close(dir);
    const std::string want = "read-failed: cannot read 'a.log' at byte offset 4: Is a directory";
    CHECK(error_of(source.read(buf, 4)) == want);
    CHECK(error_of(source.read(buf, 4)) == want);
    ::close(fd);
  }
}

extern "C" void ignore_signal(int) {}

// Interrupts the calling thread's blocking read with SIGUSR1 (no SA_RESTART) until `done`, then writes a byte so
// that a read that was retried returns.
class Interrupter {
 public:
  explicit Interrupter(int write_end) {
    struct sigaction sa {};
    sa.sa_handler = ignore_signal;
    sigemptyset(&sa.sa_mask);
    REQUIRE(::sigaction(SIGUSR1, &sa, &old_) == 0);
    pthread_t target = ::pthread_self();
    thread_ = std::thread([this, target, write_end] {
      for (int i = 0; i < 20 && !done_; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        ::pthread_kill(target, SIGUSR1);
      }
      if (!done_) (void)!::write(write_end, "x", 1);
    });
  }
  ~Interrupter() {
    done_ = true;
    thread_.join();
    ::sigaction(SIGUSR1, &old_, nullptr);
  }

 private:
  struct sigaction old_ {};
  std::atomic<bool> done_{false};
  std::thread thread_;
};

TEST_CASE("FdSource retries EINTR, and stops with interrupted while the stop flag is set", "[ingest][byte_source]") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  char buf[4];
  volatile std::sig_atomic_t stop = 0;
  {
    FdSource source(fds[0]);
    source.set_stop_flag(&stop);
    Interrupter interrupter(fds[1]);
    auto got = source.read(buf, sizeof buf);  // interrupted many times, then the byte arrives
    REQUIRE(got.ok());
    CHECK(*got == 1);
  }
  {
    FdSource source(fds[0]);
    source.set_stop_flag(&stop);
    stop = 1;
    Interrupter interrupter(fds[1]);
    CHECK(error_of(source.read(buf, sizeof buf)) == "interrupted: stopped by a signal at byte offset 0");
  }
  ::close(fds[0]);
  ::close(fds[1]);
}

}  // namespace
}  // namespace strictlog
