// Corpus case files (verify/corpus.h): parsing with positions, every malformed-line error with its exact
// rendered text, print_corpus() as parse_corpus()'s inverse, and when print_case() quotes a line.
#include "verify/corpus.h"

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

namespace strictlog {
namespace {

using namespace std::string_literals;

SourceRef source(std::string text, std::string path = "corpus/t/1/a.cases") {
  return std::make_shared<const SourceFile>(SourceFile{std::move(path), std::move(text)});
}

CorpusFile parse_ok(const std::string& text) {
  auto parsed = parse_corpus(source(text));
  INFO((parsed ? std::string() : render(parsed.errors())));
  REQUIRE(parsed.ok());
  return std::move(parsed).value();
}

std::string errors_of(const std::string& text) {
  auto parsed = parse_corpus(source(text));
  REQUIRE_FALSE(parsed.ok());
  return render(parsed.errors());
}

const std::string kGood =
    "# Header comment.\n"                                           //  1
    "\n"                                                            //  2
    "year: 2024\n"                                                  //  3
    "\n"                                                            //  4
    "# The first case.\n"                                           //  5
    "line: Nov 22 09:15:02 h t[7]:  two  spaces \"inside\"\n"       //  6
    "event: t/1/failed\n"                                           //  7
    "  envelope.pid: 7\n"                                           //  8
    "  openvpn_tls_handshake_failed.src_endpoint.ip: \"a: b\"\n"    //  9
    "line-quoted: \" lead\\ttab\\x00\\xe9\"\n"                      // 10
    "quarantine: HEADER\n"                                          // 11
    "  detail: \"x\"\n"                                             // 12
    "\t# an indented comment\n"                                     // 13
    "line: no expectation yet\n"                                    // 14
    "\n"                                                            // 15
    "# trailing\n";                                                 // 16

TEST_CASE("parse_corpus: cases with positions and the year and the lines around them", "[verify]") {
  CorpusFile f = parse_ok(kGood);
  CHECK(f.source->path == "corpus/t/1/a.cases");
  CHECK(f.year == 2024);
  CHECK(f.header == std::vector<std::string>{"# Header comment.", "", "year: 2024"});
  CHECK(f.trailing == std::vector<std::string>{"", "# trailing"});
  REQUIRE(f.cases.size() == 3);

  const CorpusCase& a = f.cases[0];
  CHECK(a.leading == std::vector<std::string>{"", "# The first case."});
  CHECK(a.pos.source == f.source);
  CHECK(a.pos.line == 6);
  CHECK(a.pos.column == 1);
  CHECK(a.raw == "Nov 22 09:15:02 h t[7]:  two  spaces \"inside\"");  // verbatim
  CHECK(a.expect == CorpusCase::Expect::kEvent);
  CHECK(a.expect_pos.line == 7);
  CHECK(a.expect_pos.column == 1);
  CHECK(a.what == "t/1/failed");
  REQUIRE(a.fields.size() == 2);
  CHECK(a.fields[0].pos.line == 8);
  CHECK(a.fields[0].pos.column == 3);
  CHECK(a.fields[0].path == "envelope.pid");
  CHECK(a.fields[0].value == "7");
  CHECK(a.fields[1].pos.line == 9);
  CHECK(a.fields[1].path == "openvpn_tls_handshake_failed.src_endpoint.ip");
  CHECK(a.fields[1].value == "\"a: b\"");  // split at the first ": ", the value as written

  const CorpusCase& b = f.cases[1];
  CHECK(b.leading.empty());
  CHECK(b.pos.line == 10);
  CHECK(b.raw == " lead\ttab\0\xe9"s);
  CHECK(b.expect == CorpusCase::Expect::kQuarantine);
  CHECK(b.what == "HEADER");
  REQUIRE(b.fields.size() == 1);
  CHECK(b.fields[0].path == "detail");
  CHECK(b.fields[0].value == "\"x\"");

  const CorpusCase& c = f.cases[2];
  CHECK(c.leading == std::vector<std::string>{"\t# an indented comment"});
  CHECK(c.pos.line == 14);
  CHECK(c.raw == "no expectation yet");
  CHECK(c.expect == CorpusCase::Expect::kNone);
  CHECK(c.what.empty());
  CHECK(c.fields.empty());
}

TEST_CASE("parse_corpus: the year defaults to 2026 and bounds are inclusive", "[verify]") {
  CHECK(parse_ok("line: x\n").year == 2026);
  CHECK(parse_ok("year: 1970\n").year == 1970);
  CHECK(parse_ok("year: 9999\nline: x\n").year == 9999);
  CHECK(parse_ok("").cases.empty());
  // Without a final newline the last line still counts.
  CorpusFile f = parse_ok("line: a\nevent: t/1/r");
  REQUIRE(f.cases.size() == 1);
  CHECK(f.cases[0].what == "t/1/r");
}

TEST_CASE("parse_corpus: every malformed line is collected with its exact pointed text", "[verify]") {
  const std::string text =
      "event: t/1/r\n"                         //  1 expected-line
      "year: 20x6\n"                           //  2 bad-year
      "line-quoted: unquoted\n"                //  3 bad-quoted-line
      "line-quoted: \"bad \\q escape\"\n"      //  4 bad-quoted-line
      "  envelope.pid: 1\n"                    //  5 unexpected-line (no expectation yet)
      "event: t/1/r\n"                         //  6
      "event: t/1/s\n"                         //  7 duplicate-expectation
      "  envelope.pid 1\n"                     //  8 bad-field
      "  : 1\n"                                //  9 bad-field
      "garbage\n"                              // 10 unexpected-line (after the expectation)
      "year: 2026\n"                           // 11 misplaced-year
      "line: b\n"                              // 12
      "# a comment between\n"                  // 13
      "quarantine: HEADER\n";                  // 14 detached-expectation
  CHECK(errors_of(text) ==
        "corpus/t/1/a.cases:1:1: expected 'line:' or 'line-quoted:' to start a case (or 'year:', 'program:', '#') "
        "[expected-line]\n"
        "  event: t/1/r\n"
        "  ^\n"
        "corpus/t/1/a.cases:2:7: expected a year from 1970 to 9999 [bad-year]\n"
        "  year: 20x6\n"
        "        ^\n"
        "corpus/t/1/a.cases:3:14: expected a double-quoted line with escapes \\xHH \\r \\n \\t \\\\ \\\" "
        "[bad-quoted-line]\n"
        "  line-quoted: unquoted\n"
        "               ^\n"
        "corpus/t/1/a.cases:4:14: expected a double-quoted line with escapes \\xHH \\r \\n \\t \\\\ \\\" "
        "[bad-quoted-line]\n"
        "  line-quoted: \"bad \\q escape\"\n"
        "               ^\n"
        "corpus/t/1/a.cases:5:1: expected 'event: grammar/version/rule', 'drop: grammar/version/rule' or "
        "'quarantine: REASON' after 'line:' "
        "[unexpected-line]\n"
        "    envelope.pid: 1\n"
        "  ^\n"
        "corpus/t/1/a.cases:7:1: this case already has an expectation [duplicate-expectation]\n"
        "  event: t/1/s\n"
        "  ^\n"
        "corpus/t/1/a.cases:8:3: expected '  path: value' [bad-field]\n"
        "    envelope.pid 1\n"
        "    ^\n"
        "corpus/t/1/a.cases:9:3: expected '  path: value' [bad-field]\n"
        "    : 1\n"
        "    ^\n"
        "corpus/t/1/a.cases:10:1: expected an indented '  path: value', or a new case [unexpected-line]\n"
        "  garbage\n"
        "  ^\n"
        "corpus/t/1/a.cases:11:1: 'year:' belongs before the first case [misplaced-year]\n"
        "  year: 2026\n"
        "  ^\n"
        "corpus/t/1/a.cases:14:1: a blank or comment line separates this from its case's 'line:' "
        "[detached-expectation]\n"
        "  quarantine: HEADER\n"
        "  ^\n");
}

TEST_CASE("parse_corpus: years out of range and near misses of the keywords", "[verify]") {
  const std::string bad_year_1969 =
      "corpus/t/1/a.cases:1:7: expected a year from 1970 to 9999 [bad-year]\n"
      "  year: 1969\n"
      "        ^\n";
  CHECK(errors_of("year: 1969\n") == bad_year_1969);
  CHECK(errors_of("year: 10000\n") ==
        "corpus/t/1/a.cases:1:7: expected a year from 1970 to 9999 [bad-year]\n"
        "  year: 10000\n"
        "        ^\n");
  CHECK(errors_of("year: 2026 \n") ==
        "corpus/t/1/a.cases:1:7: expected a year from 1970 to 9999 [bad-year]\n"
        "  year: 2026 \n"
        "        ^\n");
  // `line:` needs its space; `Line:` is not `line:`.
  CHECK(errors_of("line:x\n") ==
        "corpus/t/1/a.cases:1:1: expected 'line:' or 'line-quoted:' to start a case (or 'year:', 'program:', '#') "
        "[expected-line]\n"
        "  line:x\n"
        "  ^\n");
  CHECK(errors_of("line: a\nevent:t/1/r\n") ==
        "corpus/t/1/a.cases:2:1: expected 'event: grammar/version/rule', 'drop: grammar/version/rule' or "
        "'quarantine: REASON' after 'line:' "
        "[unexpected-line]\n"
        "  event:t/1/r\n"
        "  ^\n");
  // A blank line between a case's fields detaches the rest, like a comment does.
  CHECK(errors_of("line: a\nevent: t/1/r\n  a: 1\n\n  b: 2\n") ==
        "corpus/t/1/a.cases:5:1: a blank or comment line separates this from its case's 'line:' "
        "[detached-expectation]\n"
        "    b: 2\n"
        "  ^\n");
}

TEST_CASE("parse_corpus: 'program:' names the program whose own log the lines are, before the first case",
          "[verify]") {
  CHECK(parse_ok("line: x\n").program.empty());  // by default the lines are syslog
  const std::string text =
      "# OpenVPN's --log output.\n"        // 1
      "year: 2025\n"                       // 2
      "program: openvpn\n"                 // 3
      "\n"                                 // 4
      "line: 2026-11-22 09:15:02 up\n"     // 5
      "event: t/1/r\n";                    // 6
  CorpusFile f = parse_ok(text);
  CHECK(f.program == "openvpn");
  CHECK(f.year == 2025);
  CHECK(f.header == std::vector<std::string>{"# OpenVPN's --log output.", "year: 2025", "program: openvpn"});
  REQUIRE(f.cases.size() == 1);
  CHECK(f.cases[0].leading == std::vector<std::string>{""});
  CHECK(f.cases[0].pos.line == 5);
  CHECK(print_corpus(f) == text);
  CHECK(parse_ok("program: ovpn-server\n").program == "ovpn-server");

  // After a case it is misplaced.
  CHECK(errors_of("program: a\nline: x\nprogram: b\n") ==
        "corpus/t/1/a.cases:3:1: 'program:' belongs before the first case [misplaced-program]\n"
        "  program: b\n"
        "  ^\n");
  // A name with a blank, or none, points at the name.
  CHECK(errors_of("program: open vpn\n") ==
        "corpus/t/1/a.cases:1:10: expected a program name without blanks [bad-program]\n"
        "  program: open vpn\n"
        "           ^\n");
  CHECK(errors_of("program: \n") ==
        "corpus/t/1/a.cases:1:10: expected a program name without blanks [bad-program]\n"
        "  program: \n"
        "           ^\n");
  // Near miss: `program:` needs its space.
  CHECK(errors_of("program:openvpn\n") ==
        "corpus/t/1/a.cases:1:1: expected 'line:' or 'line-quoted:' to start a case (or 'year:', 'program:', '#') "
        "[expected-line]\n"
        "  program:openvpn\n"
        "  ^\n");
}

TEST_CASE("parse_corpus: a drop expectation names the rule and states no fields", "[verify]") {
  CorpusFile f = parse_ok("line: Nov 22 09:15:03 h t: 3 variation(s) on previous 10 message(s) suppressed\n"
                          "drop: t/1/mute\n"
                          "line: b\n"
                          "event: t/1/r\n");
  REQUIRE(f.cases.size() == 2);
  CHECK(f.cases[0].expect == CorpusCase::Expect::kDrop);
  CHECK(f.cases[0].what == "t/1/mute");
  CHECK(f.cases[0].expect_pos.line == 2);
  CHECK(f.cases[0].expect_pos.column == 1);
  CHECK(f.cases[0].fields.empty());
  CHECK(f.cases[1].expect == CorpusCase::Expect::kEvent);

  // A dropped line becomes nothing: there is no field a case could state about it.
  CHECK(errors_of("line: a\ndrop: t/1/mute\n  detail: \"x\"\n  process_name: \"t\"\n") ==
        "corpus/t/1/a.cases:3:3: a dropped line becomes nothing, so it has no fields to state [drop-has-fields]\n"
        "    detail: \"x\"\n"
        "    ^\n"
        "corpus/t/1/a.cases:4:3: a dropped line becomes nothing, so it has no fields to state [drop-has-fields]\n"
        "    process_name: \"t\"\n"
        "    ^\n");
  // One expectation per case, whichever kinds.
  CHECK(errors_of("line: a\ndrop: t/1/mute\nevent: t/1/r\n") ==
        "corpus/t/1/a.cases:3:1: this case already has an expectation [duplicate-expectation]\n"
        "  event: t/1/r\n"
        "  ^\n");
  // Near miss: `drop:` needs its space.
  CHECK(errors_of("line: a\ndrop:t/1/mute\n") ==
        "corpus/t/1/a.cases:2:1: expected 'event: grammar/version/rule', 'drop: grammar/version/rule' or "
        "'quarantine: REASON' after 'line:' [unexpected-line]\n"
        "  drop:t/1/mute\n"
        "  ^\n");
}

const std::string kNeedsQuoting =
    "this line has edge spaces, control bytes or a leading quote that an editor could change unseen: write it as "
    "line-quoted: ";

TEST_CASE("parse_corpus: a verbatim line that needs quoting is an error that shows its quoted form", "[verify]") {
  struct Row {
    std::string text, quoted, shown;  // the file; the quoted form the error suggests; the line as rendered
  };
  const Row rows[] = {
      {"line: trailing \n", "\"trailing \"", "line: trailing "},
      {"line:  leading\n", "\" leading\"", "line:  leading"},
      {"line: \"quoted\" first\n", "\"\\\"quoted\\\" first\"", "line: \"quoted\" first"},
      {"line: a\tb\n", "\"a\\tb\"", "line: a b"},                  // the tab shown expanded
      {"line: crlf\r\n", "\"crlf\\r\"", "line: crlf"},             // a CRLF file: the CR is part of the line
      {"line: esc\x1b[0m\n", "\"esc\\x1b[0m\"", "line: esc\x1b[0m"},
      {"line: del\x7f\n", "\"del\\x7f\"", "line: del\x7f"},
      {"line: \n", "\"\"", "line: "},
  };
  for (const Row& row : rows) {
    INFO(row.text);
    CHECK(errors_of(row.text) == "corpus/t/1/a.cases:1:7: " + kNeedsQuoting + row.quoted + " [needs-quoting]\n" +
                                     "  " + row.shown + "\n" + std::string(8, ' ') + "^\n");
    // The suggested form reads back as the same bytes and needs no other change.
    std::string raw = row.text.substr(6, row.text.size() - 7);
    CorpusFile f = parse_ok("line-quoted: " + row.quoted + "\n");
    REQUIRE(f.cases.size() == 1);
    CHECK(f.cases[0].raw == raw);
  }
  // Every such line of a file is reported, each at its own line.
  CHECK(errors_of("line: ok\nline: a \nevent: t/1/r\nline:  b\n") ==
        "corpus/t/1/a.cases:2:7: " + kNeedsQuoting + "\"a \" [needs-quoting]\n" +
            "  line: a \n"
            "        ^\n"
            "corpus/t/1/a.cases:4:7: " + kNeedsQuoting + "\" b\" [needs-quoting]\n" +
            "  line:  b\n"
            "        ^\n");
}

TEST_CASE("parse_corpus: verbatim lines that an editor shows as they are need no quoting", "[verify]") {
  for (const std::string raw : {"two  inner  spaces", "inner \"quote\" and last\"", "caf\xc3\xa9", "back\\slash",
                                "x", "# not a comment after line:"}) {
    INFO(raw);
    CorpusFile f = parse_ok("line: " + raw + "\n");
    REQUIRE(f.cases.size() == 1);
    CHECK(f.cases[0].raw == raw);
  }
}

TEST_CASE("parse_corpus: a file that is not UTF-8 is one invalid-encoding error at its first bad byte", "[verify]") {
  const std::string tail = ": write such bytes as \\xHH in a 'line-quoted:' [invalid-encoding]\n";
  CHECK(errors_of("line: caf\xe9\n") ==
        "corpus/t/1/a.cases:1:10: truncated UTF-8 sequence" + tail +
            "  line: caf\xe9\n"
            "           ^\n");
  // In a comment, on a later line.
  CHECK(errors_of("# comment\nline: ok\n# \xff here\n") ==
        "corpus/t/1/a.cases:3:3: invalid UTF-8 lead byte 0xFF" + tail +
            "  # \xff here\n"
            "    ^\n");
  // In a field's value: an overlong '/'.
  CHECK(errors_of("line: x\nevent: t/1/r\n  detail: \"\xc0\xaf\"\n") ==
        "corpus/t/1/a.cases:3:12: overlong UTF-8 sequence" + tail +
            "    detail: \"\xc0\xaf\"\n"
            "             ^\n");
  // The column counts bytes; the caret counts characters (the \xc3\xa9 before it is one).
  CHECK(errors_of("line: caf\xc3\xa9 \x80\n") ==
        "corpus/t/1/a.cases:1:13: unexpected UTF-8 continuation byte 0x80" + tail +
            "  line: caf\xc3\xa9 \x80\n"
            "             ^\n");
  CHECK(errors_of("line: a"s + '\0' + "b\n") ==
        "corpus/t/1/a.cases:1:8: NUL byte" + tail +
            "  line: a"s + '\0' + "b\n"
            "         ^\n");
  // The first bad byte is the file's only error: lines around it are not parsed.
  CHECK(errors_of("bogus\nline: \xed\xa0\x80\nline: \xff\n") ==
        "corpus/t/1/a.cases:2:7: UTF-16 surrogate in UTF-8" + tail +
            "  line: \xed\xa0\x80\n"
            "        ^\n");
  // The same bytes as escapes in a `line-quoted:` are fine.
  CHECK(parse_ok("line-quoted: \"caf\\xe9 \\x80 \\xed\\xa0\\x80\"\n").cases.at(0).raw == "caf\xe9 \x80 \xed\xa0\x80");
}

TEST_CASE("print_corpus reproduces a file exactly with comments and blank and quoted lines", "[verify]") {
  CHECK(print_corpus(parse_ok(kGood)) == kGood);
  const std::string other =
      "line-quoted: \"\"\n"
      "quarantine: HEADER\n"
      "  detail: \"not an RFC 3164 syslog line: no RFC 3164 timestamp at byte 0\"\n"
      "line-quoted: \"trailing \"\n"
      "line-quoted: \"\\\"quoted\\\"\"\n"
      "event: t/1/r\n"
      "line: caf\xc3\xa9 \"inside\" quotes\n"
      "#\n";
  CHECK(print_corpus(parse_ok(other)) == other);
  CHECK(print_corpus(parse_ok("")) == "");
  CHECK(print_corpus(parse_ok("# only a comment\n\n")) == "# only a comment\n\n");
  const std::string dropped = "# noise\nline: a\ndrop: t/1/mute\nline-quoted: \" b\"\ndrop: t/1/mute\n";
  CHECK(print_corpus(parse_ok(dropped)) == dropped);
}

TEST_CASE("print_corpus writes the canonical form of what it read", "[verify]") {
  // A quoted line that needs no quoting is written verbatim, escapes that quote() does not use are
  // written as it writes them, and a last line gets its newline.
  CHECK(print_corpus(parse_ok("line-quoted: \"plain\"\nline-quoted: \"\\x41\\x09\"\nevent: t/1/r")) ==
        "line: plain\nline-quoted: \"A\\t\"\nevent: t/1/r\n");
}

CorpusCase case_of(std::string raw) {
  CorpusCase c;
  c.raw = std::move(raw);
  return c;
}

TEST_CASE("print_case quotes lines a verbatim form would hide", "[verify]") {
  struct Row {
    std::string raw, printed;
  };
  const Row rows[] = {
      {"plain line", "line: plain line\n"},
      {"inner \"quote\" and caf\xc3\xa9", "line: inner \"quote\" and caf\xc3\xa9\n"},
      {"back\\slash", "line: back\\slash\n"},
      {"", "line-quoted: \"\"\n"},
      {" leading space", "line-quoted: \" leading space\"\n"},
      {"trailing space ", "line-quoted: \"trailing space \"\n"},
      {"\"leading quote", "line-quoted: \"\\\"leading quote\"\n"},
      {"a\tb", "line-quoted: \"a\\tb\"\n"},
      {"a\rb", "line-quoted: \"a\\rb\"\n"},
      {"nul\0"s, "line-quoted: \"nul\\x00\"\n"},
      {"esc\x1b[0m", "line-quoted: \"esc\\x1b[0m\"\n"},
      {"del\x7f", "line-quoted: \"del\\x7f\"\n"},
      {"caf\xe9", "line-quoted: \"caf\\xe9\"\n"},
      {"\xc3\xa9\xc3", "line-quoted: \"\xc3\xa9\\xc3\"\n"},
      {"overlong \xc0\xaf", "line-quoted: \"overlong \\xc0\\xaf\"\n"},
  };
  for (const Row& row : rows) {
    INFO(row.printed);
    CHECK(print_case(case_of(row.raw)) == row.printed);
    // Reads back as the same bytes.
    auto parsed = parse_corpus(source(row.printed));
    REQUIRE(parsed.ok());
    REQUIRE(parsed->cases.size() == 1);
    CHECK(parsed->cases[0].raw == row.raw);
  }
}

TEST_CASE("print_case writes the expectation and its fields but not the leading lines", "[verify]") {
  CorpusCase c = case_of("x");
  c.leading = {"# not printed by print_case"};
  c.expect = CorpusCase::Expect::kQuarantine;
  c.what = "NO_MATCH";
  c.fields = {{{}, "detail", "\"d\""}, {{}, "process_name", "\"p\""}};
  CHECK(print_case(c) == "line: x\nquarantine: NO_MATCH\n  detail: \"d\"\n  process_name: \"p\"\n");
  c.expect = CorpusCase::Expect::kEvent;
  c.what = "t/1/r";
  c.fields.clear();
  CHECK(print_case(c) == "line: x\nevent: t/1/r\n");
  c.expect = CorpusCase::Expect::kDrop;
  c.what = "t/1/mute";
  CHECK(print_case(c) == "line: x\ndrop: t/1/mute\n");
}

}  // namespace
}  // namespace strictlog
