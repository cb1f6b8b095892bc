#include <catch2/catch.hpp>

#include "common/diagnostic.h"
#include "common/result.h"

namespace strictlog {
namespace {

Position at(const SourceRef& src, uint32_t line, uint32_t column) {
  Position p;
  p.source = src;
  p.line = line;
  p.column = column;
  return p;
}

Diagnostic error_at(Position where, std::string code, std::string message) {
  Diagnostic d;
  d.where = std::move(where);
  d.code = std::move(code);
  d.message = std::move(message);
  return d;
}

SourceRef source(std::string text) {
  return std::make_shared<const SourceFile>(SourceFile{"g/a.grammar", std::move(text)});
}

TEST_CASE("diagnostic: file:line:col, message, code, the line and a caret", "[common]") {
  auto src = source("grammar x 1;\nrule r = ip:ipv5;\n");
  Diagnostic d = error_at(at(src, 2, 13), "unknown-field-type", "unknown field type 'ipv5'");
  CHECK(render(d) ==
        "g/a.grammar:2:13: unknown field type 'ipv5' [unknown-field-type]\n"
        "  rule r = ip:ipv5;\n"
        "              ^\n");
}

TEST_CASE("diagnostic: notes render as positioned lines after the error", "[common]") {
  auto src = source("rule a = \"x\";\nrule a = \"y\";\n");
  Diagnostic d = error_at(at(src, 2, 1), "duplicate-rule", "rule 'a' is already defined");
  d.notes.push_back({at(src, 1, 1), "first defined here"});
  CHECK(render(d) ==
        "g/a.grammar:2:1: rule 'a' is already defined [duplicate-rule]\n"
        "  rule a = \"y\";\n"
        "  ^\n"
        "g/a.grammar:1:1: note: first defined here\n"
        "  rule a = \"x\";\n"
        "  ^\n");
}

TEST_CASE("diagnostic: the caret stays under its character after tabs and multi-byte UTF-8", "[common]") {
  // Byte column 5 is the '=' after a tab (8 display columns) and a two-byte 'é' (one column).
  auto src = source("\t\xc3\xa9 = bad;");
  Diagnostic d = error_at(at(src, 1, 5), "x", "here");
  CHECK(render(d) ==
        "g/a.grammar:1:5: here [x]\n"
        "          \xc3\xa9 = bad;\n"
        "            ^\n");
}

TEST_CASE("diagnostic: a column past the end puts the caret after the last character", "[common]") {
  auto src = source("grammar x 1\r\n");
  Diagnostic d = error_at(at(src, 1, 12), "syntax-error", "expected ';'");
  CHECK(render(d) ==
        "g/a.grammar:1:12: expected ';' [syntax-error]\n"
        "  grammar x 1\n"
        "             ^\n");
}

TEST_CASE("diagnostic: without a source only the message and code print", "[common]") {
  CHECK(render(plain_error("read-failed", "cannot read 'x': Permission denied")) ==
        "cannot read 'x': Permission denied [read-failed]\n");
}

TEST_CASE("diagnostic: line_text finds lines and is empty past the end", "[common]") {
  auto src = source("one\ntwo\r\nthree");
  CHECK(src->line_text(1) == "one");
  CHECK(src->line_text(2) == "two");
  CHECK(src->line_text(3) == "three");
  CHECK(src->line_text(4).empty());
}

TEST_CASE("result: holds a value or the errors, never both", "[common]") {
  Result<int> ok = 7;
  REQUIRE(ok.ok());
  CHECK(*ok == 7);
  Result<int> bad = plain_error("c", "m");
  REQUIRE_FALSE(bad.ok());
  REQUIRE(bad.errors().size() == 1);
  CHECK(bad.errors()[0].code == "c");
}

}  // namespace
}  // namespace strictlog
