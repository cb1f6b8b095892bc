// The schemas in proto/ (as CMake compiles them into ${PROJECT_BINARY_DIR}/proto/descriptor_set.binpb)
// against the committed baseline proto/baseline/descriptor_set.binpb: no breaking change, and no
// compatible change left out of the baseline.
#include <google/protobuf/util/message_differencer.h>

#include <catch2/catch.hpp>

#include "schema/compat.h"
#include "schema/descriptor_set.h"

namespace strictlog::schema {
namespace {

using google::protobuf::FileDescriptorSet;

const std::string kBaseline = STRICTLOG_SOURCE_DIR "/proto/baseline/descriptor_set.binpb";
const std::string kCurrent = STRICTLOG_BINARY_DIR "/proto/descriptor_set.binpb";
// strictlog's own packages; the sets also hold google/protobuf's files (--include_imports).
const std::vector<std::string> kOurs{"strictlog"};

FileDescriptorSet load(const std::string& path) {
  auto set = DescriptorSet::load(path);
  INFO("reading " << path << ": " << (set ? std::string() : set.errors().front().message));
  REQUIRE(set.ok());
  return (*set)->protos();
}

std::string lines(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += s + "\n";
  return out;
}

}  // namespace

TEST_CASE("schema_compat: the current schema is compatible with the baseline", "[proto]") {
  INFO(
      "Fix the .proto: field numbers, names, types and enum values are forever; a removed field or value "
      "needs its number and name in `reserved`. Do not update proto/baseline to silence this.");
  CHECK(lines(breaking_changes(load(kBaseline), load(kCurrent), kOurs)) == "");
}

TEST_CASE("schema_compat: the baseline is up to date", "[proto]") {
  FileDescriptorSet baseline = load(kBaseline);
  FileDescriptorSet current = load(kCurrent);
  if (!breaking_changes(baseline, current, kOurs).empty()) {
    WARN("not comparing: the schema has breaking changes (see 'the current schema is compatible')");
    return;
  }
  // Only our own files: an upgrade of protobuf's bundled timestamp.proto is not a schema change.
  auto ours = [](const FileDescriptorSet& set) {
    FileDescriptorSet out;
    for (const auto& f : set.file()) {
      if (checks_package(kOurs, f.package())) *out.add_file() = f;
    }
    return out;
  };
  INFO(
      "proto/ changed compatibly since the baseline was made: run tools/update-proto-baseline and commit "
      "proto/baseline/descriptor_set.binpb with the .proto change, so the new fields become forever too.");
  CHECK(google::protobuf::util::MessageDifferencer::Equals(ours(baseline), ours(current)));
}

}  // namespace strictlog::schema
