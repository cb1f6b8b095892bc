// compile_grammar() on grammars that parse but must not load: each case is a grammar and the exact rendered
// diagnostics. Every error points at the node it is about; a conflict names both places (a note at the
// first); each mistake is reported once however often it is used. Budget errors are in
// compile_limits_test.cc.
#include <string_view>

#include <catch2/catch.hpp>

#include "compile_source.h"

namespace strictlog::testing {
namespace {

struct BadCase {
  std::string_view why;
  std::string_view text;
  std::string_view rendered;
};

const BadCase kBad[] = {
    {"unknown field type: reported at the type, not at the capture",
     "grammar g 1;\n"
     "programs \"a\";\n"
     "rule r = \"x \" ip:ipv5 example \"x 1.2.3.4\";\n",
     "g/t.grammar:3:18: unknown field type 'ipv5': not a field type (see 'strictlog fields') nor a pattern of "
     "this grammar [unknown-field-type]\n"
     "  rule r = \"x \" ip:ipv5 example \"x 1.2.3.4\";\n"
     "                   ^\n"},
    {"unknown type inside a pattern that two rules use: reported once, in the pattern",
     "grammar g 1;\n"
     "programs \"a\";\n"
     "pattern peer = ip:ipv5 \":\" port:port;\n"
     "rule r1 = \"a \" c:peer example \"a 1:2\";\n"
     "rule r2 = \"b \" c:peer example \"b 1:2\";\n",
     "g/t.grammar:3:19: unknown field type 'ipv5': not a field type (see 'strictlog fields') nor a pattern of "
     "this grammar [unknown-field-type]\n"
     "  pattern peer = ip:ipv5 \":\" port:port;\n"
     "                    ^\n"},
    // Patterns are checked callees first; in name order `a_outer` would be expanded (and its callee's
    // error reported) before `z_inner` is checked on its own.
    {"unknown type inside a pattern that a pattern of an earlier name uses: reported once",
     "grammar g 1;\n"
     "programs \"a\";\n"
     "pattern z_inner = x:nope;\n"
     "pattern a_outer = \"(\" y:z_inner \")\";\n"
     "rule r1 = c:a_outer example \"(a)\";\n"
     "rule r2 = \"q\" c:z_inner example \"qa\";\n",
     "g/t.grammar:3:21: unknown field type 'nope': not a field type (see 'strictlog fields') nor a pattern of "
     "this grammar [unknown-field-type]\n"
     "  pattern z_inner = x:nope;\n"
     "                      ^\n"},
    {"duplicate rule id, with a note at the first",
     "grammar g 1;\n"
     "programs \"a\";\n"
     "rule r = \"a\" example \"a\";\n"
     "rule r = \"b\" example \"b\";\n",
     "g/t.grammar:4:1: rule 'r' is already defined [duplicate-rule]\n"
     "  rule r = \"b\" example \"b\";\n"
     "  ^\n"
     "g/t.grammar:3:1: note: first defined here\n"
     "  rule r = \"a\" example \"a\";\n"
     "  ^\n"},
    {"duplicate pattern, with a note at the first",
     "grammar g 1;\n"
     "programs \"a\";\n"
     "pattern p = \"a\";\n"
     "pattern p = \"b\";\n"
     "rule r = x:p example \"a\";\n",
     "g/t.grammar:4:1: pattern 'p' is already defined [duplicate-pattern]\n"
     "  pattern p = \"b\";\n"
     "  ^\n"
     "g/t.grammar:3:1: note: first defined here\n"
     "  pattern p = \"a\";\n"
     "  ^\n"},
    {"a pattern named like a field type",
     "grammar g 1;\n"
     "programs \"a\";\n"
     "pattern word = \"a\";\n"
     "rule r = \"b\" example \"b\";\n",
     "g/t.grammar:3:1: pattern 'word' has the name of a field type [pattern-shadows-type]\n"
     "  pattern word = \"a\";\n"
     "  ^\n"},
    {"duplicate capture name, with a note at the first",
     "grammar g 1;\n"
     "programs \"a\";\n"
     "rule r = a:word \" \" a:word example \"x y\";\n",
     "g/t.grammar:3:21: capture 'a' is already defined in this rule [duplicate-capture]\n"
     "  rule r = a:word \" \" a:word example \"x y\";\n"
     "                      ^\n"
     "g/t.grammar:3:10: note: first defined here\n"
     "  rule r = a:word \" \" a:word example \"x y\";\n"
     "           ^\n"},
    {"the same pattern reference written twice: reported in the rule, not inside the pattern",
     "grammar g 1;\n"
     "programs \"a\";\n"
     "pattern p = ip:ipv4;\n"
     "rule r = c:p \" \" c:p example \"1.1.1.1 1.1.1.1\";\n",
     "g/t.grammar:4:18: capture 'c' is already defined in this rule [duplicate-capture]\n"
     "  rule r = c:p \" \" c:p example \"1.1.1.1 1.1.1.1\";\n"
     "                   ^\n"
     "g/t.grammar:4:10: note: first defined here\n"
     "  rule r = c:p \" \" c:p example \"1.1.1.1 1.1.1.1\";\n"
     "           ^\n"},
    {"a capture and a pattern reference of the same name (a mapping could not tell `c` from `c.ip`)",
     "grammar g 1;\n"
     "programs \"a\";\n"
     "pattern p = ip:ipv4;\n"
     "rule r = c:word \" \" c:p example \"x 1.1.1.1\";\n",
     "g/t.grammar:4:21: capture 'c' is already defined in this rule [duplicate-capture]\n"
     "  rule r = c:word \" \" c:p example \"x 1.1.1.1\";\n"
     "                      ^\n"
     "g/t.grammar:4:10: note: first defined here\n"
     "  rule r = c:word \" \" c:p example \"x 1.1.1.1\";\n"
     "           ^\n"},
    {"a pattern that refers to itself, even inside an optional group",
     "grammar g 1;\n"
     "programs \"a\";\n"
     "pattern a = \"x\" [ again:a ];\n"
     "rule r = p:a example \"x\";\n",
     "g/t.grammar:3:25: pattern 'a' refers to itself [recursive-pattern]\n"
     "  pattern a = \"x\" [ again:a ];\n"
     "                          ^\n"
     "g/t.grammar:3:1: note: defined here\n"
     "  pattern a = \"x\" [ again:a ];\n"
     "  ^\n"},
    {"two patterns that refer to each other: one error for the cycle",
     "grammar g 1;\n"
     "programs \"a\";\n"
     "pattern a = \"x\" b:b;\n"
     "pattern b = \"y\" [ a:a ];\n"
     "rule r = p:a example \"xy\";\n",
     "g/t.grammar:3:19: pattern 'b' refers to itself [recursive-pattern]\n"
     "  pattern a = \"x\" b:b;\n"
     "                    ^\n"
     "g/t.grammar:4:1: note: defined here\n"
     "  pattern b = \"y\" [ a:a ];\n"
     "  ^\n"},
    {"a rule without an example",
     "grammar g 1;\n"
     "programs \"a\";\n"
     "rule r = \"a\";\n",
     "g/t.grammar:3:1: rule 'r' has no example: add at least one 'example \"...\"' [missing-example]\n"
     "  rule r = \"a\";\n"
     "  ^\n"},
    {"an example that does not match its rule: reported at the example",
     "grammar g 1;\n"
     "programs \"a\";\n"
     "rule r = \"a \" n:uint\n"
     "  example \"a 1\"\n"
     "  example \"a x\";\n",
     "g/t.grammar:5:11: example does not match its rule 'r' [example-mismatch]\n"
     "    example \"a x\";\n"
     "            ^\n"},
    {"an example that matches another rule but not its own: the mismatch only (the overlap is a test failure)",
     "grammar g 1;\n"
     "programs \"a\";\n"
     "rule num = \"v \" n:uint example \"v x\";\n"
     "rule any = \"v \" w:word example \"v y\";\n",
     "g/t.grammar:3:32: example does not match its rule 'num' [example-mismatch]\n"
     "  rule num = \"v \" n:uint example \"v x\";\n"
     "                                 ^\n"},
    {"no programs declaration: reported at the grammar header",
     "grammar g 1;\n"
     "rule r = \"a\" example \"a\";\n",
     "g/t.grammar:1:1: the grammar names no programs: add e.g. 'programs \"openvpn\";' [missing-programs]\n"
     "  grammar g 1;\n"
     "  ^\n"},
    // Examples are checked only once everything else compiles (they run against the compiled set), so
    // the example mismatch of rule `typo` is not among these.
    {"several mistakes in one file: all reported, in file order",
     "grammar g 1;\n"
     "rule dup = \"a\" example \"a\";\n"
     "rule dup = \"b\" example \"b\";\n"
     "rule typo = n:unit;\n"
     "rule fine = \"c\" example \"d\";\n",
     "g/t.grammar:1:1: the grammar names no programs: add e.g. 'programs \"openvpn\";' [missing-programs]\n"
     "  grammar g 1;\n"
     "  ^\n"
     "g/t.grammar:3:1: rule 'dup' is already defined [duplicate-rule]\n"
     "  rule dup = \"b\" example \"b\";\n"
     "  ^\n"
     "g/t.grammar:2:1: note: first defined here\n"
     "  rule dup = \"a\" example \"a\";\n"
     "  ^\n"
     "g/t.grammar:4:1: rule 'typo' has no example: add at least one 'example \"...\"' [missing-example]\n"
     "  rule typo = n:unit;\n"
     "  ^\n"
     "g/t.grammar:4:15: unknown field type 'unit': not a field type (see 'strictlog fields') nor a pattern of "
     "this grammar [unknown-field-type]\n"
     "  rule typo = n:unit;\n"
     "                ^\n"},
};

TEST_CASE("compile errors: table of grammars that must not load and their exact diagnostics",
          "[compile][errors]") {
  for (const BadCase& c : kBad) {
    INFO(c.why);
    auto result = compile_text(c.text);
    REQUIRE_FALSE(result.ok());
    CHECK(render(result.errors()) == c.rendered);
  }
}

}  // namespace
}  // namespace strictlog::testing
