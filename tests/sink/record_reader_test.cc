// EventReader on malformed streams: each failure class, its code, and the byte offset it names.
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <sstream>

#include "sink/record_writer.h"
#include "temp_dir.h"

namespace strictlog {
namespace {

struct Outcome {
  std::string code;  // "" for an event, "eof" for a clean end
  std::string message;
  bool operator==(const Outcome&) const = default;
};

// Reads `bytes` to a clean end or a final error (one that repeats when read() is called again), describing
// each read.
std::vector<Outcome> read_all_records(const std::string& bytes) {
  std::istringstream in(bytes);
  EventReader reader(in, "e.pb");
  std::vector<Outcome> outcomes;
  for (int i = 0; i < 10; ++i) {
    Result<std::optional<v1::Event>> got = reader.read();
    if (!got.ok()) {
      Outcome error{got.errors()[0].code, got.errors()[0].message};
      if (!outcomes.empty() && outcomes.back() == error) break;
      outcomes.push_back(error);
      continue;
    }
    if (!got->has_value()) {
      outcomes.push_back({"eof", ""});
      break;
    }
    outcomes.push_back({"", (*got)->envelope().hostname()});
  }
  return outcomes;
}

// A valid record: Event{envelope{hostname: "h"}}.
const std::string kGood("\x05\x0a\x03\x32\x01h", 6);

}  // namespace

TEST_CASE("EventReader: malformed streams", "[sink]") {
  struct Case {
    const char* what;
    std::string bytes;
    std::vector<Outcome> expected;
  };
  const std::string prefix = "cannot read 'e.pb': ";
  std::vector<Case> cases{
      {"empty input is a clean end", "", {{"eof", ""}}},
      {"a good record, then a clean end", kGood, {{"", "h"}, {"eof", ""}}},
      {"length prefix cut off after a good record",
       kGood + "\x80",
       {{"", "h"},
        {"truncated-record", prefix + "truncated record at byte offset 6 (length prefix cut off)"}}},
      {"body shorter than declared",
       std::string("\x05\x0a", 2),
       {{"truncated-record", prefix + "truncated record at byte offset 0 (5 bytes declared, 1 present)"}}},
      {"a complete but unparsable record, then reading goes on",
       std::string("\x02\xff\xff", 3) + kGood,
       {{"bad-record", prefix + "bad record at byte offset 0 (not a valid strictlog.v1.Event)"},
        {"", "h"},
        {"eof", ""}}},
      {"a varint longer than 10 bytes",
       std::string(12, '\xff'),
       {{"bad-record", prefix + "bad record at byte offset 0 (malformed length prefix)"}}},
      {"a malformed length prefix after a good record",
       kGood + std::string(12, '\xff'),
       {{"", "h"}, {"bad-record", prefix + "bad record at byte offset 6 (malformed length prefix)"}}},
      // 0x80 0x80 0x80 0x20 + 1 = 64 MiB + 1
      {"a length over the budget",
       std::string("\x81\x80\x80\x20", 4) + "xyz",
       {{"bad-record",
         prefix + "bad record at byte offset 0 (length 67108865 exceeds the limit of 67108864 bytes)"}}},
      // Event{envelope{hostname: "a\xff"}}: protobuf rejects invalid UTF-8 in a string when parsing.
      {"invalid UTF-8 in a string field",
       std::string("\x06\x0a\x04\x32\x02"
                   "a\xff",
                   7),
       {{"bad-record", prefix + "bad record at byte offset 0 (not a valid strictlog.v1.Event: String field "
                                "'strictlog.v1.Envelope.hostname' contains invalid UTF-8 data when parsing a "
                                "protocol buffer. Use the 'bytes' type if you intend to send raw bytes.)"},
        {"eof", ""}}},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    std::vector<Outcome> got = read_all_records(c.bytes);
    REQUIRE(got.size() == c.expected.size());
    for (size_t i = 0; i < got.size(); ++i) {
      CHECK(got[i].code == c.expected[i].code);
      CHECK(got[i].message == c.expected[i].message);
    }
  }
}

TEST_CASE("EventReader: an unreadable fd is read-failed", "[sink]") {
  testing::TempDir dir;
  int fd = ::open(dir.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  EventReader reader(fd, dir.path());
  Result<std::optional<v1::Event>> got = reader.read();
  REQUIRE_FALSE(got.ok());
  CHECK(got.errors()[0].code == "read-failed");
  CHECK(got.errors()[0].message == "cannot read '" + dir.path() + "': Is a directory");
  ::close(fd);
}

}  // namespace strictlog
