// compile_grammar(), dispatch(), extract() and applies_to() on grammars that load: which rule a message
// selects, what the captures hold, and what the compiled rules say about their captures and their
// regex's origin. Errors are in compile_errors_test.cc, budgets in compile_limits_test.cc.
#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "compile_source.h"

namespace strictlog::testing {
namespace {

// A slice of grammars/openvpn/2.6.grammar plus a pattern inside a pattern (`endpoint` uses `peer`).
constexpr std::string_view kDemo =
    "grammar demo 1.0;\n"
    "programs \"openvpn\" \"ovpn-*\";\n"
    "pattern peer = [ common_name:cn \"/\" ] ip:ipv4 \":\" port:port;\n"
    "pattern endpoint = \"[\" proto:word \"]\" peer:peer;\n"
    "rule handshake = client:peer \" TLS Error: TLS handshake failed\"\n"
    "  example \"198.51.100.7:51234 TLS Error: TLS handshake failed\";\n"
    "rule signal = client:peer \" \" signal:word \"[\" hardness:word \",\" [ reason:word ] \"] received\"\n"
    "  example \"198.51.100.7:51234 SIGTERM[hard,] received\"\n"
    "  example \"alice/203.0.113.9:1194 SIGUSR1[soft,tls-error] received\";\n"
    "rule link = \"link \" remote:endpoint [ \" (\" n:uint \" bytes)\" ]\n"
    "  example \"link [udp]10.0.0.1:1194\"\n"
    "  example \"link [tcp]bob/10.0.0.2:443 (42 bytes)\";\n";

// Compiled once and shared by the tests, as a CompiledGrammar is shared by threads at run time.
const CompiledGrammar& demo() {
  static const CompiledGrammar g = [] {
    auto result = compile_text(kDemo);
    INFO((result.ok() ? std::string() : render(result.errors())));
    REQUIRE(result.ok());
    return std::move(result).value();
  }();
  return g;
}

std::vector<int> hits_for(const CompiledGrammar& g, std::string_view message) {
  std::vector<int> hits = {99};  // dispatch() clears it first
  REQUIRE(dispatch(g, message, &hits).ok());
  std::sort(hits.begin(), hits.end());
  return hits;
}

// One capture per line: `name type[ optional]`, in group order.
std::string captures_of(const CompiledRule& rule) {
  std::string out;
  for (const CaptureInfo& c : rule.captures) {
    out += c.name + " " + std::string(c.type->name) + (c.optional ? " optional" : "") + "\n";
  }
  return out;
}

// The groups extract() fills for `rule`, one per line: `name=text` or `name absent`. Empty when the rule
// does not match.
std::string extracted(const CompiledRule& rule, std::string_view message) {
  std::vector<re2::StringPiece> groups(rule.captures.size() + 1);
  if (!extract(rule, message, groups.data())) return "";
  CHECK(std::string_view(groups[0].data(), groups[0].size()) == message);
  std::string out;
  for (size_t i = 0; i < rule.captures.size(); ++i) {
    const re2::StringPiece& g = groups[i + 1];
    out += rule.captures[i].name + (g.data() == nullptr ? " absent" : "=" + std::string(g.data(), g.size())) + "\n";
  }
  return out;
}

TEST_CASE("compile: the grammar's name, version, programs and rules are carried over", "[compile]") {
  const CompiledGrammar& g = demo();
  CHECK(g.name == "demo");
  CHECK(g.version == "1.0");
  CHECK(g.header_pos.line == 1);
  REQUIRE(g.programs.size() == 2);
  CHECK(g.programs[0].glob == "openvpn");
  CHECK(g.programs[1].glob == "ovpn-*");
  REQUIRE(g.rules.size() == 3);
  CHECK(g.rules[0].id == "handshake");
  CHECK(g.rules[1].id == "signal");
  CHECK(g.rules[2].id == "link");
  CHECK(g.rules[2].pos.line == 10);
  CHECK(g.rules[1].examples.size() == 2);
  CHECK(g.rules[1].examples[1].text == "alice/203.0.113.9:1194 SIGUSR1[soft,tls-error] received");
}

TEST_CASE("compile: captures through patterns are dotted, typed, and optional inside [ ]", "[compile]") {
  const CompiledGrammar& g = demo();
  CHECK(captures_of(g.rules[0]) ==
        "client.common_name cn optional\n"
        "client.ip ipv4\n"
        "client.port port\n");
  CHECK(captures_of(g.rules[1]) ==
        "client.common_name cn optional\n"
        "client.ip ipv4\n"
        "client.port port\n"
        "signal word\n"
        "hardness word\n"
        "reason word optional\n");
  CHECK(captures_of(g.rules[2]) ==
        "remote.proto word\n"
        "remote.peer.common_name cn optional\n"
        "remote.peer.ip ipv4\n"
        "remote.peer.port port\n"
        "n uint optional\n");
  // A capture expanded from a pattern points at its definition inside the pattern (line 3, `ip:ipv4`).
  const CaptureInfo& ip = g.rules[2].captures[2];
  CHECK(ip.pos.line == 3);
  CHECK(ip.pos.column == 39);
  // Group i+1 of the rule's RE2 is captures[i]: no other capturing group.
  for (const CompiledRule& rule : g.rules) {
    INFO(rule.id);
    CHECK(rule.re->NumberOfCapturingGroups() == static_cast<int>(rule.captures.size()));
  }
}

struct DispatchCase {
  std::string_view message;
  std::vector<int> hits;  // sorted rule indexes: 0 handshake, 1 signal, 2 link
  std::string_view why;
};

const DispatchCase kDispatch[] = {
    {"198.51.100.7:51234 TLS Error: TLS handshake failed", {0}, "example of handshake"},
    {"198.51.100.7:51234 SIGTERM[hard,] received", {1}, "example of signal, optional reason absent"},
    {"alice/203.0.113.9:1194 SIGUSR1[soft,tls-error] received", {1}, "example of signal, all present"},
    {"link [udp]10.0.0.1:1194", {2}, "example of link, optional group absent"},
    {"link [tcp]bob/10.0.0.2:443 (42 bytes)", {2}, "example of link, optional group present"},
    {"vpn user 01/203.0.113.9:40112 TLS Error: TLS handshake failed", {0}, "common name with spaces"},
    {"198.51.100.7:65536 TLS Error: TLS handshake failed", {0},
     "port 65536 matches the regex; conversion rejects it later (CONVERSION, not NO_MATCH)"},
    // Anchored at both ends: a rule matches the whole message or nothing.
    {"198.51.100.7:51234 TLS Error: TLS handshake failed ", {}, "trailing space"},
    {"198.51.100.7:51234 TLS Error: TLS handshake failed!", {}, "trailing character"},
    {" 198.51.100.7:51234 TLS Error: TLS handshake failed", {}, "leading space"},
    {"openvpn[1]: 198.51.100.7:51234 TLS Error: TLS handshake failed", {}, "prefix: the header is not the message"},
    {"198.51.100.7:51234 TLS Error: TLS handshake", {}, "truncated"},
    {"198.51.100.7:51234 TLS Error: TLS handshake failed\n", {}, "a line terminator is not part of a message"},
    {"256.51.100.7:51234 TLS Error: TLS handshake failed", {}, "octet out of range"},
    {"link [udp]10.0.0.1:1194 (x bytes)", {}, "optional group half there: both or neither"},
    {"link [udp]10.0.0.1:1194 (42 bytes", {}, "optional group's closing literal missing"},
    {"", {}, "empty message"},
};

TEST_CASE("compile: dispatch() names exactly the rules that match the whole message", "[compile]") {
  const CompiledGrammar& g = demo();
  for (const DispatchCase& c : kDispatch) {
    INFO(std::string(c.why) << ": '" << std::string(c.message) << "'");
    std::vector<int> hits = hits_for(g, c.message);
    CHECK(hits == c.hits);
    // extract() with each rule's own RE2 must agree with the set on every rule.
    for (size_t i = 0; i < g.rules.size(); ++i) {
      INFO("rule " << g.rules[i].id);
      bool in_set = std::find(hits.begin(), hits.end(), static_cast<int>(i)) != hits.end();
      CHECK(!extracted(g.rules[i], c.message).empty() == in_set);
    }
  }
}

TEST_CASE("compile: extract() fills present captures and leaves absent optional ones null", "[compile]") {
  const CompiledGrammar& g = demo();
  CHECK(extracted(g.rules[1], "198.51.100.7:51234 SIGTERM[hard,] received") ==
        "client.common_name absent\n"
        "client.ip=198.51.100.7\n"
        "client.port=51234\n"
        "signal=SIGTERM\n"
        "hardness=hard\n"
        "reason absent\n");
  CHECK(extracted(g.rules[1], "alice/203.0.113.9:1194 SIGUSR1[soft,tls-error] received") ==
        "client.common_name=alice\n"
        "client.ip=203.0.113.9\n"
        "client.port=1194\n"
        "signal=SIGUSR1\n"
        "hardness=soft\n"
        "reason=tls-error\n");
  CHECK(extracted(g.rules[2], "link [udp]10.0.0.1:1194") ==
        "remote.proto=udp\n"
        "remote.peer.common_name absent\n"
        "remote.peer.ip=10.0.0.1\n"
        "remote.peer.port=1194\n"
        "n absent\n");
  CHECK(extracted(g.rules[2], "link [tcp]bob/10.0.0.2:443 (42 bytes)") ==
        "remote.proto=tcp\n"
        "remote.peer.common_name=bob\n"
        "remote.peer.ip=10.0.0.2\n"
        "remote.peer.port=443\n"
        "n=42\n");
  // A common name may hold '/' and spaces; the capture runs to the last '/' before an address and port.
  CHECK(extracted(g.rules[0], "ou=ops/vpn user 01/203.0.113.9:40112 TLS Error: TLS handshake failed") ==
        "client.common_name=ou=ops/vpn user 01\n"
        "client.ip=203.0.113.9\n"
        "client.port=40112\n");
}

TEST_CASE("compile: applies_to() matches the syslog TAG against the program globs", "[compile]") {
  const CompiledGrammar& g = demo();  // programs "openvpn" "ovpn-*"
  CHECK(g.applies_to("openvpn"));
  CHECK(g.applies_to("ovpn-a"));
  CHECK(g.applies_to("ovpn-"));       // '*' matches the empty string
  CHECK(g.applies_to("ovpn-a/b"));    // no FNM_PATHNAME: '*' matches '/'
  CHECK_FALSE(g.applies_to("xovpn-a"));  // globs match the whole TAG
  CHECK_FALSE(g.applies_to("ovpn"));
  CHECK_FALSE(g.applies_to("openvpn2"));
  CHECK_FALSE(g.applies_to("OpenVPN"));  // case-sensitive
  CHECK_FALSE(g.applies_to(""));
}

TEST_CASE("compile: literals match byte for byte, regex metacharacters and UTF-8 included", "[compile]") {
  auto result = compile_text(
      "grammar lit 1;\n"
      "programs \"a\";\n"
      "rule meta = \"(a.b)*[x]+?\\\\d$\" example \"(a.b)*[x]+?\\\\d$\";\n"
      "rule utf8 = \"Zo\xc3\xab \" c:cn \" \xe2\x9c\x93\" example \"Zo\xc3\xab Zo\xc3\xab \xe2\x9c\x93\";\n");
  INFO((result.ok() ? std::string() : render(result.errors())));
  REQUIRE(result.ok());
  const CompiledGrammar& g = result.value();
  CHECK(hits_for(g, "(a.b)*[x]+?\\d$") == std::vector<int>{0});
  CHECK(hits_for(g, "(aXb)*[x]+?\\d$").empty());  // '.' is not a wildcard
  CHECK(hits_for(g, "aab").empty());
  CHECK(hits_for(g, "Zo\xc3\xab Zo\xc3\xab \xe2\x9c\x93") == std::vector<int>{1});
  CHECK(hits_for(g, "Zoe Zo\xc3\xab \xe2\x9c\x93").empty());
  CHECK(extracted(g.rules[1], "Zo\xc3\xab \xc3\x89lo\xc3\xafse \xe2\x9c\x93") == "c=\xc3\x89lo\xc3\xafse\n");
}

// Fragments map the generated regex back to grammar positions (STYLE.md habit 3). One line per fragment:
// the regex text it covers and the position of its element; inner elements come before their container.
TEST_CASE("compile: regex fragments point back to the elements they came from", "[compile]") {
  auto result = compile_text(
      "grammar frag 1;\n"
      "programs \"a\";\n"
      "pattern pp = x:uint;\n"
      "rule f = \"a.\" n:uint [ \" \" w:word ] example \"a.1\";\n"
      "rule g = \"b\" c:pp example \"b2\";\n");
  INFO((result.ok() ? std::string() : render(result.errors())));
  REQUIRE(result.ok());
  auto fragments = [](const CompiledRule& rule) {
    std::string out;
    for (const RegexFragment& f : rule.fragments) {
      REQUIRE(f.begin <= f.end);
      REQUIRE(f.end <= rule.regex.size());
      out += rule.regex.substr(f.begin, f.end - f.begin) + " @" + std::to_string(f.pos.line) + ":" +
             std::to_string(f.pos.column) + "\n";
    }
    return out;
  };
  const CompiledGrammar& g = result.value();
  CHECK(g.rules[0].regex == "a\\.([0-9]{1,20})(?:\\ ([^\\s]+))?");
  CHECK(fragments(g.rules[0]) ==
        "a\\. @4:10\n"
        "([0-9]{1,20}) @4:15\n"
        "\\  @4:24\n"
        "([^\\s]+) @4:28\n"
        "(?:\\ ([^\\s]+))? @4:22\n");
  CHECK(g.rules[1].regex == "b(?:([0-9]{1,20}))");
  CHECK(fragments(g.rules[1]) ==
        "b @5:10\n"
        "([0-9]{1,20}) @3:14\n"
        "(?:([0-9]{1,20})) @5:14\n");
}

}  // namespace
}  // namespace strictlog::testing

namespace strictlog::testing {
namespace {

// The structure a grammar author needs beyond optional groups: alternatives, enums, parameterized patterns,
// drop rules and precedence.
constexpr std::string_view kStructure =
    "grammar structure 1;\n"
    "programs \"openvpn\";\n"
    "pattern peer = [ common_name:cn \"/\" ] ( ip:ipv4 \":\" port:port | ip:ipv6 );\n"
    "pattern signal(title) = signal:word \"[\" hardness:enum(\"soft\", \"hard\", \"connection failed(soft)\") \",\" "
    "[ reason:word ] \"] received, \" title \" \" action:enum(\"exiting\", \"restarting\");\n"
    "rule instance = client:peer \" \" s:signal(\"client-instance\")\n"
    "  example \"2001:db8::7 SIGTERM[hard,] received, client-instance exiting\";\n"
    "rule process = s:signal(\"process\") example \"SIGHUP[hard,] received, process restarting\";\n"
    "drop mute = n:uint \" variation(s) on previous \" m:uint \" message(s) suppressed by --mute\"\n"
    "  example \"3 variation(s) on previous 10 message(s) suppressed by --mute\";\n"
    "rule any_error = client:peer \" TLS Error: \" text:rest example \"1.2.3.4:5 TLS Error: TLS object\";\n"
    "rule handshake = client:peer \" TLS Error: TLS handshake failed\" example \"1.2.3.4:5 TLS Error: TLS handshake failed\";\n"
    "prefer handshake over any_error;\n";

const CompiledGrammar& structure() {
  static const CompiledGrammar g = [] {
    auto result = compile_text(kStructure);
    INFO((result.ok() ? std::string() : render(result.errors())));
    REQUIRE(result.ok());
    return std::move(result).value();
  }();
  return g;
}

TEST_CASE("compile: alternatives share a capture name and fill whichever branch matched", "[compile]") {
  const CompiledGrammar& g = structure();
  CHECK(captures_of(g.rules[0]) ==
        "client.common_name cn optional\n"
        "client.ip ipv4 optional\n"
        "client.port port optional\n"
        "client.ip ipv6 optional\n"
        "s.signal word\n"
        "s.hardness enum\n"
        "s.reason word optional\n"
        "s.action enum\n");
  CHECK(extracted(g.rules[0], "vpn user/2001:db8::7 SIGTERM[hard,] received, client-instance exiting") ==
        "client.common_name=vpn user\n"
        "client.ip absent\n"
        "client.port absent\n"
        "client.ip=2001:db8::7\n"
        "s.signal=SIGTERM\n"
        "s.hardness=hard\n"
        "s.reason absent\n"
        "s.action=exiting\n");
  CHECK(extracted(g.rules[0], "198.51.100.7:1194 SIGUSR1[connection failed(soft),tls-error] received, "
                              "client-instance restarting") ==
        "client.common_name absent\n"
        "client.ip=198.51.100.7\n"
        "client.port=1194\n"
        "client.ip absent\n"
        "s.signal=SIGUSR1\n"
        "s.hardness=connection failed(soft)\n"
        "s.reason=tls-error\n"
        "s.action=restarting\n");
}

TEST_CASE("compile: an enum capture matches exactly its alternatives", "[compile]") {
  const CompiledGrammar& g = structure();
  CHECK(g.rules[1].captures[1].alternatives ==
        std::vector<std::string>{"soft", "hard", "connection failed(soft)"});
  CHECK(hits_for(g, "SIGHUP[hard,] received, process restarting") == std::vector<int>{1});
  CHECK(hits_for(g, "SIGHUP[Hard,] received, process restarting").empty());
  CHECK(hits_for(g, "SIGHUP[hard,] received, process stopping").empty());
}

TEST_CASE("compile: a pattern's parameter is matched as the literal its use gives", "[compile]") {
  const CompiledGrammar& g = structure();
  CHECK(hits_for(g, "1.2.3.4:5 SIGHUP[hard,] received, client-instance restarting") == std::vector<int>{0});
  CHECK(hits_for(g, "SIGHUP[hard,] received, client-instance restarting").empty());
  CHECK(hits_for(g, "1.2.3.4:5 SIGHUP[hard,] received, process restarting").empty());
  CHECK(g.rules[1].regex.find("process") != std::string::npos);
}

TEST_CASE("compile: drop rules are compiled and dispatched like rules and marked", "[compile]") {
  const CompiledGrammar& g = structure();
  CHECK(g.rules[2].id == "mute");
  CHECK(g.rules[2].drop);
  CHECK_FALSE(g.rules[0].drop);
  CHECK(hits_for(g, "3 variation(s) on previous 10 message(s) suppressed by --mute") == std::vector<int>{2});
}

TEST_CASE("compile: apply_precedence() keeps the preferred rule and only when both matched", "[compile]") {
  const CompiledGrammar& g = structure();
  REQUIRE(g.precedence == std::vector<std::pair<int, int>>{{4, 3}});
  std::vector<int> hits = hits_for(g, "1.2.3.4:5 TLS Error: TLS handshake failed");
  CHECK(hits == std::vector<int>{3, 4});
  apply_precedence(g, &hits);
  CHECK(hits == std::vector<int>{4});
  hits = hits_for(g, "1.2.3.4:5 TLS Error: TLS object");
  apply_precedence(g, &hits);
  CHECK(hits == std::vector<int>{3});
  CHECK(ordered(g, 3, 4));
  CHECK(ordered(g, 4, 3));
  CHECK_FALSE(ordered(g, 0, 1));
}

TEST_CASE("compile: apply_precedence() decides against the hits as matched", "[compile]") {
  // a over b, b over c: with all three, b and c both lose (c to b although b loses too); with b and c, b wins.
  auto result = compile_text("grammar p 1;\nprograms \"p\";\n"
                             "rule a = \"x\" example \"x\";\n"
                             "rule b = w:word example \"y\";\n"
                             "rule c = w:rest example \"y z\";\n"
                             "prefer a over b;\nprefer b over c;\n");
  INFO((result.ok() ? std::string() : render(result.errors())));
  REQUIRE(result.ok());
  std::vector<int> hits{0, 1, 2};
  apply_precedence(*result, &hits);
  CHECK(hits == std::vector<int>{0});
  hits = {1, 2};
  apply_precedence(*result, &hits);
  CHECK(hits == std::vector<int>{1});
  hits = {0, 2};  // not ordered: both stay, the line is AMBIGUOUS
  apply_precedence(*result, &hits);
  CHECK(hits == std::vector<int>{0, 2});
}

}  // namespace
}  // namespace strictlog::testing

namespace strictlog::testing {
namespace {

TEST_CASE("compile: 'over' is a keyword only inside prefer and may name a capture or a parameter", "[compile]") {
  auto result = compile_text("grammar p 1;\nprograms \"p\";\n"
                             "pattern between(over) = \"from \" over;\n"
                             "rule r = over:word \" \" b:between(\"x\") example \"a from x\";\n");
  INFO((result.ok() ? std::string() : render(result.errors())));
  REQUIRE(result.ok());
  CHECK(result->rules[0].captures[0].name == "over");
}

}  // namespace
}  // namespace strictlog::testing
