// An interrupted `normalize` stops at a line boundary, or while blocked reading a silent input, removes its
// temporary outputs, prints the counts so far (balanced) and exits 128 + the signal's number.
#include <catch2/catch.hpp>

#include <chrono>
#include <regex>
#include <thread>

#include "cli/harness.h"

namespace strictlog {
namespace {

using namespace cli_test;

const std::string kLine = "Nov 22 12:21:12 vpn1 openvpn[1234]: 198.51.100.7:51234 TLS Error: TLS handshake failed\n";

bool has_temp_output(const Sandbox& box) {
  for (const auto& name : box.entries()) {
    if (starts_with(name, ".ev.pb.tmp.")) return true;
  }
  return false;
}

void write_all(int fd, const std::string& data) {
  REQUIRE(::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()));
}

// With worker threads the signal must still reach the thread blocked in read(2): they block it
// (pipeline/parallel.h).
void check_sigterm_stops(const std::string& threads) {
  Sandbox box;
  const std::string fifo = box / "in.fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  pid_t pid = spawn_strictlog(box, with_rules({"normalize", "--threads", threads, "--out", "ev.pb", "--quarantine",
                                               "q.jsonl", "in.fifo"}));
  // Opening the FIFO for writing waits for the child to open it for reading; the alarm in the child bounds
  // this if it never does.
  int fd = ::open(fifo.c_str(), O_WRONLY);
  REQUIRE(fd >= 0);
  write_all(fd, kLine + kLine);
  // The temporary output exists once the signal handlers are installed (they come first).
  for (int i = 0; i < 500 && !has_temp_output(box); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE(has_temp_output(box));
  REQUIRE(::kill(pid, SIGTERM) == 0);
  // The FIFO stays open and silent: the child must stop while blocked in read(2), with no more input.
  Run r = wait_strictlog(box, pid);
  ::close(fd);

  CHECK(r.status == 128 + SIGTERM);
  auto lines = split_lines(r.err);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == "strictlog normalize: interrupted by signal 15 (Terminated)");
  CHECK(lines[1] ==
        "strictlog: stopped; no output file was left behind (records already streamed to stdout or a device are "
        "incomplete). Counts when it stopped:");
  // Zero to two lines were read, depending on when the signal landed; whatever was read balances.
  INFO(lines[2]);
  CHECK(std::regex_match(lines[2], std::regex("  lines_in ([0-2]) == events \\1 \\+ dropped_by_rule 0 \\+ "
                                              "quarantined 0: ok")));
  CHECK(box.entries() == std::vector<std::string>{"in.fifo"});
}

TEST_CASE("SIGTERM stops normalize cleanly with exit 143 and balanced counts and no output left", "[cli]") {
  check_sigterm_stops("1");
}

TEST_CASE("SIGTERM stops normalize --threads 4 while it reads with exit 143 and no output left", "[cli]") {
  check_sigterm_stops("4");
}

}  // namespace
}  // namespace strictlog
