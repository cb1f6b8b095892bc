// parse_mapping(): mapping text → MappingFile AST, and syntax errors rendered exactly as users see them.
#include <catch2/catch.hpp>

#include <cstdio>
#include <memory>
#include <string>

#include "fixtures/openvpn_mini.h"
#include "mapping/mapping.h"

namespace strictlog::mapping {
namespace {

using Kind = ValueExpr::Kind;

SourceRef source(std::string text) {
  return std::make_shared<SourceFile>(SourceFile{"m.mapping", std::move(text)});
}

// The rendered errors of a mapping that must fail to parse; "" (and a failed CHECK) if it parsed.
std::string errors_of(std::string text) {
  auto parsed = parse_mapping(source(std::move(text)));
  CHECK_FALSE(parsed.ok());
  return parsed ? "" : render(parsed.errors());
}

void check_pos(const Position& p, uint32_t line, uint32_t column) {
  CHECK(p.source != nullptr);
  CHECK(p.line == line);
  CHECK(p.column == column);
}

TEST_CASE("parse_mapping builds the AST of a well-formed mapping", "[mapping][parse]") {
  auto src = source(
      "# leading comment\n"                                                     // 1
      "mapping openvpn 2.6-beta1;\n"                                            // 2
      "\n"                                                                      // 3
      "rule client_instance_signal -> strictlog.openvpn.v1.ClientInstanceSignal {\n"  // 4
      "  src_endpoint = client;          # a pattern capture\n"                // 5
      "  src_endpoint.ip = client.ip;\n"                                        // 6
      "  signal_name = \"SIG \\\"X\\\\\\t\";\n"                                 // 7
      "  src_endpoint.port=1194;\n"                                             // 8
      "  hardness = enum( hardness );\n"                                        // 9
      "  discard reason, client.common_name ,action;\n"                         // 10
      "  discard n;\n"                                                          // 11
      "}\n"                                                                     // 12
      "rule empty -> a.B {}\n");                                                // 13
  auto parsed = parse_mapping(src);
  REQUIRE(parsed.ok());
  const MappingFile& f = parsed.value();
  CHECK(f.source == src);
  CHECK(f.grammar == "openvpn");
  CHECK(f.version == "2.6-beta1");
  check_pos(f.header_pos, 2, 1);
  REQUIRE(f.rules.size() == 2);

  const RuleMappingDecl& r = f.rules[0];
  CHECK(r.rule_id == "client_instance_signal");
  CHECK(r.message == "strictlog.openvpn.v1.ClientInstanceSignal");
  check_pos(r.pos, 4, 1);
  check_pos(r.message_pos, 4, 32);
  REQUIRE(r.fields.size() == 5);

  struct Expected {
    std::string field;
    uint32_t line, column;
    Kind kind;
    std::string text;
    uint32_t value_column;
    std::string argument;
    uint32_t argument_column;
  };
  const Expected expected[] = {
      {"src_endpoint", 5, 3, Kind::kCapture, "client", 18, "", 0},
      {"src_endpoint.ip", 6, 3, Kind::kCapture, "client.ip", 21, "", 0},
      {"signal_name", 7, 3, Kind::kString, "SIG \"X\\\t", 17, "", 0},  // escapes resolved
      {"src_endpoint.port", 8, 3, Kind::kNumber, "1194", 21, "", 0},
      {"hardness", 9, 3, Kind::kConversion, "enum", 14, "hardness", 20},
  };
  for (size_t i = 0; i < std::size(expected); ++i) {
    INFO("field " << i);
    const FieldAssignment& fa = r.fields[i];
    const Expected& e = expected[i];
    CHECK(fa.field == e.field);
    check_pos(fa.pos, e.line, e.column);
    CHECK(fa.value.kind == e.kind);
    CHECK(fa.value.text == e.text);
    check_pos(fa.value.pos, e.line, e.value_column);
    CHECK(fa.value.argument == e.argument);
    if (e.kind == Kind::kConversion) check_pos(fa.value.argument_pos, e.line, e.argument_column);
  }

  REQUIRE(r.discards.size() == 4);
  CHECK(r.discards[0].capture == "reason");
  check_pos(r.discards[0].pos, 10, 11);
  CHECK(r.discards[1].capture == "client.common_name");
  check_pos(r.discards[1].pos, 10, 19);
  CHECK(r.discards[2].capture == "action");
  check_pos(r.discards[2].pos, 10, 39);
  CHECK(r.discards[3].capture == "n");
  check_pos(r.discards[3].pos, 11, 11);

  const RuleMappingDecl& empty = f.rules[1];
  CHECK(empty.rule_id == "empty");
  CHECK(empty.message == "a.B");
  check_pos(empty.pos, 13, 1);
  check_pos(empty.message_pos, 13, 15);
  CHECK(empty.fields.empty());
  CHECK(empty.discards.empty());
}

TEST_CASE("parse_mapping reads the openvpn-mini fixture's mapping", "[mapping][parse]") {
  // A real mapping file read from disk; the rule ids are the fixture grammar's.
  std::string text;
  {
    std::FILE* in = std::fopen((fixtures::kMiniMappings + "/openvpn/2.6.mapping").c_str(), "rb");
    REQUIRE(in != nullptr);
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, in)) > 0;) text.append(buf, n);
    std::fclose(in);
  }
  auto parsed = parse_mapping(source(text));
  REQUIRE(parsed.ok());
  CHECK(parsed->grammar == "openvpn");
  CHECK(parsed->version == "2.6");
  REQUIRE(parsed->rules.size() == 3);
  CHECK(parsed->rules[0].rule_id == "tls_handshake_failed");
  CHECK(parsed->rules[1].rule_id == "fatal_tls_error");
  CHECK(parsed->rules[2].rule_id == "client_instance_signal");
  CHECK(parsed->rules[2].fields.size() == 5);
}

TEST_CASE("parse_mapping reports syntax errors with position, line and caret", "[mapping][parse]") {
  SECTION("missing '->'") {
    CHECK(errors_of("mapping t 1.0;\n"
                    "rule r strictlog.openvpn.v1.FatalTlsError {\n"
                    "}\n") ==
          "m.mapping:2:8: expected '->' and the payload message after the rule id [syntax-error]\n"
          "  rule r strictlog.openvpn.v1.FatalTlsError {\n"
          "         ^\n");
  }
  SECTION("missing '{': the error stays on the rule's line, not the next one") {
    CHECK(errors_of("mapping t 1.0;\n"
                    "rule r -> strictlog.openvpn.v1.FatalTlsError\n"
                    "  function_name = function;\n"
                    "}\n") ==
          "m.mapping:2:45: expected '{' to start the rule's field mappings [syntax-error]\n"
          "  rule r -> strictlog.openvpn.v1.FatalTlsError\n"
          "                                              ^\n");
  }
  SECTION("missing ';': points just after the unfinished statement") {
    CHECK(errors_of("mapping t 1.0;\n"
                    "rule r -> a.B {\n"
                    "  function_name = function\n"
                    "  src_endpoint = client;\n"
                    "}\n") ==
          "m.mapping:3:27: expected ';' to end the statement [syntax-error]\n"
          "    function_name = function\n"
          "                            ^\n");
  }
  SECTION("missing ';' after the header") {
    CHECK(errors_of("mapping t 1.0\n"
                    "rule r -> a.B {}\n") ==
          "m.mapping:1:14: expected ';' to end the statement [syntax-error]\n"
          "  mapping t 1.0\n"
          "               ^\n");
  }
  SECTION("missing value") {
    CHECK(errors_of("mapping t 1.0;\n"
                    "rule r -> a.B {\n"
                    "  x = ;\n"
                    "}\n") ==
          "m.mapping:3:7: expected a value: a capture, a \"string\", a number or conversion(capture) [syntax-error]\n"
          "    x = ;\n"
          "        ^\n");
  }
  SECTION("bad value: a negative number") {
    CHECK(errors_of("mapping t 1.0;\n"
                    "rule r -> a.B { x = -1; }\n") ==
          "m.mapping:2:21: expected a value: a capture, a \"string\", a number or conversion(capture) [syntax-error]\n"
          "  rule r -> a.B { x = -1; }\n"
          "                      ^\n");
  }
  SECTION("missing ')'") {
    CHECK(errors_of("mapping t 1.0;\n"
                    "rule r -> a.B {\n"
                    "  hardness = enum(hardness;\n"
                    "}\n") ==
          "m.mapping:3:27: expected ')' after the conversion's argument [syntax-error]\n"
          "    hardness = enum(hardness;\n"
          "                            ^\n");
  }
  SECTION("conversion without an argument") {
    CHECK(errors_of("mapping t 1.0;\n"
                    "rule r -> a.B { hardness = enum(); }\n") ==
          "m.mapping:2:33: expected a capture name as the conversion's argument [syntax-error]\n"
          "  rule r -> a.B { hardness = enum(); }\n"
          "                                  ^\n");
  }
  SECTION("missing '='") {
    CHECK(errors_of("mapping t 1.0;\n"
                    "rule r -> a.B { x y; }\n") ==
          "m.mapping:2:19: expected '=' after the field name [syntax-error]\n"
          "  rule r -> a.B { x y; }\n"
          "                    ^\n");
  }
  SECTION("unterminated string") {
    CHECK(errors_of("mapping t 1.0;\n"
                    "rule r -> a.B { x = \"abc; }\n") ==
          "m.mapping:2:28: unterminated string: expected '\"' before the end of the line [syntax-error]\n"
          "  rule r -> a.B { x = \"abc; }\n"
          "                             ^\n");
  }
  SECTION("unknown escape") {
    CHECK(errors_of("mapping t 1.0;\n"
                    "rule r -> a.B { x = \"a\\nb\"; }\n") ==
          "m.mapping:2:24: unknown escape: only \\\" \\\\ and \\t are allowed in strings [syntax-error]\n"
          "  rule r -> a.B { x = \"a\\nb\"; }\n"
          "                         ^\n");
  }
  SECTION("empty discard list") {
    CHECK(errors_of("mapping t 1.0;\n"
                    "rule r -> a.B { discard ; }\n") ==
          "m.mapping:2:25: expected the capture names to discard [syntax-error]\n"
          "  rule r -> a.B { discard ; }\n"
          "                          ^\n");
  }
  SECTION("unclosed body") {
    CHECK(errors_of("mapping t 1.0;\n"
                    "rule r -> a.B {\n"
                    "  x = y;\n") ==
          "m.mapping:3:9: expected 'field = value;', 'discard capture;' or '}' [syntax-error]\n"
          "    x = y;\n"
          "          ^\n");
  }
  SECTION("not a declaration: points at the word, not back at the previous declaration") {
    CHECK(errors_of("mapping t 1.0;\n"
                    "\n"
                    "rules r -> a.B {}\n") ==
          "m.mapping:3:1: expected a declaration: 'mapping' or 'rule' [syntax-error]\n"
          "  rules r -> a.B {}\n"
          "  ^\n");
  }
  SECTION("missing ';' before a comment: points at the statement, not at the comment") {
    CHECK(errors_of("mapping t 1.0;\n"
                    "rule r -> a.B {\n"
                    "  x = y   # the ip\n"
                    "  # more\n"
                    "  z = w;\n"
                    "}\n") ==
          "m.mapping:3:8: expected ';' to end the statement [syntax-error]\n"
          "    x = y   # the ip\n"
          "         ^\n");
  }
  SECTION("no header at all") {
    CHECK(errors_of("# only a comment\n") ==
          "m.mapping:1:1: a mapping file must name the grammar it maps, e.g. 'mapping openvpn 2.6;' "
          "[missing-mapping-header]\n"
          "  # only a comment\n"
          "  ^\n");
  }
}

TEST_CASE("parse_mapping reports every broken rule of a file", "[mapping][parse]") {
  CHECK(errors_of("mapping t 1.0;\n"                   // 1
                  "rule a strictlog.X {\n"             // 2: missing '->'
                  "  x = y;\n"                         // 3
                  "}\n"                                // 4
                  "rule ok -> a.B { x = y; }\n"        // 5: fine, but the file still fails
                  "rule b -> a.B {\n"                  // 6
                  "  x = y\n"                          // 7: missing ';'
                  "}\n"                                // 8
                  "rule c -> a.B {\n"                  // 9
                  "  z = enum(q;\n"                    // 10: missing ')'
                  "}\n") ==                            // 11
        "m.mapping:2:8: expected '->' and the payload message after the rule id [syntax-error]\n"
        "  rule a strictlog.X {\n"
        "         ^\n"
        "m.mapping:7:8: expected ';' to end the statement [syntax-error]\n"
        "    x = y\n"
        "         ^\n"
        "m.mapping:10:13: expected ')' after the conversion's argument [syntax-error]\n"
        "    z = enum(q;\n"
        "              ^\n");
}

}  // namespace
}  // namespace strictlog::mapping
