// Golden docs (STYLE.md habit 7): docs/reference/events.md, the committed Markdown event reference, is byte
// for byte what protoc-gen-strictlog-markdown makes of proto/, grammars/ and mappings/ now: the build's
// gen/markdown/events.md (normalizer/generate/markdown.cmake, rebuilt with this test's executable).
#include <catch2/catch.hpp>

#include <string>

#include "generate/protoc_run.h"

namespace strictlog {
namespace {

using testing::read_all;

TEST_CASE("golden: docs/reference/events.md is the reference generated from proto/ grammars/ and mappings/",
          "[generate][golden]") {
  const std::string generated = STRICTLOG_BINARY_DIR "/gen/markdown/events.md";
  const std::string committed = STRICTLOG_SOURCE_DIR "/docs/reference/events.md";
  REQUIRE(testing::exists(generated));
  INFO("docs/reference/events.md is out of date: run `tools/regenerate-docs " STRICTLOG_BINARY_DIR
       "` (the build target update-reference-docs), review `git diff docs/reference/` and commit it with the "
       "change to proto/, grammars/ or mappings/ that caused it. diff -u committed generated:\n"
       << testing::diff(committed, generated));
  // A bool, so that a failure prints the diff rather than both files.
  const bool same_as_committed = testing::exists(committed) && read_all(committed) == read_all(generated);
  CHECK(same_as_committed);
}

}  // namespace
}  // namespace strictlog
