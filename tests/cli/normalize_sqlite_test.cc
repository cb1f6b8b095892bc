// `strictlog normalize --sink sqlite:FILE` as a user runs it: the built binary, the bundled grammars and the
// example OpenVPN log. Rows per table against what `--format jsonl` writes for the same input, a second run
// that appends, the same rows for every thread count, and the failures that must stop a run with exit 3: a
// file that is not a database, a directory that takes no file, a disk that fills up in the middle.
#include <fmt/format.h>
#include <google/protobuf/util/json_util.h>
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <map>

#include "cli/harness.h"
#include "schema/table.h"
#include "strictlog/v1/event.pb.h"

namespace strictlog::cli_test {
namespace {

const std::string kRepoGrammars = STRICTLOG_SOURCE_DIR "/grammars";
const std::string kRepoMappings = STRICTLOG_SOURCE_DIR "/mappings";
const std::string kExample = STRICTLOG_SOURCE_DIR "/docs/examples/openvpn-server.log";

std::vector<std::string> normalize(std::vector<std::string> args) {
  args.insert(args.begin(), {"normalize", "--grammars", kRepoGrammars, "--mappings", kRepoMappings, "--year", "2026"});
  return args;
}

// Reads a database the way a user would, with libsqlite3.
class Db {
 public:
  explicit Db(const std::string& path) {
    REQUIRE(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  }
  ~Db() { sqlite3_close(db_); }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Every row of `sql`, each column as text (NULL as `NULL`), columns separated by `|`.
  std::vector<std::string> rows(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    INFO(sql);
    REQUIRE(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
    std::vector<std::string> out;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      std::string row;
      for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
        if (i > 0) row += '|';
        const unsigned char* text = sqlite3_column_text(stmt, i);
        row += text == nullptr ? "NULL" : std::string(reinterpret_cast<const char*>(text));
      }
      out.push_back(row);
    }
    sqlite3_finalize(stmt);
    REQUIRE(rc == SQLITE_DONE);
    return out;
  }
  uint64_t count(const std::string& table) { return std::stoull(rows("SELECT count(*) FROM " + table).at(0)); }

 private:
  sqlite3* db_ = nullptr;
};

// Rows per table that `normalize --format jsonl` of `input` gives: events by the payload each holds (read
// back with protobuf's JSON parser), and the table `quarantine` by quarantine records. Every builtin table
// is in the map, 0 when no row goes there.
std::map<std::string, uint64_t> expected_rows(const Sandbox& box, const std::string& input) {
  Run r = run_strictlog(
      box, normalize({"--format", "jsonl", "--out", "expected.jsonl", "--quarantine", "expected.q", input}));
  REQUIRE(r.status == 0);
  std::map<std::string, uint64_t> rows;
  for (const schema::Table& t : schema::builtin_tables()) rows[t.name] = 0;
  for (const std::string& line : split_lines(read_all(box / "expected.jsonl"))) {
    v1::Event e;
    INFO(line);
    REQUIRE(google::protobuf::util::JsonStringToMessage(line, &e).ok());
    const auto* payload = e.GetReflection()->GetOneofFieldDescriptor(e, e.GetDescriptor()->FindOneofByName("payload"));
    REQUIRE(payload != nullptr);
    std::string table;
    for (const schema::Table& t : schema::builtin_tables()) {
      if (t.payload == payload) table = t.name;
    }
    REQUIRE(!table.empty());
    ++rows[table];
  }
  rows["quarantine"] = split_lines(read_all(box / "expected.q")).size();
  return rows;
}

uint64_t sum(const std::map<std::string, uint64_t>& rows) {
  uint64_t n = 0;
  for (const auto& [table, count] : rows) n += count;
  return n;
}

// `copies` copies of the example log, one after another.
std::string repeated_example(size_t copies) {
  std::string one = read_all(kExample);
  std::string all;
  for (size_t i = 0; i < copies; ++i) all += one;
  return all;
}

TEST_CASE("normalize --sink sqlite: rows per table equal the jsonl run's and a second run appends", "[cli]") {
  Sandbox box;
  std::map<std::string, uint64_t> want = expected_rows(box, kExample);
  REQUIRE(sum(want) > 40);  // the example has a few dozen events
  // The summary's quarantined count is the quarantine table's.
  Run first = run_strictlog(box, normalize({"--sink", "sqlite:e.db", kExample}));
  REQUIRE(first.status == 0);
  CHECK(first.out.empty());
  CHECK(first.err.find(fmt::format("\n  quarantined     {:>10}\n", want["quarantine"])) != std::string::npos);
  CHECK(first.err.find("\n  events     -> sqlite:e.db\n  quarantine -> sqlite:e.db, table quarantine\n") !=
        std::string::npos);
  // The run's connection checkpointed the WAL into the file and removed it when it closed.
  CHECK(box.entries() == std::vector<std::string>{"e.db", "expected.jsonl", "expected.q"});
  {
    Db db(box / "e.db");
    for (const auto& [table, rows] : want) {
      INFO("table " << table);
      CHECK(db.count(table) == rows);
    }
    CHECK(db.rows("PRAGMA journal_mode") == std::vector<std::string>{"wal"});
  }
  CHECK(mode_of(box / "e.db") == 0600);

  Run second = run_strictlog(box, normalize({"--sink", "sqlite:e.db", kExample}));
  REQUIRE(second.status == 0);
  Db db(box / "e.db");
  for (const auto& [table, rows] : want) {
    INFO("table " << table);
    CHECK(db.count(table) == 2 * rows);
  }
  // The same lines again: the same deterministic ids, each twice.
  CHECK(db.rows("SELECT count(DISTINCT envelope_uid) FROM openvpn_verify_ok") ==
        std::vector<std::string>{std::to_string(want["openvpn_verify_ok"])});
}

TEST_CASE("normalize --sink sqlite: every thread count stores the same rows in the same order", "[cli]") {
  Sandbox box;
  write_file(box / "big.log", repeated_example(80));  // 5120 lines: three batches
  for (const char* threads : {"1", "3"}) {
    Run r = run_strictlog(box, normalize({"--threads", threads, "--no-processed-time", "--sink",
                                          std::string("sqlite:t") + threads + ".db", "big.log"}));
    REQUIRE(r.status == 0);
  }
  Db one(box / "t1.db");
  Db three(box / "t3.db");
  uint64_t total = 0;
  for (const schema::Table& t : schema::builtin_tables()) {
    INFO("table " << t.name);
    std::vector<std::string> a = one.rows("SELECT * FROM " + t.name + " ORDER BY rowid");
    total += a.size();
    CHECK(a == three.rows("SELECT * FROM " + t.name + " ORDER BY rowid"));
  }
  CHECK(total > 3000);
}

TEST_CASE("normalize --sink sqlite: what it cannot open exits 3 with the reason and touches nothing", "[cli]") {
  struct Case {
    std::vector<std::string> args;
    std::string err;
  };
  const std::vector<Case> cases = {
      {{"--sink", "sqlite:"},
       "strictlog normalize: --sink 'sqlite:': no file name: sqlite:FILE, e.g. sqlite:events.db\n"},
      {{"--sink", "sqlite:notes.txt"},
       "strictlog normalize: --sink 'sqlite:notes.txt': cannot open the database: file is not a database\n"},
      // /sys refuses to create files even for root, as a read-only directory does for others.
      {{"--sink", "sqlite:/sys/kernel/strictlog-e.db"},
       "strictlog normalize: --sink 'sqlite:/sys/kernel/strictlog-e.db': cannot create the database file: "
       "Permission denied\n"},
      {{"--sink", "sqlite:e.db", "--spool", "spool"},
       "strictlog normalize: --sink 'sqlite:e.db': --spool does not apply: the sqlite sink commits each batch or "
       "fails, it has no spool\n"},
  };
  for (const Case& c : cases) {
    Sandbox box;
    const std::string notes = "meeting notes: not a database, whatever its name says\n";
    write_file(box / "notes.txt", notes);
    std::vector<std::string> args = c.args;
    args.push_back(kExample);
    Run r = run_strictlog(box, normalize(args));
    INFO(r.err);
    CHECK(r.status == 3);
    CHECK(r.err == c.err);
    CHECK(box.entries() == std::vector<std::string>{"notes.txt"});
    CHECK(read_all(box / "notes.txt") == notes);
  }
}

TEST_CASE("normalize --sink sqlite: a file size limit stops the run with exit 3 and the rows it names", "[cli]") {
  Sandbox box;
  write_file(box / "big.log", repeated_example(400));  // 25600 lines: 13 batches, about 19 MiB of rows
  Run r;
  {
    ChildFileSizeLimit limit(6 << 20);  // the WAL meets it (EFBIG) after a few batches, as a full disk would
    r = run_strictlog(box, normalize({"--sink", "sqlite:e.db", "big.log"}));
  }
  CHECK(r.status == 3);
  const std::string head =
      "strictlog normalize: --sink 'sqlite:e.db': disk I/O error (File too large): the batch was "
      "rolled back; the database holds the ";
  REQUIRE(starts_with(r.err, head));
  size_t end = r.err.find(' ', head.size());
  uint64_t named = std::stoull(r.err.substr(head.size(), end - head.size()));
  std::vector<std::string> lines = split_lines(r.err);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == head + std::to_string(named) + " rows of this run's earlier batches");
  CHECK(lines[1] ==
        "strictlog: stopped; the rows of the batches written before the stop stay in sqlite:e.db, the rest were not "
        "written. Counts when it stopped:");
  CHECK(starts_with(lines[2], "  lines_in "));
  CHECK(ends_with(lines[2], ": ok"));
  // The database holds exactly those rows: whole batches, none of the failed one.
  Db db(box / "e.db");
  uint64_t stored = 0;
  for (const schema::Table& t : schema::builtin_tables()) stored += db.count(t.name);
  CHECK(stored == named);
  CHECK(named > 0);
  CHECK(named < 25600 - 25600 / 64 * 14);  // fewer than every event and quarantined line of the input
}

}  // namespace
}  // namespace strictlog::cli_test
