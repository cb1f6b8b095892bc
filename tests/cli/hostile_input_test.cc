// The hostile-input matrix (issue 8, section 3): one test per row, each on a real file through the real binary.
// Every row ends in a quarantine reason, or in a clear error with a non-zero exit and no output file left; and
// wherever lines were read, the summary's last line proves lines_in == events + dropped_by_rule + quarantined.
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "cli/harness.h"
#include "pipeline/normalizer.h"

namespace strictlog {
namespace {

using namespace cli_test;

const std::string kPrefix = "Nov 22 12:21:12 vpn1 openvpn[1234]: ";
const std::string kHandshake = kPrefix + "198.51.100.7:51234 TLS Error: TLS handshake failed";

std::string invariant(size_t in, size_t events, size_t quarantined) {
  return "  lines_in " + std::to_string(in) + " == events " + std::to_string(events) + " + dropped_by_rule 0 + quarantined " +
         std::to_string(quarantined) + ": ok";
}

// normalize with the fixture rules, a stated year, and JSON lines out.
Run normalize(const Sandbox& box, const std::string& input, std::vector<std::string> extra = {},
              const RunOptions& options = {}) {
  std::vector<std::string> args{"normalize", "--year", "2026", "--no-processed-time", "--format", "jsonl",
                                "--out",     "ev.jsonl"};
  args.insert(args.end(), extra.begin(), extra.end());
  args.push_back(input);
  return run_strictlog(box, with_rules(args), options);
}

std::vector<std::string> records(const Sandbox& box) { return split_lines(read_all(box / "ev.quarantine.jsonl")); }

std::string starts(const std::string& reason, const std::string& detail) {
  return "{\"reason\":\"" + reason + "\",\"detail\":\"" + detail + "\",";
}

TEST_CASE("hostile: invalid UTF-8 in a field mapped to a string is ENCODING with the exact bytes", "[cli]") {
  Sandbox box;
  // In the common name, which maps to a string: an overlong '/', a UTF-16 surrogate, a lone 0xFF (which RE2's
  // UTF-8 mode would skip) and a sequence cut short by the '/'.
  const std::vector<std::string> names = {"a\xC0\xAF", "b\xED\xA0\x80", "c\xFF", "d\xE2\x82"};
  std::string text;
  for (const auto& n : names) text += kPrefix + n + "/198.51.100.7:51234 TLS Error: TLS handshake failed\n";
  write_file(box / "in.log", text);
  Run r = normalize(box, "in.log");
  CHECK(r.status == 0);
  CHECK(split_lines(r.err).back() == invariant(4, 0, 4));
  std::vector<std::string> q = records(box);
  REQUIRE(q.size() == 4);
  const size_t at = kPrefix.size() + 1;
  CHECK(starts_with(q[0], starts("ENCODING", "overlong UTF-8 sequence at byte " + std::to_string(at))));
  CHECK(starts_with(q[1], starts("ENCODING", "UTF-16 surrogate in UTF-8 at byte " + std::to_string(at))));
  CHECK(starts_with(q[2], starts("ENCODING", "invalid UTF-8 lead byte 0xFF at byte " + std::to_string(at))));
  CHECK(starts_with(q[3], starts("ENCODING", "truncated UTF-8 sequence at byte " + std::to_string(at))));
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string line = kPrefix + names[i] + "/198.51.100.7:51234 TLS Error: TLS handshake failed";
    CHECK(q[i].find("\"raw_bytes\":\"" + base64(line) + "\"") != std::string::npos);
  }
  CHECK(read_all(box / "ev.jsonl").empty());
}

TEST_CASE("hostile: a NUL byte inside a line is ENCODING", "[cli]") {
  Sandbox box;
  write_file(box / "in.log", kPrefix + "198.51.100.7:51234 TLS Error: TLS handshake" + std::string(1, '\0') +
                                 " failed\n" + kHandshake + "\n");
  Run r = normalize(box, "in.log");
  CHECK(r.status == 0);
  CHECK(split_lines(r.err).back() == invariant(2, 1, 1));
  std::vector<std::string> q = records(box);
  REQUIRE(q.size() == 1);
  CHECK(starts_with(q[0], starts("ENCODING", "NUL byte at byte " + std::to_string(kPrefix.size() + 43))));
}

TEST_CASE("hostile: CRLF lines are lines and a CR elsewhere stays in the line", "[cli]") {
  Sandbox box;
  // CRLF, LF, a CR inside a line (not a terminator), and a last line ending in a CR without LF (kept).
  write_file(box / "in.log", kHandshake + "\r\n" + kHandshake + "\n" + kHandshake + "\rx\n" + kHandshake + "\r");
  Run r = normalize(box, "in.log");
  CHECK(r.status == 0);
  CHECK(split_lines(r.err).back() == invariant(4, 2, 2));
  std::vector<std::string> q = records(box);
  REQUIRE(q.size() == 2);
  CHECK(starts_with(q[0], starts("NO_MATCH", "no rule matches the message of program 'openvpn'")));
  CHECK(q[0].find("\"raw_text\":\"" + kHandshake + "\\rx\"") != std::string::npos);
  CHECK(q[1].find("\"raw_text\":\"" + kHandshake + "\\r\"") != std::string::npos);
}

TEST_CASE("hostile: a 10 MiB line is OVERSIZE and the next line is read", "[cli]") {
  Sandbox box;
  const size_t length = 10u << 20;
  write_file(box / "in.log", kPrefix + std::string(length - kPrefix.size(), 'x') + "\n" + kHandshake + "\n");
  Run r = normalize(box, "in.log");
  CHECK(r.status == 0);
  CHECK(split_lines(r.err).back() == invariant(2, 1, 1));
  std::vector<std::string> q = records(box);
  REQUIRE(q.size() == 1);
  CHECK(starts_with(q[0], starts("OVERSIZE", "line is 10485760 bytes, over the limit of 65536; raw holds the first "
                                             "65536 bytes")));
  const std::string events = read_all(box / "ev.jsonl");
  CHECK(events.find("\"line\":\"2\",\"offset\":\"" + std::to_string(length + 1) + "\"") != std::string::npos);
}

TEST_CASE("hostile: a last line without a newline is a line", "[cli]") {
  Sandbox box;
  write_file(box / "in.log", kHandshake + "\n" + kHandshake);
  Run r = normalize(box, "in.log");
  CHECK(r.status == 0);
  CHECK(split_lines(r.err).back() == invariant(2, 2, 0));
  CHECK(split_lines(read_all(box / "ev.jsonl")).size() == 2);
}

TEST_CASE("hostile: an empty file gives two empty outputs and zero counts", "[cli]") {
  Sandbox box;
  write_file(box / "in.log", "");
  Run r = normalize(box, "in.log");
  CHECK(r.status == 0);
  CHECK(split_lines(r.err).back() == invariant(0, 0, 0));
  CHECK(box.entries() == std::vector<std::string>{"ev.jsonl", "ev.quarantine.jsonl", "in.log"});
  CHECK(read_all(box / "ev.jsonl").empty());
  CHECK(read_all(box / "ev.quarantine.jsonl").empty());
}

TEST_CASE("hostile: a binary file is quarantined line by line and nothing is lost", "[cli]") {
  Sandbox box;
  std::string bytes;
  for (int round = 0; round < 64; ++round) {
    for (int b = 0; b < 256; ++b) bytes += static_cast<char>((b * 37 + round * 11) & 0xFF);
  }
  write_file(box / "in.bin", bytes);
  size_t lines = 0;
  for (char c : bytes) lines += c == '\n';
  if (bytes.back() != '\n') ++lines;
  Run r = normalize(box, "in.bin");
  CHECK(r.status == 0);
  CHECK(split_lines(r.err).back() == invariant(lines, 0, lines));
  CHECK(records(box).size() == lines);
}

// Input is read with read(2), never memory-mapped, so a file cut short while it is read ends the input early:
// no SIGBUS, and the counts balance over the lines that were read.
TEST_CASE("hostile: a file truncated while it is read ends early with balanced counts", "[cli]") {
  Sandbox box;
  std::string text;
  const size_t total = 400000;
  text.reserve(total * (kHandshake.size() + 1));
  for (size_t i = 0; i < total; ++i) text += kHandshake + "\n";
  write_file(box / "in.log", text);
  pid_t pid = spawn_strictlog(box, with_rules({"normalize", "--year", "2026", "--out", "ev.pb", "in.log"}));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  REQUIRE(::truncate((box / "in.log").c_str(), static_cast<off_t>(text.size() / 3)) == 0);
  Run r = wait_strictlog(box, pid);
  CHECK(r.status == 0);
  // Whatever was read: at most every line, each one an event, except a last line cut in the middle.
  unsigned long long in = 0, events = 0, dropped = 0, quarantined = 0;
  char verdict[8] = {};
  const std::string last = split_lines(r.err).back();
  REQUIRE(std::sscanf(last.c_str(), "  lines_in %llu == events %llu + dropped_by_rule %llu + quarantined %llu: %7s",
                      &in, &events, &dropped, &quarantined, verdict) == 5);
  CHECK(std::string(verdict) == "ok");
  CHECK(in == events + dropped + quarantined);
  CHECK(in <= total);
  CHECK(quarantined <= 1);
  CHECK(dropped == 0);
}

TEST_CASE("hostile: an input that cannot be read exits 3 naming it, and leaves no output", "[cli]") {
  Sandbox box;
  // Opening /proc/self/mem works even for root; reading it at offset 0 fails with EIO.
  Run r = normalize(box, "/proc/self/mem");
  CHECK(r.status == 3);
  CHECK(starts_with(r.err, "strictlog normalize: cannot read '/proc/self/mem' at byte offset 0: Input/output error\n"));
  CHECK(ends_with(r.err, invariant(0, 0, 0) + "\n"));
  CHECK(box.entries().empty());
}

TEST_CASE("hostile: an output directory that cannot be written exits 3 and leaves nothing", "[cli]") {
  Sandbox box;
  write_file(box / "in.log", kHandshake + "\n");
  // sysfs refuses new files even to root.
  Run r = run_strictlog(box, with_rules({"normalize", "--out", "/sys/kernel/strictlog-ev.pb", "in.log"}));
  CHECK(r.status == 3);
  CHECK(r.err == "strictlog normalize: cannot create '/sys/kernel/strictlog-ev.pb': Permission denied\n");
  CHECK(box.entries() == std::vector<std::string>{"in.log"});
}


TEST_CASE("hostile: output over RLIMIT_FSIZE is EFBIG with exit 3, not a SIGXFSZ kill", "[cli]") {
  Sandbox box;
  std::string text;
  for (int i = 0; i < 200; ++i) text += kHandshake + "\n";
  write_file(box / "in.log", text);
  Run r;
  {
    ChildFileSizeLimit limit(16384);
    r = normalize(box, "in.log");
  }
  CHECK(r.status == 3);
  CHECK(starts_with(r.err, "strictlog normalize: cannot write "));
  CHECK(r.err.find(": File too large\n") != std::string::npos);
  CHECK(box.entries() == std::vector<std::string>{"in.log"});
}

TEST_CASE("hostile: December lines read in January belong to the year before", "[cli]") {
  Sandbox box;
  write_file(box / "in.log", "Dec 31 23:59:59 vpn1 openvpn[1234]: 198.51.100.7:51234 TLS Error: TLS handshake failed\n"
                             "Jan  4 00:00:01 vpn1 openvpn[1234]: 198.51.100.7:51234 TLS Error: TLS handshake failed\n");
  // Without --year the reference is the file's mtime: 2027-01-05T12:00:00Z.
  struct timeval times[2] = {{1799150400, 0}, {1799150400, 0}};
  REQUIRE(::utimes((box / "in.log").c_str(), times) == 0);
  Run r = run_strictlog(box, with_rules({"normalize", "--no-processed-time", "--format", "jsonl", "--out", "ev.jsonl",
                                         "in.log"}));
  CHECK(r.status == 0);
  std::vector<std::string> events = split_lines(read_all(box / "ev.jsonl"));
  REQUIRE(events.size() == 2);
  CHECK(events[0].find("\"time\":\"2026-12-31T23:59:59Z\"") != std::string::npos);
  CHECK(events[1].find("\"time\":\"2027-01-04T00:00:01Z\"") != std::string::npos);
}

TEST_CASE("hostile: timestamps in a DST gap or fold under --timezone", "[cli]") {
  Sandbox box;
  const std::string rest = " vpn1 openvpn[1234]: 198.51.100.7:51234 TLS Error: TLS handshake failed\n";
  write_file(box / "in.log", "Mar  8 02:30:00" + rest + "Nov  1 01:30:00" + rest);
  Run r = normalize(box, "in.log", {"--timezone", "America/New_York"});
  CHECK(r.status == 0);
  CHECK(split_lines(r.err).back() == invariant(2, 1, 1));
  std::vector<std::string> q = records(box);
  REQUIRE(q.size() == 1);
  CHECK(starts_with(q[0], starts("HEADER", "the timestamp 'Mar  8 02:30:00' (2026-03-08 02:30:00) does not exist in "
                                           "America/New_York: the clocks skipped it")));
  const std::string events = read_all(box / "ev.jsonl");
  CHECK(events.find("\"time\":\"2026-11-01T05:30:00Z\"") != std::string::npos);
  CHECK(events.find("\"time_zone\":\"America/New_York\",\"time_ambiguous\":true") != std::string::npos);

  Run unknown = normalize(box, "in.log", {"--timezone", "Mars/Olympus"});
  CHECK(unknown.status == 1);
  CHECK(unknown.err ==
        "strictlog normalize: unknown time zone 'Mars/Olympus' (names are IANA's, e.g. Europe/Berlin or UTC)\n");
}

}  // namespace
}  // namespace strictlog
