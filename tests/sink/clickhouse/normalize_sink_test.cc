// `strictlog normalize --sink clickhouse://...` as a user runs it: the built binary, the bundled grammars, the
// example OpenVPN log; row counts per table against what `--format jsonl` writes for the same input; and a
// private server that is stopped in the middle of a run, or down from the start, then started again: every
// row arrives exactly once and the spool empties.
#include <fcntl.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <map>

#include "cli/harness.h"
#include "clickhouse_harness.h"
#include "schema/table.h"

namespace strictlog::clickhouse_test {
namespace {

using cli_test::read_all;
using cli_test::Run;
using cli_test::Sandbox;

const std::string kGrammars = STRICTLOG_SOURCE_DIR "/grammars";
const std::string kMappings = STRICTLOG_SOURCE_DIR "/mappings";
const std::string kExample = STRICTLOG_SOURCE_DIR "/docs/examples/openvpn-server.log";

std::vector<std::string> normalize(std::vector<std::string> args) {
  args.insert(args.begin(), {"normalize", "--grammars", kGrammars, "--mappings", kMappings, "--year", "2026"});
  return args;
}

// Rows per table that `normalize --format jsonl` of `input` gives: events by the payload each holds, and
// the table `quarantine` by quarantine records.
std::map<std::string, uint64_t> expected_rows(const Sandbox& box, const std::string& input) {
  Run r = cli_test::run_strictlog(
      box, normalize({"--format", "jsonl", "--out", box / "expected.jsonl", "--quarantine", box / "expected.q", input}));
  REQUIRE(r.status == 0);
  std::map<std::string, uint64_t> rows;
  for (const std::string& line : cli_test::split_lines(read_all(box / "expected.jsonl"))) {
    std::vector<std::string> found;
    for (const schema::Table& t : schema::builtin_tables()) {
      if (t.payload != nullptr && line.find("\"" + t.payload->name() + "\":{") != std::string::npos) {
        found.push_back(t.name);
      }
    }
    INFO(line);
    REQUIRE(found.size() == 1);
    ++rows[found[0]];
  }
  rows["quarantine"] = cli_test::split_lines(read_all(box / "expected.q")).size();
  return rows;
}

uint64_t sum(const std::map<std::string, uint64_t>& rows) {
  uint64_t n = 0;
  for (const auto& [table, count] : rows) n += count;
  return n;
}

// Batch files in `dir` and the rows their names say they hold.
std::pair<size_t, uint64_t> spooled(const std::string& dir) {
  size_t files = 0;
  uint64_t rows = 0;
  if (!std::filesystem::exists(dir)) return {0, 0};
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::string name = e.path().filename();
    if (e.path().extension() != ".batch") continue;
    ++files;
    // <seq>-<table>-<rows>-<format>-<version>.batch
    size_t v = name.rfind('-');
    size_t f = name.rfind('-', v - 1);
    size_t r = name.rfind('-', f - 1);
    rows += std::stoull(name.substr(r + 1, f - r - 1));
  }
  return {files, rows};
}

// `copies` copies of the example log, one after another.
std::string repeated_example(size_t copies) {
  std::string one = read_all(kExample);
  std::string all;
  for (size_t i = 0; i < copies; ++i) all += one;
  return all;
}

TEST_CASE("normalize --sink clickhouse: every table holds as many rows as jsonl output has events of its type") {
  Sandbox box;
  Server server(shared_port());
  std::string db = "sink_normalize_example";
  server.query("DROP DATABASE IF EXISTS " + db);
  std::map<std::string, uint64_t> want = expected_rows(box, kExample);
  REQUIRE(want.size() > 10);  // the example has many event types: the comparison is not about one table

  for (const std::string format : {"RowBinary", "JSONEachRow"}) {
    INFO(format);
    server.query("DROP DATABASE IF EXISTS " + db);
    Run r = cli_test::run_strictlog(box, normalize({"--sink", server.url(db, "?format=" + format), "--spool", box / "spool",
                                                    kExample}));
    INFO(r.err);
    REQUIRE(r.status == 0);
    // The summary names the sink and its quarantine table.
    CHECK(r.err.find("\n  events     -> " + server.url(db) + " (" + format + ")\n") != std::string::npos);
    CHECK(r.err.find("\n  quarantine -> " + server.url(db) + " (" + format + "), table quarantine\n") !=
          std::string::npos);
    for (const schema::Table& t : schema::builtin_tables()) {
      INFO(t.name);
      CHECK(server.count(db, t.name) == (want.count(t.name) ? want[t.name] : 0));
    }
    CHECK(server.total(db) == sum(want));
    CHECK(spooled(box / "spool") == std::pair<size_t, uint64_t>{0, 0});
  }
  server.query("DROP DATABASE " + db);
}

// Starts `normalize --threads 1 --sink` reading a FIFO, so that the test decides when lines arrive.
struct FedRun {
  pid_t pid = -1;
  int fifo = -1;

  FedRun(const Sandbox& box, const std::vector<std::string>& args) {
    std::string path = box / "input.fifo";
    REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
    cli_test::RunOptions options;
    options.stdin_path = path;
    pid = cli_test::spawn_strictlog(box, args, options);
    fifo = ::open(path.c_str(), O_WRONLY);  // waits for the child to open its end
    REQUIRE(fifo >= 0);
  }
  void feed(const std::string& text) {
    size_t done = 0;
    while (done < text.size()) {
      ssize_t n = ::write(fifo, text.data() + done, text.size() - done);
      REQUIRE(n > 0);
      done += static_cast<size_t>(n);
    }
  }
  void close_input() {
    ::close(fifo);
    fifo = -1;
  }
};

TEST_CASE("normalize --sink clickhouse: a server stopped mid-run gets every row exactly once after it is back") {
  Sandbox box;
  PrivateServer server_process(box / "clickhouse");
  server_process.start();
  Server server(server_process.port());
  std::string db = "outage";
  std::string spool = box / "spool";

  // 2 × 2048 lines, the normalizer's batch: with --threads 1 each full batch reaches the sink as it is read.
  std::string all = repeated_example(2 * 2 * 2048 / 64);
  std::vector<std::string> lines = cli_test::split_lines(all);
  REQUIRE(lines.size() == 4 * 2048);
  std::string first, second;
  for (size_t i = 0; i < lines.size(); ++i) (i < 2 * 2048 ? first : second) += lines[i] + "\n";
  cli_test::write_file(box / "first.log", first);
  cli_test::write_file(box / "all.log", all);
  uint64_t first_rows = sum(expected_rows(box, box / "first.log"));
  uint64_t all_rows = sum(expected_rows(box, box / "all.log"));
  REQUIRE(first_rows > 0);
  REQUIRE(all_rows > first_rows);

  FedRun run(box, normalize({"--threads", "1", "--input-name", "outage.log", "--sink", server.url(db), "--spool", spool, "-"}));
  run.feed(first);
  // The first half arrives within flush_interval (1 s) of being read, while the run goes on.
  REQUIRE(wait_for([&] { return server.total(db) == first_rows; }, std::chrono::seconds(20)));
  server_process.stop();
  run.feed(second);
  run.close_input();
  Run r = cli_test::wait_strictlog(box, run.pid);
  INFO(r.err);
  // Exit 6: the run is complete, but rows wait in the spool.
  CHECK(r.status == 6);
  CHECK(r.err.find("normalize: " + std::to_string(all_rows - first_rows) +
                   " rows are not in the database yet: they wait in " + spool +
                   " and the next run with this --sink delivers them first\n") != std::string::npos);
  auto [files, rows] = spooled(spool);
  CHECK(files >= 1);
  CHECK(rows == all_rows - first_rows);

  // Back up: a run with nothing to read delivers the spool, oldest first, and exits 0.
  server_process.start();
  Run again = cli_test::run_strictlog(box, normalize({"--sink", server.url(db), "--spool", spool, "-"}));
  INFO(again.err);
  CHECK(again.status == 0);
  CHECK(server.total(db) == all_rows);
  CHECK(spooled(spool) == std::pair<size_t, uint64_t>{0, 0});
}

TEST_CASE("normalize --sink clickhouse: a server that is down from the start gets every row once it is up") {
  Sandbox box;
  PrivateServer server_process(box / "clickhouse");
  Server server(server_process.port());
  std::string db = "down_at_start";
  std::string spool = box / "spool";
  uint64_t want = sum(expected_rows(box, kExample));

  Run r = cli_test::run_strictlog(box, normalize({"--sink", server.url(db), "--spool", spool, kExample}));
  INFO(r.err);
  CHECK(r.status == 6);
  CHECK(spooled(spool).second == want);
  CHECK(cli_test::mode_of(spool) == 0700);

  // The database and its tables do not exist yet: they are created before the first insert.
  server_process.start();
  Run again = cli_test::run_strictlog(box, normalize({"--sink", server.url(db), "--spool", spool, "-"}));
  INFO(again.err);
  CHECK(again.status == 0);
  CHECK(server.total(db) == want);
  CHECK(spooled(spool) == std::pair<size_t, uint64_t>{0, 0});
}

}  // namespace
}  // namespace strictlog::clickhouse_test
