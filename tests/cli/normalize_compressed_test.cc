// `normalize` on gzip and zstd input made by the real /usr/bin/gzip and /usr/bin/zstd (ingest/decompress.h):
// the same events and quarantine records as the plain file, byte for byte, from files and from stdin; and a
// damaged input is an I/O error (exit 3) with the exact message and no output left behind.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/harness.h"

namespace strictlog {
namespace {

using namespace cli_test;

// Runs a compressor with `args` (the input path last), its stdout into `out`.
void compress(const std::string& tool, std::vector<std::string> args, const std::string& out) {
  std::vector<char*> argv;
  std::string name = tool;
  argv.push_back(name.data());
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ::dup2(fd, 1) < 0) ::_exit(126);
    ::execv(tool.c_str(), argv.data());
    ::_exit(127);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  INFO(tool << " on " << args.back());
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
}

// -n: no name or time stamp in the header, so the file depends on the content alone.
void gzip(const std::string& in, const std::string& out) { compress("/usr/bin/gzip", {"-c", "-n", in}, out); }
void zstd(const std::string& in, const std::string& out) { compress("/usr/bin/zstd", {"-q", "-c", in}, out); }

// Varied lines of the openvpn-mini fixture's program, so that the input spans several read buffers, compressed
// and decompressed: events of each rule, and quarantine records of several reasons (CONVERSION, NO_MATCH,
// HEADER, ENCODING with raw bytes).
std::string make_log(size_t lines) {
  std::string s;
  for (size_t i = 0; i < lines; ++i) {
    const std::string time = "Nov 22 12:" + std::to_string(10 + i % 50) + ":" + std::to_string(10 + i % 49);
    const std::string peer = "198.51.100." + std::to_string(i % 250) + ":" + std::to_string(1024 + i % 60000);
    switch (i % 7) {
      case 0: s += time + " vpn1 openvpn[1234]: " + peer + " TLS Error: TLS handshake failed\n"; break;
      case 1: s += time + " vpn1 openvpn[1234]: " + peer + " Fatal TLS error (check_tls_errors_co), restarting\n"; break;
      case 2:
        s += time + " vpn1 openvpn[1234]: " + peer + " SIGUSR1[soft,tls-error] received, client-instance restarting\n";
        break;
      case 3: s += time + " vpn1 openvpn[1234]: 198.51.100.7:65536 TLS Error: TLS handshake failed\n"; break;
      case 4: s += time + " vpn1 CRON[" + std::to_string(i) + "]: (root) CMD (true)\n"; break;
      case 5: s += "garbage " + std::to_string(i) + "\n"; break;
      default: s += time + " vpn1 openvpn[1234]: \xFF" + std::to_string(i) + "\r\n"; break;
    }
  }
  return s;
}

constexpr size_t kLines = 40000;

// normalize with the fixture rules, the outputs `<out>.jsonl` and `<out>.quarantine.jsonl`, under --input-name
// x.log whatever the input is called.
Run normalize(const Sandbox& box, const std::string& input, const std::string& out, const RunOptions& options = {}) {
  return run_strictlog(box,
                       with_rules({"normalize", "--year", "2026", "--no-processed-time", "--format", "jsonl",
                                   "--input-name", "x.log", "--out", out + ".jsonl", input}),
                       options);
}

const std::string kStopped =
    "strictlog: stopped; no output file was left behind (records already streamed to stdout or a device are "
    "incomplete). Counts when it stopped:\n";

TEST_CASE("normalize: .gz and .zst files give the plain file's events and quarantine byte for byte", "[cli]") {
  Sandbox box;
  const std::string text = make_log(kLines);
  write_file(box / "x.log", text);
  write_file(box / "a.log", text.substr(0, text.size() / 3));
  write_file(box / "b.log", text.substr(text.size() / 3));
  gzip(box / "x.log", box / "x.log.gz");
  zstd(box / "x.log", box / "x.log.zst");
  gzip(box / "a.log", box / "a.log.gz");
  gzip(box / "b.log", box / "b.log.gz");
  zstd(box / "a.log", box / "a.log.zst");
  zstd(box / "b.log", box / "b.log.zst");
  // What `cat a.gz b.gz` and `cat a.zst b.zst` give: two gzip members, two zstd frames.
  write_file(box / "ab.log.gz", read_all(box / "a.log.gz") + read_all(box / "b.log.gz"));
  write_file(box / "ab.log.zst", read_all(box / "a.log.zst") + read_all(box / "b.log.zst"));

  Run plain = normalize(box, "x.log", "plain");
  REQUIRE(plain.status == 0);
  const std::string invariant = split_lines(plain.err).back();
  CHECK(invariant == "  lines_in 40000 == events 17144 + dropped_by_rule 0 + quarantined 22856: ok");
  const std::string events = read_all(box / "plain.jsonl");
  const std::string quarantine = read_all(box / "plain.quarantine.jsonl");
  REQUIRE(events.size() > (1u << 20));  // several read buffers of output too

  for (const std::string input : {"x.log.gz", "x.log.zst", "ab.log.gz", "ab.log.zst"}) {
    INFO(input);
    // Make sure the decoders see compressed data beyond one 128 KiB input buffer.
    CHECK(read_all(box / input).size() > 128 * 1024);
    Run r = normalize(box, input, input);
    CHECK(r.status == 0);
    CHECK(split_lines(r.err).back() == invariant);
    CHECK(read_all(box / (input + ".jsonl")) == events);
    CHECK(read_all(box / (input + ".quarantine.jsonl")) == quarantine);
  }
}

TEST_CASE("normalize reads compressed stdin from a file and from a pipe", "[cli]") {
  Sandbox box;
  const std::string text = make_log(kLines);
  write_file(box / "x.log", text);
  gzip(box / "x.log", box / "x.log.gz");
  zstd(box / "x.log", box / "x.log.zst");
  Run plain = normalize(box, "x.log", "plain");
  REQUIRE(plain.status == 0);
  const std::string events = read_all(box / "plain.jsonl");
  const std::string quarantine = read_all(box / "plain.quarantine.jsonl");

  SECTION("stdin is the .gz file") {
    RunOptions options;
    options.stdin_path = box / "x.log.gz";
    Run r = normalize(box, "-", "stdin", options);
    CHECK(r.status == 0);
    CHECK(split_lines(r.err).back() == split_lines(plain.err).back());
    CHECK(read_all(box / "stdin.jsonl") == events);
    CHECK(read_all(box / "stdin.quarantine.jsonl") == quarantine);
  }
  // A FIFO cannot seek back: the bytes read to recognise zstd must reach the decoder all the same.
  for (const std::string input : {"x.log.zst", "x.log.gz"}) {
    DYNAMIC_SECTION("stdin is a pipe carrying " << input) {
      const std::string fifo = box / "in.fifo";
      REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
      RunOptions options;
      options.stdin_path = fifo;
      pid_t pid = spawn_strictlog(box,
                                  with_rules({"normalize", "--year", "2026", "--no-processed-time", "--format",
                                              "jsonl", "--input-name", "x.log", "--out", "pipe.jsonl"}),
                                  options);
      // Opening the FIFO waits for the child to open it as its stdin; its alarm bounds this if it never does.
      // SIGPIPE, should the child stop reading, becomes EPIPE here (set after the fork: the child keeps its own).
      struct sigaction ignore {}, old {};
      ignore.sa_handler = SIG_IGN;
      REQUIRE(::sigaction(SIGPIPE, &ignore, &old) == 0);
      int fd = ::open(fifo.c_str(), O_WRONLY);
      REQUIRE(fd >= 0);
      const std::string data = read_all(box / input);
      // In pieces, the magic number's bytes one by one.
      size_t at = 0;
      for (size_t piece : {1, 1, 1, 1, 4096}) {
        REQUIRE(::write(fd, data.data() + at, piece) == static_cast<ssize_t>(piece));
        at += piece;
      }
      bool written = ::write(fd, data.data() + at, data.size() - at) == static_cast<ssize_t>(data.size() - at);
      ::close(fd);
      ::sigaction(SIGPIPE, &old, nullptr);
      Run r = wait_strictlog(box, pid);
      CHECK(written);
      CHECK(r.status == 0);
      CHECK(split_lines(r.err).back() == split_lines(plain.err).back());
      CHECK(read_all(box / "pipe.jsonl") == events);
      CHECK(read_all(box / "pipe.quarantine.jsonl") == quarantine);
    }
  }
}

TEST_CASE("normalize: a truncated .gz exits 3 with the exact message and leaves no output", "[cli]") {
  Sandbox box;
  const std::string text = make_log(kLines);
  write_file(box / "x.log", text);
  gzip(box / "x.log", box / "x.log.gz");
  Run plain = normalize(box, "x.log", "plain");
  REQUIRE(plain.status == 0);
  const std::string gz = read_all(box / "x.log.gz");
  std::filesystem::remove(box / "x.log");
  std::filesystem::remove(box / "x.log.gz");
  std::filesystem::remove(box / "plain.jsonl");
  std::filesystem::remove(box / "plain.quarantine.jsonl");

  SECTION("without its last 8 bytes, the CRC-32 and length: every line was read") {
    write_file(box / "cut.log.gz", gz.substr(0, gz.size() - 8));
    Run r = normalize(box, "cut.log.gz", "ev");
    CHECK(r.status == 3);
    CHECK(r.err == "strictlog normalize: cannot decompress 'cut.log.gz': the gzip data ends inside a member after " +
                       std::to_string(gz.size() - 8) + " compressed bytes (truncated?)\n" + kStopped +
                       split_lines(plain.err).back() + "\n");
    CHECK(box.entries() == std::vector<std::string>{"cut.log.gz"});
  }
  SECTION("cut in the middle: the lines before the cut were read") {
    write_file(box / "cut.log.gz", gz.substr(0, gz.size() / 2));
    Run r = normalize(box, "cut.log.gz", "ev");
    CHECK(r.status == 3);
    std::vector<std::string> lines = split_lines(r.err);
    REQUIRE(lines.size() == 3);
    CHECK(lines[0] == "strictlog normalize: cannot decompress 'cut.log.gz': the gzip data ends inside a member after " +
                          std::to_string(gz.size() / 2) + " compressed bytes (truncated?)");
    CHECK(lines[1] + "\n" == kStopped);
    unsigned long long in = 0, events = 0, dropped = 0, quarantined = 0;
    REQUIRE(std::sscanf(lines[2].c_str(), "  lines_in %llu == events %llu + dropped_by_rule %llu + quarantined %llu",
                        &in, &events, &dropped, &quarantined) == 4);
    CHECK(ends_with(lines[2], ": ok"));
    CHECK(in > kLines / 4);
    CHECK(in < kLines);
    CHECK(box.entries() == std::vector<std::string>{"cut.log.gz"});
  }
}

TEST_CASE("normalize: data after the last zstd frame exits 3 after every line of the frames", "[cli]") {
  Sandbox box;
  const std::string text = make_log(1000);
  write_file(box / "x.log", text);
  zstd(box / "x.log", box / "x.log.zst");
  Run plain = normalize(box, "x.log", "plain");
  REQUIRE(plain.status == 0);
  const std::string zst = read_all(box / "x.log.zst");
  write_file(box / "tail.log.zst", zst + "Nov 22 12:21:12 appended in plain text\n");
  Run r = normalize(box, "tail.log.zst", "ev");
  CHECK(r.status == 3);
  CHECK(r.err == "strictlog normalize: cannot decompress 'tail.log.zst': unexpected data after the last zstd frame at "
                 "compressed byte offset " +
                     std::to_string(zst.size()) + "\n" + kStopped + split_lines(plain.err).back() + "\n");
  CHECK(box.entries() ==
        std::vector<std::string>{"plain.jsonl", "plain.quarantine.jsonl", "tail.log.zst", "x.log", "x.log.zst"});
}

}  // namespace
}  // namespace strictlog
