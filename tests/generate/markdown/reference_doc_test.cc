// The Markdown reference (generate/internal/reference_doc.h, columns_markdown.h) of the small model
// tests/generate/markdown/testdata/tiny.proto, parsed with its comments as protoc would hand it to the plugin;
// and the errors reference_markdown() reports. The whole reference of strictlog's own model is the golden
// docs/reference/events.md (tests/generate/reference_docs_test.cc).
#include "generate/internal/reference_doc.h"

#include <google/protobuf/compiler/importer.h>
#include <google/protobuf/descriptor.pb.h>

#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "generate/internal/columns_markdown.h"

namespace strictlog::generate {
namespace {

namespace pb = google::protobuf;

// tiny.proto, its imports taken from the compiled-in descriptors (options.proto, timestamp.proto).
class Tiny {
 public:
  Tiny() : tree_(), db_(&tree_), pool_(pb::DescriptorPool::generated_pool()) {
    tree_.MapPath("", STRICTLOG_SOURCE_DIR "/tests/generate/markdown/testdata");
    pb::FileDescriptorProto proto;
    if (!db_.FindFileByName("tiny.proto", &proto)) throw std::runtime_error("tiny.proto does not parse");
    file_ = pool_.BuildFile(proto);
    if (file_ == nullptr) throw std::runtime_error("tiny.proto does not build");
    auto tables = schema::tables_in({file_});
    if (!tables) throw std::runtime_error("tiny.proto has no tables: " + tables.errors().front().message);
    tables_ = std::move(tables).value();
  }
  const std::vector<schema::Table>& tables() const { return tables_; }
  const schema::Table& table(const std::string& name) const {
    for (const schema::Table& t : tables_) {
      if (t.name == name) return t;
    }
    throw std::runtime_error("no table " + name);
  }

 private:
  pb::compiler::DiskSourceTree tree_;
  pb::compiler::SourceTreeDescriptorDatabase db_;
  pb::DescriptorPool pool_;
  const pb::FileDescriptor* file_ = nullptr;
  std::vector<schema::Table> tables_;
};

std::vector<const schema::Column*> columns(const schema::Table& t) {
  std::vector<const schema::Column*> out;
  for (const schema::Column& c : t.columns) out.push_back(&c);
  return out;
}

TEST_CASE("columns_markdown: names and types from the table model, comments of the path", "[markdown]") {
  Tiny tiny;
  const schema::Table& login = tiny.table("login");
  // The payload's columns only, without the payload field's name (skip 1).
  std::vector<const schema::Column*> own;
  for (const schema::Column& c : login.columns) {
    if (c.path.front() == login.payload) own.push_back(&c);
  }
  CHECK(columns_markdown(own, 1, {}) ==
        "| Column | Field | Proto type | ClickHouse | SQLite | Nullable | Description |\n"
        "|---|---|---|---|---|---|---|\n"
        "| `peer_ip` | `peer.ip` | `string`, an IP address | `Nullable(FixedString(16))` | `TEXT` | yes | "
        "**`peer`**: Who connected.<br>The address \\| as printed. |\n"
        "| `peer_port` | `peer.port` | `uint32` | `Nullable(UInt32)` | `INTEGER` | yes | The port, when printed. |\n"
        "| `level` | `level` | [`Level`](#tinyv1level) | `Enum8(...)` | `TEXT NOT NULL` | no | A trailing comment. |\n"
        // No comment on `server`: its message's.
        "| `server_ip` | `server.ip` | `string`, an IP address | `Nullable(FixedString(16))` | `TEXT` | yes | "
        "**`server`**: A network peer.<br>The address \\| as printed. |\n"
        "| `server_port` | `server.port` | `uint32` | `Nullable(UInt32)` | `INTEGER` | yes | "
        "The port, when printed. |\n");
}

TEST_CASE("columns_markdown: a timestamp's two columns, arrays, a oneof's comment, a newer ClickHouse", "[markdown]") {
  Tiny tiny;
  const schema::Table& login = tiny.table("login");
  std::vector<const schema::Column*> shared;
  for (const schema::Column& c : login.columns) {
    if (c.path.front() != login.payload) shared.push_back(&c);
  }
  CHECK(columns_markdown(shared, 0, {}) ==
        "| Column | Field | Proto type | ClickHouse | SQLite | Nullable | Description |\n"
        "|---|---|---|---|---|---|---|\n"
        "| `head_time`<br>`head_time_nanos` | `head.time` | `google.protobuf.Timestamp` | "
        "`DateTime('UTC')`<br>`UInt32` | `INTEGER NOT NULL`<br>`INTEGER NOT NULL` | no | "
        "**`head`**: Always set.<br>When it happened. |\n"
        "| `head_labels` | `head.labels[]` | `string` | `Array(String)` | `TEXT` | no | "
        "Labels, in order: `a\\|b`. |\n");
  // DateTime64 (ClickHouse 20.1) is one column; SQLite still has two, so its cell names them.
  CHECK(columns_markdown({shared.front()}, 0, {23, 8}) ==
        "| Column | Field | Proto type | ClickHouse | SQLite | Nullable | Description |\n"
        "|---|---|---|---|---|---|---|\n"
        "| `head_time` | `head.time` | `google.protobuf.Timestamp` | `DateTime64(9, 'UTC')` | "
        "`head_time` `INTEGER NOT NULL`<br>`head_time_nanos` `INTEGER NOT NULL` | no | "
        "**`head`**: Always set.<br>When it happened. |\n");
  CHECK(columns_markdown(columns(tiny.table("raw")), 0, {}) ==
        "| Column | Field | Proto type | ClickHouse | SQLite | Nullable | Description |\n"
        "|---|---|---|---|---|---|---|\n"
        "| `text` | `text` | `string` | `Nullable(String)` | `TEXT` | yes | "
        "**one of `content`**: The bytes as read. |\n"
        "| `data` | `data` | `bytes` | `Nullable(String)` | `BLOB` | yes |  |\n");
}

TEST_CASE("shorten_enum leaves the type around an enum's value list", "[markdown]") {
  CHECK(shorten_enum("Enum8('A' = 0, 'B' = 1)") == "Enum8(...)");
  CHECK(shorten_enum("Array(Nullable(Enum16('A' = 0, 'B)' = 300)))") == "Array(Nullable(Enum16(...)))");
  CHECK(shorten_enum("Nullable(FixedString(16))") == "Nullable(FixedString(16))");
}

TEST_CASE("reference_markdown: an event's section, with and without rules", "[markdown]") {
  Tiny tiny;
  Producers producers;
  producers["login"].push_back({"g", {"1", "2"}, "login_ok", "login ok from 192.0.2.7"});
  ReferenceOptions options;
  options.producers = &producers;
  Result<std::string> doc = reference_markdown(tiny.tables(), options);
  REQUIRE(doc.ok());
  const std::string login_section =
      "### `login`\n"
      "\n"
      "Message `tiny.v1.Login`, field `login` = 2 of `tiny.v1.Record`. Table `login`: the [envelope "
      "columns](#columns-of-every-record-table), then the columns below.\n"
      "\n"
      "A login: rules a/\\*/x, b/\\*/y.\n"
      "\n"
      "Second paragraph.\n"
      "\n"
      "**Produced by:**\n"
      "\n"
      "- g 1, 2: `login_ok`, e.g. `login ok from 192.0.2.7`\n"
      "\n"
      "| Column |";
  CHECK(doc->find(login_section) != std::string::npos);
  const std::string nothing_section =
      "### `nothing`\n"
      "\n"
      "Message `tiny.v1.Nothing`, field `nothing` = 3 of `tiny.v1.Record`. Table `nothing`: the [envelope "
      "columns](#columns-of-every-record-table), then the columns below.\n"
      "\n"
      "*`tiny.v1.Nothing` has no comment in `tiny.proto`.*\n"
      "\n"
      "**Produced by:** no rule of the grammars.\n"
      "\n"
      "It has no columns besides the envelope's.\n";
  CHECK(doc->find(nothing_section) != std::string::npos);
  const std::string contents =
      "## Contents\n"
      "\n"
      "- [Columns of every `Record` table](#columns-of-every-record-table)\n"
      "- [Other `Record` payloads](#other-record-payloads), from `tiny.proto`\n"
      "  - [`login`](#login): Someone logged in.\n"
      "  - [`nothing`](#nothing)\n"
      "- [`raw`](#raw)\n"
      "- [Enums](#enums)\n";
  CHECK(doc->find(contents) != std::string::npos);
  const std::string enums =
      "## Enums\n"
      "\n"
      "Each value is stored as its name.\n"
      "\n"
      "### `tiny.v1.Level`\n"
      "\n"
      "How bad it is.\n"
      "\n"
      "| Value | Number | Description |\n"
      "|---|---|---|\n"
      "| `LEVEL_UNSPECIFIED` | 0 |  |\n"
      "| `LEVEL_HIGH` | 1 | Worth a look. |\n";
  CHECK(doc->ends_with(enums));
  // Without rules, nothing is said about them.
  Result<std::string> plain = reference_markdown(tiny.tables(), {});
  REQUIRE(plain.ok());
  CHECK(plain->find("Produced by") == std::string::npos);
}

TEST_CASE("reference_markdown: a rule of a payload the model lacks, and two headings of one anchor", "[markdown]") {
  Tiny tiny;
  Producers producers;
  producers["logout"].push_back({"g", {"1"}, "bye", ""});
  ReferenceOptions options;
  options.producers = &producers;
  Result<std::string> doc = reference_markdown(tiny.tables(), options);
  REQUIRE_FALSE(doc.ok());
  REQUIRE(doc.errors().size() == 1);
  CHECK(doc.errors()[0].message ==
        "rule g/1/bye maps to the payload 'logout', which no table of the given .proto files has: the mappings "
        "and the data model disagree");
  // A table named `enums` has the anchor of the Enums section.
  std::vector<schema::Table> tables = tiny.tables();
  tables.back().name = "enums";
  doc = reference_markdown(tables, {});
  REQUIRE_FALSE(doc.ok());
  REQUIRE(doc.errors().size() == 1);
  CHECK(doc.errors()[0].message == "the headings '`enums`' and 'Enums' both have the GitHub anchor '#enums'");
}

}  // namespace
}  // namespace strictlog::generate
