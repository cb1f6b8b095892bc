// apply_mapping(): matched captures → the exact payload, or the exact conversion error. Runs the openvpn-mini
// fixture's grammar and mapping (tests/fixtures/openvpn_mini.h) the way the pipeline does: dispatch, extract,
// apply.
#include <catch2/catch.hpp>
#include <google/protobuf/text_format.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/message_differencer.h>

#include <memory>
#include <string>
#include <vector>

#include "compile/compile.h"
#include "dsl/dsl.h"
#include "fixtures/openvpn_mini.h"
#include "mapping/mapping.h"
#include "ruleset/ruleset.h"
#include "strictlog/v1/event.pb.h"

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


// One rule with a capture of each newer field type (fields/field_type.h), mapped where a payload has a field
// that fits and discarded elsewhere; every capture is still converted.
const char* const kNewTypesGrammar = R"(grammar t 1.0;
programs "t";
rule r = "i=" i:int " f=" f:float " h=" h:hex " q=" q:quoted " host=" host:hostname " ip=" ip:ip " t=" t:iso_time
    " c=" c:ctime " s=" s:syslog_time " kv " attrs:kv
  example "i=-1 f=1.5 h=0x1f q='x' host=vpn.example ip=2001:db8::1 t=2026-11-22 09:15:02 c=Thu Nov 22 09:15:02 2018 s=Nov 22 09:15:02 kv uid=0";
)";

std::string new_types_line(const std::string& i, const std::string& host, const std::string& c,
                           const std::string& attrs) {
  return "i=" + i + " f=-2.5e3 h=DEADBEEF q='AES-256-GCM' host=" + host +
         " ip=::ffff:192.0.2.1 t=2024-02-29 23:59:59 c=" + c + " s=Nov  5 09:15:02 kv " + attrs;
}

TEST_CASE("newer field types: values set and conversion failures", "[mapping][apply]") {
  Loaded l = load(kNewTypesGrammar, R"(mapping t 1.0;
rule r -> strictlog.openvpn.v1.ClientInstanceSignal {
  src_endpoint.ip = ip;
  src_endpoint.common_name = host;
  signal_name = q;
  reason = c;
  discard i, f, h, t, s, attrs;
}
)");
  const std::string ctime = "Thu Nov 22 09:15:02 2018";
  Outcome ok = run(l.grammars[0], l.mappings,
                   new_types_line("-9223372036854775808", "vpn-gw1.example", ctime, "logname= uid=0  user=root"));
  CHECK(ok.error.empty());
  REQUIRE(ok.ok);
  // quoted sets the text between the quotes; a ctime capture in a string field keeps its text.
  check_event(ok.event, R"(openvpn_client_instance_signal {
      src_endpoint { ip: "::ffff:192.0.2.1" common_name: "vpn-gw1.example" }
      signal_name: "AES-256-GCM" reason: "Thu Nov 22 09:15:02 2018" })");

  struct Case {
    std::string line, error;
  };
  const Case failures[] = {
      {new_types_line("9223372036854775808", "h", ctime, "a=1"),
       "capture 'i': cannot convert '9223372036854775808' to int: 9223372036854775808 is greater than "
       "9223372036854775807"},
      {new_types_line("1", "192.0.2.1", ctime, "a=1"),
       "capture 'host': cannot convert '192.0.2.1' to hostname: the last label '1' is all digits, so this reads as "
       "an address (RFC 1123 section 2.1)"},
      {new_types_line("1", "h", "Mon Nov 22 09:15:02 2018", "a=1"),
       "capture 'c': cannot convert 'Mon Nov 22 09:15:02 2018' to ctime: Nov 22 2018 was a Thursday, not a Monday"},
      // A discarded kv capture with a key twice: a map holds one value per key.
      {new_types_line("1", "h", ctime, "uid=0 tty=ssh uid=1"),
       "capture 'attrs': cannot convert 'uid=0 tty=ssh uid=1' to kv: key 'uid' appears twice"},
  };
  for (const Case& c : failures) {
    INFO(c.line);
    Outcome out = run(l.grammars[0], l.mappings, c.line);
    CHECK_FALSE(out.ok);
    CHECK(out.error == c.error);
  }
}

TEST_CASE("a kv capture that splits a UTF-8 character is a conversion failure", "[mapping][apply]") {
  Loaded l = load(R"(grammar t 1.0;
programs "t";
rule r = "x " a:kv b:word
  example "x k=vw";
)",
                  R"(mapping t 1.0;
rule r -> strictlog.openvpn.v1.FatalTlsError {
  function_name = b;
  discard a;
}
)");
  CHECK(run(l.grammars[0], l.mappings, "x k=vw").ok);
  Outcome split = run(l.grammars[0], l.mappings, "x k=\xc3\xa9\xc3\xa9");
  CHECK_FALSE(split.ok);
  CHECK(split.error ==
        "capture 'a' splits a UTF-8 character with a neighbouring capture (the rule needs a literal between them)");
}

TEST_CASE("an int into an int32 field is refused beyond int32 and never wrapped", "[mapping][apply]") {
  Loaded bits = load(kNewTypesGrammar, R"(mapping t 1.0;
rule r -> strictlog.openvpn.v1.DataChannelKeyInitialized {
  key_bits = i;
  discard f, h, q, host, ip, t, c, s, attrs;
}
)");
  const std::string ctime = "Thu Nov 22 09:15:02 2018";
  Outcome low = run(bits.grammars[0], bits.mappings, new_types_line("-2147483648", "h", ctime, "a=1"));
  REQUIRE(low.ok);
  check_event(low.event, "openvpn_data_channel_key_initialized { key_bits: -2147483648 }");
  Outcome high = run(bits.grammars[0], bits.mappings, new_types_line("2147483647", "h", ctime, "a=1"));
  REQUIRE(high.ok);
  check_event(high.event, "openvpn_data_channel_key_initialized { key_bits: 2147483647 }");
  for (const std::string wide : {"2147483648", "-2147483649", "9223372036854775807"}) {
    Outcome out = run(bits.grammars[0], bits.mappings, new_types_line(wide, "h", ctime, "a=1"));
    CHECK_FALSE(out.ok);
    CHECK(out.error ==
          "capture 'i': '" + wide + "' does not fit field 'key_bits' (int32, -2147483648 to 2147483647)");
  }
}

TEST_CASE("a uint into a uint32 field is refused beyond uint32 and never truncated", "[mapping][apply]") {
  Loaded l = load(R"(grammar t 1.0;
programs "t";
rule r = "from " ip:ipv4 " uid " u:uint
  example "from 192.0.2.1 uid 0";
)",
                  R"(mapping t 1.0;
rule r -> strictlog.openvpn.v1.TlsHandshakeFailed {
  src_endpoint.ip = ip;
  src_endpoint.port = u;
}
)");
  Outcome top = run(l.grammars[0], l.mappings, "from 192.0.2.1 uid 4294967295");
  REQUIRE(top.ok);
  check_event(top.event, R"(openvpn_tls_handshake_failed { src_endpoint { ip: "192.0.2.1" port: 4294967295 } })");
  for (const std::string wide : {"4294967296", "18446744073709551615"}) {
    Outcome out = run(l.grammars[0], l.mappings, "from 192.0.2.1 uid " + wide);
    CHECK_FALSE(out.ok);
    CHECK(out.error == "capture 'u': '" + wide + "' does not fit field 'src_endpoint.port' (uint32, 0 to 4294967295)");
  }
}

// No payload has a Timestamp field yet, so this mapping is built by hand onto the envelope, whose `time` is a
// google.protobuf.Timestamp (int64 seconds, int32 nanos): what bind_mappings() would produce for such a
// payload. It shows apply setting a timestamp whole, and an int into the Timestamp's own int32.
TEST_CASE("a timestamp sets a Timestamp field and an int beyond int32 is refused, not wrapped", "[mapping][apply]") {
  auto parsed = dsl::parse_grammar(std::make_shared<SourceFile>(SourceFile{"g.grammar", R"(grammar t 1.0;
programs "t";
rule r = "at " t:iso_time " n=" n:int
  example "at 2026-11-22 09:15:02 n=5";
)"}));
  REQUIRE(parsed.ok());
  auto compiled = compile_grammar(parsed.value());
  REQUIRE(compiled.ok());
  std::vector<CompiledGrammar> grammars;
  grammars.push_back(std::move(compiled).value());

  const auto* time = v1::Envelope::descriptor()->FindFieldByName("time");
  const auto* nanos = google::protobuf::Timestamp::descriptor()->FindFieldByName("nanos");
  MappingSet mappings;
  mappings.mappings.resize(1);
  mappings.mappings[0].resize(1);
  RuleMapping& m = mappings.mappings[0][0];
  m.payload = v1::Event::descriptor()->FindFieldByName("envelope");
  FieldOp whole;
  whole.path = {time};
  whole.field_name = "time";
  whole.capture = 0;
  FieldOp part;
  part.path = {time, nanos};
  part.field_name = "time.nanos";
  part.capture = 1;
  m.ops = {whole, part};

  Outcome ok = run(grammars[0], mappings, "at 2024-02-29 23:59:59 n=-2147483648");
  CHECK(ok.error.empty());
  REQUIRE(ok.ok);
  CHECK(ok.event.envelope().time().seconds() == 1709251199);
  CHECK(ok.event.envelope().time().nanos() == INT32_MIN);

  Outcome wide = run(grammars[0], mappings, "at 2024-02-29 23:59:59 n=2147483648");
  CHECK_FALSE(wide.ok);
  CHECK(wide.error == "capture 'n': '2147483648' does not fit field 'time.nanos' (int32, -2147483648 to 2147483647)");
  Outcome low = run(grammars[0], mappings, "at 2024-02-29 23:59:59 n=-2147483649");
  CHECK_FALSE(low.ok);
  CHECK(low.error == "capture 'n': '-2147483649' does not fit field 'time.nanos' (int32, -2147483648 to 2147483647)");
}

}  // namespace
}  // namespace strictlog
