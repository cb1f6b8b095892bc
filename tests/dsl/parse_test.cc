// parse_grammar() on grammars that must parse: each case is a grammar text and the canonical dump of its
// AST (in the manner of re2/testing/parse_test.cc), so a change in what the parser builds, or where it says
// a node is, is a one-line diff. Errors are in parse_errors_test.cc.
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

std::string at(const Position& p) { return " @" + std::to_string(p.line) + ":" + std::to_string(p.column); }

// Quotes text the way the DSL writes it, so the dump shows the unescaped bytes unambiguously: a parser
// that kept `\"` as two bytes would dump `\\\"`.
std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\t') {
      out += "\\t";
    } else {
      out += c;
    }
  }
  return out + "\"";
}

void dump_elements(const std::vector<Element>& elements, const std::string& indent, std::string* out) {
  for (const Element& e : elements) {
    switch (e.kind) {
      case Element::Kind::kLiteral:
        *out += indent + "literal " + quoted(e.text) + at(e.pos) + "\n";
        break;
      case Element::Kind::kCapture: {
        std::string args;
        for (const Argument& a : e.args) args += (args.empty() ? "" : ", ") + quoted(a.text) + at(a.pos);
        *out += indent + "capture " + e.text + ":" + e.type + at(e.pos) + " type" + at(e.type_pos) +
                (e.has_args ? " args(" + args + ")" : "") + "\n";
        break;
      }
      case Element::Kind::kOptional:
        *out += indent + "optional" + at(e.pos) + "\n";
        dump_elements(e.body, indent + "  ", out);
        break;
      case Element::Kind::kAlternation:
        *out += indent + "alternatives" + at(e.pos) + "\n";
        for (const auto& branch : e.branches) {
          *out += indent + "  branch\n";
          dump_elements(branch, indent + "    ", out);
        }
        break;
      case Element::Kind::kParameter:
        *out += indent + "parameter " + e.text + at(e.pos) + "\n";
        break;
    }
  }
}

std::string dump(const GrammarFile& f) {
  std::string out = "grammar " + f.name + " " + f.version + at(f.header_pos) + "\n";
  for (const ProgramGlob& g : f.programs) out += "program " + quoted(g.glob) + at(g.pos) + "\n";
  for (const PatternDecl& p : f.patterns) {
    out += "pattern " + p.name + at(p.pos) + "\n";
    for (const Parameter& param : p.params) out += "  param " + param.name + at(param.pos) + "\n";
    dump_elements(p.body, "  ", &out);
  }
  for (const RuleDecl& r : f.rules) {
    out += (r.drop ? "drop " : "rule ") + r.id + at(r.pos) + "\n";
    dump_elements(r.body, "  ", &out);
    for (const Example& ex : r.examples) out += "  example " + quoted(ex.text) + at(ex.pos) + "\n";
  }
  for (const Precedence& p : f.precedences) {
    out += "prefer " + p.winner + at(p.winner_pos) + " over " + p.loser + at(p.loser_pos) + at(p.pos) + "\n";
  }
  return out;
}

struct GoodCase {
  std::string_view why;
  std::string_view text;
  std::string_view dump;
};

const GoodCase kGood[] = {
    {"the example of docs/GRAMMAR.md: comments, two globs, a pattern with an optional group, a rule",
     "# From docs/GRAMMAR.md.\n"
     "grammar openvpn 2.6;  # once, first\n"
     "programs \"openvpn\" \"ovpn-*\";\n"
     "pattern peer = [ common_name:cn \"/\" ] ip:ipv4 \":\" port:port;\n"
     "rule tls_handshake_failed = client:peer \" TLS Error: TLS handshake failed\"\n"
     "  example \"198.51.100.7:51234 TLS Error: TLS handshake failed\";\n",
     "grammar openvpn 2.6 @2:1\n"
     "program \"openvpn\" @3:10\n"
     "program \"ovpn-*\" @3:20\n"
     "pattern peer @4:1\n"
     "  optional @4:16\n"
     "    capture common_name:cn @4:18 type @4:30\n"
     "    literal \"/\" @4:33\n"
     "  capture ip:ipv4 @4:39 type @4:42\n"
     "  literal \":\" @4:47\n"
     "  capture port:port @4:51 type @4:56\n"
     "rule tls_handshake_failed @5:1\n"
     "  capture client:peer @5:29 type @5:36\n"
     "  literal \" TLS Error: TLS handshake failed\" @5:41\n"
     "  example \"198.51.100.7:51234 TLS Error: TLS handshake failed\" @6:11\n"},

    {"alternatives; enum arguments; a parameterized pattern and its use; a drop rule; prefer",
     "grammar g 1;\n"
     "pattern sig(title) = s:word \" \" title \" \" h:enum(\"soft\", \"hard\");\n"
     "rule r = ( a:uint | \"-\" ) \" \" x:sig(\"client\") example \"1 S client soft\";\n"
     "drop noise = \"n\" example \"n\";\n"
     "prefer r over noise;\n",
     "grammar g 1 @1:1\n"
     "pattern sig @2:1\n"
     "  param title @2:13\n"
     "  capture s:word @2:22 type @2:24\n"
     "  literal \" \" @2:29\n"
     "  parameter title @2:33\n"
     "  literal \" \" @2:39\n"
     "  capture h:enum @2:43 type @2:45 args(\"soft\" @2:50, \"hard\" @2:58)\n"
     "rule r @3:1\n"
     "  alternatives @3:10\n"
     "    branch\n"
     "      capture a:uint @3:12 type @3:14\n"
     "    branch\n"
     "      literal \"-\" @3:21\n"
     "  literal \" \" @3:27\n"
     "  capture x:sig @3:31 type @3:33 args(\"client\" @3:37)\n"
     "  example \"1 S client soft\" @3:55\n"
     "drop noise @4:1\n"
     "  literal \"n\" @4:14\n"
     "  example \"n\" @4:26\n"
     "prefer r @5:8 over noise @5:15 @5:1\n"},

    {"nested and sibling optional groups; tab-indented examples; a version with letters, '-' and '+'",
     "grammar g 1.0-rc2+x;\n"
     "rule nested = \"a\" [ x:word [ \" \" y:uint ] \"!\" ] [ z:rest ]\n"
     "\texample \"a\"\n"
     "\texample \"a b 7!\";\n",
     "grammar g 1.0-rc2+x @1:1\n"
     "rule nested @2:1\n"
     "  literal \"a\" @2:15\n"
     "  optional @2:19\n"
     "    capture x:word @2:21 type @2:23\n"
     "    optional @2:28\n"
     "      literal \" \" @2:30\n"
     "      capture y:uint @2:34 type @2:36\n"
     "    literal \"!\" @2:43\n"
     "  optional @2:49\n"
     "    capture z:rest @2:51 type @2:53\n"
     "  example \"a\" @3:10\n"
     "  example \"a b 7!\" @4:10\n"},

    {"escapes \\\" \\\\ \\t unescaped in globs, literals and examples; UTF-8 kept byte for byte and counted "
     "in bytes; no blanks between tokens",
     "grammar esc 2;programs \"a\\\"b\" \"c\\\\d\";\n"
     "rule r=\"tab\\there \"x:word\"\\\\\xc3\xa9\"example\"say \\\"hi\\\"\\t!\";\n",
     "grammar esc 2 @1:1\n"
     "program \"a\\\"b\" @1:24\n"
     "program \"c\\\\d\" @1:31\n"
     "rule r @2:1\n"
     "  literal \"tab\\there \" @2:8\n"
     "  capture x:word @2:20 type @2:22\n"
     "  literal \"\\\\\xc3\xa9\" @2:26\n"
     "  example \"say \\\"hi\\\"\\t!\" @2:39\n"},

    {"CRLF line ends; programs declared twice accumulate; identifiers that start with a keyword; empty "
     "strings; comments inside a declaration",
     "grammar kw 3;\r\n"
     "programs \"a\";\r\n"
     "programs \"b\";\r\n"
     "rule rules = example_id:word programs_x:uint \"\" example \"\";\r\n"
     "rule split =   # comment after '='\r\n"
     "  # a comment line inside the declaration\r\n"
     "  \"x\"\r\n"
     "  example \"x\"; # trailing\r\n",
     "grammar kw 3 @1:1\n"
     "program \"a\" @2:10\n"
     "program \"b\" @3:10\n"
     "rule rules @4:1\n"
     "  capture example_id:word @4:14 type @4:25\n"
     "  capture programs_x:uint @4:30 type @4:41\n"
     "  literal \"\" @4:46\n"
     "  example \"\" @4:57\n"
     "rule split @5:1\n"
     "  literal \"x\" @7:3\n"
     "  example \"x\" @8:11\n"},

    {"the header alone, without a final newline (programs and examples are the compiler's concern)",
     "grammar g 1;", "grammar g 1 @1:1\n"},
};

TEST_CASE("parse: table of grammars and the canonical dump of their AST", "[dsl][parse]") {
  for (const GoodCase& c : kGood) {
    INFO(c.why);
    auto result = parse_grammar(source(c.text));
    REQUIRE(result.ok());
    CHECK(dump(result.value()) == c.dump);
  }
}

// The declarations of versions (dsl.h, grammar_ast.h): what each sets and where it points. The table's dump
// above leaves them out, so they are stated field by field.
TEST_CASE("parse: extends and default and detect and remove and override", "[dsl][parse]") {
  auto result = parse_grammar(source("grammar openvpn 2.7 extends 2.6-rc1;\n"
                                     "default;\n"
                                     "detect timestamp ctime;  # OpenVPN 2.4\n"
                                     "remove a, b_2,c;\n"
                                     "override pattern p = x:word;\n"
                                     "override rule r = \"x\" example \"x\";\n"
                                     "  override   drop d = \"y\" example \"y\";\n"
                                     "rule plain = \"z\" example \"z\";\n"
                                     "pattern q = y:word;\n"
                                     "drop e = \"w\" example \"w\";\n"));
  INFO((result ? "" : render(result.errors())));
  REQUIRE(result.ok());
  const GrammarFile& f = result.value();
  CHECK(f.name == "openvpn");
  CHECK(f.version == "2.7");
  CHECK(f.base_version == "2.6-rc1");
  CHECK(f.base_pos.line == 1);
  CHECK(f.base_pos.column == 29);
  CHECK(f.is_default);
  CHECK(f.default_pos.line == 2);
  CHECK(f.default_pos.column == 1);
  CHECK(f.detects_ctime);
  CHECK(f.detect_pos.line == 3);
  CHECK(f.detect_pos.column == 1);
  REQUIRE(f.removals.size() == 3);
  CHECK(f.removals[0].rule_id == "a");
  CHECK(f.removals[0].pos.column == 8);
  CHECK(f.removals[1].rule_id == "b_2");
  CHECK(f.removals[1].pos.column == 11);
  CHECK(f.removals[2].rule_id == "c");
  CHECK(f.removals[2].pos.line == 4);
  CHECK(f.removals[2].pos.column == 15);
  REQUIRE(f.patterns.size() == 2);
  CHECK(f.patterns[0].name == "p");
  CHECK(f.patterns[0].override);
  CHECK(f.patterns[0].pos.line == 5);  // an overriding declaration begins at its 'override'
  CHECK(f.patterns[0].pos.column == 1);
  CHECK(f.patterns[1].name == "q");
  CHECK_FALSE(f.patterns[1].override);
  REQUIRE(f.rules.size() == 4);
  CHECK(f.rules[0].id == "r");
  CHECK(f.rules[0].override);
  CHECK_FALSE(f.rules[0].drop);
  CHECK(f.rules[0].pos.line == 6);
  CHECK(f.rules[1].id == "d");
  CHECK(f.rules[1].override);
  CHECK(f.rules[1].drop);
  CHECK(f.rules[1].pos.line == 7);
  CHECK(f.rules[1].pos.column == 3);
  // 'override' applies to its own declaration only.
  CHECK(f.rules[2].id == "plain");
  CHECK_FALSE(f.rules[2].override);
  CHECK(f.rules[3].id == "e");
  CHECK(f.rules[3].drop);
  CHECK_FALSE(f.rules[3].override);
}

TEST_CASE("parse: a grammar without version declarations extends nothing and is no default", "[dsl][parse]") {
  auto result = parse_grammar(source("grammar g 1;\nrule default_x = detect:word \" \" remove:word example \"a b\";\n"));
  INFO((result ? "" : render(result.errors())));
  REQUIRE(result.ok());
  CHECK(result->base_version.empty());
  CHECK_FALSE(result->is_default);
  CHECK_FALSE(result->detects_ctime);
  CHECK(result->removals.empty());
  REQUIRE(result->rules.size() == 1);
  CHECK_FALSE(result->rules[0].override);
  // The new keywords are keywords only where a declaration starts: here they name a rule and captures.
  CHECK(result->rules[0].body.at(0).text == "detect");
  CHECK(result->rules[0].body.at(2).text == "remove");
}

// The dump quotes text back; this states the unescaped bytes directly, in case quoted() and the parser
// were ever wrong in the same way.
TEST_CASE("parse: escapes become the bytes they stand for", "[dsl][parse]") {
  auto result = parse_grammar(source("grammar g 1;\nrule r = \"\\\"\\\\\\t\" example \"a\\tb\";\n"));
  REQUIRE(result.ok());
  REQUIRE(result->rules.size() == 1);
  REQUIRE(result->rules[0].body.size() == 1);
  CHECK(result->rules[0].body[0].text == "\"\\\t");
  REQUIRE(result->rules[0].examples.size() == 1);
  CHECK(result->rules[0].examples[0].text == "a\tb");
}

// Later stages render diagnostics from these positions, so each must point into the file that was parsed.
TEST_CASE("parse: every position refers to the parsed source", "[dsl][parse]") {
  SourceRef src = source(kGood[0].text);
  auto result = parse_grammar(src);
  REQUIRE(result.ok());
  const GrammarFile& f = result.value();
  CHECK(f.source == src);
  CHECK(f.header_pos.source == src);
  for (const auto& g : f.programs) CHECK(g.pos.source == src);
  REQUIRE(f.patterns.size() == 1);
  CHECK(f.patterns[0].pos.source == src);
  const Element& group = f.patterns[0].body.at(0);
  CHECK(group.pos.source == src);
  CHECK(group.body.at(0).pos.source == src);
  CHECK(group.body.at(0).type_pos.source == src);
  REQUIRE(f.rules.size() == 1);
  CHECK(f.rules[0].pos.source == src);
  CHECK(f.rules[0].body.at(0).type_pos.source == src);
  CHECK(f.rules[0].examples.at(0).pos.source == src);
}

}  // namespace
}  // namespace strictlog::dsl
