// bind_mappings(): mappings checked against compiled grammars and the compiled-in descriptors. Every load
// error is asserted with its exact rendered text, notes included. (`repeated-field` is not covered: no payload
// message reachable from strictlog.v1.Event has a repeated field yet.)
#include <catch2/catch.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compile/compile.h"
#include "dsl/dsl.h"
#include "mapping/mapping.h"
#include "strictlog/openvpn/v1/openvpn.pb.h"

namespace strictlog {
namespace {

// One rule with a pattern capture, plain word captures, an optional capture and a uint64 capture:
// client.common_name, client.ip, client.port, signal, hardness, reason, action, n.
const char* const kGrammar = R"(grammar t 1.0;
programs "t";
pattern peer = [ common_name:cn "/" ] ip:ipv4 ":" port:port;
rule sig = client:peer " " signal:word "[" hardness:word "," [ reason:word ] "] " action:word " n=" n:uint
  example "198.51.100.7:51234 SIGUSR1[soft,tls-error] restarting n=5";
)";

// The same grammar with a second rule.
const char* const kTwoRules = R"~(grammar t 1.0;
programs "t";
pattern peer = [ common_name:cn "/" ] ip:ipv4 ":" port:port;
rule sig = client:peer " " signal:word "[" hardness:word "," [ reason:word ] "] " action:word " n=" n:uint
  example "198.51.100.7:51234 SIGUSR1[soft,tls-error] restarting n=5";
rule fatal = client:peer " Fatal TLS error (" function:word ")"
  example "198.51.100.7:51234 Fatal TLS error (check_tls_errors_co)";
)~";

// A complete, valid mapping of kGrammar's rule; tests below change one thing at a time.
const char* const kGood = R"(mapping t 1.0;
rule sig -> strictlog.openvpn.v1.ClientInstanceSignal {
  src_endpoint = client;
  signal_name = signal;
  hardness = enum(hardness);
  reason = reason;
  action = enum(action);
  discard n;
}
)";

SourceRef source(std::string path, std::string text) {
  return std::make_shared<SourceFile>(SourceFile{std::move(path), std::move(text)});
}

std::vector<CompiledGrammar> compile_text(const std::string& text) {
  auto parsed = dsl::parse_grammar(source("g.grammar", text));
  INFO((parsed ? "" : render(parsed.errors())));
  REQUIRE(parsed.ok());
  auto compiled = compile_grammar(parsed.value());
  INFO((compiled ? "" : render(compiled.errors())));
  REQUIRE(compiled.ok());
  std::vector<CompiledGrammar> out;
  out.push_back(std::move(compiled).value());
  return out;
}

mapping::MappingFile parse_text(const std::string& path, const std::string& text) {
  auto parsed = mapping::parse_mapping(source(path, text));
  INFO((parsed ? "" : render(parsed.errors())));
  REQUIRE(parsed.ok());
  return std::move(parsed).value();
}

// Binds mapping files (named m.mapping, n.mapping, ...) against `grammar`; returns the rendered errors, or ""
// (and a failed CHECK) when binding succeeded.
std::string bind_errors(const std::string& grammar, const std::vector<std::string>& mappings) {
  auto grammars = compile_text(grammar);
  std::vector<mapping::MappingFile> files;
  std::string name = "m";
  for (const auto& m : mappings) {
    files.push_back(parse_text(name + ".mapping", m));
    ++name[0];
  }
  auto bound = bind_mappings(files, grammars);
  CHECK_FALSE(bound.ok());
  return bound ? "" : render(bound.errors());
}

std::string bind_errors(const std::string& mapping) { return bind_errors(kGrammar, {mapping}); }

TEST_CASE("the baseline mapping binds", "[mapping][bind]") {
  auto grammars = compile_text(kGrammar);
  auto bound = bind_mappings({parse_text("m.mapping", kGood)}, grammars);
  INFO((bound ? "" : render(bound.errors())));
  REQUIRE(bound.ok());
  REQUIRE(bound->mappings.size() == 1);
  REQUIRE(bound->mappings[0].size() == 1);
  const RuleMapping& m = bound->mappings[0][0];
  CHECK(m.payload == v1::Event::descriptor()->FindFieldByName("openvpn_client_instance_signal"));

  // `src_endpoint = client;` expands to one op per capture of the pattern, in capture order.
  const auto* endpoint = openvpn::v1::Endpoint::descriptor();
  const auto* signal = openvpn::v1::ClientInstanceSignal::descriptor();
  const auto* src_endpoint = signal->FindFieldByName("src_endpoint");
  REQUIRE(m.ops.size() == 7);
  struct Expected {
    std::string field_name;
    std::vector<const google::protobuf::FieldDescriptor*> path;
    FieldOp::Source source;
    int capture;
  };
  const Expected expected[] = {
      {"src_endpoint.common_name", {src_endpoint, endpoint->FindFieldByName("common_name")},
       FieldOp::Source::kCapture, 0},
      {"src_endpoint.ip", {src_endpoint, endpoint->FindFieldByName("ip")}, FieldOp::Source::kCapture, 1},
      {"src_endpoint.port", {src_endpoint, endpoint->FindFieldByName("port")}, FieldOp::Source::kCapture, 2},
      {"signal_name", {signal->FindFieldByName("signal_name")}, FieldOp::Source::kCapture, 3},
      {"hardness", {signal->FindFieldByName("hardness")}, FieldOp::Source::kEnumFromText, 4},
      {"reason", {signal->FindFieldByName("reason")}, FieldOp::Source::kCapture, 5},
      {"action", {signal->FindFieldByName("action")}, FieldOp::Source::kEnumFromText, 6},
  };
  for (size_t i = 0; i < std::size(expected); ++i) {
    INFO("op " << i << " " << expected[i].field_name);
    CHECK(m.ops[i].field_name == expected[i].field_name);
    CHECK(m.ops[i].path == expected[i].path);
    CHECK(m.ops[i].source == expected[i].source);
    CHECK(m.ops[i].capture == expected[i].capture);
  }
  // The text forms enum() accepts: the value names without the enum's prefix, lowercase with '-' for '_',
  // UNSPECIFIED left out.
  using Forms = std::vector<std::pair<std::string, int>>;
  CHECK(m.ops[4].enum_values == Forms{{"soft", 1}, {"hard", 2}, {"connection-failed", 3}});
  CHECK(m.ops[6].enum_values == Forms{{"restarting", 1}, {"exiting", 2}});
  CHECK(m.ops[3].enum_values.empty());
}

TEST_CASE("constants are checked and stored at bind time", "[mapping][bind]") {
  auto grammars = compile_text(kGrammar);
  auto bound = bind_mappings({parse_text("m.mapping", R"(mapping t 1.0;
rule sig -> strictlog.openvpn.v1.ClientInstanceSignal {
  src_endpoint.ip = client.ip;
  src_endpoint.port = 4294967295;
  src_endpoint.common_name = "";
  signal_name = "SIG\"\t";
  hardness = "SIGNAL_HARDNESS_HARD";
  action = "SIGNAL_ACTION_EXITING";
  reason = "0";
  discard client.common_name, client.port, signal, hardness, reason, action, n;
}
)")},
                             grammars);
  INFO((bound ? "" : render(bound.errors())));
  REQUIRE(bound.ok());
  const auto& ops = bound->mappings[0][0].ops;
  REQUIRE(ops.size() == 7);
  CHECK(ops[0].source == FieldOp::Source::kCapture);
  CHECK(ops[0].capture == 1);
  for (size_t i = 1; i < ops.size(); ++i) {
    INFO("op " << i);
    CHECK(ops[i].source == FieldOp::Source::kConstant);
    CHECK(ops[i].capture == -1);
  }
  CHECK(ops[1].field_name == "src_endpoint.port");
  CHECK(ops[1].number_value == 4294967295u);
  CHECK(ops[2].field_name == "src_endpoint.common_name");
  CHECK(ops[2].string_value.empty());
  CHECK(ops[3].string_value == "SIG\"\t");
  CHECK(ops[4].number_value == openvpn::v1::SIGNAL_HARDNESS_HARD);
  CHECK(ops[5].number_value == openvpn::v1::SIGNAL_ACTION_EXITING);
  CHECK(ops[6].string_value == "0");
  CHECK(ops[6].number_value == 0);
}

TEST_CASE("unknown grammar", "[mapping][bind]") {
  // The grammar's rule is then unmapped as well: both are reported.
  CHECK(bind_errors(R"(mapping t 2.0;
rule sig -> strictlog.openvpn.v1.ClientInstanceSignal {}
)") == R"(m.mapping:1:1: no grammar 't 2.0' is loaded for this mapping [unknown-grammar]
  mapping t 2.0;
  ^
g.grammar:4:1: rule 'sig' of grammar 't 1.0' has no mapping: add 'rule sig -> <payload message> { ... }' to a mapping file [unmapped-rule]
  rule sig = client:peer " " signal:word "[" hardness:word "," [ reason:word ] "] " action:word " n=" n:uint
  ^
)");
}

TEST_CASE("unknown rule", "[mapping][bind]") {
  CHECK(bind_errors(std::string(kGood) + "rule sgi -> strictlog.openvpn.v1.ClientInstanceSignal {}\n") ==
        R"(m.mapping:10:1: grammar 't 1.0' has no rule 'sgi' [unknown-rule]
  rule sgi -> strictlog.openvpn.v1.ClientInstanceSignal {}
  ^
)");
}

TEST_CASE("unknown message and non-payload messages", "[mapping][bind]") {
  CHECK(bind_errors(R"(mapping t 1.0;
rule sig -> strictlog.openvpn.v1.ClientInstanceSignals {
  signal_name = signal;
}
)") == R"(m.mapping:2:13: unknown message 'strictlog.openvpn.v1.ClientInstanceSignals' [unknown-message]
  rule sig -> strictlog.openvpn.v1.ClientInstanceSignals {
              ^
)");
  // Endpoint exists in the descriptor pool but is not a member of Event's payload oneof.
  CHECK(bind_errors(R"(mapping t 1.0;
rule sig -> strictlog.openvpn.v1.Endpoint {
  ip = client.ip;
}
)") == R"(m.mapping:2:13: message 'strictlog.openvpn.v1.Endpoint' is not a payload of strictlog.v1.Event: add it to Event's 'payload' oneof [not-a-payload]
  rule sig -> strictlog.openvpn.v1.Endpoint {
              ^
)");
  CHECK(bind_errors(R"(mapping t 1.0;
rule sig -> strictlog.v1.Event {}
)") == R"(m.mapping:2:13: message 'strictlog.v1.Event' is not a payload of strictlog.v1.Event: add it to Event's 'payload' oneof [not-a-payload]
  rule sig -> strictlog.v1.Event {}
              ^
)");
}

TEST_CASE("unknown field: the caret is at the bad segment", "[mapping][bind]") {
  CHECK(bind_errors(R"(mapping t 1.0;
rule sig -> strictlog.openvpn.v1.ClientInstanceSignal {
  src_endpoint.ipp = client.ip;
  src_endpoint.port = client.port;
  src_endpoint.common_name = client.common_name;
  signal_nam = signal;
  hardness = enum(hardness);
  reason = reason;
  action = enum(action);
  discard n;
}
)") == R"(m.mapping:3:16: message 'strictlog.openvpn.v1.Endpoint' has no field 'ipp' [unknown-field]
    src_endpoint.ipp = client.ip;
                 ^
m.mapping:6:3: message 'strictlog.openvpn.v1.ClientInstanceSignal' has no field 'signal_nam' [unknown-field]
    signal_nam = signal;
    ^
)");
}

TEST_CASE("an unknown field does not also report its capture as unmapped", "[mapping][bind]") {
  CHECK(bind_errors(R"(mapping t 1.0;
rule sig -> strictlog.openvpn.v1.ClientInstanceSignal {
  src_endpoint = client;
  signal = signal;
  hardness = enum(hardness);
  reason = reason;
  action = enum(action);
  discard n;
}
)") == R"(m.mapping:4:3: message 'strictlog.openvpn.v1.ClientInstanceSignal' has no field 'signal' [unknown-field]
    signal = signal;
    ^
)");
}

TEST_CASE("a field that is a message needs a sub-path", "[mapping][bind]") {
  // `signal` is a plain capture, not a pattern: nothing to spread over the Endpoint's fields.
  CHECK(bind_errors(R"(mapping t 1.0;
rule sig -> strictlog.openvpn.v1.ClientInstanceSignal {
  src_endpoint.ip = client.ip;
  src_endpoint = signal;
  discard client.common_name, client.port, hardness, reason, action, n;
}
)") == R"(m.mapping:4:3: field 'src_endpoint' is a message (strictlog.openvpn.v1.Endpoint); map its fields one by one, e.g. 'src_endpoint.<field>' [type-mismatch]
    src_endpoint = signal;
    ^
)");
  CHECK(bind_errors(R"(mapping t 1.0;
rule sig -> strictlog.openvpn.v1.ClientInstanceSignal {
  src_endpoint = "198.51.100.7";
  discard client.common_name, client.ip, client.port, signal, hardness, reason, action, n;
}
)") == R"(m.mapping:3:3: field 'src_endpoint' is a message (strictlog.openvpn.v1.Endpoint); map its fields one by one, e.g. 'src_endpoint.<field>' [type-mismatch]
    src_endpoint = "198.51.100.7";
    ^
)");
}

TEST_CASE("a path cannot go through a scalar field", "[mapping][bind]") {
  CHECK(bind_errors(R"(mapping t 1.0;
rule sig -> strictlog.openvpn.v1.ClientInstanceSignal {
  src_endpoint.port.value = client.port;
  hardness.name = signal;
  discard client.common_name, client.ip, hardness, reason, action, n;
}
)") == R"(m.mapping:3:16: field 'port' is uint32, not a message, so it has no field 'value' [type-mismatch]
    src_endpoint.port.value = client.port;
                 ^
m.mapping:4:3: field 'hardness' is strictlog.openvpn.v1.SignalHardness, not a message, so it has no field 'name' [type-mismatch]
    hardness.name = signal;
    ^
)");
}

TEST_CASE("a capture's type must fit its field", "[mapping][bind]") {
  SECTION("port capture into a string field") {
    CHECK(bind_errors(R"(mapping t 1.0;
rule sig -> strictlog.openvpn.v1.ClientInstanceSignal {
  src_endpoint = client;
  signal_name = client.port;
  discard signal, hardness, reason, action, n;
}
)") == R"(m.mapping:4:17: capture 'client.port' is port (uint32) but field 'signal_name' is string [type-mismatch]
    signal_name = client.port;
                  ^
)");
  }
  SECTION("word capture into a uint32 field") {
    CHECK(bind_errors(R"(mapping t 1.0;
rule sig -> strictlog.openvpn.v1.ClientInstanceSignal {
  src_endpoint.port = signal;
  discard client.common_name, client.ip, client.port, hardness, reason, action, n;
}
)") == R"(m.mapping:3:23: capture 'signal' is word (string) but field 'src_endpoint.port' is uint32 [type-mismatch]
    src_endpoint.port = signal;
                        ^
)");
  }
  SECTION("uint (uint64) capture into a uint32 field: binds, and each value is range-checked when applied") {
    // Allowed since grammar versions (mapping/internal/leaf.cc); apply_test.cc checks the range per line.
    auto grammars = compile_text(kGrammar);
    auto bound = bind_mappings({parse_text("m.mapping", R"(mapping t 1.0;
rule sig -> strictlog.openvpn.v1.ClientInstanceSignal {
  src_endpoint.port = n;
  discard client.common_name, client.ip, client.port, signal, hardness, reason, action;
}
)")},
                               grammars);
    INFO((bound ? "" : render(bound.errors())));
    CHECK(bound.ok());
  }
  SECTION("plain capture into an enum field: the hint names enum()") {
    CHECK(bind_errors(R"(mapping t 1.0;
rule sig -> strictlog.openvpn.v1.ClientInstanceSignal {
  src_endpoint = client;
  signal_name = signal;
  hardness = hardness;
  reason = reason;
  action = enum(action);
  discard n;
}
)") == R"(m.mapping:5:14: capture 'hardness' is word (string) but field 'hardness' is strictlog.openvpn.v1.SignalHardness; use 'enum(hardness)' [type-mismatch]
    hardness = hardness;
               ^
)");
  }
  SECTION("enum() on a field that is not an enum") {
    CHECK(bind_errors(R"(mapping t 1.0;
rule sig -> strictlog.openvpn.v1.ClientInstanceSignal {
  src_endpoint = client;
  signal_name = enum(signal);
  discard hardness, reason, action, n;
}
)") == R"(m.mapping:4:17: enum() sets enum fields, but field 'signal_name' is string [type-mismatch]
    signal_name = enum(signal);
                  ^
)");
  }
  SECTION("enum() of a uint capture: the caret is at the argument") {
    CHECK(bind_errors(R"(mapping t 1.0;
rule sig -> strictlog.openvpn.v1.ClientInstanceSignal {
  src_endpoint = client;
  action = enum( n );
  discard signal, hardness, reason, action;
}
)") == R"(m.mapping:4:18: enum() converts text, but capture 'n' is uint (uint64) [type-mismatch]
    action = enum( n );
                   ^
)");
  }
}

TEST_CASE("unknown conversion", "[mapping][bind]") {
  CHECK(bind_errors(R"(mapping t 1.0;
rule sig -> strictlog.openvpn.v1.ClientInstanceSignal {
  src_endpoint = client;
  signal_name = lower(signal);
  hardness = enum(hardness);
  reason = reason;
  action = enum(action);
  discard n;
}
)") == R"(m.mapping:4:17: unknown conversion 'lower' (known: enum) [unknown-conversion]
    signal_name = lower(signal);
                  ^
)");
}

TEST_CASE("unknown capture lists the rule's captures", "[mapping][bind]") {
  CHECK(bind_errors(R"(mapping t 1.0;
rule sig -> strictlog.openvpn.v1.ClientInstanceSignal {
  src_endpoint = client;
  signal_name = sig;
  hardness = enum(hard);
  reason = client.reason;
  discard signal, hardness, reason, action, n, m;
}
)") == R"(m.mapping:4:17: rule 'sig' has no capture 'sig' (it has: client.common_name, client.ip, client.port, signal, hardness, reason, action, n) [unknown-capture]
    signal_name = sig;
                  ^
m.mapping:5:19: rule 'sig' has no capture 'hard' (it has: client.common_name, client.ip, client.port, signal, hardness, reason, action, n) [unknown-capture]
    hardness = enum(hard);
                    ^
m.mapping:6:12: rule 'sig' has no capture 'client.reason' (it has: client.common_name, client.ip, client.port, signal, hardness, reason, action, n) [unknown-capture]
    reason = client.reason;
             ^
m.mapping:7:48: rule 'sig' has no capture 'm' (it has: client.common_name, client.ip, client.port, signal, hardness, reason, action, n) [unknown-capture]
    discard signal, hardness, reason, action, n, m;
                                                 ^
)");
}

TEST_CASE("a capture neither mapped nor discarded points at the capture in the grammar", "[mapping][bind]") {
  CHECK(bind_errors(R"(mapping t 1.0;
rule sig -> strictlog.openvpn.v1.ClientInstanceSignal {
  src_endpoint.ip = client.ip;
  src_endpoint.port = client.port;
  signal_name = signal;
  hardness = enum(hardness);
  reason = reason;
  action = enum(action);
}
)") == R"(m.mapping:2:1: capture 'client.common_name' of rule 'sig' is neither mapped nor discarded: map it to a field or add 'discard client.common_name;' [unmapped-capture]
  rule sig -> strictlog.openvpn.v1.ClientInstanceSignal {
  ^
g.grammar:3:18: note: captured here
  pattern peer = [ common_name:cn "/" ] ip:ipv4 ":" port:port;
                   ^
m.mapping:2:1: capture 'n' of rule 'sig' is neither mapped nor discarded: map it to a field or add 'discard n;' [unmapped-capture]
  rule sig -> strictlog.openvpn.v1.ClientInstanceSignal {
  ^
g.grammar:4:101: note: captured here
  rule sig = client:peer " " signal:word "[" hardness:word "," [ reason:word ] "] " action:word " n=" n:uint
                                                                                                      ^
)");
}

TEST_CASE("a rule without a mapping is reported in the grammar", "[mapping][bind]") {
  CHECK(bind_errors(kTwoRules, {kGood}) ==
        R"~(g.grammar:6:1: rule 'fatal' of grammar 't 1.0' has no mapping: add 'rule fatal -> <payload message> { ... }' to a mapping file [unmapped-rule]
  rule fatal = client:peer " Fatal TLS error (" function:word ")"
  ^
)~");
}

TEST_CASE("a rule mapped twice names both mappings", "[mapping][bind]") {
  SECTION("in one file") {
    CHECK(bind_errors(std::string(kGood) + "rule sig -> strictlog.openvpn.v1.FatalTlsError {}\n") ==
          R"(m.mapping:10:1: rule 'sig' is already mapped [duplicate-mapping]
  rule sig -> strictlog.openvpn.v1.FatalTlsError {}
  ^
m.mapping:2:1: note: first mapped here
  rule sig -> strictlog.openvpn.v1.ClientInstanceSignal {
  ^
)");
  }
  SECTION("in two files") {
    CHECK(bind_errors(kGrammar, {kGood, "# second file\nmapping t 1.0;\n  rule sig -> strictlog.openvpn.v1.FatalTlsError {}\n"}) ==
          R"(n.mapping:3:3: rule 'sig' is already mapped [duplicate-mapping]
    rule sig -> strictlog.openvpn.v1.FatalTlsError {}
    ^
m.mapping:2:1: note: first mapped here
  rule sig -> strictlog.openvpn.v1.ClientInstanceSignal {
  ^
)");
  }
}

TEST_CASE("a field assigned twice names both assignments", "[mapping][bind]") {
  SECTION("the same path written twice") {
    CHECK(bind_errors(R"(mapping t 1.0;
rule sig -> strictlog.openvpn.v1.ClientInstanceSignal {
  src_endpoint = client;
  signal_name = signal;
  hardness = enum(hardness);
  reason = reason;
  action = enum(action);
  signal_name = "SIGTERM";
  discard n;
}
)") == R"(m.mapping:8:3: field 'signal_name' is already assigned [duplicate-field]
    signal_name = "SIGTERM";
    ^
m.mapping:4:3: note: first assigned here
    signal_name = signal;
    ^
)");
  }
  SECTION("a field that a pattern capture already set") {
    CHECK(bind_errors(R"(mapping t 1.0;
rule sig -> strictlog.openvpn.v1.ClientInstanceSignal {
  src_endpoint = client;
  src_endpoint.common_name = signal;
  hardness = enum(hardness);
  reason = reason;
  action = enum(action);
  discard n;
}
)") == R"(m.mapping:4:3: field 'src_endpoint.common_name' is already assigned [duplicate-field]
    src_endpoint.common_name = signal;
    ^
m.mapping:3:3: note: first assigned here
    src_endpoint = client;
    ^
)");
  }
  SECTION("a pattern capture onto a field already set") {
    CHECK(bind_errors(R"(mapping t 1.0;
rule sig -> strictlog.openvpn.v1.ClientInstanceSignal {
  src_endpoint.port = 1194;
  src_endpoint = client;
  signal_name = signal;
  hardness = enum(hardness);
  reason = reason;
  action = enum(action);
  discard n;
}
)") == R"(m.mapping:4:3: field 'src_endpoint.port' is already assigned [duplicate-field]
    src_endpoint = client;
    ^
m.mapping:3:3: note: first assigned here
    src_endpoint.port = 1194;
    ^
)");
  }
}

TEST_CASE("a capture cannot be both mapped and discarded", "[mapping][bind]") {
  CHECK(bind_errors(R"(mapping t 1.0;
rule sig -> strictlog.openvpn.v1.ClientInstanceSignal {
  discard client.ip, n;
  src_endpoint = client;
  signal_name = signal;
  hardness = enum(hardness);
  reason = reason;
  action = enum(action);
}
)") == R"(m.mapping:3:11: capture 'client.ip' is both mapped and discarded [discarded-capture-used]
    discard client.ip, n;
            ^
)");
}

TEST_CASE("a capture discarded twice", "[mapping][bind]") {
  CHECK(bind_errors(R"(mapping t 1.0;
rule sig -> strictlog.openvpn.v1.ClientInstanceSignal {
  src_endpoint = client;
  signal_name = signal;
  hardness = enum(hardness);
  reason = reason;
  action = enum(action);
  discard n;
  discard n;
}
)") == R"(m.mapping:9:11: capture 'n' is already discarded [duplicate-discard]
    discard n;
            ^
m.mapping:8:11: note: first discarded here
    discard n;
            ^
)");
}

TEST_CASE("constants must fit their fields", "[mapping][bind]") {
  CHECK(bind_errors(R"(mapping t 1.0;
rule sig -> strictlog.openvpn.v1.ClientInstanceSignal {
  src_endpoint.ip = client.ip;
  action = "SIGNAL_ACTION_STOPPING";
  hardness = "hard";
  src_endpoint.port = 4294967296;
  src_endpoint.common_name = 7;
  signal_name = "SIGTERM";
  reason = 18446744073709551616;
  discard client.common_name, client.port, signal, hardness, reason, action, n;
}
)") == R"(m.mapping:4:12: enum strictlog.openvpn.v1.SignalAction has no value 'SIGNAL_ACTION_STOPPING' [unknown-enum-value]
    action = "SIGNAL_ACTION_STOPPING";
             ^
m.mapping:5:14: enum strictlog.openvpn.v1.SignalHardness has no value 'hard' [unknown-enum-value]
    hardness = "hard";
               ^
m.mapping:6:23: 4294967296 does not fit field 'src_endpoint.port' (uint32) [constant-out-of-range]
    src_endpoint.port = 4294967296;
                        ^
m.mapping:7:30: a number constant cannot set field 'src_endpoint.common_name', which is string [type-mismatch]
    src_endpoint.common_name = 7;
                               ^
m.mapping:9:12: a number constant cannot set field 'reason', which is string [type-mismatch]
    reason = 18446744073709551616;
             ^
)");
  CHECK(bind_errors(R"(mapping t 1.0;
rule sig -> strictlog.openvpn.v1.ClientInstanceSignal {
  src_endpoint.port = "1194";
  action = 1;
  discard client.common_name, client.ip, client.port, signal, hardness, reason, action, n;
}
)") == R"(m.mapping:3:23: a string constant cannot set field 'src_endpoint.port', which is uint32 [type-mismatch]
    src_endpoint.port = "1194";
                        ^
m.mapping:4:12: a number constant cannot set field 'action', which is strictlog.openvpn.v1.SignalAction [type-mismatch]
    action = 1;
             ^
)");
}

TEST_CASE("a pattern capture whose name the message lacks points at the capture", "[mapping][bind]") {
  CHECK(bind_errors(R"(grammar t 1.0;
programs "t";
pattern hop = ip:ipv4 ":" port:port " via " proxy:word;
rule up = client:hop " up"
  example "198.51.100.7:1194 via p1 up";
)",
                    {R"(mapping t 1.0;
rule up -> strictlog.openvpn.v1.TlsHandshakeFailed {
  src_endpoint = client;
}
)"}) == R"(m.mapping:3:18: message 'strictlog.openvpn.v1.Endpoint' has no field 'proxy' [unknown-field]
    src_endpoint = client;
                   ^
)");
}

TEST_CASE("all errors of all files are reported together, in file order", "[mapping][bind]") {
  CHECK(bind_errors(kTwoRules, {R"(mapping t 1.0;
rule sig -> strictlog.openvpn.v1.ClientInstanceSignal {
  src_endpoint = client;
  signal_name = signal;
  hardness = enum(hardness);
  reason = reason;
  action = action;
}
rule nope -> strictlog.openvpn.v1.FatalTlsError {}
rule fatal -> strictlog.openvpn.v1.FatalTls {}
)",
                                R"(mapping openvpn 2.6;
)"}) == R"(m.mapping:7:12: capture 'action' is word (string) but field 'action' is strictlog.openvpn.v1.SignalAction; use 'enum(action)' [type-mismatch]
    action = action;
             ^
m.mapping:2:1: capture 'n' of rule 'sig' is neither mapped nor discarded: map it to a field or add 'discard n;' [unmapped-capture]
  rule sig -> strictlog.openvpn.v1.ClientInstanceSignal {
  ^
g.grammar:4:101: note: captured here
  rule sig = client:peer " " signal:word "[" hardness:word "," [ reason:word ] "] " action:word " n=" n:uint
                                                                                                      ^
m.mapping:9:1: grammar 't 1.0' has no rule 'nope' [unknown-rule]
  rule nope -> strictlog.openvpn.v1.FatalTlsError {}
  ^
m.mapping:10:15: unknown message 'strictlog.openvpn.v1.FatalTls' [unknown-message]
  rule fatal -> strictlog.openvpn.v1.FatalTls {}
                ^
n.mapping:1:1: no grammar 'openvpn 2.6' is loaded for this mapping [unknown-grammar]
  mapping openvpn 2.6;
  ^
)");
}

// The value kinds beyond string and uint (fields/field_type.h) against payload fields: each newer type into
// a field it fits binds, and into one it does not is a type-mismatch naming the kind the way proto does.
// Floating-point, map and Timestamp fields, which no payload has (PeerInfo's one-entry map became two
// strings), and every integer field type are checked field by field in leaf_test.cc.
const char* const kNewTypes = R"(grammar t 1.0;
programs "t";
rule r = "i=" i:int " f=" f:float " h=" h:hex " q=" q:quoted " host=" host:hostname " ip=" ip:ip " t=" t:iso_time
    " c=" c:ctime " s=" s:syslog_time " kv " attrs:kv
  example "i=-1 f=1.5 h=0x1f q='x' host=vpn.example ip=2001:db8::1 t=2026-11-22 09:15:02 c=Thu Nov 22 09:15:02 2018 s=Nov 22 09:15:02 kv uid=0";
)";
const char* const kNewCaptures[] = {"i", "f", "h", "q", "host", "ip", "t", "c", "s", "attrs"};

// `field = capture;` with every other capture discarded, into `message`.
std::string map_one(const std::string& field, const std::string& capture,
                    const std::string& message = "strictlog.openvpn.v1.ClientInstanceSignal") {
  std::string discards;
  for (const char* c : kNewCaptures) {
    if (c != capture) discards += (discards.empty() ? "" : ", ") + std::string(c);
  }
  return "mapping t 1.0;\nrule r -> " + message + " {\n  " + field + " = " + capture + ";\n  discard " + discards +
         ";\n}\n";
}

const std::string kKeyInitialized = "strictlog.openvpn.v1.DataChannelKeyInitialized";  // int32 key_bits

TEST_CASE("new value kinds bind into the fields they fit", "[mapping][bind]") {
  auto grammars = compile_text(kNewTypes);
  const std::string kSignal = "strictlog.openvpn.v1.ClientInstanceSignal";
  const std::string fitting[][3] = {
      {"signal_name", "q", kSignal},  {"src_endpoint.common_name", "host", kSignal},
      {"src_endpoint.ip", "ip", kSignal}, {"signal_name", "t", kSignal},
      {"reason", "c", kSignal},       {"signal_name", "s", kSignal},
      {"key_bits", "i", kKeyInitialized},
  };
  for (const auto& [field, capture, message] : fitting) {
    INFO(field << " = " << capture);
    auto bound = bind_mappings({parse_text("m.mapping", map_one(field, capture, message))}, grammars);
    INFO((bound ? "" : render(bound.errors())));
    CHECK(bound.ok());
  }
}

TEST_CASE("number constants into int32 fields are range-checked at load", "[mapping][bind]") {
  const std::string discard = "  discard i, f, h, q, host, ip, t, c, s, attrs;\n}\n";
  auto grammars = compile_text(kNewTypes);
  auto bound = bind_mappings(
      {parse_text("m.mapping", "mapping t 1.0;\nrule r -> " + kKeyInitialized + " {\n  key_bits = 2147483647;\n" +
                                   discard)},
      grammars);
  INFO((bound ? "" : render(bound.errors())));
  REQUIRE(bound.ok());
  CHECK(bound->mappings[0][0].ops[0].number_value == 2147483647);
  CHECK(bind_errors(kNewTypes, {"mapping t 1.0;\nrule r -> " + kKeyInitialized + " {\n  key_bits = 2147483648;\n" +
                                discard}) ==
        R"(m.mapping:3:14: 2147483648 does not fit field 'key_bits' (int32) [constant-out-of-range]
    key_bits = 2147483648;
               ^
)");
}

TEST_CASE("new value kinds into fields they do not fit", "[mapping][bind]") {
  struct Row {
    std::string field, capture, message;
  };
  const Row rows[] = {
      {"src_endpoint.port", "i", "capture 'i' is int (int64) but field 'src_endpoint.port' is uint32"},
      {"signal_name", "i", "capture 'i' is int (int64) but field 'signal_name' is string"},
      {"src_endpoint.port", "f", "capture 'f' is float (double) but field 'src_endpoint.port' is uint32"},
      {"signal_name", "f", "capture 'f' is float (double) but field 'signal_name' is string"},
      // hex (uint64) into the uint32 port binds now, range-checked per line like uint (leaf.cc).
      {"src_endpoint.port", "q", "capture 'q' is quoted (string) but field 'src_endpoint.port' is uint32"},
      {"src_endpoint.port", "t",
       "capture 't' is iso_time (google.protobuf.Timestamp) but field 'src_endpoint.port' is uint32"},
      {"src_endpoint.port", "c",
       "capture 'c' is ctime (google.protobuf.Timestamp) but field 'src_endpoint.port' is uint32"},
      {"signal_name", "attrs", "capture 'attrs' is kv (map<string, string>) but field 'signal_name' is string"},
      {"hardness", "i",
       "capture 'i' is int (int64) but field 'hardness' is strictlog.openvpn.v1.SignalHardness; use 'enum(i)'"},
  };
  // Into DataChannelKeyInitialized's int32 key_bits.
  const Row int32_rows[] = {
      {"key_bits", "t", "capture 't' is iso_time (google.protobuf.Timestamp) but field 'key_bits' is int32"},
      {"key_bits", "h", "capture 'h' is hex (uint64) but field 'key_bits' is int32"},
      {"key_bits", "f", "capture 'f' is float (double) but field 'key_bits' is int32"},
  };
  for (const Row& row : int32_rows) {
    INFO(row.field << " = " << row.capture);
    const std::string line = "  " + row.field + " = " + row.capture + ";";
    const size_t column = row.field.size() + 6;
    CHECK(bind_errors(kNewTypes, {map_one(row.field, row.capture, kKeyInitialized)}) ==
          "m.mapping:3:" + std::to_string(column) + ": " + row.message + " [type-mismatch]\n  " + line + "\n  " +
              std::string(column - 1, ' ') + "^\n");
  }
  for (const Row& row : rows) {
    INFO(row.field << " = " << row.capture);
    const std::string line = "  " + row.field + " = " + row.capture + ";";
    const size_t column = row.field.size() + 6;
    CHECK(bind_errors(kNewTypes, {map_one(row.field, row.capture)}) ==
          "m.mapping:3:" + std::to_string(column) + ": " + row.message + " [type-mismatch]\n  " + line + "\n  " +
              std::string(column - 1, ' ') + "^\n");
  }
}

// Versions (Binder::inherit): a version that extends another takes the base's mapping of each rule it has no
// mapping of its own for, bound again against its own rule.
const char* const kBaseVersion =
    "grammar t 1;\n"                            // 1
    "programs \"t\";\n"                         // 2
    "rule fatal = \"fatal \" f:word\n"          // 3
    "  example \"fatal x\";\n"                  // 4
    "rule sig = \"signal \" s:word\n"           // 5
    "  example \"signal HUP\";\n"               // 6
    "drop noise = \"noise\" example \"noise\";\n";
const char* const kBaseMapping =
    "mapping t 1;\n"                                          // 1
    "rule fatal -> strictlog.openvpn.v1.FatalTlsError {\n"    // 2
    "  function_name = f;\n"                                  // 3
    "}\n"                                                     // 4
    "rule sig -> strictlog.openvpn.v1.ProcessSignal {\n"      // 5
    "  signal_name = s;\n"                                    // 6
    "}\n";

// Each text is a version (`g/1.grammar`, `g/2.grammar`, ...) extending the one before it (or none), compiled
// as the loader does: extended first.
std::vector<CompiledGrammar> compile_versions(const std::vector<std::string>& texts) {
  std::vector<CompiledGrammar> out;
  std::optional<dsl::GrammarFile> previous;
  for (size_t i = 0; i < texts.size(); ++i) {
    auto parsed = dsl::parse_grammar(source("g/" + std::to_string(i + 1) + ".grammar", texts[i]));
    INFO((parsed ? "" : render(parsed.errors())));
    REQUIRE(parsed.ok());
    dsl::GrammarFile file = std::move(parsed).value();
    if (previous) {
      auto extended = dsl::extend_grammar(*previous, file);
      INFO((extended ? "" : render(extended.errors())));
      REQUIRE(extended.ok());
      file = std::move(extended).value();
    }
    auto compiled = compile_grammar(file);
    INFO((compiled ? "" : render(compiled.errors())));
    REQUIRE(compiled.ok());
    out.push_back(std::move(compiled).value());
    previous = std::move(file);
  }
  return out;
}

TEST_CASE("versions: rules without a mapping of their own take the base's and a mapping of its own replaces it", "[mapping][bind]") {
  auto grammars = compile_versions(
      {kBaseVersion,
       "grammar t 2 extends 1;\n"
       "override rule sig = \"signal \" s:word \" \" r:word example \"signal HUP x\";\n",
       "grammar t 3 extends 2;\n"});
  auto bound = bind_mappings({parse_text("m.mapping", kBaseMapping),
                              parse_text("n.mapping",
                                         "mapping t 2;\n"
                                         "rule sig -> strictlog.openvpn.v1.ProcessSignal {\n"
                                         "  signal_name = s;\n"
                                         "  reason = r;\n"
                                         "}\n")},
                             grammars);
  INFO((bound ? "" : render(bound.errors())));
  REQUIRE(bound.ok());
  REQUIRE(bound->mappings.size() == 3);
  const auto* fatal_payload = v1::Event::descriptor()->FindFieldByName("openvpn_fatal_tls_error");
  const auto* signal_payload = v1::Event::descriptor()->FindFieldByName("openvpn_process_signal");
  REQUIRE(fatal_payload != nullptr);
  REQUIRE(signal_payload != nullptr);
  for (size_t g = 0; g < 3; ++g) {
    INFO("version " << g + 1);
    REQUIRE(bound->mappings[g].size() == 3);
    const RuleMapping& fatal = bound->mappings[g][0];
    const RuleMapping& sig = bound->mappings[g][1];
    const RuleMapping& noise = bound->mappings[g][2];
    CHECK(fatal.payload == fatal_payload);
    REQUIRE(fatal.ops.size() == 1);
    CHECK(fatal.ops[0].field_name == "function_name");
    CHECK(fatal.inherited == (g > 0));  // version 3 through version 2
    CHECK(sig.payload == signal_payload);
    REQUIRE(sig.ops.size() == (g == 0 ? 1u : 2u));
    CHECK(sig.ops[0].field_name == "signal_name");
    if (g > 0) CHECK(sig.ops[1].field_name == "reason");
    CHECK(sig.inherited == (g == 2));  // version 2 maps it itself; version 3 takes version 2's
    CHECK(noise.payload == nullptr);   // drop rules have no mapping to inherit
    CHECK_FALSE(noise.inherited);
    CHECK(noise.ops.empty());
  }
}

TEST_CASE("versions: an overridden rule whose captures changed fails at the base's mapping", "[mapping][bind]") {
  auto grammars = compile_versions(
      {kBaseVersion,
       "grammar t 2 extends 1;\n"
       "override rule sig = \"signal \" sn:word example \"signal HUP\";\n"});
  auto bound = bind_mappings({parse_text("m.mapping", kBaseMapping)}, grammars);
  REQUIRE_FALSE(bound.ok());
  CHECK(render(bound.errors()) ==
        "m.mapping:6:17: rule 'sig' has no capture 's' (it has: sn) [unknown-capture]\n"
        "    signal_name = s;\n"
        "                  ^\n"
        "g/2.grammar:1:1: note: inherited by grammar t 2\n"
        "  grammar t 2 extends 1;\n"
        "  ^\n"
        "m.mapping:5:1: capture 'sn' of rule 'sig' is neither mapped nor discarded: map it to a field or add "
        "'discard sn;' [unmapped-capture]\n"
        "  rule sig -> strictlog.openvpn.v1.ProcessSignal {\n"
        "  ^\n"
        "g/2.grammar:2:31: note: captured here\n"
        "  override rule sig = \"signal \" sn:word example \"signal HUP\";\n"
        "                                ^\n"
        "g/2.grammar:1:1: note: inherited by grammar t 2\n"
        "  grammar t 2 extends 1;\n"
        "  ^\n");
}

TEST_CASE("versions: a rule new in a version needs a mapping of its own", "[mapping][bind]") {
  auto grammars = compile_versions(
      {kBaseVersion, "grammar t 2 extends 1;\nrule extra = \"extra \" e:word example \"extra y\";\n"});
  auto bound = bind_mappings({parse_text("m.mapping", kBaseMapping)}, grammars);
  REQUIRE_FALSE(bound.ok());
  CHECK(render(bound.errors()) ==
        "g/2.grammar:2:1: rule 'extra' of grammar 't 2' has no mapping: add 'rule extra -> <payload message> "
        "{ ... }' to a mapping file [unmapped-rule]\n"
        "  rule extra = \"extra \" e:word example \"extra y\";\n"
        "  ^\n");
}


// Review fix: a base version's mapping that does not bind failed again, with the same message, for each version
// that inherits it (here 2, and 3 through 2): one mistake, one error, at the version it is written for.
TEST_CASE("versions: a failed mapping inherited down a chain of versions is reported once", "[mapping][bind]") {
  auto grammars = compile_versions({kBaseVersion, "grammar t 2 extends 1;\n", "grammar t 3 extends 2;\n"});
  std::string mapping = kBaseMapping;
  const size_t at = mapping.find("signal_name = s;");
  REQUIRE(at != std::string::npos);
  mapping.replace(at, 11, "signal_nam");
  auto bound = bind_mappings({parse_text("m.mapping", mapping)}, grammars);
  REQUIRE_FALSE(bound.ok());
  CHECK(bound.errors().size() == 1);
  CHECK(render(bound.errors()) ==
        "m.mapping:6:3: message 'strictlog.openvpn.v1.ProcessSignal' has no field 'signal_nam' [unknown-field]\n"
        "    signal_nam = s;\n"
        "    ^\n");
}

}  // namespace
}  // namespace strictlog
