// Optional-group variants (compile.h, RuleVariant): a rule with exactly one optional group is also compiled
// with that group present and absent, and extract() uses the first variant that matches. Extraction must
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

TEST_CASE("variants: none for rules without an optional group or with more than one", "[compile]") {
  auto g = compile_text(kGrammar);
  REQUIRE(g.ok());
  CHECK(g->rules[1].variants.empty());
  CHECK(g->rules[2].variants.empty());
}

TEST_CASE("variants: extract() agrees with the full regex", "[compile]") {
  auto g = compile_text(kGrammar);
  REQUIRE(g.ok());
  for (const std::string m : {"1.2.3.4:5 left a end", "n/1.2.3.4:5 left a end", "vpn user/01/1.2.3.4:5 left a end"}) {
    INFO(m);
    CHECK(extracted(g->rules[0], m) == reference(g->rules[0], m));
  }
  // Two optional groups competing for `a/b`: the full regex's greedy first group takes it all. Variants tried
  // in any fixed order would give p = `a` and q = `b`, which is why such rules get none.
  CHECK(extracted(g->rules[1], "x a/b") == std::vector<std::string>{"a/b", "-"});
  CHECK(extracted(g->rules[1], "x a/b") == reference(g->rules[1], "x a/b"));
  std::vector<re2::StringPiece> groups(g->rules[0].captures.size() + 1);
  CHECK_FALSE(extract(g->rules[0], "1.2.3.4:5 left a b end", groups.data()));
}

}  // namespace
}  // namespace strictlog
