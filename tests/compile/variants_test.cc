// Optional-group variants (compile.h, RuleVariant): a rule whose first choice point is an optional group is
// also compiled with that group present and absent (later groups stay optional), and extract() uses the
// first variant that matches. Extraction must
// give exactly what the rule's full regex gives; these tests check that against the full regex, which is the
// reference, including the rules that must not get variants.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "compile_source.h"

namespace strictlog {
namespace {

using testing::compile_text;

const char* const kGrammar = R"(grammar t 1;
programs "t";
pattern peer = [ common_name:cn "/" ] ip:ipv4 ":" port:port;
rule one = client:peer " left " a:word " end"
  example "1.2.3.4:5 left a end"
  example "n/1.2.3.4:5 left a end";
rule two = "x " [ p:cn ] [ "/" q:word ]
  example "x a/b";
rule none = "plain " a:word
  example "plain a";
rule late = w:word [ "x" ] "y"
  example "axy";
rule both = client:peer " " [ "(" n:uint ") " ] a:word
  example "1.2.3.4:5 (7) a";
rule twice = [ "!" ] ( "a " x:peer | "b " x:peer ) " " y:word
  example "!b 1.2.3.4:5 z";
)";

// The captures of `rule` for `message` as the full regex finds them, one string per capture ("-" = absent).
std::vector<std::string> reference(const CompiledRule& rule, const std::string& message) {
  std::vector<re2::StringPiece> g(rule.captures.size() + 1);
  REQUIRE(rule.re->Match(message, 0, message.size(), RE2::ANCHOR_BOTH, g.data(), static_cast<int>(g.size())));
  std::vector<std::string> out;
  for (size_t i = 1; i < g.size(); ++i) out.push_back(g[i].data() ? std::string(g[i].data(), g[i].size()) : "-");
  return out;
}

std::vector<std::string> extracted(const CompiledRule& rule, const std::string& message) {
  std::vector<re2::StringPiece> g(rule.captures.size() + 1);
  REQUIRE(extract(rule, message, g.data()));
  std::vector<std::string> out;
  for (size_t i = 1; i < g.size(); ++i) out.push_back(g[i].data() ? std::string(g[i].data(), g[i].size()) : "-");
  return out;
}

TEST_CASE("variants: a rule with one optional group gets it present then absent", "[compile]") {
  auto g = compile_text(kGrammar);
  REQUIRE(g.ok());
  const CompiledRule& one = g->rules[0];
  REQUIRE(one.variants.size() == 2);
  const std::string ip = std::string(find_field_type("ipv4")->regex);
  CHECK(one.variants[0].regex ==
        "(?:([^\\x00-\\x1f\\x7f]+)\\/(" + ip + ")\\:([0-9]{1,5}))\\ left\\ ([^\\s]+)\\ end");
  CHECK(one.variants[1].regex == "(?:(" + ip + ")\\:([0-9]{1,5}))\\ left\\ ([^\\s]+)\\ end");
  CHECK(one.variants[0].capture_index == std::vector<int>{0, 1, 2, 3});
  CHECK(one.variants[1].capture_index == std::vector<int>{1, 2, 3});
  CHECK(one.variants[1].absent == std::vector<int>{0});
}

TEST_CASE("variants: none for rules whose first choice point is not an optional group", "[compile]") {
  auto g = compile_text(kGrammar);
  REQUIRE(g.ok());
  CHECK(g->rules[2].variants.empty());  // no group
  CHECK(g->rules[3].variants.empty());  // a capture of varying length comes first
}

TEST_CASE("variants: only the leading group varies and later groups stay optional", "[compile]") {
  auto g = compile_text(kGrammar);
  REQUIRE(g.ok());
  const CompiledRule& both = g->rules[4];
  REQUIRE(both.variants.size() == 2);
  CHECK(both.variants[0].regex.find("(?:\\((?:[0-9]{1,20})\\)\\ )?") == std::string::npos);
  CHECK(both.variants[0].regex.find("(?:\\(([0-9]{1,20})\\)\\ )?") != std::string::npos);
  CHECK(both.variants[1].absent == std::vector<int>{0});
  const CompiledRule& two = g->rules[1];
  REQUIRE(two.variants.size() == 2);
}

TEST_CASE("variants: extract() agrees with the full regex", "[compile]") {
  auto g = compile_text(kGrammar);
  REQUIRE(g.ok());
  for (const std::string m : {"1.2.3.4:5 left a end", "n/1.2.3.4:5 left a end", "vpn user/01/1.2.3.4:5 left a end"}) {
    INFO(m);
    CHECK(extracted(g->rules[0], m) == reference(g->rules[0], m));
  }
  // Two optional groups competing for `a/b`: the full regex's greedy first group takes it all, and so does the
  // present variant, because the first group's choice comes before any other.
  CHECK(extracted(g->rules[1], "x a/b") == std::vector<std::string>{"a/b", "-"});
  for (const std::string m : {"x a/b", "x a", "x /b", "x "}) {
    INFO(m);
    CHECK(extracted(g->rules[1], m) == reference(g->rules[1], m));
  }
  // A capture before the group: the full regex prefers the longer word with the group absent.
  CHECK(extracted(g->rules[3], "axy") == std::vector<std::string>{"ax"});
  CHECK(extracted(g->rules[3], "axy") == reference(g->rules[3], "axy"));
  // One pattern in two branches under one name: each branch's captures map to their own groups.
  REQUIRE(g->rules[5].variants.size() == 2);
  CHECK(g->rules[5].variants[0].capture_index == std::vector<int>{0, 1, 2, 3, 4, 5, 6});
  for (const std::string m : {"!b 1.2.3.4:5 z", "a c/1.2.3.4:5 z", "!a 1.2.3.4:5 z", "b d/1.2.3.4:5 z"}) {
    INFO(m);
    CHECK(extracted(g->rules[5], m) == reference(g->rules[5], m));
  }
  for (const std::string m : {"1.2.3.4:5 (7) a", "c/1.2.3.4:5 (7) a", "c (1)/1.2.3.4:5 a", "c/d/1.2.3.4:5 (7) (8)"}) {
    INFO(m);
    CHECK(extracted(g->rules[4], m) == reference(g->rules[4], m));
  }
  std::vector<re2::StringPiece> groups(g->rules[0].captures.size() + 1);
  CHECK_FALSE(extract(g->rules[0], "1.2.3.4:5 left a b end", groups.data()));
}

}  // namespace
}  // namespace strictlog
