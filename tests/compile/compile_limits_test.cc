// The compiler's budgets (compile/compile.h): a grammar that is too big meets a limit and a positioned
// diagnostic, not an unbounded loop or a crash.
//
// The DSL cannot spell a regex, and no field type nests repetitions, so RE2's repetition limit (1000) cannot
// be reached from a grammar. What a grammar can do is multiply text through pattern references: each
// pattern below uses the previous one twice (or ten times), so pattern pN expands to 2^(N+1) (or
// 10^(N+1)) copies of a field type's regex. That reaches, in turn, RE2's program budget per rule (kRuleMaxMem),
// the Set's budget (kSetMaxMem), and the compiler's own cap on regex text (kMaxRegexBytes).
#include <string>
#include <string_view>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "compile_source.h"

namespace strictlog::testing {
namespace {

// `grammar big 1; programs "a";` then patterns p0..p<levels-1>, each `fanout` references to the previous
// one separated by spaces; p0 is `fanout` ipv6 captures. Lines 1-2 are the header, pattern pN is on line
// N+3, and the rules follow on line levels+3 onward.
std::string pattern_chain(int levels, int fanout, std::string_view rules) {
  std::string text = "grammar big 1;\nprograms \"a\";\n";
  for (int level = 0; level < levels; ++level) {
    text += "pattern p" + std::to_string(level) + " =";
    for (int i = 0; i < fanout; ++i) {
      std::string type = level == 0 ? "ipv6" : "p" + std::to_string(level - 1);
      text += std::string(i == 0 ? " " : " \" \" ") + static_cast<char>('a' + i) + ":" + type;
    }
    text += ";\n";
  }
  return text + std::string(rules);
}

// Lifts the compiler's own budgets on captures and program size, so that RE2's are the ones met.
CompileLimits re2_limits_only() {
  CompileLimits l;
  l.max_captures = 1 << 20;
  l.max_program_size = 1 << 30;
  return l;
}

// p10 expands to 2048 ipv6 regexes and compiles; p11, twice that, exceeds RE2's program budget for one
// rule. Its regex text (about 700 KB) is still under kMaxRegexBytes, so it is RE2 that refuses.
TEST_CASE("limits: a rule RE2 rejects is reported at the rule, in RE2's words", "[compile][limits]") {
  auto fits = compile_text(pattern_chain(12, 2, "rule huge = x:p10 example \"x\";\n"), re2_limits_only());
  REQUIRE_FALSE(fits.ok());
  CHECK(render(fits.errors()) ==  // past RE2 and the set: only the (deliberately wrong) example is left
        "g/t.grammar:15:27: example does not match its rule 'huge' [example-mismatch]\n"
        "  rule huge = x:p10 example \"x\";\n"
        "                            ^\n");

  auto result = compile_text(pattern_chain(12, 2, "rule huge = x:p11 example \"x\";\n"), re2_limits_only());
  REQUIRE_FALSE(result.ok());
  CHECK(render(result.errors()) ==
        "g/t.grammar:15:1: RE2 rejected rule 'huge': pattern too large - compile failed [regex-rejected]\n"
        "  rule huge = x:p11 example \"x\";\n"
        "  ^\n");
}

// Each rule alone fits its own budget (the test above); six of them exceed the budget of the one Set that
// dispatches a grammar's rules. (Three fit; six leave a margin.) The examples are deliberately wrong: the
// set is compiled before examples are checked, so they never run.
TEST_CASE("limits: rules that fit one by one but not together in the Set", "[compile][limits]") {
  std::string rules;
  for (int i = 0; i < 6; ++i) rules += "rule r" + std::to_string(i) + " = \"" + std::to_string(i) +
                                       " \" x:p10 example \"x\";\n";
  auto result = compile_text(pattern_chain(11, 2, rules), re2_limits_only());
  REQUIRE_FALSE(result.ok());
  CHECK(render(result.errors()) ==
        "g/t.grammar:1:1: RE2 could not compile the 6 rules of grammar 'big' into one set (over the 64 MiB "
        "budget?) [set-compile-failed]\n"
        "  grammar big 1;\n"
        "  ^\n");
}

// Ten references per level: a grammar of about a kilobyte whose p8 would expand to 10^9 regexes (over
// 100 GB of text). The cap stops the expansion at the first pattern over it, p3 (10^4 ipv6 regexes), and
// everything that uses that pattern fails silently, so this finishes at once with one error.
TEST_CASE("limits: a pattern that expands past the regex text cap", "[compile][limits]") {
  auto result = compile_text(pattern_chain(9, 10, "rule r = x:p8 example \"x\";\n"), re2_limits_only());
  REQUIRE_FALSE(result.ok());
  CHECK(render(result.errors()) ==
        "g/t.grammar:6:1: pattern 'p3' expands to a regex longer than 1024 KiB [regex-too-large]\n"
        "  pattern p3 = a:p2 \" \" b:p2 \" \" c:p2 \" \" d:p2 \" \" e:p2 \" \" f:p2 \" \" g:p2 \" \" h:p2 \" \" i:p2 "
        "\" \" j:p2;\n"
        "  ^\n");
}

TEST_CASE("limits: a rule that expands past the regex text cap from patterns under it", "[compile][limits]") {
  // p2 is 1000 ipv6 regexes, under the cap; ten of them are over it.
  auto result = compile_text(pattern_chain(3, 10, "rule r = a:p2 b:p2 c:p2 d:p2 e:p2 f:p2 g:p2 h:p2 i:p2 j:p2\n"
                                                  "  example \"x\";\n"), re2_limits_only());
  REQUIRE_FALSE(result.ok());
  CHECK(render(result.errors()) ==
        "g/t.grammar:6:1: rule 'r' expands to a regex longer than 1024 KiB [regex-too-large]\n"
        "  rule r = a:p2 b:p2 c:p2 d:p2 e:p2 f:p2 g:p2 h:p2 i:p2 j:p2\n"
        "  ^\n");
}

// `grammar deep 1; programs "a";`, pattern q0 on line 3, then q1..q<top> each using the one below, and a
// rule using q<top>: top + 1 levels of patterns.
std::string deep_chain(int top) {
  std::string text = "grammar deep 1;\nprograms \"a\";\npattern q0 = \"x\";\n";
  for (int level = 1; level <= top; ++level) {
    text += "pattern q" + std::to_string(level) + " = n:q" + std::to_string(level - 1) + ";\n";
  }
  return text + "rule r = n:q" + std::to_string(top) + " example \"x\";\n";
}

// kMaxPatternDepth = 16: a chain of 17 patterns nests one level too deep. The error is found, and
// reported, at the reference that would open the 17th level, i.e. the innermost one (in q1, to q0); the
// patterns and the rule above fail silently.
TEST_CASE("limits: patterns nested deeper than kMaxPatternDepth", "[compile][limits]") {
  auto result = compile_text(deep_chain(16));
  REQUIRE_FALSE(result.ok());
  CHECK(render(result.errors()) ==
        "g/t.grammar:4:16: patterns nest deeper than 16 levels [pattern-too-deep]\n"
        "  pattern q1 = n:q0;\n"
        "                 ^\n");

  auto fits = compile_text(deep_chain(15));  // 16 levels
  INFO((fits.ok() ? std::string() : render(fits.errors())));
  CHECK(fits.ok());
}

// `prefer` declarations between layers of two rules each, every rule of a layer over both of the next, declared
// from the bottom layer up: each declaration's cycle check starts at a rule with 2^(layers below) paths under
// it. Walking every path took 4 s at 24 layers and doubled per layer; 40 layers (80 rules, 156 lines) must load
// at once, and a cycle through the lattice must still be found.
std::string precedence_lattice(int layers, bool close_cycle) {
  std::string text = "grammar g 1;\nprograms \"a\";\n";
  auto id = [](int layer, int j) { return "r" + std::to_string(layer) + "_" + std::to_string(j); };
  for (int k = 0; k < layers; ++k) {
    for (int j = 0; j < 2; ++j) text += "rule " + id(k, j) + " = \"" + id(k, j) + "\" example \"" + id(k, j) + "\";\n";
  }
  for (int k = layers - 2; k >= 0; --k) {
    for (int a = 0; a < 2; ++a) {
      for (int b = 0; b < 2; ++b) text += "prefer " + id(k, a) + " over " + id(k + 1, b) + ";\n";
    }
  }
  if (close_cycle) text += "prefer " + id(layers - 1, 1) + " over " + id(0, 0) + ";\n";
  return text;
}

TEST_CASE("limits: the precedence cycle check visits each rule once", "[compile][limits]") {
  auto lattice = compile_text(precedence_lattice(40, false));
  INFO((lattice.ok() ? std::string() : render(lattice.errors())));
  CHECK(lattice.ok());

  auto cycle = compile_text(precedence_lattice(3, true));
  REQUIRE_FALSE(cycle.ok());
  CHECK(render(cycle.errors()) ==
        "g/t.grammar:17:1: precedence cycle: r2_1 over r0_0 over r1_0 over r2_1 [precedence-cycle]\n"
        "  prefer r2_1 over r0_0;\n"
        "  ^\n"
        "g/t.grammar:13:1: note: part of the cycle\n"
        "  prefer r0_0 over r1_0;\n"
        "  ^\n"
        "g/t.grammar:10:1: note: part of the cycle\n"
        "  prefer r1_0 over r2_1;\n"
        "  ^\n");
}


// The compiler's own budgets (CompileLimits), each at its default: the limit itself passes, one more fails
// with a positioned error.
std::string header() { return "grammar g 1;\nprograms \"a\";\n"; }

std::string rule_with_captures(int n) {
  std::string body, example;
  for (int i = 0; i < n; ++i) {
    body += (i ? " \" \" c" : "c") + std::to_string(i) + ":uint";
    example += (i ? " " : "") + std::to_string(i);
  }
  return "rule wide = " + body + "\n  example \"" + example + "\";\n";
}

TEST_CASE("limits: captures per rule", "[compile][limits]") {
  CHECK(compile_text(header() + rule_with_captures(64)).ok());
  auto result = compile_text(header() + rule_with_captures(65));
  REQUIRE_FALSE(result.ok());
  CHECK(render(result.errors()) ==
        "g/t.grammar:3:1: rule 'wide' has more than 64 captures (patterns expanded), the limit "
        "[too-many-captures]\n"
        "  rule wide = " + rule_with_captures(65).substr(12, rule_with_captures(65).find('\n') - 12) + "\n"
        "  ^\n");
}

// A huge alternation: an enum of 3,000 words, which a grammar file of 33 KB holds.
TEST_CASE("limits: RE2 program size per rule refuses a huge alternation", "[compile][limits]") {
  // Words that share little, so that RE2 cannot factor the alternation into a small trie.
  std::string alternatives, first;
  for (uint32_t i = 0; i < 3000; ++i) {
    std::string word = fmt::format("{:08x}", i * 2654435761u);
    if (i == 0) first = word;
    alternatives += (i ? ", \"" : "\"") + word + "\"";
  }
  std::string rule = "rule many = k:enum(" + alternatives + ")\n  example \"" + first + "\";\n";
  auto result = compile_text(header() + rule);
  REQUIRE_FALSE(result.ok());
  REQUIRE(result.errors().size() == 1);
  const Diagnostic& d = result.errors().front();
  CHECK(d.code == "program-too-large");
  CHECK(d.where.line == 3);
  CHECK(d.where.column == 1);
  CHECK(d.message.starts_with("rule 'many' compiles to an RE2 program of "));
  CHECK(d.message.ends_with(" instructions, more than the limit of 10000"));
  // The same rule under a budget that admits it compiles.
  CompileLimits roomy;
  roomy.max_program_size = 1 << 20;
  CHECK(compile_text(header() + rule, roomy).ok());
}

std::string rules(int n) {
  std::string text;
  for (int i = 0; i < n; ++i) {
    text += "rule r" + std::to_string(i) + " = \"m" + std::to_string(i) + "\" example \"m" + std::to_string(i) + "\";\n";
  }
  return text;
}

TEST_CASE("limits: rules per grammar refuse thousands of rules at the first one over", "[compile][limits]") {
  CompileLimits three;
  three.max_rules = 3;
  CHECK(compile_text(header() + rules(3), three).ok());
  auto result = compile_text(header() + rules(5), three);
  REQUIRE_FALSE(result.ok());
  CHECK(render(result.errors()) ==
        "g/t.grammar:6:1: grammar 'g' has 5 rules, more than the limit of 3: this and the rules after it are not "
        "compiled [too-many-rules]\n"
        "  rule r3 = \"m3\" example \"m3\";\n"
        "  ^\n");
  // At the default, 5,000 rules stop at the 1,001st, which is all that gets compiled.
  auto thousands = compile_text(header() + rules(5000));
  REQUIRE_FALSE(thousands.ok());
  REQUIRE(thousands.errors().size() == 1);
  CHECK(thousands.errors().front().code == "too-many-rules");
  CHECK(thousands.errors().front().where.line == 3 + 1000);
}

// The Set's budget is the grammar's: a tight one refuses what the default admits.
TEST_CASE("limits: RE2 memory per grammar", "[compile][limits]") {
  CompileLimits tight;
  tight.set_max_mem = 1 << 12;
  auto result = compile_text(header() + rules(200), tight);
  REQUIRE_FALSE(result.ok());
  CHECK(render(result.errors()) ==
        "g/t.grammar:1:1: RE2 could not compile the 200 rules of grammar 'g' into one set (over the 4 KiB "
        "budget?) [set-compile-failed]\n"
        "  grammar g 1;\n"
        "  ^\n");
  CHECK(compile_text(header() + rules(200)).ok());
}

// Patterns that double their captures at each level: p12 would expand to 8,192 captures per use. Building
// stops at the 65th, so the grammar is refused at once (the fuzzer found it taking seconds when the limit was
// checked after the expansion), at every pattern over the limit and every rule using one.
TEST_CASE("limits: captures multiplied by patterns are refused without expanding them", "[compile][limits]") {
  std::string text = "grammar expand 1;\nprograms \"expand\";\npattern p0 = a:word \".\" b:ipv6;\n";
  for (int i = 1; i <= 12; ++i) {
    text += "pattern p" + std::to_string(i) + " = a:p" + std::to_string(i - 1) + " \" \" b:p" + std::to_string(i - 1) + ";\n";
  }
  for (int r = 1; r <= 20; ++r) text += "rule r" + std::to_string(r) + " = x:p12 example \"x\";\n";
  auto result = compile_text(text);
  REQUIRE_FALSE(result.ok());
  // p6 (128 captures) is the first pattern over the limit; p7..p12 and the rules using them fail silently,
  // as any use of a broken pattern does.
  REQUIRE(result.errors().size() == 1);
  CHECK(render(result.errors()) ==
        "g/t.grammar:9:1: pattern 'p6' has more than 64 captures (patterns expanded), the limit "
        "[too-many-captures]\n"
        "  pattern p6 = a:p5 \" \" b:p5;\n"
        "  ^\n");
}

}  // namespace
}  // namespace strictlog::testing
