// apply_mapping(): matched captures → the exact payload, or the exact conversion error. Runs the openvpn-mini
// fixture's grammar and mapping (tests/fixtures/openvpn_mini.h) the way the pipeline does: dispatch, extract,
// apply.
#include <catch2/catch.hpp>
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/message_differencer.h>

#include <memory>
#include <string>
#include <vector>

#include "compile/compile.h"
#include "dsl/dsl.h"
#include "fixtures/openvpn_mini.h"
#include "mapping/mapping.h"
#include "ruleset/ruleset.h"

namespace strictlog {
namespace {

struct Outcome {
  bool ok = false;
  std::string rule_id;
  v1::Event event;
  std::string error;
};

std::shared_ptr<const RuleSet> mini() {
  auto set = load_ruleset(fixtures::kMiniGrammars, fixtures::kMiniMappings);
  INFO((set ? "" : render(set.errors())));
  REQUIRE(set.ok());
  return set.value();
}

// Dispatches `message` over grammars[0], which must name exactly one rule, then extracts and applies.
Outcome run(const CompiledGrammar& g, const MappingSet& mappings, std::string_view message) {
  std::vector<int> hits;
  REQUIRE(dispatch(g, message, &hits).ok());
  INFO("message: " << message);
  REQUIRE(hits.size() == 1);
  const CompiledRule& rule = g.rules[static_cast<size_t>(hits[0])];
  std::vector<re2::StringPiece> groups(rule.captures.size() + 1);
  REQUIRE(extract(rule, message, groups.data()));
  std::vector<Value> values(rule.captures.size());
  Outcome out;
  out.rule_id = rule.id;
  out.ok = apply_mapping(mappings.mappings[0][static_cast<size_t>(hits[0])], rule, groups.data(), values.data(),
                         &out.event, &out.error);
  return out;
}

Outcome run(std::string_view message) {
  auto set = mini();
  return run(set->grammars[0], set->mappings, message);
}

v1::Event event_from_text(const std::string& text) {
  v1::Event e;
  INFO(text);
  REQUIRE(google::protobuf::TextFormat::ParseFromString(text, &e));
  return e;
}

// Compares field by field, presence included (optional fields set to their default differ from unset ones).
void check_event(const v1::Event& actual, const std::string& expected_text) {
  v1::Event expected = event_from_text(expected_text);
  std::string diff;
  bool same = false;
  {
    google::protobuf::util::MessageDifferencer differ;
    differ.ReportDifferencesToString(&diff);  // written when `differ` goes out of scope
    same = differ.Compare(expected, actual);
  }
  INFO("actual: " << actual.ShortDebugString());
  INFO("differences:\n" << diff);
  CHECK(same);
}

TEST_CASE("apply_mapping fills the payload of each openvpn-mini rule", "[mapping][apply]") {
  struct Case {
    std::string message, rule_id, expected;
  };
  const Case cases[] = {
      {"198.51.100.7:51234 TLS Error: TLS handshake failed", "tls_handshake_failed",
       R"(openvpn_tls_handshake_failed { src_endpoint { ip: "198.51.100.7" port: 51234 } })"},
      {"alice/203.0.113.9:1194 TLS Error: TLS handshake failed", "tls_handshake_failed",
       R"(openvpn_tls_handshake_failed { src_endpoint { ip: "203.0.113.9" port: 1194 common_name: "alice" } })"},
      // Near the port's bounds: 0 is a present port, not an absent one; 65535 is the largest.
      {"198.51.100.7:0 TLS Error: TLS handshake failed", "tls_handshake_failed",
       R"(openvpn_tls_handshake_failed { src_endpoint { ip: "198.51.100.7" port: 0 } })"},
      {"198.51.100.7:65535 TLS Error: TLS handshake failed", "tls_handshake_failed",
       R"(openvpn_tls_handshake_failed { src_endpoint { ip: "198.51.100.7" port: 65535 } })"},
      {"198.51.100.7:51234 Fatal TLS error (check_tls_errors_co), restarting", "fatal_tls_error",
       R"(openvpn_fatal_tls_error { src_endpoint { ip: "198.51.100.7" port: 51234 }
                                   function_name: "check_tls_errors_co" })"},
      {"198.51.100.7:51234 SIGUSR1[soft,tls-error] received, client-instance restarting", "client_instance_signal",
       R"(openvpn_client_instance_signal { src_endpoint { ip: "198.51.100.7" port: 51234 } signal_name: "SIGUSR1"
          hardness: SIGNAL_HARDNESS_SOFT reason: "tls-error" action: SIGNAL_ACTION_RESTARTING })"},
      // A common name with spaces and '/', and an empty reason: reason stays unset.
      {"vpn user 01/ou/203.0.113.9:40112 SIGTERM[hard,] received, client-instance exiting", "client_instance_signal",
       R"(openvpn_client_instance_signal { src_endpoint { ip: "203.0.113.9" port: 40112 common_name: "vpn user 01/ou" }
          signal_name: "SIGTERM" hardness: SIGNAL_HARDNESS_HARD action: SIGNAL_ACTION_EXITING })"},
  };
  auto set = mini();
  for (const auto& c : cases) {
    INFO(c.message);
    Outcome out = run(set->grammars[0], set->mappings, c.message);
    CHECK(out.rule_id == c.rule_id);
    CHECK(out.error.empty());
    REQUIRE(out.ok);
    check_event(out.event, c.expected);
  }
}

TEST_CASE("optional captures: absent leaves the field unset", "[mapping][apply]") {
  Outcome without_cn = run("198.51.100.7:51234 TLS Error: TLS handshake failed");
  REQUIRE(without_cn.ok);
  REQUIRE(without_cn.event.has_openvpn_tls_handshake_failed());
  CHECK_FALSE(without_cn.event.openvpn_tls_handshake_failed().src_endpoint().has_common_name());
  CHECK(without_cn.event.openvpn_tls_handshake_failed().src_endpoint().has_port());

  Outcome with_cn = run("alice/203.0.113.9:1194 TLS Error: TLS handshake failed");
  REQUIRE(with_cn.ok);
  CHECK(with_cn.event.openvpn_tls_handshake_failed().src_endpoint().has_common_name());
  CHECK(with_cn.event.openvpn_tls_handshake_failed().src_endpoint().common_name() == "alice");

  Outcome empty_reason = run("198.51.100.7:51234 SIGTERM[hard,] received, client-instance exiting");
  REQUIRE(empty_reason.ok);
  REQUIRE(empty_reason.event.has_openvpn_client_instance_signal());
  CHECK_FALSE(empty_reason.event.openvpn_client_instance_signal().has_reason());

  Outcome reason = run("198.51.100.7:51234 SIGTERM[hard,remote-exit] received, client-instance exiting");
  REQUIRE(reason.ok);
  CHECK(reason.event.openvpn_client_instance_signal().has_reason());
  CHECK(reason.event.openvpn_client_instance_signal().reason() == "remote-exit");
}

TEST_CASE("conversion failures give exact errors", "[mapping][apply]") {
  struct Case {
    std::string message, error;
  };
  const Case cases[] = {
      {"198.51.100.7:65536 TLS Error: TLS handshake failed",
       "capture 'client.port': cannot convert '65536' to port: 65536 is greater than 65535"},
      {"198.51.100.7:99999 Fatal TLS error (check_tls_errors_co), restarting",
       "capture 'client.port': cannot convert '99999' to port: 99999 is greater than 65535"},
      {"198.51.100.7:080 TLS Error: TLS handshake failed",
       "capture 'client.port': cannot convert '080' to port: leading zero in '080'"},
      {"198.51.100.7:51234 SIGUSR1[medium,tls-error] received, client-instance restarting",
       "capture 'hardness': 'medium' is not a value of strictlog.openvpn.v1.SignalHardness "
       "(expected one of: soft, hard, connection-failed)"},
      // The enum's UNSPECIFIED value is never a text a line can carry.
      {"198.51.100.7:51234 SIGUSR1[unspecified,x] received, client-instance restarting",
       "capture 'hardness': 'unspecified' is not a value of strictlog.openvpn.v1.SignalHardness "
       "(expected one of: soft, hard, connection-failed)"},
      {"198.51.100.7:51234 SIGUSR1[soft,x] received, client-instance stopping",
       "capture 'action': 'stopping' is not a value of strictlog.openvpn.v1.SignalAction "
       "(expected one of: restarting, exiting)"},
      // Conversion runs before mapping: the port fails even though the enum after it is bad too.
      {"198.51.100.7:65536 SIGUSR1[medium,x] received, client-instance restarting",
       "capture 'client.port': cannot convert '65536' to port: 65536 is greater than 65535"},
  };
  auto set = mini();
  for (const auto& c : cases) {
    INFO(c.message);
    Outcome out = run(set->grammars[0], set->mappings, c.message);
    CHECK_FALSE(out.ok);
    CHECK(out.error == c.error);
  }
}

// A grammar and mapping built in memory, for what the fixture's files do not exercise: constants, a discarded
// capture that still must convert, and a uint capture.
struct Loaded {
  std::vector<CompiledGrammar> grammars;
  MappingSet mappings;
};

Loaded load(const std::string& grammar, const std::string& mapping) {
  auto parsed = dsl::parse_grammar(std::make_shared<SourceFile>(SourceFile{"g.grammar", grammar}));
  INFO((parsed ? "" : render(parsed.errors())));
  REQUIRE(parsed.ok());
  auto compiled = compile_grammar(parsed.value());
  INFO((compiled ? "" : render(compiled.errors())));
  REQUIRE(compiled.ok());
  auto file = mapping::parse_mapping(std::make_shared<SourceFile>(SourceFile{"m.mapping", mapping}));
  INFO((file ? "" : render(file.errors())));
  REQUIRE(file.ok());
  Loaded out;
  out.grammars.push_back(std::move(compiled).value());
  auto bound = bind_mappings({file.value()}, out.grammars);
  INFO((bound ? "" : render(bound.errors())));
  REQUIRE(bound.ok());
  out.mappings = std::move(bound).value();
  return out;
}

TEST_CASE("constants and discarded captures", "[mapping][apply]") {
  Loaded l = load(R"(grammar t 1.0;
programs "t";
rule r = "from " ip:ipv4 " n=" n:uint " cn=" cn:cn
  example "from 198.51.100.7 n=5 cn=alice";
)",
                  R"(mapping t 1.0;
rule r -> strictlog.openvpn.v1.ClientInstanceSignal {
  src_endpoint.ip = ip;
  src_endpoint.port = 1194;
  src_endpoint.common_name = "";
  signal_name = "SIG\"TERM";
  hardness = "SIGNAL_HARDNESS_HARD";
  action = "SIGNAL_ACTION_EXITING";
  discard n, cn;
}
)");
  Outcome ok = run(l.grammars[0], l.mappings, "from 198.51.100.7 n=18446744073709551615 cn=alice");
  CHECK(ok.error.empty());
  REQUIRE(ok.ok);
  // An empty string constant still sets an optional field: present, and empty.
  check_event(ok.event, R"(openvpn_client_instance_signal {
      src_endpoint { ip: "198.51.100.7" port: 1194 common_name: "" }
      signal_name: "SIG\"TERM" hardness: SIGNAL_HARDNESS_HARD action: SIGNAL_ACTION_EXITING })");
  CHECK(ok.event.openvpn_client_instance_signal().src_endpoint().has_common_name());

  // A discarded capture is still converted: a line whose captures are not all valid is never an event.
  Outcome bad = run(l.grammars[0], l.mappings, "from 198.51.100.7 n=18446744073709551616 cn=alice");
  CHECK_FALSE(bad.ok);
  CHECK(bad.error ==
        "capture 'n': cannot convert '18446744073709551616' to uint: 18446744073709551616 is greater than "
        "18446744073709551615");
}

TEST_CASE("a capture that splits a UTF-8 character is a conversion failure", "[mapping][apply]") {
  // Rules match bytes, so two adjacent captures can meet inside a character: `word word` over "éé".
  Loaded l = load(R"(grammar t 1.0;
programs "t";
rule r = "x " a:word b:word
  example "x ab";
)",
                  R"(mapping t 1.0;
rule r -> strictlog.openvpn.v1.FatalTlsError {
  function_name = a;
  discard b;
}
)");
  Outcome ascii = run(l.grammars[0], l.mappings, "x ab");
  CHECK(ascii.ok);
  Outcome split = run(l.grammars[0], l.mappings, "x \xc3\xa9\xc3\xa9");
  CHECK_FALSE(split.ok);
  CHECK(split.error ==
        "capture 'a' splits a UTF-8 character with a neighbouring capture (the rule needs a literal between them)");
}

}  // namespace
}  // namespace strictlog
