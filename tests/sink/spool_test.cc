// The spool (sink/internal/spool.h): batch files named so that order, table, row count, format and version
// are known without reading them; written whole; one process at a time.
#include "sink/internal/spool.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "sink/temp_dir.h"

namespace strictlog::sink_internal {
namespace {

using testing::TempDir;

TEST_CASE("spool: batch file names round-trip and near misses are not batches") {
  SpoolEntry e{42, "openvpn_client-x", 2048, "RowBinary", "18.16", ""};
  std::string name = Spool::name_of(e);
  CHECK(name == "00000000000000000042-openvpn_client-x-2048-RowBinary-18.16.batch");
  std::optional<SpoolEntry> back = Spool::parse_name(name);
  REQUIRE(back);
  CHECK(back->seq == 42);
  CHECK(back->table == "openvpn_client-x");  // a '-' in a table name is kept: fields are read from both ends
  CHECK(back->rows == 2048);
  CHECK(back->format == "RowBinary");
  CHECK(back->version == "18.16");

  const char* not_batches[] = {
      "00000000000000000042-t-1-RowBinary-18.16",           // no .batch
      "0000000000000000042-t-1-RowBinary-18.16.batch",      // 19 digits
      "000000000000000000042-t-1-RowBinary-18.16.batch",    // 21 digits
      "0000000000000000004x-t-1-RowBinary-18.16.batch",     // not a number
      "00000000000000000042--1-RowBinary-18.16.batch",      // no table
      "00000000000000000042-t-x-RowBinary-18.16.batch",     // rows not a number
      "00000000000000000042-t-1-RowBinary.batch",           // a part missing
      "00000000000000000042-t-1--18.16.batch",              // no format
      "00000000000000000042-t-1-RowBinary-.batch",          // no version
  };
  for (const char* n : not_batches) {
    INFO(n);
    CHECK_FALSE(Spool::parse_name(n).has_value());
  }
}

TEST_CASE("spool: batches are written whole and listed oldest first by a later open") {
  TempDir tmp;
  testing::UmaskGuard umask(0);
  std::string dir = tmp / "a/b/spool";
  {
    auto spool = Spool::open(dir);
    REQUIRE(spool.ok());
    CHECK((*spool)->empty());
    CHECK(testing::mode_of(tmp / "a") == 0700);
    CHECK(testing::mode_of(dir) == 0700);
    auto first = (*spool)->put("quarantine", "RowBinary", "18.16", 3, "abc");
    REQUIRE(first.ok());
    CHECK(first->path == dir + "/00000000000000000001-quarantine-3-RowBinary-18.16.batch");
    CHECK(testing::mode_of(first->path) == 0600);
    REQUIRE((*spool)->put("openvpn_peer_info", "JSONEachRow", "23.8", 2, "{}\n{}\n").ok());
    CHECK((*spool)->rows() == 5);
    CHECK((*spool)->files() == 2);
  }
  // A temporary left by a crash is removed; the two batches come back in order and numbering goes on.
  {
    std::ofstream(dir + "/.tmp-00000000000000000003") << "half a batch";
    std::ofstream(dir + "/notes.txt") << "not a batch: ignored";
    auto spool = Spool::open(dir);
    REQUIRE(spool.ok());
    CHECK_FALSE(testing::exists(dir + "/.tmp-00000000000000000003"));
    CHECK(testing::exists(dir + "/notes.txt"));
    CHECK((*spool)->rows() == 5);
    REQUIRE((*spool)->oldest() != nullptr);
    CHECK((*spool)->oldest()->table == "quarantine");
    CHECK((*spool)->read(*(*spool)->oldest()).value() == "abc");
    REQUIRE((*spool)->pop().ok());
    CHECK((*spool)->oldest()->table == "openvpn_peer_info");
    CHECK((*spool)->oldest()->format == "JSONEachRow");
    CHECK((*spool)->read(*(*spool)->oldest()).value() == "{}\n{}\n");
    auto third = (*spool)->put("t", "RowBinary", "18.16", 1, "x");
    REQUIRE(third.ok());
    CHECK(third->seq == 3);
    CHECK((*spool)->rows() == 3);
    REQUIRE((*spool)->pop().ok());
    REQUIRE((*spool)->pop().ok());
    CHECK((*spool)->empty());
    CHECK((*spool)->rows() == 0);
  }
  // Only the lock and the ignored file are left.
  std::vector<std::string> left;
  for (const auto& e : std::filesystem::directory_iterator(dir)) left.push_back(e.path().filename());
  std::sort(left.begin(), left.end());
  CHECK(left == std::vector<std::string>{".lock", "notes.txt"});
}

TEST_CASE("spool: one process at a time, and names it did not write are refused") {
  TempDir tmp;
  auto held = Spool::open(tmp.path());
  REQUIRE(held.ok());
  auto second = Spool::open(tmp.path());
  REQUIRE_FALSE(second.ok());
  CHECK(second.errors()[0].message == "spool directory '" + tmp.path() + "' is in use by another strictlog process");
  held.value().reset();
  std::ofstream(tmp / "7-t-1-RowBinary-18.16.batch") << "x";
  auto refused = Spool::open(tmp.path());
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.errors()[0].message == "spool file '" + tmp.path() +
                                           "/7-t-1-RowBinary-18.16.batch' is not named <seq>-<table>-<rows>-<format>-"
                                           "<version>.batch: move it away or deliver it by hand");
}

TEST_CASE("spool: a path that is a file cannot be the spool") {
  TempDir tmp;
  std::ofstream(tmp / "file") << "x";
  auto spool = Spool::open(tmp / "file");
  REQUIRE_FALSE(spool.ok());
  CHECK(spool.errors()[0].message ==
        "cannot create spool directory '" + (tmp / "file") + "': it exists and is not a directory");
}

TEST_CASE("spool: the last server version is remembered") {
  TempDir tmp;
  auto spool = Spool::open(tmp.path());
  REQUIRE(spool.ok());
  CHECK((*spool)->server_version().empty());
  REQUIRE((*spool)->write_server_version("23.8").ok());
  CHECK((*spool)->server_version() == "23.8");
  CHECK(testing::read_all(tmp / "server-version") == "23.8\n");
}

}  // namespace
}  // namespace strictlog::sink_internal
