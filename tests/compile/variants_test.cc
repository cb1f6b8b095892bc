// Optional-group variants (compile.h, RuleVariant): each rule with 1 to kMaxVariantGroups optional groups is
// also compiled once per combination of them, and extract() uses the first variant that matches. These
// tests pin which variants exist and check extraction against the full regex, which is the reference.
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
rule two = client:peer " left " a:word [ " x " [ b:word " y " ] c:word ] " end"
  example "1.2.3.4:5 left a x b y c end"
  example "n/1.2.3.4:5 left a end";
rule none = "plain " a:word
  example "plain a";
)";

std::vector<std::string> variant_regexes(const CompiledRule& r) {
  std::vector<std::string> out;
  for (const auto& v : r.variants) out.push_back(v.regex);
  return out;
}

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

TEST_CASE("variants: one per distinct combination of optional groups in greedy order", "[compile]") {
  auto g = compile_text(kGrammar);
  REQUIRE(g.ok());
  const CompiledRule& two = g->rules[0];
  // Three optional groups (the peer's common name, ` x ...`, and ` b y ` nested in it) give 8 masks; a
  // nested group present inside an absent one yields a regex already seen, so 6 remain.
  REQUIRE(two.variants.size() == 6);
  const std::string ip = std::string(find_field_type("ipv4")->regex);
  CHECK(variant_regexes(two).front() ==
        "(?:([^\\x00-\\x1f\\x7f]+)\\/(" + ip + ")\\:([0-9]{1,5}))\\ left\\ ([^\\s]+)\\ x\\ ([^\\s]+)\\ y\\ ([^\\s]+)\\ end");
  CHECK(variant_regexes(two).back() == "(?:(" + ip + ")\\:([0-9]{1,5}))\\ left\\ ([^\\s]+)\\ end");
  CHECK(two.variants.back().capture_index == std::vector<int>{1, 2, 3});
  CHECK(two.variants.back().absent == std::vector<int>{0, 4, 5});
  // Greedy order: the common name (the first group) present in the first three variants, absent after.
  for (size_t i = 0; i < two.variants.size(); ++i) {
    INFO("variant " << i);
    CHECK((two.variants[i].capture_index.front() == 0) == (i < 3));
  }
  CHECK(g->rules[1].variants.empty());  // no optional group: the full regex is the only one
}

TEST_CASE("variants: extract() agrees with the full regex on every combination", "[compile]") {
  auto g = compile_text(kGrammar);
  REQUIRE(g.ok());
  const CompiledRule& two = g->rules[0];
  const std::string messages[] = {
      "1.2.3.4:5 left a end",
      "n/1.2.3.4:5 left a end",
      "1.2.3.4:5 left a x c end",
      "vpn user/01/1.2.3.4:5 left a x c end",
      "1.2.3.4:5 left a x b y c end",
      "n/1.2.3.4:5 left a x b y c end",
      "1.2.3.4:5 left a x b y c end",
  };
  for (const auto& m : messages) {
    INFO(m);
    CHECK(extracted(two, m) == reference(two, m));
  }
  std::vector<re2::StringPiece> groups(two.captures.size() + 1);
  CHECK_FALSE(extract(two, "1.2.3.4:5 left a x end", groups.data()));
}

TEST_CASE("variants: rules with more optional groups than the limit extract with the full regex", "[compile]") {
  std::string body;
  std::string example;
  for (int i = 0; i <= kMaxVariantGroups; ++i) {
    body += " [ \"o" + std::to_string(i) + "\" ]";
    example += "o" + std::to_string(i);
  }
  auto g = compile_text("grammar t 1;\nprograms \"t\";\nrule many = \"s\"" + body + " e:word\n  example \"s" + example +
                        "x\";\n");
  REQUIRE(g.ok());
  CHECK(g->rules[0].variants.empty());
  std::vector<re2::StringPiece> groups(2);
  REQUIRE(extract(g->rules[0], "so1o3tail", groups.data()));
  CHECK(std::string(groups[1].data(), groups[1].size()) == "tail");
}

}  // namespace
}  // namespace strictlog
