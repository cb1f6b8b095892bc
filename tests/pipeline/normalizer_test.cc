// LineNormalizer over the openvpn-mini fixture (tests/fixtures/openvpn_mini.h) and over small rule sets written
// to a temp dir: every
// quarantine reason the pipeline produces (exact detail, raw text vs raw bytes, input position, candidates,
// program), the exact event envelope, and the counters' invariant over a batch that covers every outcome.
#include "pipeline/normalizer.h"

#include <unistd.h>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/diagnostic.h"
#include "fixtures/openvpn_mini.h"

namespace strictlog {
namespace {

using namespace std::string_literals;

// What `--year 2026` passes as the reference clock: 2026-12-31T23:59:59Z.
constexpr int64_t kEndOf2026 = 1798761599;
constexpr int64_t kEndOf2025 = 1767225599;  // 2025-12-31T23:59:59Z
constexpr int64_t kNov22_2026 = 1795350072;  // 2026-11-22T12:21:12Z
constexpr int64_t kNov22_2025 = 1763814072;  // 2025-11-22T12:21:12Z

const std::string kHandshake =
    "Nov 22 12:21:12 vpn1 openvpn[1234]: 198.51.100.7:51234 TLS Error: TLS handshake failed";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  if (!in) throw std::runtime_error("cannot read " + path);
  return out.str();
}

// The three rules of the openvpn-mini fixture, loaded once.
std::shared_ptr<const RuleSet> mini_rules() {
  static const std::shared_ptr<const RuleSet> rules = [] {
    auto loaded = load_ruleset(fixtures::kMiniGrammars, fixtures::kMiniMappings);
    if (!loaded) throw std::runtime_error("the openvpn-mini fixture does not load:\n" + render(loaded.errors()));
    return *loaded;
  }();
  return rules;
}

// A rule set written to a fresh temp dir (`grammars/`, `mappings/`), removed with everything in it.
class TempRules {
 public:
  TempRules() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "strictlog-pipeline-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    root_ = tmpl;
  }
  ~TempRules() {
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }
  TempRules(const TempRules&) = delete;
  TempRules& operator=(const TempRules&) = delete;

  // `relative` is e.g. `grammars/local/1.0.grammar`.
  TempRules& write(const std::string& relative, const std::string& text) {
    std::filesystem::path p = std::filesystem::path(root_) / relative;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return *this;
  }
  TempRules& with_mini_openvpn() {
    write("grammars/openvpn/2.6.grammar", read_file(fixtures::kMiniGrammars + "/openvpn/2.6.grammar"));
    return write("mappings/openvpn/2.6.mapping", read_file(fixtures::kMiniMappings + "/openvpn/2.6.mapping"));
  }
  std::shared_ptr<const RuleSet> load() const {
    auto loaded = load_ruleset(root_ + "/grammars", root_ + "/mappings");
    if (!loaded) throw std::runtime_error("test rules do not load:\n" + render(loaded.errors()));
    return *loaded;
  }

 private:
  std::string root_;
};

// Two rules whose examples keep apart, but `192.0.2.1 down` matches both.
const char* const kLocalGrammar = R"(grammar local 1.0;
programs "app";
rule addr = ip:ipv4 " " tail:rest
  example "192.0.2.1 x";
rule word_down = w:word " down"
  example "eth0 down";
)";
const char* const kLocalMapping = R"(mapping local 1.0;
rule addr -> strictlog.openvpn.v1.FatalTlsError { function_name = tail; discard ip; }
rule word_down -> strictlog.openvpn.v1.FatalTlsError { function_name = w; }
)";

// A second grammar for program `openvpn` whose rule also matches every TLS error line of the fixture's.
const char* const kShadowGrammar = R"(grammar shadow 1.0;
programs "openvpn";
rule any_tls_error = who:word " TLS Error: " what:rest
  example "peer TLS Error: something";
)";
const char* const kShadowMapping = R"(mapping shadow 1.0;
rule any_tls_error -> strictlog.openvpn.v1.FatalTlsError { function_name = what; discard who; }
)";

// Two rules that both match `link eth0 down`, ordered by `prefer`, and a drop rule for known noise.
const char* const kNoisyGrammar = R"(grammar noisy 1.0;
programs "app";
rule link_down = "link " ifname:word " down"
  example "link eth0 down";
rule link_state = "link " ifname:word " " state:word
  example "link eth0 flapping";
drop keepalive = "keepalive from " p:port
  example "keepalive from 1194";
prefer link_down over link_state;
)";
const char* const kNoisyMapping = R"(mapping noisy 1.0;
rule link_down -> strictlog.openvpn.v1.FatalTlsError { function_name = ifname; }
rule link_state -> strictlog.openvpn.v1.FatalTlsError { function_name = state; discard ifname; }
)";

NormalizeOptions options(std::string name = "app.log", int64_t reference = kEndOf2026, bool stamp = false) {
  NormalizeOptions o;
  o.input_name = std::move(name);
  o.reference_time = reference;
  o.stamp_processed_time = stamp;
  return o;
}

Line make_line(std::string_view bytes, uint64_t number = 1, uint64_t offset = 0) {
  Line line;
  line.bytes = bytes;
  line.number = number;
  line.offset = offset;
  line.length = bytes.size();
  return line;
}

struct Normalized {
  Outcome outcome;
  v1::Event event;
  v1::QuarantineRecord record;
};

Normalized run(LineNormalizer& n, const Line& line) {
  Normalized out{};
  out.outcome = n.normalize(line, &out.event, &out.record);
  return out;
}

std::vector<std::string> candidates(const v1::QuarantineRecord& r) {
  return {r.candidate_rule_ids().begin(), r.candidate_rule_ids().end()};
}

// Lines `grammar/rule` took, found by name so the test does not depend on load order: events when `drop`
// is false, drops when it is true, and 0 when the rule is not of that kind.
uint64_t lines_for(const LineNormalizer& n, const std::string& grammar, const std::string& rule, bool drop) {
  const RuleSet& rules = n.rules();
  for (size_t g = 0; g < rules.grammars.size(); ++g) {
    if (rules.grammars[g].name != grammar) continue;
    for (size_t r = 0; r < rules.grammars[g].rules.size(); ++r) {
      if (rules.grammars[g].rules[r].id != rule) continue;
      return rules.grammars[g].rules[r].drop == drop ? n.counters().lines_by_rule[g][r] : 0;
    }
  }
  throw std::runtime_error("no rule " + grammar + "/" + rule);
}
uint64_t events_for(const LineNormalizer& n, const std::string& grammar, const std::string& rule) {
  return lines_for(n, grammar, rule, false);
}
uint64_t drops_for(const LineNormalizer& n, const std::string& grammar, const std::string& rule) {
  return lines_for(n, grammar, rule, true);
}

uint64_t quarantined_for(const LineNormalizer& n, v1::QuarantineReason reason) {
  return n.counters().quarantined_by_reason[static_cast<size_t>(reason)];
}

bool is_lower_hex(const std::string& s) {
  return s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

TEST_CASE("NO_MATCH: no grammar applies to the program", "[pipeline]") {
  struct Case {
    std::string line;
    std::string program;
  };
  const Case cases[] = {
      {"Nov 22 12:21:13 vpn1 CRON[5]: (root) CMD (run-parts /etc/cron.hourly)", "CRON"},
      // Near misses of the globs "openvpn" "ovpn-*" "openvpn-*": fnmatch is case-sensitive and exact.
      {"Nov 22 12:21:13 vpn1 openvpnd[7]: 198.51.100.7:51234 TLS Error: TLS handshake failed", "openvpnd"},
      {"Nov 22 12:21:13 vpn1 OpenVPN: 198.51.100.7:51234 TLS Error: TLS handshake failed", "OpenVPN"},
  };
  auto rules = mini_rules();
  LineNormalizer n(rules, options());
  uint64_t number = 2;
  for (const Case& c : cases) {
    INFO("line: " << c.line);
    Normalized out = run(n, make_line(c.line, number, 91 * number));
    REQUIRE(out.outcome == Outcome::kQuarantined);
    CHECK(out.record.reason() == v1::NO_MATCH);
    CHECK(out.record.detail() == "no grammar applies to program '" + c.program + "'");
    CHECK(out.record.raw_case() == v1::QuarantineRecord::kRawText);
    CHECK(out.record.raw_text() == c.line);
    CHECK(out.record.input().name() == "app.log");
    CHECK(out.record.input().line() == number);
    CHECK(out.record.input().offset() == 91 * number);
    CHECK(out.record.candidate_rule_ids_size() == 0);
    CHECK(out.record.process_name() == c.program);
    CHECK(out.record.grammar_set_hash() == rules->hash);
    CHECK_FALSE(out.record.has_processed_time());
    CHECK(out.event.ByteSizeLong() == 0);
    ++number;
  }
  CHECK(n.counters().lines_in == 3);
  CHECK(n.counters().quarantined == 3);
  CHECK(quarantined_for(n, v1::NO_MATCH) == 3);
  CHECK(n.counters().balanced());
}

TEST_CASE("NO_MATCH: the grammar applies but none of its rules matches", "[pipeline]") {
  struct Case {
    std::string line;
    std::string program;
  };
  const Case cases[] = {
      // Near miss: a trailing space. Rules are anchored at both ends.
      {kHandshake + " ", "openvpn"},
      // Near miss: one word different.
      {"Nov 22 12:21:12 vpn1 openvpn[1234]: 198.51.100.7:51234 TLS Error: TLS key negotiation failed", "openvpn"},
      // Near miss: an octet above 255 is not an ipv4, so the peer prefix does not match at all.
      {"Nov 22 12:21:12 vpn1 ovpn-server: 198.51.100.256:51234 TLS Error: TLS handshake failed", "ovpn-server"},
      // Near miss: the action word is missing.
      {"Nov 22 12:21:12 vpn1 openvpn-udp: 198.51.100.7:51234 SIGUSR1[soft,tls-error] received, client-instance",
       "openvpn-udp"},
      // An empty message.
      {"Nov 22 12:21:12 vpn1 openvpn[1234]:", "openvpn"},
  };
  auto rules = mini_rules();
  LineNormalizer n(rules, options("vpn.log"));
  for (const Case& c : cases) {
    INFO("line: " << c.line);
    Normalized out = run(n, make_line(c.line, 40, 4000));
    REQUIRE(out.outcome == Outcome::kQuarantined);
    CHECK(out.record.reason() == v1::NO_MATCH);
    CHECK(out.record.detail() == "no rule matches the message of program '" + c.program + "'");
    CHECK(out.record.raw_case() == v1::QuarantineRecord::kRawText);
    CHECK(out.record.raw_text() == c.line);
    CHECK(out.record.input().name() == "vpn.log");
    CHECK(out.record.input().line() == 40);
    CHECK(out.record.input().offset() == 4000);
    CHECK(out.record.candidate_rule_ids_size() == 0);
    CHECK(out.record.process_name() == c.program);
  }
  CHECK(quarantined_for(n, v1::NO_MATCH) == 5);
  CHECK(n.counters().balanced());
}

TEST_CASE("AMBIGUOUS: two rules of one grammar match a line that neither's examples cover", "[pipeline]") {
  TempRules dir;
  auto rules = dir.write("grammars/local/1.0.grammar", kLocalGrammar)
                   .write("mappings/local/1.0.mapping", kLocalMapping)
                   .load();
  LineNormalizer n(rules, options("local.log"));

  const std::string line = "Nov 22 12:21:12 host7 app[99]: 192.0.2.1 down";
  Normalized out = run(n, make_line(line, 3, 120));
  REQUIRE(out.outcome == Outcome::kQuarantined);
  CHECK(out.record.reason() == v1::AMBIGUOUS);
  // Both are named, in definition order.
  CHECK(out.record.detail() == "2 rules match: local/1.0/addr, local/1.0/word_down");
  CHECK(candidates(out.record) == std::vector<std::string>{"local/1.0/addr", "local/1.0/word_down"});
  CHECK(out.record.raw_text() == line);
  CHECK(out.record.input().name() == "local.log");
  CHECK(out.record.input().line() == 3);
  CHECK(out.record.input().offset() == 120);
  CHECK(out.record.process_name() == "app");
  CHECK(out.record.grammar_set_hash() == rules->hash);
  CHECK(out.event.ByteSizeLong() == 0);

  // Each rule alone still makes events: the ambiguity is the line's, not the rule set's.
  Normalized up = run(n, make_line("Nov 22 12:21:12 host7 app[99]: 192.0.2.1 up", 4, 166));
  REQUIRE(up.outcome == Outcome::kEvent);
  CHECK(up.event.envelope().rule_id() == "addr");
  CHECK(up.event.openvpn_fatal_tls_error().function_name() == "up");
  Normalized down = run(n, make_line("Nov 22 12:21:12 host7 app[99]: eth0 down", 5, 210));
  REQUIRE(down.outcome == Outcome::kEvent);
  CHECK(down.event.envelope().rule_id() == "word_down");
  CHECK(down.event.openvpn_fatal_tls_error().function_name() == "eth0");

  CHECK(quarantined_for(n, v1::AMBIGUOUS) == 1);
  CHECK(events_for(n, "local", "addr") == 1);
  CHECK(events_for(n, "local", "word_down") == 1);
  CHECK(n.counters().balanced());
}

TEST_CASE("AMBIGUOUS: two grammars for one program both match", "[pipeline]") {
  TempRules dir;
  auto rules = dir.with_mini_openvpn()
                   .write("grammars/shadow/1.0.grammar", kShadowGrammar)
                   .write("mappings/shadow/1.0.mapping", kShadowMapping)
                   .load();
  LineNormalizer n(rules, options("vpn.log"));

  Normalized out = run(n, make_line(kHandshake, 1, 0));
  REQUIRE(out.outcome == Outcome::kQuarantined);
  CHECK(out.record.reason() == v1::AMBIGUOUS);
  CHECK(out.record.detail() == "2 rules match: openvpn/2.6/tls_handshake_failed, shadow/1.0/any_tls_error");
  CHECK(candidates(out.record) ==
        std::vector<std::string>{"openvpn/2.6/tls_handshake_failed", "shadow/1.0/any_tls_error"});
  CHECK(out.record.raw_text() == kHandshake);
  CHECK(out.record.input().name() == "vpn.log");
  CHECK(out.record.input().line() == 1);
  CHECK(out.record.input().offset() == 0);
  CHECK(out.record.process_name() == "openvpn");

  // A line only the fixture's grammar matches is an event of it.
  Normalized fatal = run(
      n, make_line("Nov 22 12:21:12 vpn1 openvpn[1]: 198.51.100.7:51234 Fatal TLS error (check_tls_errors_co), "
                   "restarting",
                   2, 88));
  REQUIRE(fatal.outcome == Outcome::kEvent);
  CHECK(fatal.event.envelope().grammar() == "openvpn");
  CHECK(fatal.event.envelope().rule_id() == "fatal_tls_error");
  CHECK(quarantined_for(n, v1::AMBIGUOUS) == 1);
  CHECK(n.counters().balanced());
}

TEST_CASE("prefer: a line two ordered rules match goes to the preferred one instead of AMBIGUOUS", "[pipeline]") {
  TempRules dir;
  auto rules = dir.write("grammars/noisy/1.0.grammar", kNoisyGrammar)
                   .write("mappings/noisy/1.0.mapping", kNoisyMapping)
                   .load();
  LineNormalizer n(rules, options("noisy.log"));

  // Both rules match; `prefer link_down over link_state` decides before the line could be AMBIGUOUS.
  Normalized down = run(n, make_line("Nov 22 12:21:12 host7 app[99]: link eth0 down", 1, 0));
  REQUIRE(down.outcome == Outcome::kEvent);
  CHECK(down.record.ByteSizeLong() == 0);
  CHECK(down.event.envelope().grammar() == "noisy");
  CHECK(down.event.envelope().rule_id() == "link_down");
  CHECK(down.event.openvpn_fatal_tls_error().function_name() == "eth0");
  // Only the losing rule matches: precedence takes nothing away from it.
  Normalized flapping = run(n, make_line("Nov 22 12:21:12 host7 app[99]: link eth0 flapping", 2, 46));
  REQUIRE(flapping.outcome == Outcome::kEvent);
  CHECK(flapping.event.envelope().rule_id() == "link_state");
  CHECK(flapping.event.openvpn_fatal_tls_error().function_name() == "flapping");

  CHECK(quarantined_for(n, v1::AMBIGUOUS) == 0);
  CHECK(events_for(n, "noisy", "link_down") == 1);
  CHECK(events_for(n, "noisy", "link_state") == 1);
  CHECK(n.counters().events == 2);
  CHECK(n.counters().balanced());
}

TEST_CASE("kDropped: a drop rule's line is counted for its rule and leaves both outputs empty", "[pipeline]") {
  TempRules dir;
  auto rules = dir.write("grammars/noisy/1.0.grammar", kNoisyGrammar)
                   .write("mappings/noisy/1.0.mapping", kNoisyMapping)
                   .load();
  LineNormalizer n(rules, options("noisy.log"));
  v1::Event event;
  v1::QuarantineRecord record;

  // Both outputs hold something from the lines before; a dropped line clears them and fills neither.
  REQUIRE(n.normalize(make_line("garbage", 1, 0), &event, &record) == Outcome::kQuarantined);
  REQUIRE(n.normalize(make_line("Nov 22 12:21:12 host7 app[99]: link eth0 down", 2, 8), &event, &record) ==
          Outcome::kEvent);
  REQUIRE(event.ByteSizeLong() > 0);
  record.set_detail("left over");
  CHECK(n.normalize(make_line("Nov 22 12:21:13 host7 app[99]: keepalive from 1194", 3, 54), &event, &record) ==
        Outcome::kDropped);
  CHECK(event.ByteSizeLong() == 0);
  CHECK(record.ByteSizeLong() == 0);
  CHECK(n.normalize(make_line("Nov 22 12:21:14 host7 app: keepalive from 0", 4, 105), &event, &record) ==
        Outcome::kDropped);

  // A drop rule's captures still convert: a line that only looks like the noise is quarantined.
  Normalized bad = run(n, make_line("Nov 22 12:21:15 host7 app[99]: keepalive from 65536", 5, 149));
  REQUIRE(bad.outcome == Outcome::kQuarantined);
  CHECK(bad.record.reason() == v1::CONVERSION);
  CHECK(bad.record.detail() == "capture 'p': cannot convert '65536' to port: 65536 is greater than 65535");
  CHECK(candidates(bad.record) == std::vector<std::string>{"noisy/1.0/keepalive"});
  CHECK(bad.record.raw_text() == "Nov 22 12:21:15 host7 app[99]: keepalive from 65536");
  CHECK(bad.record.input().line() == 5);
  CHECK(bad.record.process_name() == "app");
  CHECK(bad.event.ByteSizeLong() == 0);

  const Counters& c = n.counters();
  CHECK(c.lines_in == 5);
  CHECK(c.events == 1);
  CHECK(c.dropped_by_rule == 2);
  CHECK(c.quarantined == 2);
  CHECK(c.balanced());
  CHECK(drops_for(n, "noisy", "keepalive") == 2);
  CHECK(drops_for(n, "noisy", "link_down") == 0);
  CHECK(events_for(n, "noisy", "keepalive") == 0);
  CHECK(events_for(n, "noisy", "link_down") == 1);
  CHECK(quarantined_for(n, v1::CONVERSION) == 1);
  CHECK(quarantined_for(n, v1::HEADER) == 1);
}

TEST_CASE("CONVERSION: a port above 65535, with 65535 as the near miss that converts", "[pipeline]") {
  auto rules = mini_rules();
  LineNormalizer n(rules, options());
  const std::string line =
      "Nov 22 12:21:14 vpn1 openvpn[1234]: 198.51.100.7:65536 TLS Error: TLS handshake failed";
  Normalized out = run(n, make_line(line, 3, 127));
  REQUIRE(out.outcome == Outcome::kQuarantined);
  CHECK(out.record.reason() == v1::CONVERSION);
  CHECK(out.record.detail() == "capture 'client.port': cannot convert '65536' to port: 65536 is greater than 65535");
  CHECK(candidates(out.record) == std::vector<std::string>{"openvpn/2.6/tls_handshake_failed"});
  CHECK(out.record.raw_text() == line);
  CHECK(out.record.input().name() == "app.log");
  CHECK(out.record.input().line() == 3);
  CHECK(out.record.input().offset() == 127);
  CHECK(out.record.process_name() == "openvpn");
  // Never half-ingested: no event content is left behind.
  CHECK(out.event.ByteSizeLong() == 0);

  Normalized max = run(n, make_line("Nov 22 12:21:14 vpn1 openvpn[1234]: 198.51.100.7:65535 TLS Error: TLS "
                                    "handshake failed",
                                    4, 214));
  REQUIRE(max.outcome == Outcome::kEvent);
  CHECK(max.event.openvpn_tls_handshake_failed().src_endpoint().port() == 65535);
  CHECK(quarantined_for(n, v1::CONVERSION) == 1);
  CHECK(events_for(n, "openvpn", "tls_handshake_failed") == 1);
}

TEST_CASE("CONVERSION: an enum text the payload's enum does not know", "[pipeline]") {
  struct Case {
    std::string line;
    std::string detail;
  };
  const Case cases[] = {
      {"Nov  2 08:00:00 vpn1 ovpn-server: 198.51.100.7:51234 SIGUSR1[soft,tls-error] received, client-instance "
       "pausing",
       "capture 'action': 'pausing' is not a value of strictlog.openvpn.v1.SignalAction (expected one of: "
       "restarting, exiting)"},
      {"Nov  2 08:00:00 vpn1 ovpn-server: 198.51.100.7:51234 SIGUSR1[medium,tls-error] received, client-instance "
       "restarting",
       "capture 'hardness': 'medium' is not a value of strictlog.openvpn.v1.SignalHardness (expected one of: "
       "soft, hard, connection-failed)"},
      // The full enum value name is not a text form the log would print.
      {"Nov  2 08:00:00 vpn1 ovpn-server: 198.51.100.7:51234 SIGUSR1[soft,tls-error] received, client-instance "
       "SIGNAL_ACTION_EXITING",
       "capture 'action': 'SIGNAL_ACTION_EXITING' is not a value of strictlog.openvpn.v1.SignalAction (expected "
       "one of: restarting, exiting)"},
  };
  auto rules = mini_rules();
  LineNormalizer n(rules, options());
  for (const Case& c : cases) {
    INFO("line: " << c.line);
    Normalized out = run(n, make_line(c.line, 5, 301));
    REQUIRE(out.outcome == Outcome::kQuarantined);
    CHECK(out.record.reason() == v1::CONVERSION);
    CHECK(out.record.detail() == c.detail);
    CHECK(candidates(out.record) == std::vector<std::string>{"openvpn/2.6/client_instance_signal"});
    CHECK(out.record.raw_text() == c.line);
    CHECK(out.record.process_name() == "ovpn-server");
    CHECK(out.event.ByteSizeLong() == 0);
  }
  // enum() matches exactly (GRAMMAR.md): OpenVPN prints `soft`, so `SOFT` is a changed format, not a synonym.
  Normalized upper = run(n, make_line("Nov  2 08:00:00 vpn1 ovpn-server: 198.51.100.7:51234 SIGUSR1[SOFT,tls-error] "
                                      "received, client-instance exiting",
                                      6, 420));
  REQUIRE(upper.outcome == Outcome::kQuarantined);
  CHECK(upper.record.detail() ==
        "capture 'hardness': 'SOFT' is not a value of strictlog.openvpn.v1.SignalHardness (expected one of: soft, hard, "
        "connection-failed)");
  CHECK(quarantined_for(n, v1::CONVERSION) == 4);
}

TEST_CASE("ENCODING: invalid UTF-8 and NUL keep their exact bytes in raw_bytes", "[pipeline]") {
  struct Case {
    std::string line;
    std::string detail;
  };
  const std::string prefix = "Nov 22 12:21:12 vpn1 openvpn[1234]: ";  // 36 bytes
  const Case cases[] = {
      {prefix + "\xFF" "198.51.100.7:51234 TLS Error: TLS handshake failed",
       "invalid UTF-8 lead byte 0xFF at byte 36"},
      {prefix + "198.51.100.7:51234\0 TLS Error: TLS handshake failed"s, "NUL byte at byte 54"},
      {"\0"s + kHandshake, "NUL byte at byte 0"},
      // RFC 3629 §10: C0 AF is an overlong '/'.
      {prefix + "alice\xC0\xAF" "198.51.100.7:51234 TLS Error: TLS handshake failed",
       "overlong UTF-8 sequence at byte 41"},
      {prefix + "\xE0\x80\x80", "overlong UTF-8 sequence at byte 36"},
      {prefix + "\xED\xA0\x80", "UTF-16 surrogate in UTF-8 at byte 36"},
      {prefix + "caf\xC3", "truncated UTF-8 sequence at byte 39"},
  };
  auto rules = mini_rules();
  LineNormalizer n(rules, options("bin.log"));
  for (const Case& c : cases) {
    INFO("detail: " << c.detail);
    Normalized out = run(n, make_line(c.line, 9, 900));
    REQUIRE(out.outcome == Outcome::kQuarantined);
    CHECK(out.record.reason() == v1::ENCODING);
    CHECK(out.record.detail() == c.detail);
    CHECK(out.record.raw_case() == v1::QuarantineRecord::kRawBytes);
    CHECK(out.record.raw_bytes() == c.line);
    CHECK(out.record.raw_bytes().size() == c.line.size());
    CHECK(out.record.input().name() == "bin.log");
    CHECK(out.record.input().line() == 9);
    CHECK(out.record.input().offset() == 900);
    CHECK(out.record.candidate_rule_ids_size() == 0);
    // The header is not parsed before the encoding is known to be good.
    CHECK(out.record.process_name().empty());
    // The record must serialize: a `string` with invalid UTF-8 would fail here.
    std::string wire;
    CHECK(out.record.SerializeToString(&wire));
  }
  CHECK(quarantined_for(n, v1::ENCODING) == 7);
  CHECK(n.counters().balanced());
}

TEST_CASE("OVERSIZE: the record keeps the first bytes and says how long the line was", "[pipeline]") {
  auto rules = mini_rules();
  LineNormalizer n(rules, options());

  SECTION("a valid UTF-8 prefix is raw_text") {
    const std::string kept = kHandshake.substr(0, 64);
    Line line = make_line(kept, 12, 5000);
    line.oversize = true;
    line.length = 100000;
    Normalized out = run(n, line);
    REQUIRE(out.outcome == Outcome::kQuarantined);
    CHECK(out.record.reason() == v1::OVERSIZE);
    CHECK(out.record.detail() == "line is 100000 bytes, over the limit of 64; raw holds the first 64 bytes");
    CHECK(out.record.raw_case() == v1::QuarantineRecord::kRawText);
    CHECK(out.record.raw_text() == kept);
    CHECK(out.record.input().name() == "app.log");
    CHECK(out.record.input().line() == 12);
    CHECK(out.record.input().offset() == 5000);
    CHECK(out.record.candidate_rule_ids_size() == 0);
    CHECK(out.record.process_name().empty());
  }
  SECTION("a prefix cut inside a UTF-8 sequence is raw_bytes, exactly") {
    // "é" is C3 A9; the limit cut it after C3.
    const std::string kept = "Nov 22 12:21:12 vpn1 openvpn[1234]: caf\xC3";
    Line line = make_line(kept, 1, 0);
    line.oversize = true;
    line.length = 70000;
    Normalized out = run(n, line);
    REQUIRE(out.outcome == Outcome::kQuarantined);
    CHECK(out.record.reason() == v1::OVERSIZE);
    CHECK(out.record.detail() == "line is 70000 bytes, over the limit of 40; raw holds the first 40 bytes");
    CHECK(out.record.raw_case() == v1::QuarantineRecord::kRawBytes);
    CHECK(out.record.raw_bytes() == kept);
  }
  CHECK(quarantined_for(n, v1::OVERSIZE) == 1);
  CHECK(n.counters().lines_in == 1);
  CHECK(n.counters().balanced());
}

TEST_CASE("HEADER: lines without a parsable RFC 3164 header", "[pipeline]") {
  struct Case {
    std::string line;
    std::string detail;
  };
  const Case cases[] = {
      {"garbage", "not an RFC 3164 syslog line: no RFC 3164 timestamp at byte 0"},
      {"", "not an RFC 3164 syslog line: no RFC 3164 timestamp at byte 0"},
      {"<192>" + kHandshake, "not an RFC 3164 syslog line: PRI out of range at byte 1"},
      {"Nov 02 12:21:12 vpn1 openvpn[1234]: x", "not an RFC 3164 syslog line: zero-padded day at byte 4"},
      {"Nov 22 12:21:12 vpn1 openvpn[1234] x", "not an RFC 3164 syslog line: missing ':' after tag at byte 34"},
      // RFC 3164 §5.4's tagless example: a message without a TAG cannot be dispatched.
      {"<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!", "not an RFC 3164 syslog line: missing ':' after tag at byte 33"},
  };
  auto rules = mini_rules();
  LineNormalizer n(rules, options("h.log"));
  uint64_t number = 1;
  for (const Case& c : cases) {
    INFO("line: " << c.line);
    Normalized out = run(n, make_line(c.line, number, number * 10));
    REQUIRE(out.outcome == Outcome::kQuarantined);
    CHECK(out.record.reason() == v1::HEADER);
    CHECK(out.record.detail() == c.detail);
    // Even the empty line is raw_text (set, and empty), not raw_bytes.
    CHECK(out.record.raw_case() == v1::QuarantineRecord::kRawText);
    CHECK(out.record.raw_text() == c.line);
    CHECK(out.record.input().name() == "h.log");
    CHECK(out.record.input().line() == number);
    CHECK(out.record.input().offset() == number * 10);
    CHECK(out.record.candidate_rule_ids_size() == 0);
    CHECK(out.record.process_name().empty());
    ++number;
  }
  CHECK(quarantined_for(n, v1::HEADER) == 6);
  CHECK(n.counters().balanced());
}

TEST_CASE("Events: the exact envelope of a line with PRI and pid", "[pipeline]") {
  auto rules = mini_rules();
  LineNormalizer n(rules, options("vpn.log", kEndOf2026));
  const std::string line = "<27>" + kHandshake;  // facility 3 (daemon), severity 3 (err)
  Normalized out = run(n, make_line(line, 7, 1234));
  REQUIRE(out.outcome == Outcome::kEvent);
  CHECK(out.record.ByteSizeLong() == 0);

  const v1::Envelope& env = out.event.envelope();
  CHECK(env.uid() == make_event_id("vpn.log", 1234, line));
  CHECK(env.uid().size() == 32);
  CHECK(is_lower_hex(env.uid()));
  CHECK(env.time().seconds() == kNov22_2026);
  CHECK(env.time().nanos() == 0);
  CHECK(env.time_text() == "Nov 22 12:21:12");
  CHECK(env.time_year_inferred());
  CHECK_FALSE(env.has_processed_time());
  CHECK(env.hostname() == "vpn1");
  CHECK(env.process_name() == "openvpn");
  REQUIRE(env.has_pid());
  CHECK(env.pid() == 1234);
  REQUIRE(env.has_facility());
  CHECK(env.facility() == 3);
  REQUIRE(env.has_severity());
  CHECK(env.severity() == 3);
  CHECK(env.input().name() == "vpn.log");
  CHECK(env.input().line() == 7);
  CHECK(env.input().offset() == 1234);
  CHECK(env.grammar() == "openvpn");
  CHECK(env.source_version() == "2.6");
  CHECK(env.grammar_set_hash() == rules->hash);
  CHECK(env.grammar_set_hash().size() == 64);
  CHECK(is_lower_hex(env.grammar_set_hash()));
  CHECK(env.rule_id() == "tls_handshake_failed");

  REQUIRE(out.event.payload_case() == v1::Event::kOpenvpnTlsHandshakeFailed);
  const auto& peer = out.event.openvpn_tls_handshake_failed().src_endpoint();
  CHECK(peer.ip() == "198.51.100.7");
  CHECK(peer.port() == 51234);
  CHECK_FALSE(peer.has_common_name());

  CHECK(n.counters().events == 1);
  CHECK(events_for(n, "openvpn", "tls_handshake_failed") == 1);
}

TEST_CASE("Events: no PRI and no pid leave those fields unset: a day below 10 keeps its space", "[pipeline]") {
  auto rules = mini_rules();
  LineNormalizer n(rules, options("vpn.log", kEndOf2026));
  const std::string line =
      "Nov  2 08:00:00 gw-2 ovpn-server: vpn user 01/203.0.113.9:40112 SIGTERM[hard,] received, client-instance "
      "exiting";
  Normalized out = run(n, make_line(line, 1, 0));
  REQUIRE(out.outcome == Outcome::kEvent);
  const v1::Envelope& env = out.event.envelope();
  CHECK(env.time().seconds() == 1793606400);  // 2026-11-02T08:00:00Z
  CHECK(env.time_text() == "Nov  2 08:00:00");
  CHECK(env.hostname() == "gw-2");
  CHECK(env.process_name() == "ovpn-server");
  CHECK_FALSE(env.has_pid());
  CHECK_FALSE(env.has_facility());
  CHECK_FALSE(env.has_severity());
  CHECK(env.rule_id() == "client_instance_signal");
  const auto& signal = out.event.openvpn_client_instance_signal();
  CHECK(signal.src_endpoint().common_name() == "vpn user 01");
  CHECK(signal.src_endpoint().ip() == "203.0.113.9");
  CHECK(signal.src_endpoint().port() == 40112);
  CHECK(signal.signal_name() == "SIGTERM");
  CHECK(signal.hardness() == openvpn::v1::SIGNAL_HARDNESS_HARD);
  CHECK_FALSE(signal.has_reason());  // `SIGTERM[hard,]`: the empty reason is absent, not ""
  CHECK(signal.action() == openvpn::v1::SIGNAL_ACTION_EXITING);
}

TEST_CASE("Events: the uid is stable across normalizers and changes with name and offset", "[pipeline]") {
  auto rules = mini_rules();
  LineNormalizer first(rules, options("vpn.log"));
  LineNormalizer second(rules, options("vpn.log"));
  Normalized a = run(first, make_line(kHandshake, 1, 500));
  Normalized b = run(second, make_line(kHandshake, 1, 500));
  REQUIRE(a.outcome == Outcome::kEvent);
  REQUIRE(b.outcome == Outcome::kEvent);
  CHECK(a.event.envelope().uid() == b.event.envelope().uid());
  CHECK(a.event.SerializeAsString() == b.event.SerializeAsString());

  Normalized other_offset = run(second, make_line(kHandshake, 1, 501));
  CHECK(other_offset.event.envelope().uid() != a.event.envelope().uid());
  LineNormalizer renamed(rules, options("vpn.log.1"));
  Normalized other_name = run(renamed, make_line(kHandshake, 1, 500));
  CHECK(other_name.event.envelope().uid() != a.event.envelope().uid());
  CHECK(other_name.event.envelope().uid() == make_event_id("vpn.log.1", 500, kHandshake));
  // Same name and offset, different line (stdin read twice, a rotated file): different ids.
  std::string changed = kHandshake;
  changed.replace(changed.find("51234"), 5, "51235");
  Normalized other_line = run(first, make_line(changed, 1, 500));
  REQUIRE(other_line.outcome == Outcome::kEvent);
  CHECK(other_line.event.envelope().uid() != a.event.envelope().uid());

  // The documented definition: first 16 bytes of SHA-256(name NUL decimal(offset) NUL line).
  CHECK(make_event_id("vpn.log", 500, kHandshake) ==
        sha256_hex("vpn.log\0"s + "500\0"s + kHandshake).substr(0, 32));
  CHECK(make_event_id("a", 1, "x") != make_event_id("a1", 0, "x"));  // the NUL separators matter
}

TEST_CASE("processed_time is stamped only when asked for", "[pipeline]") {
  auto rules = mini_rules();
  LineNormalizer stamped(rules, options("vpn.log", kEndOf2026, true));
  timespec before{};
  clock_gettime(CLOCK_REALTIME, &before);
  Normalized event = run(stamped, make_line(kHandshake, 1, 0));
  Normalized record = run(stamped, make_line("garbage", 2, 88));
  timespec after{};
  clock_gettime(CLOCK_REALTIME, &after);

  REQUIRE(event.outcome == Outcome::kEvent);
  REQUIRE(event.event.envelope().has_processed_time());
  CHECK(event.event.envelope().processed_time().seconds() >= before.tv_sec);
  CHECK(event.event.envelope().processed_time().seconds() <= after.tv_sec);
  REQUIRE(record.outcome == Outcome::kQuarantined);
  REQUIRE(record.record.has_processed_time());
  CHECK(record.record.processed_time().seconds() >= before.tv_sec);
  CHECK(record.record.processed_time().seconds() <= after.tv_sec);

  LineNormalizer unstamped(rules, options("vpn.log", kEndOf2026, false));
  CHECK_FALSE(run(unstamped, make_line(kHandshake, 1, 0)).event.envelope().has_processed_time());
  CHECK_FALSE(run(unstamped, make_line("garbage", 2, 88)).record.has_processed_time());
}

TEST_CASE("normalize() clears both outputs before each line", "[pipeline]") {
  auto rules = mini_rules();
  LineNormalizer n(rules, options());
  v1::Event event;
  v1::QuarantineRecord record;
  REQUIRE(n.normalize(make_line("garbage"), &event, &record) == Outcome::kQuarantined);
  REQUIRE(record.reason() == v1::HEADER);
  REQUIRE(n.normalize(make_line(kHandshake), &event, &record) == Outcome::kEvent);
  CHECK(record.ByteSizeLong() == 0);
  CHECK(event.envelope().rule_id() == "tls_handshake_failed");
  REQUIRE(n.normalize(make_line("Nov 22 12:21:13 vpn1 CRON[5]: x"), &event, &record) == Outcome::kQuarantined);
  CHECK(event.ByteSizeLong() == 0);
  CHECK(record.reason() == v1::NO_MATCH);
}

TEST_CASE("Counters: a mixed batch covering every outcome balances exactly", "[pipeline]") {
  TempRules dir;
  auto rules = dir.with_mini_openvpn()
                   .write("grammars/local/1.0.grammar", kLocalGrammar)
                   .write("mappings/local/1.0.mapping", kLocalMapping)
                   .load();
  LineNormalizer n(rules, options("mixed.log"));

  struct Case {
    std::string line;
    Outcome outcome;
    v1::QuarantineReason reason;  // QUARANTINE_REASON_UNSPECIFIED for events
    std::string rule_id;          // for events
    bool oversize = false;
  };
  const auto event = Outcome::kEvent;
  const auto quarantined = Outcome::kQuarantined;
  const auto none = v1::QUARANTINE_REASON_UNSPECIFIED;
  const std::string prefix = "Nov 22 12:21:12 vpn1 openvpn[1234]: ";
  const Case cases[] = {
      {kHandshake, event, none, "tls_handshake_failed"},
      {prefix + "alice/203.0.113.9:1194 TLS Error: TLS handshake failed", event, none, "tls_handshake_failed"},
      {prefix + "198.51.100.7:51234 Fatal TLS error (check_tls_errors_co), restarting", event, none,
       "fatal_tls_error"},
      {prefix + "198.51.100.7:51234 SIGUSR1[soft,tls-error] received, client-instance restarting", event, none,
       "client_instance_signal"},
      {prefix + "vpn user 01/203.0.113.9:40112 SIGTERM[hard,] received, client-instance exiting", event, none,
       "client_instance_signal"},
      {"Nov 22 12:21:12 host7 app: 192.0.2.1 up", event, none, "addr"},
      {"Nov 22 12:21:12 host7 app: eth0 down", event, none, "word_down"},
      {"Nov 22 12:21:13 vpn1 CRON[5]: (root) CMD (true)", quarantined, v1::NO_MATCH, ""},
      {kHandshake + " ", quarantined, v1::NO_MATCH, ""},
      {prefix + "198.51.100.7:51234 Fatal TLS error (), restarting", quarantined, v1::NO_MATCH, ""},
      {"Nov 22 12:21:12 host7 app: 192.0.2.1 down", quarantined, v1::AMBIGUOUS, ""},
      {prefix + "198.51.100.7:65536 TLS Error: TLS handshake failed", quarantined, v1::CONVERSION, ""},
      {prefix + "198.51.100.7:51234 SIGUSR1[soft,tls-error] received, client-instance pausing", quarantined,
       v1::CONVERSION, ""},
      {prefix + "\xFF", quarantined, v1::ENCODING, ""},
      {prefix + "a\0b"s, quarantined, v1::ENCODING, ""},
      {prefix + "\xC0\xAF", quarantined, v1::ENCODING, ""},
      {kHandshake.substr(0, 64), quarantined, v1::OVERSIZE, "", true},
      {"garbage", quarantined, v1::HEADER, ""},
      {"", quarantined, v1::HEADER, ""},
      {"<192>" + kHandshake, quarantined, v1::HEADER, ""},
      {"<30>" + kHandshake, event, none, "tls_handshake_failed"},
  };
  uint64_t offset = 0;
  uint64_t number = 0;
  for (const Case& c : cases) {
    Line line = make_line(c.line, ++number, offset);
    if (c.oversize) {
      line.oversize = true;
      line.length = 70000;
    }
    INFO("line " << number << ": " << c.line);
    Normalized out = run(n, line);
    REQUIRE(out.outcome == c.outcome);
    if (c.outcome == Outcome::kEvent) {
      CHECK(out.event.envelope().rule_id() == c.rule_id);
      CHECK(out.event.envelope().input().line() == number);
      CHECK(out.event.envelope().input().offset() == offset);
    } else {
      CHECK(out.record.reason() == c.reason);
      CHECK(out.record.input().line() == number);
      CHECK(out.record.input().offset() == offset);
    }
    // The invariant holds after every line, not just at the end.
    CHECK(n.counters().balanced());
    offset += line.length + 1;
  }

  const Counters& c = n.counters();
  CHECK(c.lines_in == 21);
  CHECK(c.events == 8);
  CHECK(c.dropped_by_rule == 0);
  CHECK(c.quarantined == 13);
  CHECK(c.balanced());
  CHECK(quarantined_for(n, v1::QUARANTINE_REASON_UNSPECIFIED) == 0);
  CHECK(quarantined_for(n, v1::NO_MATCH) == 3);
  CHECK(quarantined_for(n, v1::AMBIGUOUS) == 1);
  CHECK(quarantined_for(n, v1::CONVERSION) == 2);
  CHECK(quarantined_for(n, v1::ENCODING) == 3);
  CHECK(quarantined_for(n, v1::OVERSIZE) == 1);
  CHECK(quarantined_for(n, v1::FRAMING) == 0);
  CHECK(quarantined_for(n, v1::HEADER) == 3);
  CHECK(quarantined_for(n, v1::INTERNAL) == 0);
  CHECK(events_for(n, "openvpn", "tls_handshake_failed") == 3);
  CHECK(events_for(n, "openvpn", "fatal_tls_error") == 1);
  CHECK(events_for(n, "openvpn", "client_instance_signal") == 2);
  CHECK(events_for(n, "local", "addr") == 1);
  CHECK(events_for(n, "local", "word_down") == 1);

  uint64_t by_reason = 0;
  for (uint64_t count : c.quarantined_by_reason) by_reason += count;
  CHECK(by_reason == c.quarantined);
  uint64_t by_rule = 0;
  REQUIRE(c.lines_by_rule.size() == rules->grammars.size());
  for (size_t g = 0; g < rules->grammars.size(); ++g) {
    REQUIRE(c.lines_by_rule[g].size() == rules->grammars[g].rules.size());
    for (uint64_t count : c.lines_by_rule[g]) by_rule += count;
  }
  CHECK(by_rule == c.events + c.dropped_by_rule);
}

TEST_CASE("start_input changes the input name and the reference time: counters accumulate", "[pipeline]") {
  auto rules = mini_rules();
  LineNormalizer n(rules, options("first.log", kEndOf2026));
  Normalized a = run(n, make_line(kHandshake, 1, 0));
  REQUIRE(a.outcome == Outcome::kEvent);
  CHECK(a.event.envelope().input().name() == "first.log");
  CHECK(a.event.envelope().time().seconds() == kNov22_2026);

  n.start_input("second.log", kEndOf2025);
  Normalized b = run(n, make_line(kHandshake, 1, 0));
  REQUIRE(b.outcome == Outcome::kEvent);
  CHECK(b.event.envelope().input().name() == "second.log");
  CHECK(b.event.envelope().time().seconds() == kNov22_2025);
  CHECK(b.event.envelope().uid() == make_event_id("second.log", 0, kHandshake));
  CHECK(b.event.envelope().uid() != a.event.envelope().uid());
  Normalized q = run(n, make_line("garbage", 2, 87));
  REQUIRE(q.outcome == Outcome::kQuarantined);
  CHECK(q.record.input().name() == "second.log");

  CHECK(n.counters().lines_in == 3);
  CHECK(n.counters().events == 2);
  CHECK(n.counters().quarantined == 1);
  CHECK(events_for(n, "openvpn", "tls_handshake_failed") == 2);
  CHECK(n.counters().balanced());
}

TEST_CASE("A network input names its peer and connection, and they are part of the event id", "[pipeline]") {
  auto rules = mini_rules();
  LineNormalizer n(rules, options("first.log", kEndOf2026));
  n.start_input(InputSource{"tcp://127.0.0.1:5514", "[2001:db8::7]:40122", "1795900000000000.3", kEndOf2026, false});
  Normalized a = run(n, make_line(kHandshake, 4, 310));
  REQUIRE(a.outcome == Outcome::kEvent);
  const v1::Input& in = a.event.envelope().input();
  CHECK(in.name() == "tcp://127.0.0.1:5514");
  CHECK(in.peer() == "[2001:db8::7]:40122");
  CHECK(in.connection() == "1795900000000000.3");
  CHECK(in.line() == 4);
  CHECK(in.offset() == 310);
  CHECK(a.event.envelope().uid() ==
        make_event_id("tcp://127.0.0.1:5514 [2001:db8::7]:40122 1795900000000000.3", 310, kHandshake));
  Normalized q = run(n, make_line("garbage", 5, 400));
  REQUIRE(q.outcome == Outcome::kQuarantined);
  CHECK(q.record.input().peer() == "[2001:db8::7]:40122");
  CHECK(q.record.input().connection() == "1795900000000000.3");

  // A file input after it has neither, and its id is the file's again.
  n.start_input("second.log", kEndOf2026);
  Normalized b = run(n, make_line(kHandshake, 1, 0));
  CHECK(b.event.envelope().input().peer().empty());
  CHECK(b.event.envelope().input().connection().empty());
  CHECK(b.event.envelope().uid() == make_event_id("second.log", 0, kHandshake));
}

TEST_CASE("A malformed network frame is FRAMING with its reason, its bytes kept as they came", "[pipeline]") {
  auto rules = mini_rules();
  LineNormalizer n(rules, options("tcp://127.0.0.1:5514", kEndOf2026));
  const std::string prefix = std::string(kHandshake).substr(0, 20);
  Line cut = make_line(prefix, 2, 51);
  cut.length = 20;
  cut.framing_detail = "connection closed after 20 of 96 bytes of an octet-counted message";
  Normalized a = run(n, cut);
  REQUIRE(a.outcome == Outcome::kQuarantined);
  CHECK(a.record.reason() == v1::FRAMING);
  CHECK(a.record.detail() == "connection closed after 20 of 96 bytes of an octet-counted message");
  CHECK(a.record.raw_text() == prefix);

  // Bytes that are not UTF-8 (a binary count, a cut character) are kept as bytes.
  const std::string binary("\xff\x00garbage", 9);
  Line bad = make_line(binary, 3, 80);
  bad.framing_detail = "expected an octet count, found byte 0xFF";
  Normalized b = run(n, bad);
  REQUIRE(b.outcome == Outcome::kQuarantined);
  CHECK(b.record.reason() == v1::FRAMING);
  CHECK(b.record.raw_bytes() == binary);
  CHECK(b.record.raw_text().empty());
  CHECK(n.counters().quarantined_by_reason[v1::FRAMING] == 2);
  CHECK(n.counters().balanced());
}

}  // namespace strictlog

namespace strictlog {
namespace {

TEST_CASE("A stated year without Feb 29 quarantines a Feb 29 line: an inferred year moves it back", "[pipeline]") {
  auto rules = mini_rules();
  const std::string line = "Feb 29 10:00:00 vpn1 openvpn[1234]: 198.51.100.7:51234 TLS Error: TLS handshake failed";

  NormalizeOptions stated = options("vpn.log", kEndOf2026);
  stated.year_fixed = true;  // `--year 2026`: 2026 has no Feb 29
  LineNormalizer fixed(rules, stated);
  Normalized q = run(fixed, make_line(line, 3, 40));
  REQUIRE(q.outcome == Outcome::kQuarantined);
  CHECK(q.record.reason() == v1::HEADER);
  CHECK(q.record.detail() == "the timestamp 'Feb 29 10:00:00' does not exist in 2026, the year given for this input");
  CHECK(candidates(q.record) == std::vector<std::string>{"openvpn/2.6/tls_handshake_failed"});
  CHECK(q.event.ByteSizeLong() == 0);
  CHECK(fixed.counters().events == 0);
  CHECK(fixed.counters().balanced());

  // Inferred from a reference clock (a file's mtime), the line belongs to the latest leap year: 2024.
  LineNormalizer inferred(rules, options("vpn.log", kEndOf2026));
  Normalized e = run(inferred, make_line(line, 3, 40));
  REQUIRE(e.outcome == Outcome::kEvent);
  CHECK(e.event.envelope().time().seconds() == 1709200800);  // 2024-02-29T10:00:00Z
}

}  // namespace
}  // namespace strictlog

namespace strictlog {
namespace {

TEST_CASE("explain: a NO_MATCH record names the nearest miss with its offset in the line", "[pipeline]") {
  NormalizeOptions o = options("vpn.log");
  o.explain = true;
  LineNormalizer n(mini_rules(), o);
  std::string typo = kHandshake;
  typo.back() = 's';  // "...handshake failes"
  Normalized out = run(n, make_line(typo, 3, 300));
  REQUIRE(out.outcome == Outcome::kQuarantined);
  REQUIRE(out.record.reason() == v1::NO_MATCH);
  REQUIRE(out.record.has_nearest_miss());
  const v1::NearestMiss& miss = out.record.nearest_miss();
  // The header is 36 bytes, the peer 18; the literal matches all but its last byte.
  CHECK(miss.offset() == 36 + 18 + std::string(" TLS Error: TLS handshake faile").size());
  CHECK(miss.offset() == typo.size() - 1);
  CHECK(miss.rule_id() == "openvpn/2.6/tls_handshake_failed");
  CHECK(miss.element() == fixtures::kMiniGrammars + "/openvpn/2.6.grammar:14:41");
  CHECK(miss.expected() == "\" TLS Error: TLS handshake failed\"");
}

TEST_CASE("explain: nothing is recorded without the option or when no grammar applies", "[pipeline]") {
  std::string typo = kHandshake;
  typo.back() = 's';
  LineNormalizer plain(mini_rules(), options("vpn.log"));
  Normalized without = run(plain, make_line(typo));
  REQUIRE(without.record.reason() == v1::NO_MATCH);
  CHECK_FALSE(without.record.has_nearest_miss());

  NormalizeOptions o = options("vpn.log");
  o.explain = true;
  LineNormalizer explaining(mini_rules(), o);
  Normalized cron = run(explaining, make_line("Nov 22 12:21:15 vpn1 CRON[5]: (root) CMD (true)"));
  REQUIRE(cron.record.reason() == v1::NO_MATCH);
  CHECK(cron.record.detail() == "no grammar applies to program 'CRON'");
  CHECK_FALSE(cron.record.has_nearest_miss());
  // Lines that match are not slowed down or changed by the option.
  Normalized matched = run(explaining, make_line(kHandshake));
  CHECK(matched.outcome == Outcome::kEvent);
}

TEST_CASE("Quarantine records carry the year reference their input was read with", "[pipeline]") {
  LineNormalizer n(mini_rules(), options("vpn.log"));
  n.start_input("a.log", 1700000000, false);
  Normalized inferred = run(n, make_line("garbage"));
  REQUIRE(inferred.outcome == Outcome::kQuarantined);
  CHECK(inferred.record.year_reference_time().seconds() == 1700000000);
  CHECK_FALSE(inferred.record.year_stated());
  n.start_input("b.log", kEndOf2026, true);
  Normalized stated = run(n, make_line("garbage"));
  CHECK(stated.record.year_reference_time().seconds() == kEndOf2026);
  CHECK(stated.record.year_stated());
}

TEST_CASE("options.grammar tries one grammar whatever the program", "[pipeline]") {
  const std::string other_program = "Nov 22 12:21:12 vpn1 vpnd[1234]: 198.51.100.7:51234 TLS Error: TLS handshake failed";
  LineNormalizer by_program(mini_rules(), options());
  CHECK(run(by_program, make_line(other_program)).record.detail() == "no grammar applies to program 'vpnd'");
  NormalizeOptions o = options();
  o.grammar = 0;
  LineNormalizer forced(mini_rules(), o);
  Normalized out = run(forced, make_line(other_program));
  REQUIRE(out.outcome == Outcome::kEvent);
  CHECK(out.event.envelope().rule_id() == "tls_handshake_failed");
  CHECK(out.event.envelope().process_name() == "vpnd");
}

TEST_CASE("requarantine counts a kept record as a line read and quarantined and copies it", "[pipeline]") {
  LineNormalizer n(mini_rules(), options());
  v1::QuarantineRecord kept;
  kept.set_reason(v1::OVERSIZE);
  kept.set_detail("line is 70000 bytes, over the limit of 65536; raw holds the first 65536 bytes");
  kept.set_raw_text("Nov 22 12:21:12 vpn1 openvpn[1234]: cut");
  kept.mutable_input()->set_name("big.log");
  v1::QuarantineRecord out;
  CHECK(n.requarantine(kept, &out) == Outcome::kQuarantined);
  CHECK(out.SerializeAsString() == kept.SerializeAsString());
  const Counters& c = n.counters();
  CHECK(c.lines_in == 1);
  CHECK(c.quarantined == 1);
  CHECK(c.quarantined_by_reason[v1::OVERSIZE] == 1);
  CHECK(c.balanced());
}

}  // namespace
}  // namespace strictlog

namespace strictlog {
namespace {

// A new source's first grammar, before its first rule: it applies to its program and has nothing to be near.
TEST_CASE("explain: a grammar without rules gives NO_MATCH without a nearest miss", "[pipeline]") {
  TempRules dir;
  auto rules = dir.with_mini_openvpn().write("grammars/aaa/1.grammar", "grammar aaa 1;\nprograms \"foo\";\n").load();
  NormalizeOptions o = options("foo.log");
  o.explain = true;
  LineNormalizer n(rules, o);
  Normalized out = run(n, make_line("Nov 22 10:41:07 vpn-gw1 foo[1]: hello"));
  REQUIRE(out.outcome == Outcome::kQuarantined);
  CHECK(out.record.detail() == "no rule matches the message of program 'foo'");
  CHECK_FALSE(out.record.has_nearest_miss());
  CHECK(n.counters().balanced());
}

TEST_CASE("explain: a message over kMaxExplainedBytes gets no nearest miss", "[pipeline]") {
  NormalizeOptions o = options("vpn.log");
  o.explain = true;
  LineNormalizer n(mini_rules(), o);
  std::string at_limit = "Nov 22 12:21:12 vpn1 openvpn[1234]: " + std::string(kMaxExplainedBytes, 'x');
  Normalized explained = run(n, make_line(at_limit));
  REQUIRE(explained.record.reason() == v1::NO_MATCH);
  CHECK(explained.record.has_nearest_miss());
  Normalized over = run(n, make_line(at_limit + "x"));
  REQUIRE(over.record.reason() == v1::NO_MATCH);
  CHECK_FALSE(over.record.has_nearest_miss());
}

}  // namespace
}  // namespace strictlog

namespace strictlog {
namespace {

TEST_CASE("Time zones: a gap is HEADER and a fold takes its first occurrence and says so", "[pipeline]") {
  auto ny = TimeZone::locate("America/New_York");
  REQUIRE(ny.ok());
  NormalizeOptions o = options("ny.log");
  o.year_fixed = true;
  o.time_zone = *ny;
  LineNormalizer n(mini_rules(), o);
  const std::string rest = " vpn1 openvpn[1234]: 198.51.100.7:51234 TLS Error: TLS handshake failed";

  Normalized gap = run(n, make_line("Mar  8 02:30:00" + rest));
  REQUIRE(gap.outcome == Outcome::kQuarantined);
  CHECK(gap.record.reason() == v1::HEADER);
  CHECK(gap.record.detail() ==
        "the timestamp 'Mar  8 02:30:00' (2026-03-08 02:30:00) does not exist in America/New_York: the clocks "
        "skipped it");
  CHECK(gap.record.time_zone() == "America/New_York");

  Normalized fold = run(n, make_line("Nov  1 01:30:00" + rest));
  REQUIRE(fold.outcome == Outcome::kEvent);
  CHECK(fold.event.envelope().time().seconds() == 1793511000);  // 2026-11-01T05:30:00Z (EDT)
  CHECK(fold.event.envelope().time_ambiguous());
  CHECK(fold.event.envelope().time_zone() == "America/New_York");
  CHECK(fold.event.envelope().time_text() == "Nov  1 01:30:00");

  Normalized summer = run(n, make_line("Jul  1 12:00:00" + rest));
  REQUIRE(summer.outcome == Outcome::kEvent);
  CHECK(summer.event.envelope().time().seconds() == 1782921600);  // 2026-07-01T16:00:00Z
  CHECK_FALSE(summer.event.envelope().time_ambiguous());
  CHECK(n.counters().balanced());
}

// Year inference runs on the zone's clock: read on 2027-01-01 01:00 in Tokyo (2026-12-31T16:00Z), a "Jan  1"
// line is this year's, 2027, although the instant is still 2026 in UTC.
TEST_CASE("Time zones: year inference reads the reference on the zone's clock", "[pipeline]") {
  auto tokyo = TimeZone::locate("Asia/Tokyo");
  REQUIRE(tokyo.ok());
  NormalizeOptions o = options("jp.log", 1798732800);  // 2026-12-31T16:00:00Z
  o.time_zone = *tokyo;
  LineNormalizer n(mini_rules(), o);
  Normalized out = run(n, make_line("Jan  1 00:30:00 vpn1 openvpn[1234]: 198.51.100.7:51234 TLS Error: TLS handshake failed"));
  REQUIRE(out.outcome == Outcome::kEvent);
  CHECK(out.event.envelope().time().seconds() == 1798731000);  // 2027-01-01T00:30 JST = 2026-12-31T15:30:00Z
}

}  // namespace

TEST_CASE("RFC 5424: an exact instant with its fraction, PRI, MSGID, PROCID and structured data", "[pipeline]") {
  LineNormalizer n(mini_rules(), options("vpn.log"));
  const std::string line =
      "<29>1 2026-11-22T13:21:12.25+01:00 vpn1 openvpn worker-7 TLS [origin@32473 ip=\"192.0.2.1\" "
      "note=\"a \\\"b\\\" \\] c\"][timeQuality isSynced=\"1\"] 198.51.100.7:51234 TLS Error: TLS handshake failed";
  Normalized out = run(n, make_line(line));
  REQUIRE(out.outcome == Outcome::kEvent);
  const v1::Envelope& env = out.event.envelope();
  CHECK(env.header_format() == v1::RFC5424);
  CHECK(env.time().seconds() == kNov22_2026);
  CHECK(env.time().nanos() == 250000000);
  CHECK(env.time_text() == "2026-11-22T13:21:12.25+01:00");
  CHECK_FALSE(env.time_year_inferred());
  CHECK(env.time_zone().empty());
  CHECK(env.facility() == 3);
  CHECK(env.severity() == 5);
  CHECK(env.hostname() == "vpn1");
  CHECK(env.process_name() == "openvpn");
  CHECK_FALSE(env.has_pid());
  CHECK(env.procid() == "worker-7");
  CHECK(env.msgid() == "TLS");
  REQUIRE(env.structured_data_size() == 2);
  CHECK(env.structured_data(0).id() == "origin@32473");
  REQUIRE(env.structured_data(0).params_size() == 2);
  CHECK(env.structured_data(0).params(0).name() == "ip");
  CHECK(env.structured_data(0).params(0).value() == "192.0.2.1");
  CHECK(env.structured_data(0).params(1).name() == "note");
  CHECK(env.structured_data(0).params(1).value() == "a \"b\" ] c");
  CHECK(env.structured_data(1).id() == "timeQuality");
  REQUIRE(env.structured_data(1).params_size() == 1);
  CHECK(env.structured_data(1).params(0).value() == "1");
  CHECK(out.event.openvpn_tls_handshake_failed().src_endpoint().ip() == "198.51.100.7");
}

TEST_CASE("RFC 5424: a nil timestamp leaves the event without a time, and a pid PROCID is the pid", "[pipeline]") {
  LineNormalizer n(mini_rules(), options("vpn.log"));
  Normalized out = run(n, make_line("<29>1 - vpn1 openvpn 1234 - - 198.51.100.7:51234 TLS Error: TLS handshake failed"));
  REQUIRE(out.outcome == Outcome::kEvent);
  const v1::Envelope& env = out.event.envelope();
  CHECK_FALSE(env.has_time());
  CHECK(env.time_text().empty());
  CHECK(env.pid() == 1234);
  CHECK(env.procid().empty());
  CHECK(env.msgid().empty());
  CHECK(env.structured_data_size() == 0);
}

TEST_CASE("Header formats: a line that fails the parser its first bytes choose names that format", "[pipeline]") {
  LineNormalizer n(mini_rules(), options("vpn.log"));
  Normalized v2 = run(n, make_line("<29>2 2026-11-22T12:21:12Z vpn1 openvpn 1234 - - x"));
  REQUIRE(v2.outcome == Outcome::kQuarantined);
  CHECK(v2.record.reason() == v1::HEADER);
  CHECK(v2.record.detail().starts_with("not an RFC 5424 syslog line: "));
  Normalized iso = run(n, make_line("2026-11-22 12:21:12 vpn1 openvpn[1234]: x"));
  REQUIRE(iso.outcome == Outcome::kQuarantined);
  CHECK(iso.record.detail().starts_with("not an RFC 3339 file line (rsyslog's high-precision format): "));
  Normalized bsd = run(n, make_line("garbage"));
  CHECK(bsd.record.detail() == "not an RFC 3164 syslog line: no RFC 3164 timestamp at byte 0");
  CHECK(n.counters().quarantined_by_reason[v1::HEADER] == 3);
}

TEST_CASE("RFC 3339 file lines: a date the stated year lacks is HEADER like any other", "[pipeline]") {
  NormalizeOptions o = options("vpn.log");
  o.year_fixed = true;
  LineNormalizer n(mini_rules(), o);
  Normalized ok = run(n, make_line("2025-11-22T07:21:12.000001-05:00 vpn1 openvpn[1234]: 198.51.100.7:51234 TLS "
                                   "Error: TLS handshake failed"));
  REQUIRE(ok.outcome == Outcome::kEvent);
  // The year is the line's own: --year speaks of RFC 3164 timestamps only.
  CHECK(ok.event.envelope().time().seconds() == kNov22_2025);
  CHECK(ok.event.envelope().time().nanos() == 1000);
  CHECK(ok.event.envelope().header_format() == v1::RFC3339_FILE);
  Normalized bad = run(n, make_line("2026-02-29T12:21:12Z vpn1 openvpn[1234]: 198.51.100.7:51234 TLS Error: TLS "
                                    "handshake failed"));
  REQUIRE(bad.outcome == Outcome::kQuarantined);
  CHECK(bad.record.reason() == v1::HEADER);
}

TEST_CASE("Program logs: OpenVPN's own log lines are read in the zone, or have no time", "[pipeline]") {
  auto berlin = TimeZone::locate("Europe/Berlin");
  REQUIRE(berlin.ok());
  NormalizeOptions o = options("openvpn.log");
  o.program = "openvpn";
  o.time_zone = *berlin;
  LineNormalizer n(mini_rules(), o);
  Normalized iso = run(n, make_line("2026-11-22 13:21:12 us=4170 198.51.100.7:51234 TLS Error: TLS handshake failed"));
  REQUIRE(iso.outcome == Outcome::kEvent);
  const v1::Envelope& env = iso.event.envelope();
  CHECK(env.header_format() == v1::PROGRAM_LOG);
  CHECK(env.time().seconds() == kNov22_2026);  // 13:21:12 CET is 12:21:12 UTC
  CHECK(env.time().nanos() == 4170000);
  CHECK(env.time_text() == "2026-11-22 13:21:12 us=4170");
  CHECK(env.time_zone() == "Europe/Berlin");
  CHECK_FALSE(env.time_year_inferred());
  CHECK(env.hostname().empty());
  CHECK(env.process_name() == "openvpn");
  CHECK_FALSE(env.has_pid());

  Normalized bare = run(n, make_line("198.51.100.7:51234 TLS Error: TLS handshake failed"));
  REQUIRE(bare.outcome == Outcome::kEvent);
  CHECK_FALSE(bare.event.envelope().has_time());
  CHECK(bare.event.envelope().time_zone().empty());

  Normalized gap = run(n, make_line("2026-03-29 02:30:00 198.51.100.7:51234 TLS Error: TLS handshake failed"));
  REQUIRE(gap.outcome == Outcome::kQuarantined);
  CHECK(gap.record.detail() == "the timestamp '2026-03-29 02:30:00' (2026-03-29 02:30:00) does not exist in "
                               "Europe/Berlin: the clocks skipped it");
  CHECK(gap.record.input_program() == "openvpn");
  CHECK(gap.record.process_name() == "openvpn");
}

TEST_CASE("Repeats: one event keeps rsyslog's count, and 'last message repeated' is an event of its own",
          "[pipeline]") {
  LineNormalizer n(mini_rules(), options("vpn.log"));
  Normalized wrapped = run(n, make_line("Nov 22 12:21:12 vpn1 openvpn[1234]: message repeated 3 times: [ "
                                        "198.51.100.7:51234 TLS Error: TLS handshake failed]"));
  REQUIRE(wrapped.outcome == Outcome::kEvent);
  REQUIRE(wrapped.event.envelope().has_repeat_count());
  CHECK(wrapped.event.envelope().repeat_count() == 3);
  CHECK(wrapped.event.envelope().rule_id() == "tls_handshake_failed");
  CHECK(wrapped.event.openvpn_tls_handshake_failed().src_endpoint().port() == 51234);
  CHECK(n.last_rule_ref() == "openvpn/2.6/tls_handshake_failed");

  Normalized notice = run(n, make_line("Nov 22 12:21:12 vpn1 last message repeated 4 times", 2, 200));
  REQUIRE(notice.outcome == Outcome::kEvent);
  REQUIRE(notice.event.payload_case() == v1::Event::kSyslogLastMessageRepeated);
  CHECK(notice.event.syslog_last_message_repeated().count() == 4);
  const v1::Envelope& env = notice.event.envelope();
  CHECK_FALSE(env.has_repeat_count());
  CHECK(env.grammar() == "syslog");
  CHECK(env.rule_id() == "last_message_repeated");
  CHECK(env.source_version().empty());
  CHECK(env.hostname() == "vpn1");
  CHECK(env.process_name().empty());
  CHECK(env.time().seconds() == kNov22_2026);
  CHECK(env.grammar_set_hash() == mini_rules()->hash);
  CHECK(env.input().offset() == 200);
  CHECK_FALSE(n.last_rule().has_value());
  CHECK(n.last_rule_ref() == "syslog/last_message_repeated");

  CHECK(n.counters().events == 2);
  CHECK(n.counters().repeat_notices == 1);
  CHECK(n.counters().balanced());
}

TEST_CASE("Repeats: a malformed notice says so, and a notice whose date does not exist keeps its program",
          "[pipeline]") {
  NormalizeOptions o = options("vpn.log");
  o.year_fixed = true;
  LineNormalizer n(mini_rules(), o);
  Normalized open = run(n, make_line("Nov 22 12:21:12 vpn1 openvpn[1234]: message repeated 3 times: [ x"));
  REQUIRE(open.outcome == Outcome::kQuarantined);
  CHECK(open.record.reason() == v1::HEADER);
  CHECK(open.record.detail() ==
        "a malformed repeat notice in an RFC 3164 syslog line: missing ']' at the end of a repeated message at byte 65");
  Normalized leap = run(n, make_line("Feb 29 12:21:12 vpn1 syslogd: last message repeated 2 times"));
  REQUIRE(leap.outcome == Outcome::kQuarantined);
  CHECK(leap.record.reason() == v1::HEADER);
  CHECK(leap.record.detail() == "the timestamp 'Feb 29 12:21:12' does not exist in 2026, the year given for this input");
  CHECK(leap.record.process_name() == "syslogd");
  CHECK(n.counters().balanced());
}

TEST_CASE("Tags: a Linux-PAM module in the tag is kept apart from the program", "[pipeline]") {
  LineNormalizer n(mini_rules(), options("vpn.log"));
  Normalized out = run(n, make_line("Nov 22 12:21:12 vpn1 openvpn(pam_unix)[1234]: 198.51.100.7:51234 TLS Error: "
                                    "TLS handshake failed"));
  REQUIRE(out.outcome == Outcome::kEvent);
  CHECK(out.event.envelope().process_name() == "openvpn");
  CHECK(out.event.envelope().process_module() == "pam_unix");
  CHECK(out.event.envelope().pid() == 1234);
}

}  // namespace strictlog
