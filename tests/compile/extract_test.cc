// Extraction by pieces (compile/internal/extract_plan.h): extract() splits a line at the literals whose place
// every match forces and matches the pieces on their own. It must give exactly what the rule's full regex gives,
// captures and absent captures alike, and fail exactly when the full regex fails. The reference here is the
// full regex (RE2 over the whole line, all groups), checked on a table of lines that place literals in each way
// (first, last, unique, repeated, missing, next to another), then on lines generated from each rule's template
// with fragments of other lines spliced in.
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "compile_source.h"

namespace strictlog {
namespace {

using testing::compile_text;

const char* const kGrammar = R"(grammar t 1;
programs "t";
pattern peer = [ common_name:cn "/" ] ( ip:ipv4 ":" port:port | ip:ipv6 );
pattern pair(sep) = k:word sep v:word;
rule prefixed = client:peer " x " a:word " y " b:word
  example "1.2.3.4:5 x a y b";
rule branches = "a " ( "b " p:word | "c " q:word | "d" ) " " r:word
  example "a b x y";
rule options = [ "!" ] [ o:word "?" ] ( "b " p:word | "c " q:cn ) " - " r:cn
  example "b x - y";
rule repeated = a:cn " - " b:cn " - " c:cn
  example "p - q - r";
rule parameters = x:pair(" = ") ", " y:pair(":") [ ", " z:pair("=") ]
  example "a = b, c:d";
rule nested = "s" [ "t" [ "u" n:uint ] "v" ] w:word
  example "stu1vq";
rule late = a:word [ "x" ] "y"
  example "axy";
rule two_choices = ( a:word "-" | "=" b:word ) ( c:word | "+" d:uint ) "."
  example "a-b.";
rule empty_branch = [ p:peer " " ] "E" ( "1" | "12" | "" ) e:hex
  example "E1ab";
rule twice = client:peer " " [ "[" common_name:cn "] " ] "P " remote:peer
  example "1.2.3.4:5 [c] P a/1.2.3.4:6";
rule deep = [ "t" ] [ "t" ] [ "t" ] [ "t" ] [ "t" ] [ "t" ] [ "t" ] [ "t" ] n:uint
  example "tt1";
)";

std::string show(const re2::StringPiece& g) { return g.data() ? std::string(g.data(), g.size()) : "-"; }

// Checks extract() against the full regex on `message`; returns whether the rule matched.
bool check_against_full_regex(const CompiledRule& rule, const std::string& message) {
  const int n = static_cast<int>(rule.captures.size()) + 1;
  std::vector<re2::StringPiece> want(static_cast<size_t>(n)), got(static_cast<size_t>(n), re2::StringPiece("stale"));
  const bool matches = rule.re->Match(message, 0, message.size(), RE2::ANCHOR_BOTH, want.data(), n);
  INFO("rule " << rule.id << ", line [" << message << "]");
  REQUIRE(extract(rule, message, got.data()) == matches);
  if (!matches) return false;
  for (size_t i = 0; i < want.size(); ++i) {
    INFO("group " << i << (i > 0 ? " " + rule.captures[i - 1].name : std::string()));
    CHECK(show(got[i]) == show(want[i]));
    CHECK(got[i].data() == want[i].data());  // the same bytes of the line, not an equal copy
  }
  return true;
}

const CompiledRule& rule_named(const CompiledGrammar& g, const std::string& id) {
  for (const auto& r : g.rules) {
    if (r.id == id) return r;
  }
  FAIL("no rule " << id);
  return g.rules.front();
}

TEST_CASE("extract: pieces give what the full regex gives", "[compile]") {
  auto g = compile_text(kGrammar);
  REQUIRE(g.ok());
  struct Case {
    const char* rule;
    const char* line;
    bool matches;
    const char* why;
  };
  const Case cases[] = {
      {"prefixed", "1.2.3.4:5 x a y b", true, "every literal once"},
      {"prefixed", "alice/1.2.3.4:5 x a y b", true, "common name present: split at its '/'"},
      {"prefixed", "a/b/1.2.3.4:5 x a y b", true, "two '/': the common name takes the first"},
      {"prefixed", "a x b/1.2.3.4:5 x a y b", true, "' x ' twice: it stays in its piece"},
      {"prefixed", "a y b/1.2.3.4:5 x a y b", true, "' y ' twice, the first inside the common name"},
      {"prefixed", "2001:db8::1 x a y b", true, "the IPv6 branch: ':' occurs more than once"},
      {"prefixed", "1.2.3.4:5 x a y b y c", false, "' y ' twice, no word holds a blank"},
      {"prefixed", "1.2.3.4:5 x a z b", false, "' y ' missing"},
      {"prefixed", "1.2.3.4:65536 x a y b", true, "the regex takes the port; conversion refuses it later"},
      {"branches", "a b x y", true, "first branch"},
      {"branches", "a c x y", true, "second branch: the first's captures absent"},
      {"branches", "a d y", true, "a branch without captures"},
      {"branches", "a b c d e", false, "a blank too many"},
      {"options", "b x - y", true, "both options absent"},
      {"options", "!w?b x - y", true, "both options present"},
      {"options", "c b x - y - z", true, "' - ' twice, inside common names"},
      {"options", "!c q - r", true, "first option present, second absent"},
      {"repeated", "p - q - r", true, "the same literal twice, both in one piece"},
      {"repeated", "p - q - r - s", true, "three times"},
      {"repeated", "p - q", false, "once"},
      {"parameters", "a = b, c:d", true, "parameters as literals"},
      {"parameters", "a = b, c:d, e=f", true, "the optional pair present"},
      {"parameters", "a = b, c:d, e", false, "the optional pair cut short"},
      {"nested", "stu1vq", true, "nested options present"},
      {"nested", "stvq", true, "inner option absent"},
      {"nested", "sq", true, "outer option absent"},
      {"nested", "svq", true, "'v' taken by the word: the option cannot be half there"},
      {"late", "axy", true, "a capture before the option: the word takes 'ax' (leftmost-first)"},
      {"late", "ay", true, ""},
      {"two_choices", "a-b.", true, ""},
      {"two_choices", "=a+1.", true, "second branch of each"},
      {"two_choices", "a-+1.", true, ""},
      {"two_choices", "=a.b.", true, "'.' twice"},
      {"empty_branch", "E1ab", true, "'1' before the hex: the first branch wins"},
      {"empty_branch", "E12", true, "the first branch then a hex '2'"},
      {"empty_branch", "Eab", true, "the empty branch"},
      {"empty_branch", "1.2.3.4:5 E12ab", true, "the optional peer present"},
      {"twice", "1.2.3.4:5 [c] P a/1.2.3.4:6", true, "the peer pattern twice"},
      {"twice", "x/1.2.3.4:5 P [c] P a/1.2.3.4:6", true, "'P ' twice"},
      {"twice", "1.2.3.4:5 P ::1", true, ""},
  };
  for (const Case& c : cases) {
    INFO(c.why);
    CHECK(check_against_full_regex(rule_named(*g, c.rule), c.line) == c.matches);
  }
}

TEST_CASE("extract: a line that would make pieces try too many choices falls back to the full regex",
          "[compile]") {
  // Each optional 't' is a choice, present then absent; on a line whose end no choice can match, trying them
  // all takes 2^8 piece matches. The budget stops the plan and the rule's own regex answers, the same way.
  auto g = compile_text(kGrammar);
  REQUIRE(g.ok());
  const CompiledRule& deep = rule_named(*g, "deep");
  CHECK_FALSE(check_against_full_regex(deep, "ttttttttx"));
  CHECK_FALSE(check_against_full_regex(deep, "tttttttttt1"));
  CHECK(check_against_full_regex(deep, "tttttttt1"));
  CHECK(check_against_full_regex(deep, "ttt1"));
  CHECK(check_against_full_regex(deep, "1"));
}

// A line from the rule's template: literals as written, captures from their types' samples, options and
// branches picked at random, and now and then a fragment of another line in place of a part.
std::string generate(const CompiledRule& rule, std::mt19937& rng, const std::vector<std::string>& fragments) {
  std::string out;
  const auto& parts = rule.template_parts;
  using Kind = TemplatePart::Kind;
  std::vector<bool> emit{true};  // per open group: whether its text is written
  std::vector<int> pick;         // per open alternation: the branch written (-1 for an optional group)
  std::vector<int> branch;       // per open alternation: the branch being walked
  for (size_t i = 0; i < parts.size(); ++i) {
    const TemplatePart& p = parts[i];
    const bool on = emit.back();
    switch (p.kind) {
      case Kind::kLiteral:
        if (on) out += rng() % 16 == 0 ? fragments[rng() % fragments.size()] : p.literal;
        break;
      case Kind::kCapture:
        if (on) {
          auto samples = capture_samples(rule.captures[static_cast<size_t>(p.capture)]);
          out += rng() % 8 == 0 ? fragments[rng() % fragments.size()] : std::string(samples[rng() % samples.size()]);
        }
        break;
      case Kind::kOptionalBegin:
        emit.push_back(on && rng() % 2 == 0);
        break;
      case Kind::kOptionalEnd:
        emit.pop_back();
        break;
      case Kind::kAlternationBegin: {
        int branches = 1, depth = 0;
        for (size_t j = i + 1; j < parts.size(); ++j) {
          if (parts[j].kind == Kind::kAlternationBegin || parts[j].kind == Kind::kOptionalBegin) ++depth;
          if (parts[j].kind == Kind::kOptionalEnd) --depth;
          if (parts[j].kind == Kind::kAlternationEnd && depth-- == 0) break;
          if (parts[j].kind == Kind::kBranch && depth == 0) ++branches;
        }
        pick.push_back(static_cast<int>(rng() % static_cast<unsigned>(branches)));
        branch.push_back(0);
        emit.push_back(on && pick.back() == 0);
        break;
      }
      case Kind::kBranch:
        emit.pop_back();
        emit.push_back(emit.back() && pick.back() == ++branch.back());
        break;
      case Kind::kAlternationEnd:
        emit.pop_back();
        pick.pop_back();
        branch.pop_back();
        break;
    }
  }
  return out;
}

TEST_CASE("extract: lines generated from the rules agree with the full regex", "[compile]") {
  auto g = compile_text(kGrammar);
  REQUIRE(g.ok());
  const std::vector<std::string> fragments = {"/", " - ", " x ", " y ", "-", ".", ":", "::1", "a/", " ", "P ",
                                              "[c] ", "=", ", ", "E1", "1.2.3.4:5", ""};
  std::mt19937 rng(2026);
  int matched = 0;
  for (int i = 0; i < 3000; ++i) {
    for (const CompiledRule& rule : g->rules) {
      const std::string line = generate(rule, rng, fragments);
      matched += check_against_full_regex(rule, line) ? 1 : 0;
      // Other rules must refuse it exactly when their full regex does.
      check_against_full_regex(g->rules[rng() % g->rules.size()], line);
    }
  }
  CHECK(matched > 10000);  // the generator writes mostly lines the rule takes
}

}  // namespace
}  // namespace strictlog
