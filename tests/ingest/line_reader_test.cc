#include "ingest/line_reader.h"

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <ostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace strictlog {
namespace {

namespace fs = std::filesystem;

// A Line with its bytes copied, so that lines can be collected and compared.
struct Got {
  std::string bytes;
  uint64_t number, offset, length;
  bool oversize, had_cr;
  bool operator==(const Got&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Got& g) {
  std::string shown = g.bytes.size() > 40 ? g.bytes.substr(0, 40) + "..." : g.bytes;
  return os << "{\"" << shown << "\" #" << g.number << " @" << g.offset << " len " << g.length
            << (g.oversize ? " oversize" : "") << (g.had_cr ? " cr" : "") << "}";
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "strictlog-ingest-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path_ = tmpl;
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Writes `data` to a file in `dir` and opens it for reading.
int open_file(const TempDir& dir, const std::string& data) {
  fs::path p = dir.path() / "input.log";
  int w = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  REQUIRE(w >= 0);
  REQUIRE(::write(w, data.data(), data.size()) == static_cast<ssize_t>(data.size()));
  ::close(w);
  int fd = ::open(p.c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  return fd;
}

std::vector<Got> read_all(int fd, size_t max_line, uint64_t expected_bytes) {
  LineReader reader(fd, max_line);
  std::vector<Got> out;
  for (;;) {
    auto next = reader.next();
    REQUIRE(next.ok());
    if (!next.value()) break;
    const Line& l = *next.value();
    out.push_back({std::string(l.bytes), l.number, l.offset, l.length, l.oversize, l.had_cr});
  }
  auto again = reader.next();
  REQUIRE(again.ok());
  CHECK_FALSE(again.value().has_value());
  CHECK(reader.bytes_read() == expected_bytes);
  return out;
}

std::vector<Got> read_file(const std::string& data, size_t max_line) {
  TempDir dir;
  int fd = open_file(dir, data);
  auto lines = read_all(fd, max_line, data.size());
  ::close(fd);
  return lines;
}

// Feeds `data` through a pipe from another thread in uneven pieces, so reads end at arbitrary places.
std::vector<Got> read_pipe(const std::string& data, size_t max_line) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  std::thread writer([&data, w = fds[1]] {
    static constexpr size_t kPieces[] = {1, 7, 4093, 65536, 3, 300000};
    size_t at = 0;
    for (size_t i = 0; at < data.size(); ++i) {
      size_t n = std::min(kPieces[i % std::size(kPieces)], data.size() - at);
      ssize_t put = ::write(w, data.data() + at, n);
      if (put <= 0) break;
      at += static_cast<size_t>(put);
    }
    ::close(w);
  });
  auto lines = read_all(fds[0], max_line, data.size());
  writer.join();
  ::close(fds[0]);
  return lines;
}

// The obvious, whole-input implementation of the LineReader contract, to compare against.
std::vector<Got> reference_split(const std::string& data, size_t max_line) {
  std::vector<Got> out;
  size_t at = 0;
  while (at < data.size()) {
    size_t nl = data.find('\n', at);
    bool terminated = nl != std::string::npos;
    size_t raw = (terminated ? nl : data.size()) - at;
    bool cr = terminated && raw > 0 && data[at + raw - 1] == '\r';
    size_t length = raw - (cr ? 1 : 0);
    out.push_back({data.substr(at, std::min(length, max_line)), out.size() + 1, at, length, length > max_line,
                   cr});
    at += raw + (terminated ? 1 : 0);
  }
  return out;
}

void check_same(const std::vector<Got>& got, const std::vector<Got>& want) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("line index " << i);
    REQUIRE(got[i] == want[i]);
  }
}

TEST_CASE("LineReader numbers lines, keeps empty ones and returns a final line without newline",
          "[ingest][line_reader]") {
  std::vector<Got> want = {{"a", 1, 0, 1, false, false},
                           {"bb", 2, 2, 2, false, false},
                           {"", 3, 5, 0, false, false},
                           {"ccc", 4, 6, 3, false, false}};
  check_same(read_file("a\nbb\n\nccc", kDefaultMaxLine), want);
  check_same(read_file("", kDefaultMaxLine), {});
  check_same(read_file("\n", kDefaultMaxLine), {{"", 1, 0, 0, false, false}});
}

TEST_CASE("LineReader removes the CR of CRLF terminators only", "[ingest][line_reader]") {
  std::vector<Got> want = {{"a", 1, 0, 1, false, true},
                           {"b", 2, 3, 1, false, true},
                           {"", 3, 6, 0, false, true},
                           {"c\rd", 4, 8, 3, false, false},
                           {"x\r", 5, 12, 2, false, false}};  // no '\n': the '\r' is data
  check_same(read_file("a\r\nb\r\n\r\nc\rd\nx\r", kDefaultMaxLine), want);
}

TEST_CASE("LineReader marks lines longer than max_line and keeps their prefix", "[ingest][line_reader]") {
  std::vector<Got> want = {{"abcd", 1, 0, 4, false, false},
                           {"abcd", 2, 5, 5, true, false},
                           {"abcd", 3, 11, 4, false, true},  // the '\r' does not count against max_line
                           {"abcd", 4, 17, 5, true, true},
                           {"abcd", 5, 24, 6, true, false}};
  check_same(read_file("abcd\nabcde\nabcd\r\nabcde\r\nabcde\r", 4), want);
}

// Lines of 0-3000 bytes, some CRLF, some over max_line, some with a stray '\r': several buffers' worth.
std::string mixed_corpus(size_t bytes) {
  std::mt19937 rng(3164);
  std::string data;
  while (data.size() < bytes) {
    size_t len = rng() % 3001;
    for (size_t i = 0; i < len; ++i) data += static_cast<char>(rng() % 50 == 0 ? '\r' : 'a' + rng() % 26);
    data += rng() % 4 == 0 ? "\r\n" : "\n";
  }
  data += "last line without newline";
  return data;
}

TEST_CASE("LineReader agrees with a plain split across buffer boundaries", "[ingest][line_reader]") {
  const std::string data = mixed_corpus(3 * LineReader::buffer_size(kDefaultMaxLine));
  SECTION("file") { check_same(read_file(data, 2000), reference_split(data, 2000)); }
  SECTION("pipe") { check_same(read_pipe(data, 2000), reference_split(data, 2000)); }
}

// `n` bytes of short lines, so that what follows starts at offset n.
std::string filler(size_t n) {
  std::string s;
  while (n - s.size() > 1000) s += std::string(999, 'f') + "\n";
  if (s.size() < n) s += std::string(n - s.size() - 1, 'f') + "\n";
  return s;
}

TEST_CASE("LineReader joins a CRLF split between two reads", "[ingest][line_reader]") {
  const size_t cap = LineReader::buffer_size(kDefaultMaxLine);
  // The first read(2) of a regular file fills the buffer: '\r' is its last byte, '\n' the next read's first.
  std::string data = filler(cap - 101) + std::string(100, 'x') + "\r\n" + "next\n";
  auto lines = read_file(data, kDefaultMaxLine);
  REQUIRE(lines.size() >= 2);
  CHECK(lines[lines.size() - 2] == Got{std::string(100, 'x'), lines.size() - 1, cap - 101, 100, false, true});
  CHECK(lines.back() == Got{"next", lines.size(), cap + 1, 4, false, false});
}

std::string pattern(size_t n) {
  std::string s(n, ' ');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + i % 26);
  return s;
}

TEST_CASE("LineReader skips a 10 MB line in flat memory", "[ingest][line_reader]") {
  const size_t big = 10 * 1024 * 1024;
  const std::string data = pattern(big) + "\nnext\n";
  std::vector<Got> want = {{pattern(kDefaultMaxLine), 1, 0, big, true, false}, {"next", 2, big + 1, 4, false, false}};
  SECTION("file") { check_same(read_file(data, kDefaultMaxLine), want); }
  SECTION("pipe") { check_same(read_pipe(data, kDefaultMaxLine), want); }
}

TEST_CASE("LineReader finds the end of an oversize line at read boundaries", "[ingest][line_reader]") {
  // With max_line 16 a regular file is read as one full buffer, then chunks of cap - 16 bytes.
  const size_t cap = LineReader::buffer_size(16);
  const size_t second_read_end = cap + (cap - 16);
  const std::string head = pattern(16);
  SECTION("'\\r' ends the first buffer") {
    std::string data = pattern(cap - 1) + "\r\ntail\n";
    check_same(read_file(data, 16), {{head, 1, 0, cap - 1, true, true}, {"tail", 2, cap + 1, 4, false, false}});
  }
  SECTION("'\\r' ends a skip read") {
    std::string data = pattern(second_read_end - 1) + "\r\ntail\n";
    check_same(read_file(data, 16), {{head, 1, 0, second_read_end - 1, true, true},
                                     {"tail", 2, second_read_end + 1, 4, false, false}});
  }
  SECTION("'\\n' ends a skip read") {
    std::string data = pattern(second_read_end - 1) + "\ntail";
    check_same(read_file(data, 16), {{head, 1, 0, second_read_end - 1, true, false},
                                     {"tail", 2, second_read_end, 4, false, false}});
  }
  SECTION("end of input without newline, '\\r' kept") {
    std::string data = pattern(300 * 1024) + "\r";
    check_same(read_file(data, 16), {{head, 1, 0, 300 * 1024 + 1, true, false}});
  }
}

TEST_CASE("LineReader reports read errors as read-failed", "[ingest][line_reader]") {
  SECTION("bad descriptor") {
    LineReader reader(-1);
    for (int call = 0; call < 2; ++call) {  // the error is sticky
      auto next = reader.next();
      REQUIRE_FALSE(next.ok());
      REQUIRE(next.errors().size() == 1);
      CHECK(next.errors()[0].code == "read-failed");
      CHECK(next.errors()[0].message == "cannot read input at byte offset 0: Bad file descriptor");
    }
  }
  SECTION("directory") {
    TempDir dir;
    int fd = ::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY);
    REQUIRE(fd >= 0);
    LineReader reader(fd);
    auto next = reader.next();
    REQUIRE_FALSE(next.ok());
    CHECK(next.errors()[0].code == "read-failed");
    CHECK(next.errors()[0].message == "cannot read input at byte offset 0: Is a directory");
    ::close(fd);
  }
}

TEST_CASE("LineReader leaves the descriptor open", "[ingest][line_reader]") {
  TempDir dir;
  int fd = open_file(dir, "one\n");
  { read_all(fd, kDefaultMaxLine, 4); }
  CHECK(::fcntl(fd, F_GETFD) != -1);
  ::close(fd);
}

}  // namespace
}  // namespace strictlog
