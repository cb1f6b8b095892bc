// parse_grammar() on grammars that must fail: each case is a grammar text and the exact rendered
// diagnostics (`path:line:col: message [code]`, the line, a caret), so a message, a code or a caret that
// moves is a failing test. Syntax errors are collected: the parser resynchronises at the next line that
// starts with a declaration keyword.
#include <memory>
#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "dsl/dsl.h"

namespace strictlog::dsl {
namespace {

SourceRef source(std::string_view text) {
  return std::make_shared<const SourceFile>(SourceFile{"g/t.grammar", std::string(text)});
}

struct BadCase {
  std::string_view why;
  std::string_view text;
  std::string_view rendered;
};

const BadCase kBad[] = {
    // Where PEGTL notices a missing token is the next token, often on a later line; the error moves back
    // to the end of the unfinished line.
    {"missing ';': reported at the end of the unfinished line, not at the next declaration",
     "grammar g 1;\n"
     "programs \"a\"\n"
     "\n"
     "rule r = \"x\" example \"x\";\n",
     "g/t.grammar:2:13: expected ';' to end the declaration [syntax-error]\n"
     "  programs \"a\"\n"
     "              ^\n"},
    {"missing ';': moving back skips comments, a trailing one and whole comment lines",
     "grammar g 1;\n"
     "rule r = \"x\"  # the rule\n"
     "  example \"x\"   # its example, and a \"quoted\" word\n"
     "# the next one:\n"
     "\n"
     "rule s = \"y\" example \"y\";\n",
     "g/t.grammar:3:14: expected ';' to end the declaration [syntax-error]\n"
     "    example \"x\"   # its example, and a \"quoted\" word\n"
     "               ^\n"},
    {"missing ';': a '#' inside a string is not a comment",
     "grammar g 1;\n"
     "programs \"a#b\"  # tags\n"
     "rule r = \"x\" example \"x\";\n",
     "g/t.grammar:2:15: expected ';' to end the declaration [syntax-error]\n"
     "  programs \"a#b\"  # tags\n"
     "                ^\n"},
    {"missing ';' at the end of a file without a final newline",
     "grammar g 1;\n"
     "rule r = \"x\" example \"x\"",
     "g/t.grammar:2:25: expected ';' to end the declaration [syntax-error]\n"
     "  rule r = \"x\" example \"x\"\n"
     "                          ^\n"},
    {"missing ';' in a file with CRLF line ends: the echoed line has no '\\r'",
     "grammar g 1;\r\n"
     "programs \"a\"\r\n"
     "rule r = \"x\" example \"x\";\r\n",
     "g/t.grammar:2:13: expected ';' to end the declaration [syntax-error]\n"
     "  programs \"a\"\n"
     "              ^\n"},
    {"an empty branch of alternatives",
     "grammar g 1;\n"
     "rule r = ( \"a\" | ) example \"a\";\n",
     "g/t.grammar:2:18: expected a pattern element after '(' or '|' [syntax-error]\n"
     "  rule r = ( \"a\" | ) example \"a\";\n"
     "                   ^\n"},
    {"alternatives left open",
     "grammar g 1;\n"
     "rule r = ( \"a\" | \"b\" example \"a\";\n",
     "g/t.grammar:2:22: expected '|' or ')' to continue or close the alternatives (a type's arguments follow its "
     "name without a space: enum(\"a\", \"b\")) [syntax-error]\n"
     "  rule r = ( \"a\" | \"b\" example \"a\";\n"
     "                       ^\n"},
    {"a space between a type and its arguments: the parentheses open alternatives, and the message says so",
     "grammar g 1;\n"
     "rule r = h:enum (\"soft\", \"hard\") example \"soft\";\n",
     "g/t.grammar:2:24: expected '|' or ')' to continue or close the alternatives (a type's arguments follow its "
     "name without a space: enum(\"a\", \"b\")) [syntax-error]\n"
     "  rule r = h:enum (\"soft\", \"hard\") example \"soft\";\n"
     "                         ^\n"},
    {"enum arguments without a comma",
     "grammar g 1;\n"
     "rule r = h:enum(\"soft\" \"hard\") example \"soft\";\n",
     "g/t.grammar:2:24: expected ',' or ')' after an argument [syntax-error]\n"
     "  rule r = h:enum(\"soft\" \"hard\") example \"soft\";\n"
     "                         ^\n"},
    {"an argument that is not quoted",
     "grammar g 1;\n"
     "rule r = h:enum(soft) example \"soft\";\n",
     "g/t.grammar:2:17: expected a quoted argument, e.g. \"soft\" [syntax-error]\n"
     "  rule r = h:enum(soft) example \"soft\";\n"
     "                  ^\n"},
    {"a pattern's parameter list with a trailing comma",
     "grammar g 1;\n"
     "pattern p(a, ) = a;\n",
     "g/t.grammar:2:14: expected a parameter name [syntax-error]\n"
     "  pattern p(a, ) = a;\n"
     "               ^\n"},
    {"prefer without 'over'",
     "grammar g 1;\n"
     "prefer a b;\n",
     "g/t.grammar:2:10: expected 'over' and the rule it wins against [syntax-error]\n"
     "  prefer a b;\n"
     "           ^\n"},
    {"prefer without the losing rule",
     "grammar g 1;\n"
     "prefer a over;\n",
     "g/t.grammar:2:14: expected a rule id after 'over' [syntax-error]\n"
     "  prefer a over;\n"
     "               ^\n"},
    {"a drop rule without '='",
     "grammar g 1;\n"
     "drop noise \"n\" example \"n\";\n",
     "g/t.grammar:2:12: expected '=' before the pattern's elements [syntax-error]\n"
     "  drop noise \"n\" example \"n\";\n"
     "             ^\n"},
    {"missing type after ':'",
     "grammar g 1;\n"
     "rule r = ip: ;\n",
     "g/t.grammar:2:14: expected a field type or pattern name after ':' [syntax-error]\n"
     "  rule r = ip: ;\n"
     "               ^\n"},
    {"unterminated string: reported at the end of its line",
     "grammar g 1;\n"
     "rule r = \"abc\n"
     "  example \"abc\";\n",
     "g/t.grammar:2:14: unterminated string: expected '\"' before the end of the line [syntax-error]\n"
     "  rule r = \"abc\n"
     "               ^\n"},
    {"unknown escape: reported at the character after the backslash",
     "grammar g 1;\n"
     "rule r = \"a\\qb\" example \"aqb\";\n",
     "g/t.grammar:2:13: unknown escape: only \\\" \\\\ and \\t are allowed in strings [syntax-error]\n"
     "  rule r = \"a\\qb\" example \"aqb\";\n"
     "              ^\n"},
    {"missing ']': reported at the token that came instead",
     "grammar g 1;\n"
     "rule r = [ \"a\" \"b\" example \"ab\";\n",
     "g/t.grammar:2:20: expected ']' to close the optional group [syntax-error]\n"
     "  rule r = [ \"a\" \"b\" example \"ab\";\n"
     "                     ^\n"},
    {"missing ']' at the end of a line",
     "grammar g 1;\n"
     "rule r = \"x\" [ \"a\"\n"
     "  example \"x\";\n",
     "g/t.grammar:2:19: expected ']' to close the optional group [syntax-error]\n"
     "  rule r = \"x\" [ \"a\"\n"
     "                    ^\n"},
    {"an empty optional group",
     "grammar g 1;\n"
     "rule r = \"x\" [ ] example \"x\";\n",
     "g/t.grammar:2:16: expected a pattern element inside '[ ]' [syntax-error]\n"
     "  rule r = \"x\" [ ] example \"x\";\n"
     "                 ^\n"},
    {"missing '='",
     "grammar g 1;\n"
     "rule r \"a\" example \"a\";\n",
     "g/t.grammar:2:8: expected '=' before the pattern's elements [syntax-error]\n"
     "  rule r \"a\" example \"a\";\n"
     "         ^\n"},
    {"a rule without elements: 'example' is not a capture name",
     "grammar g 1;\n"
     "rule r = example \"a\";\n",
     "g/t.grammar:2:10: expected a pattern element: \"literal\", name:type, [ optional ] or ( alternatives ) [syntax-error]\n"
     "  rule r = example \"a\";\n"
     "           ^\n"},
    {"'example' without its text",
     "grammar g 1;\n"
     "rule r = \"a\" example;\n",
     "g/t.grammar:2:21: expected a quoted example after 'example' [syntax-error]\n"
     "  rule r = \"a\" example;\n"
     "                      ^\n"},
    {"a rule without its id",
     "grammar g 1;\n"
     "rule = \"a\" example \"a\";\n",
     "g/t.grammar:2:6: expected the rule's id after 'rule' [syntax-error]\n"
     "  rule = \"a\" example \"a\";\n"
     "       ^\n"},
    {"a pattern without its name",
     "grammar g 1;\n"
     "pattern = \"a\";\n",
     "g/t.grammar:2:9: expected the pattern's name after 'pattern' [syntax-error]\n"
     "  pattern = \"a\";\n"
     "          ^\n"},
    {"'programs' without globs",
     "grammar g 1;\n"
     "programs;\n",
     "g/t.grammar:2:9: expected one or more quoted program globs, e.g. \"openvpn\" \"ovpn-*\" [syntax-error]\n"
     "  programs;\n"
     "          ^\n"},
    {"a header without a name; the missing header is not reported on top of the broken one",
     "grammar 2.6;\n"
     "programs \"a\";\n",
     "g/t.grammar:1:9: expected the grammar's name (letters, digits and '_') after 'grammar' [syntax-error]\n"
     "  grammar 2.6;\n"
     "          ^\n"},
    {"a header without a version",
     "grammar g ;\n",
     "g/t.grammar:1:11: expected the source version the grammar describes, e.g. 2.6 [syntax-error]\n"
     "  grammar g ;\n"
     "            ^\n"},

    // At the top level nothing of a declaration was read, so the error stays at the stray token.
    {"a stray token at the top level: reported at the token, after a blank line",
     "grammar g 1;\n"
     "\n"
     "foo bar;\n"
     "rule r = \"a\" example \"a\";\n",
     "g/t.grammar:3:1: expected a declaration: 'grammar', 'programs', 'pattern', 'rule', 'drop', 'prefer', 'override', 'remove', 'default' or 'detect' [syntax-error]\n"
     "  foo bar;\n"
     "  ^\n"},
    {"a near-miss keyword is a stray token",
     "grammar g 1;\n"
     "rules r = \"a\";\n",
     "g/t.grammar:2:1: expected a declaration: 'grammar', 'programs', 'pattern', 'rule', 'drop', 'prefer', 'override', 'remove', 'default' or 'detect' [syntax-error]\n"
     "  rules r = \"a\";\n"
     "  ^\n"},
    {"a stray token after a declaration on the same line",
     "grammar g 1; }\n",
     "g/t.grammar:1:14: expected a declaration: 'grammar', 'programs', 'pattern', 'rule', 'drop', 'prefer', 'override', 'remove', 'default' or 'detect' [syntax-error]\n"
     "  grammar g 1; }\n"
     "               ^\n"},

    {"no grammar header",
     "programs \"a\";\n"
     "rule r = \"a\" example \"a\";\n",
     "g/t.grammar:1:1: a grammar file must declare its name and source version, e.g. 'grammar openvpn 2.6;' "
     "[missing-grammar-header]\n"
     "  programs \"a\";\n"
     "  ^\n"},
    {"an empty file",
     "",
     "g/t.grammar:1:1: a grammar file must declare its name and source version, e.g. 'grammar openvpn 2.6;' "
     "[missing-grammar-header]\n"
     "  \n"
     "  ^\n"},
    {"a file of comments only",
     "# nothing here\n",
     "g/t.grammar:1:1: a grammar file must declare its name and source version, e.g. 'grammar openvpn 2.6;' "
     "[missing-grammar-header]\n"
     "  # nothing here\n"
     "  ^\n"},
    {"a second grammar header, with a note at the first",
     "grammar g 1;\n"
     "programs \"a\";\n"
     "grammar h 2;\n",
     "g/t.grammar:3:1: the grammar's name and version are already declared [duplicate-grammar-header]\n"
     "  grammar h 2;\n"
     "  ^\n"
     "g/t.grammar:1:1: note: first declared here\n"
     "  grammar g 1;\n"
     "  ^\n"},
    {"a grammar header after another declaration, with a note at that declaration (dsl.h: 'once, first')",
     "# comment lines may come first\n"
     "programs \"a\";\n"
     "grammar g 1;\n",
     "g/t.grammar:3:1: the grammar's name and version must be declared first [misplaced-grammar-header]\n"
     "  grammar g 1;\n"
     "  ^\n"
     "g/t.grammar:2:1: note: first declaration here\n"
     "  programs \"a\";\n"
     "  ^\n"},

    // Versions (`grammar NAME VERSION extends BASE;`, `override`, `remove`, `default;`, `detect`).
    {"'extends' without the version it extends",
     "grammar x 1 extends;\n",
     "g/t.grammar:1:20: expected the version this one extends after 'extends', e.g. 2.6 [syntax-error]\n"
     "  grammar x 1 extends;\n"
     "                     ^\n"},
    {"'extends' followed by a name instead of a version",
     "grammar x 1 extends x;\n",
     "g/t.grammar:1:21: expected the version this one extends after 'extends', e.g. 2.6 [syntax-error]\n"
     "  grammar x 1 extends x;\n"
     "                      ^\n"},
    // The caret is where the known form stops matching: under the word that differs.
    {"a detection strictlog does not know",
     "grammar g 1;\n"
     "detect timestamp iso;\n",
     "g/t.grammar:2:18: expected 'timestamp ctime' after 'detect' (the one detection strictlog knows: a program log "
     "line with a ctime() timestamp) [syntax-error]\n"
     "  detect timestamp iso;\n"
     "                   ^\n"},
    {"'detect' without 'timestamp'",
     "grammar g 1;\n"
     "detect ctime;\n",
     "g/t.grammar:2:8: expected 'timestamp ctime' after 'detect' (the one detection strictlog knows: a program log "
     "line with a ctime() timestamp) [syntax-error]\n"
     "  detect ctime;\n"
     "         ^\n"},
    {"'detect timestamp ctimes': a keyword is a whole word (the caret is where the word goes on)",
     "grammar g 1;\n"
     "detect timestamp ctimes;\n",
     "g/t.grammar:2:23: expected 'timestamp ctime' after 'detect' (the one detection strictlog knows: a program log "
     "line with a ctime() timestamp) [syntax-error]\n"
     "  detect timestamp ctimes;\n"
     "                        ^\n"},
    {"'detect timestamp ctime' without its ';'",
     "grammar g 1;\n"
     "detect timestamp ctime\n"
     "rule r = \"x\" example \"x\";\n",
     "g/t.grammar:2:23: expected ';' to end the declaration [syntax-error]\n"
     "  detect timestamp ctime\n"
     "                        ^\n"},
    {"'override' of something that is not a pattern or a rule",
     "grammar g 1 extends 0;\n"
     "override foo = \"x\";\n",
     "g/t.grammar:2:10: expected 'pattern', 'rule' or 'drop' after 'override' [syntax-error]\n"
     "  override foo = \"x\";\n"
     "           ^\n"},
    {"'override' twice",
     "grammar g 1 extends 0;\n"
     "override override rule r = \"x\" example \"x\";\n",
     "g/t.grammar:2:10: expected 'pattern', 'rule' or 'drop' after 'override' [syntax-error]\n"
     "  override override rule r = \"x\" example \"x\";\n"
     "           ^\n"},
    {"'remove' without an id",
     "grammar g 1 extends 0;\n"
     "remove ;\n",
     "g/t.grammar:2:8: expected the id of an inherited rule to remove [syntax-error]\n"
     "  remove ;\n"
     "         ^\n"},
    {"'remove' with a trailing comma",
     "grammar g 1 extends 0;\n"
     "remove a, ;\n",
     "g/t.grammar:2:11: expected the id of an inherited rule to remove [syntax-error]\n"
     "  remove a, ;\n"
     "            ^\n"},
    {"'default' with an argument",
     "grammar g 1;\n"
     "default 1;\n",
     "g/t.grammar:2:9: expected ';' to end the declaration [syntax-error]\n"
     "  default 1;\n"
     "          ^\n"},
    {"'default;' twice, with a note at the first",
     "grammar g 1;\n"
     "default;\n"
     "rule r = \"x\" example \"x\";\n"
     "  default ;\n",
     "g/t.grammar:4:3: 'default;' is already declared [duplicate-default]\n"
     "    default ;\n"
     "    ^\n"
     "g/t.grammar:2:1: note: first declared here\n"
     "  default;\n"
     "  ^\n"},
    {"'detect timestamp ctime;' twice, with a note at the first",
     "grammar g 1;\n"
     "detect timestamp ctime;\n"
     "detect  timestamp  ctime ;\n",
     "g/t.grammar:3:1: 'detect timestamp ctime;' is already declared [duplicate-detect]\n"
     "  detect  timestamp  ctime ;\n"
     "  ^\n"
     "g/t.grammar:2:1: note: first declared here\n"
     "  detect timestamp ctime;\n"
     "  ^\n"},

    // The display column of the caret: the tab expands to column 16 and 'é' and 'ü' are two bytes each
    // but one column, so byte column 30 is display column 34, under `ipv4`.
    {"caret under the right character after a tab and multi-byte UTF-8",
     "grammar g 1;\n"
     "rule r =\t\"\xc3\xa9\" x:ipv4 \"\xc3\xbc\" ip:4;\n",
     "g/t.grammar:2:30: expected a field type or pattern name after ':' [syntax-error]\n"
     "  rule r =        \"\xc3\xa9\" x:ipv4 \"\xc3\xbc\" ip:4;\n"
     "                                    ^\n"},
    // Found by fuzz_grammar (tests/fuzz/regressions/fuzz_grammar/mapping-literal-invalid-utf8): a stray byte
    // in a literal would reach an event's string field, which protobuf cannot serialize.
    {"a file that is not UTF-8 text: the first bad byte, before any parsing",
     "grammar g 1;\n"
     "rule r = \"n\xd3ne\" example \"n\";\n",
     "g/t.grammar:2:12: truncated UTF-8 sequence: grammar and mapping files must be UTF-8 text [encoding]\n"
     "  rule r = \"n\xd3ne\" example \"n\";\n"
     "             ^\n"},
};

TEST_CASE("parse errors: table of broken grammars and their exact diagnostics", "[dsl][parse]") {
  for (const BadCase& c : kBad) {
    INFO(c.why);
    auto result = parse_grammar(source(c.text));
    REQUIRE_FALSE(result.ok());
    CHECK(render(result.errors()) == c.rendered);
  }
}

// Three independent mistakes, one run. The second declaration is broken too and starts right where the
// first one's error was found: resynchronisation resumes there rather than after it. The good rule between
// the broken ones is parsed (no error), and so is the last, broken again after a good one.
TEST_CASE("parse errors: every broken declaration is reported, each once", "[dsl][parse]") {
  auto result = parse_grammar(source("grammar g 1;\n"
                                     "programs \"a\"\n"
                                     "rule b \"y\" example \"y\";\n"
                                     "rule ok = \"fine\" example \"fine\";\n"
                                     "pattern c = [ \"z\" ;\n"
                                     "rule ok2 = \"fine\" example \"fine\";\n"));
  REQUIRE_FALSE(result.ok());
  CHECK(render(result.errors()) ==
        "g/t.grammar:2:13: expected ';' to end the declaration [syntax-error]\n"
        "  programs \"a\"\n"
        "              ^\n"
        "g/t.grammar:3:8: expected '=' before the pattern's elements [syntax-error]\n"
        "  rule b \"y\" example \"y\";\n"
        "         ^\n"
        "g/t.grammar:5:19: expected ']' to close the optional group [syntax-error]\n"
        "  pattern c = [ \"z\" ;\n"
        "                    ^\n");
}

TEST_CASE("parse errors: every diagnostic carries the parsed source", "[dsl][parse]") {
  SourceRef src = source("grammar g 1;\nrule r = ip:;\nrule s \"y\";\n");
  auto result = parse_grammar(src);
  REQUIRE_FALSE(result.ok());
  REQUIRE(result.errors().size() == 2);
  for (const Diagnostic& d : result.errors()) {
    CHECK(d.where.source == src);
    CHECK(d.code == "syntax-error");
  }
}

TEST_CASE("parse errors: groups nest at most 32 deep", "[dsl][parse]") {
  auto parse = [](int depth) {
    std::string body = "\"a\"";
    // Optional groups and alternatives count together.
    for (int i = 0; i < depth; ++i) body = (i % 2 ? "[ " : "( ") + body + (i % 2 ? " ]" : " )");
    return dsl::parse_grammar(std::make_shared<const SourceFile>(
        SourceFile{"g/t.grammar", "grammar t 1;\nprograms \"t\";\nrule r = " + body + "\n  example \"a\";\n"}));
  };
  CHECK(parse(32).ok());
  auto deep = parse(100000);  // deep enough to overflow the stack without the limit
  REQUIRE_FALSE(deep.ok());
  REQUIRE(deep.errors().size() == 1);
  CHECK(deep.errors()[0].message == "groups ('[ ]' and '( )') nest deeper than 32 levels");
  CHECK(deep.errors()[0].where.line == 3);
  CHECK(deep.errors()[0].where.column == 74);  // the 33rd group: after "rule r = " and 32 "[ " or "( "
}

}  // namespace
}  // namespace strictlog::dsl
