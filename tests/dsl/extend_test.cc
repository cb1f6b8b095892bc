// extend_grammar() (dsl/dsl.h): a version that extends another, checked as a dump of what it ends up with
// (each declaration with the file and line it comes from) and, for the errors, the exact rendered text. The
// loader's part (finding the base, cycles, families) is in tests/ruleset/versions_test.cc.
#include <memory>
#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "dsl/dsl.h"

namespace strictlog::dsl {
namespace {

SourceRef source(std::string path, std::string_view text) {
  return std::make_shared<const SourceFile>(SourceFile{std::move(path), std::string(text)});
}

GrammarFile parse(std::string path, std::string_view text) {
  auto parsed = parse_grammar(source(std::move(path), text));
  INFO((parsed ? "" : render(parsed.errors())));
  REQUIRE(parsed.ok());
  return std::move(parsed).value();
}

std::string at(const Position& p) {
  return " @" + (p.source ? p.source->path : std::string("?")) + ":" + std::to_string(p.line);
}

// What a version consists of after extension, one declaration a line, each with where it was written.
std::string dump(const GrammarFile& f) {
  std::string out = "grammar " + f.name + " " + f.version + (f.base_version.empty() ? "" : " extends " + f.base_version) +
                    at(f.header_pos) + "\n";
  if (f.is_default) out += "default" + at(f.default_pos) + "\n";
  if (f.detects_ctime) out += "detect timestamp ctime" + at(f.detect_pos) + "\n";
  for (const ProgramGlob& g : f.programs) out += "program " + g.glob + at(g.pos) + "\n";
  for (const PatternDecl& p : f.patterns) {
    out += std::string(p.override ? "override " : "") + "pattern " + p.name + at(p.pos) + " (" +
           std::to_string(p.body.size()) + " elements)\n";
  }
  for (const RuleDecl& r : f.rules) {
    out += std::string(r.override ? "override " : "") + (r.drop ? "drop " : "rule ") + r.id + at(r.pos) + " (" +
           std::to_string(r.body.size()) + " elements, " + std::to_string(r.examples.size()) + " examples)\n";
  }
  for (const Precedence& p : f.precedences) out += "prefer " + p.winner + " over " + p.loser + at(p.pos) + "\n";
  return out;
}

const char* const kBase =
    "grammar g 1;\n"                                // 1
    "programs \"g\" \"g-*\";\n"                     // 2
    "pattern p = a:word;\n"                         // 3
    "pattern q = b:uint;\n"                         // 4
    "rule r1 = x:p example \"w\";\n"                // 5
    "rule r2 = \"two \" y:q example \"two 2\";\n"   // 6
    "drop d1 = \"noise\" example \"noise\";\n"      // 7
    "rule r3 = \"three\" example \"three\";\n"      // 8
    "prefer r1 over r2;\n"                          // 9
    "prefer r3 over d1;\n"                          // 10
    "prefer d1 over r3;\n";                         // 11

TEST_CASE("extend: base order with overrides in place and removals left out and new declarations last", "[dsl][extend]") {
  GrammarFile base = parse("g/1.grammar", kBase);
  GrammarFile ext = parse("g/2.grammar",
                          "grammar g 2 extends 1;\n"                                // 1
                          "default;\n"                                              // 2
                          "detect timestamp ctime;\n"                               // 3
                          "override pattern p = a:word \"!\";\n"                    // 4
                          "pattern n = c:hex;\n"                                    // 5
                          "remove r3;\n"                                            // 6
                          "override drop r2 = \"two \" y:q \" \" z:n example \"two 2 f\";\n"  // 7
                          "rule r4 = z:n example \"ff\";\n"                         // 8
                          "prefer r4 over r1;\n");                                  // 9
  auto out = extend_grammar(base, ext);
  INFO((out ? "" : render(out.errors())));
  REQUIRE(out.ok());
  CHECK(dump(*out) ==
        "grammar g 2 extends 1 @g/2.grammar:1\n"
        "default @g/2.grammar:2\n"
        "detect timestamp ctime @g/2.grammar:3\n"
        // Programs inherited: the extension declares none.
        "program g @g/1.grammar:2\n"
        "program g-* @g/1.grammar:2\n"
        "override pattern p @g/2.grammar:4 (2 elements)\n"
        "pattern q @g/1.grammar:4 (1 elements)\n"
        "pattern n @g/2.grammar:5 (1 elements)\n"
        "rule r1 @g/1.grammar:5 (1 elements, 1 examples)\n"
        // A rule overridden by a drop rule, in the rule's place.
        "override drop r2 @g/2.grammar:7 (4 elements, 1 examples)\n"
        "drop d1 @g/1.grammar:7 (1 elements, 1 examples)\n"
        "rule r4 @g/2.grammar:8 (1 elements, 1 examples)\n"
        // Both precedences naming the removed r3 are gone, whichever side it is on.
        "prefer r1 over r2 @g/1.grammar:9\n"
        "prefer r4 over r1 @g/2.grammar:9\n");
  CHECK(out->source == ext.source);
  CHECK(out->removals.size() == 1);
}

TEST_CASE("extend: programs are the extension's own when it declares any", "[dsl][extend]") {
  GrammarFile base = parse("g/1.grammar", kBase);
  GrammarFile ext = parse("g/2.grammar", "grammar g 2 extends 1;\nprograms \"h\";\n");
  auto out = extend_grammar(base, ext);
  INFO((out ? "" : render(out.errors())));
  REQUIRE(out.ok());
  REQUIRE(out->programs.size() == 1);
  CHECK(out->programs[0].glob == "h");
  CHECK(out->programs[0].pos.source == ext.source);
  CHECK(out->programs[0].pos.line == 2);
}

TEST_CASE("extend: default and detect are not inherited", "[dsl][extend]") {
  GrammarFile base = parse("g/1.grammar", "grammar g 1;\ndefault;\ndetect timestamp ctime;\nrule r = \"x\" example \"x\";\n");
  GrammarFile ext = parse("g/2.grammar", "grammar g 2 extends 1;\n");
  auto out = extend_grammar(base, ext);
  INFO((out ? "" : render(out.errors())));
  REQUIRE(out.ok());
  CHECK(dump(*out) ==
        "grammar g 2 extends 1 @g/2.grammar:1\n"
        "rule r @g/1.grammar:4 (1 elements, 1 examples)\n");
}

TEST_CASE("extend: a chain of versions inherits through the middle one", "[dsl][extend]") {
  GrammarFile v1 = parse("g/1.grammar", kBase);
  GrammarFile v2 = parse("g/2.grammar",
                         "grammar g 2 extends 1;\n"
                         "override rule r1 = x:p \"?\" example \"w?\";\n"  // 2
                         "remove d1;\n"                                    // 3
                         "rule r5 = \"five\" example \"five\";\n");        // 4
  GrammarFile v3 = parse("g/3.grammar",
                         "grammar g 3 extends 2;\n"
                         "override rule r5 = \"5\" example \"5\";\n"       // 2
                         "remove r1;\n");                                  // 3
  auto mid = extend_grammar(v1, v2);
  INFO((mid ? "" : render(mid.errors())));
  REQUIRE(mid.ok());
  auto out = extend_grammar(*mid, v3);
  INFO((out ? "" : render(out.errors())));
  REQUIRE(out.ok());
  CHECK(dump(*out) ==
        "grammar g 3 extends 2 @g/3.grammar:1\n"
        "program g @g/1.grammar:2\n"
        "program g-* @g/1.grammar:2\n"
        "pattern p @g/1.grammar:3 (1 elements)\n"
        "pattern q @g/1.grammar:4 (1 elements)\n"
        "rule r2 @g/1.grammar:6 (2 elements, 1 examples)\n"
        "rule r3 @g/1.grammar:8 (1 elements, 1 examples)\n"
        "override rule r5 @g/3.grammar:2 (1 elements, 1 examples)\n");
}

TEST_CASE("extend: every error of an extension with its exact text and notes", "[dsl][extend]") {
  GrammarFile base = parse("g/1.grammar", kBase);
  GrammarFile ext = parse("g/2.grammar",
                          "grammar g 2 extends 1;\n"                               // 1
                          "override pattern nope = a:word;\n"                      // 2
                          "pattern q = b:int;\n"                                   // 3
                          "remove r9, r3, r3;\n"                                   // 4
                          "remove r1;\n"                                           // 5
                          "override drop r1 = \"x\" example \"x\";\n"              // 6
                          "override rule r8 = \"y\" example \"y\";\n"              // 7
                          "override drop d8 = \"z\" example \"z\";\n"              // 8
                          "rule r2 = \"t\" example \"t\";\n"                       // 9
                          "drop d1 = \"n\" example \"n\";\n");                     // 10
  auto out = extend_grammar(base, ext);
  REQUIRE_FALSE(out.ok());
  CHECK(render(out.errors()) ==
        // Patterns first, ...
        "g/2.grammar:2:1: 'override pattern nope': grammar g 1 has no pattern 'nope' to override [override-unknown]\n"
        "  override pattern nope = a:word;\n"
        "  ^\n"
        "g/1.grammar:1:1: note: the base version\n"
        "  grammar g 1;\n"
        "  ^\n"
        "g/2.grammar:3:1: pattern 'q' is inherited from grammar g 1: write 'override pattern q' to replace it, or "
        "choose another name [inherited-name]\n"
        "  pattern q = b:int;\n"
        "  ^\n"
        "g/1.grammar:4:1: note: inherited from here\n"
        "  pattern q = b:uint;\n"
        "  ^\n"
        // ... then removals, at the removed id, ...
        "g/2.grammar:4:8: 'remove r9': grammar g 1 has no rule 'r9' to remove [remove-unknown]\n"
        "  remove r9, r3, r3;\n"
        "         ^\n"
        "g/1.grammar:1:1: note: the base version\n"
        "  grammar g 1;\n"
        "  ^\n"
        "g/2.grammar:4:16: rule 'r3' is already removed [duplicate-remove]\n"
        "  remove r9, r3, r3;\n"
        "                 ^\n"
        "g/2.grammar:5:8: rule 'r1' is removed and declared again in this version; to change it, 'override drop r1' "
        "without removing it [remove-declared]\n"
        "  remove r1;\n"
        "         ^\n"
        "g/2.grammar:6:1: note: declared here\n"
        "  override drop r1 = \"x\" example \"x\";\n"
        "  ^\n"
        // ... then rules and drop rules, which share one namespace.
        "g/2.grammar:7:1: 'override rule r8': grammar g 1 has no rule 'r8' to override [override-unknown]\n"
        "  override rule r8 = \"y\" example \"y\";\n"
        "  ^\n"
        "g/1.grammar:1:1: note: the base version\n"
        "  grammar g 1;\n"
        "  ^\n"
        "g/2.grammar:8:1: 'override drop d8': grammar g 1 has no rule 'd8' to override [override-unknown]\n"
        "  override drop d8 = \"z\" example \"z\";\n"
        "  ^\n"
        "g/1.grammar:1:1: note: the base version\n"
        "  grammar g 1;\n"
        "  ^\n"
        "g/2.grammar:9:1: rule 'r2' is inherited from grammar g 1: write 'override rule r2' to replace it, "
        "'remove r2;' to leave it out, or choose another id [inherited-name]\n"
        "  rule r2 = \"t\" example \"t\";\n"
        "  ^\n"
        "g/1.grammar:6:1: note: inherited from here\n"
        "  rule r2 = \"two \" y:q example \"two 2\";\n"
        "  ^\n"
        "g/2.grammar:10:1: drop 'd1' is inherited from grammar g 1: write 'override drop d1' to replace it, "
        "'remove d1;' to leave it out, or choose another id [inherited-name]\n"
        "  drop d1 = \"n\" example \"n\";\n"
        "  ^\n"
        "g/1.grammar:7:1: note: inherited from here\n"
        "  drop d1 = \"noise\" example \"noise\";\n"
        "  ^\n");
}

// A near miss of remove-declared: removing a rule and declaring a *new* rule of another id is fine, and a
// rule removed by a middle version can be declared afresh by the next one.
TEST_CASE("extend: a removed id may be declared again by a later version", "[dsl][extend]") {
  GrammarFile v1 = parse("g/1.grammar", kBase);
  GrammarFile v2 = parse("g/2.grammar", "grammar g 2 extends 1;\nremove r3;\nrule r6 = \"six\" example \"six\";\n");
  GrammarFile v3 = parse("g/3.grammar", "grammar g 3 extends 2;\nrule r3 = \"3\" example \"3\";\n");
  auto mid = extend_grammar(v1, v2);
  INFO((mid ? "" : render(mid.errors())));
  REQUIRE(mid.ok());
  auto out = extend_grammar(*mid, v3);
  INFO((out ? "" : render(out.errors())));
  REQUIRE(out.ok());
  REQUIRE(out->rules.size() == 5);
  CHECK(out->rules[4].id == "r3");
  CHECK(out->rules[4].pos.source == v3.source);
}

}  // namespace
}  // namespace strictlog::dsl

namespace strictlog::dsl {
namespace {

// Review fix: only the first of two overrides of one name took the base's place; the second vanished unseen.
TEST_CASE("extend: a second override of one rule or pattern in one extension is an error", "[dsl][extend]") {
  GrammarFile base = parse("g/1.grammar", kBase);
  GrammarFile ext = parse("g/2.grammar",
                          "grammar g 2 extends 1;\n"                              // 1
                          "override pattern p = a:word \"!\";\n"                  // 2
                          "override pattern p = a:word \"?\";\n"                  // 3
                          "override rule r1 = x:p \"1\" example \"w!1\";\n"       // 4
                          "override rule r1 = x:p \"2\" example \"w!2\";\n");     // 5
  auto out = extend_grammar(base, ext);
  REQUIRE_FALSE(out.ok());
  CHECK(render(out.errors()) ==
        "g/2.grammar:3:1: pattern 'p' is already overridden [duplicate-pattern]\n"
        "  override pattern p = a:word \"?\";\n"
        "  ^\n"
        "g/2.grammar:2:1: note: first overridden here\n"
        "  override pattern p = a:word \"!\";\n"
        "  ^\n"
        "g/2.grammar:5:1: rule 'r1' is already overridden [duplicate-rule]\n"
        "  override rule r1 = x:p \"2\" example \"w!2\";\n"
        "  ^\n"
        "g/2.grammar:4:1: note: first overridden here\n"
        "  override rule r1 = x:p \"1\" example \"w!1\";\n"
        "  ^\n");
}

// Review fix: a rule removed and declared again (without `override`) was also told it is inherited.
TEST_CASE("extend: remove and redeclare without override gives remove-declared alone", "[dsl][extend]") {
  GrammarFile base = parse("g/1.grammar", kBase);
  GrammarFile ext = parse("g/2.grammar",
                          "grammar g 2 extends 1;\n"                  // 1
                          "remove r3;\n"                              // 2
                          "rule r3 = \"3\" example \"3\";\n");        // 3
  auto out = extend_grammar(base, ext);
  REQUIRE_FALSE(out.ok());
  CHECK(render(out.errors()) ==
        "g/2.grammar:2:8: rule 'r3' is removed and declared again in this version; to change it, 'override rule r3' "
        "without removing it [remove-declared]\n"
        "  remove r3;\n"
        "         ^\n"
        "g/2.grammar:3:1: note: declared here\n"
        "  rule r3 = \"3\" example \"3\";\n"
        "  ^\n");
  CHECK(render(out.errors()).find("inherited-name") == std::string::npos);
}

}  // namespace
}  // namespace strictlog::dsl
