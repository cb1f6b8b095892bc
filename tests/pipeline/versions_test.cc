// LineNormalizer with two versions of one source loaded (pipeline/normalizer.h, ruleset.h): which version reads
// a line (the default, NormalizeOptions::versions, a program log line's ctime() timestamp) and what the event
// says about it (envelope.grammar, envelope.source_version), and the hint a NO_MATCH gives when another
// version's rule matches.
#include "pipeline/normalizer.h"


#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "common/diagnostic.h"
#include "sink/temp_dir.h"

namespace strictlog {
namespace {

constexpr int64_t kEndOf2026 = 1798761599;  // 2026-12-31T23:59:59Z

// Version 1 (OpenVPN 2.4-like: writes ctime() timestamps) says `fatal x`; version 2, the default, says
// `fatal: x`. Version 1's mapping serves both.
const char* const kV1 =
    "grammar v 1;\n"
    "programs \"v\";\n"
    "detect timestamp ctime;\n"
    "rule fatal = \"fatal \" f:word example \"fatal x\";\n"
    "rule sig = \"signal \" s:word example \"signal HUP\";\n";
const char* const kV2 =
    "grammar v 2 extends 1;\n"
    "default;\n"
    "override rule fatal = \"fatal: \" f:word example \"fatal: x\";\n";
const char* const kM1 =
    "mapping v 1;\n"
    "rule fatal -> strictlog.openvpn.v1.FatalTlsError { function_name = f; }\n"
    "rule sig -> strictlog.openvpn.v1.ProcessSignal { signal_name = s; }\n";

class TempRules {
 public:
  TempRules() {
    write("grammars/v/1.grammar", kV1);
    write("grammars/v/2.grammar", kV2);
    write("mappings/v/1.mapping", kM1);
  }

  void write(const std::string& relative, const std::string& text) {
    std::filesystem::path p = dir_ / relative;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
  }
  std::shared_ptr<const RuleSet> load() const {
    auto loaded = load_ruleset(dir_ / "grammars", dir_ / "mappings");
    if (!loaded) throw std::runtime_error("test rules do not load:\n" + render(loaded.errors()));
    return *loaded;
  }

 private:
  testing::TempDir dir_;
};

NormalizeOptions options(const std::string& program = "") {
  NormalizeOptions o;
  o.input_name = "v.log";
  o.reference_time = kEndOf2026;
  o.stamp_processed_time = false;
  o.program = program;
  return o;
}

struct Normalized {
  Outcome outcome;
  v1::Event event;
  v1::QuarantineRecord record;
};

Normalized run(LineNormalizer& n, std::string_view bytes) {
  Line line;
  line.bytes = bytes;
  line.number = 1;
  line.length = bytes.size();
  Normalized out{};
  out.outcome = n.normalize(line, &out.event, &out.record);
  return out;
}

// `grammar source_version rule_id function_name`, or the quarantine reason and detail.
std::string result(const Normalized& r) {
  if (r.outcome == Outcome::kQuarantined) {
    return v1::QuarantineReason_Name(r.record.reason()) + ": " + r.record.detail();
  }
  REQUIRE(r.outcome == Outcome::kEvent);
  const auto& env = r.event.envelope();
  std::string value = r.event.has_openvpn_fatal_tls_error() ? r.event.openvpn_fatal_tls_error().function_name()
                                                            : r.event.openvpn_process_signal().signal_name();
  return env.grammar() + " " + env.source_version() + " " + env.rule_id() + " " + value;
}

TEST_CASE("versions: a syslog line goes to the default version unless the options choose another", "[pipeline]") {
  TempRules t;
  auto rules = t.load();
  const std::string new_form = "Nov 22 12:21:12 h v[1]: fatal: x";
  const std::string old_form = "Nov 22 12:21:12 h v[1]: fatal x";
  const std::string inherited = "Nov 22 12:21:12 h v[1]: signal HUP";

  LineNormalizer by_default(rules, options());
  CHECK(result(run(by_default, new_form)) == "v 2 fatal x");
  CHECK(result(run(by_default, inherited)) == "v 2 sig HUP");  // an inherited rule reads as its version
  // The line that version 1 would take is NO_MATCH, with the version that does take it.
  CHECK(result(run(by_default, old_form)) ==
        "NO_MATCH: no rule matches the message of program 'v' with v 2; rule v/1/fatal of version 1 matches it "
        "(--grammar-version v=1)");

  auto chosen = choose_versions(*rules, {"v=1"});
  REQUIRE(chosen.ok());
  NormalizeOptions o = options();
  o.versions = *chosen;
  LineNormalizer old_version(rules, o);
  CHECK(result(run(old_version, old_form)) == "v 1 fatal x");
  CHECK(result(run(old_version, inherited)) == "v 1 sig HUP");
  CHECK(old_version.last_rule_ref() == "v/1/sig");
  CHECK(result(run(old_version, new_form)) ==
        "NO_MATCH: no rule matches the message of program 'v' with v 1; rule v/2/fatal of version 2 matches it "
        "(--grammar-version v=2)");

  // set_versions() changes the choice for later lines.
  old_version.set_versions(VersionChoice(rules->families.size()));
  CHECK(result(run(old_version, new_form)) == "v 2 fatal x");
}

TEST_CASE("versions: a program log line with a ctime timestamp goes to the version that detects it", "[pipeline]") {
  TempRules t;
  auto rules = t.load();
  LineNormalizer n(rules, options("v"));
  CHECK(result(run(n, "Sun Nov 22 09:15:02 2026 fatal x")) == "v 1 fatal x");
  CHECK(result(run(n, "Sun Nov 22 09:15:02 2026 signal USR1")) == "v 1 sig USR1");
  // ISO timestamps (OpenVPN >= 2.5), machine-readable ones and none at all: the default.
  CHECK(result(run(n, "2026-11-22 09:15:02 fatal: y")) == "v 2 fatal y");
  CHECK(result(run(n, "1700000000.123456 1 fatal: z")) == "v 2 fatal z");
  CHECK(result(run(n, "fatal: w")) == "v 2 fatal w");
  CHECK(result(run(n, "2026-11-22 09:15:02 fatal y")) ==
        "NO_MATCH: no rule matches the message of program 'v' with v 2; rule v/1/fatal of version 1 matches it "
        "(--grammar-version v=1)");

  // A chosen version beats the timestamp.
  auto chosen = choose_versions(*rules, {"v=2"});
  REQUIRE(chosen.ok());
  NormalizeOptions o = options("v");
  o.versions = *chosen;
  LineNormalizer forced(rules, o);
  CHECK(result(run(forced, "Sun Nov 22 09:15:02 2026 fatal: x")) == "v 2 fatal x");
  CHECK(result(run(forced, "Sun Nov 22 09:15:02 2026 fatal x")) ==
        "NO_MATCH: no rule matches the message of program 'v' with v 2; rule v/1/fatal of version 1 matches it "
        "(--grammar-version v=1)");
}

TEST_CASE("versions: a syslog line never selects by timestamp", "[pipeline]") {
  TempRules t;
  auto rules = t.load();
  LineNormalizer n(rules, options());
  // The message happens to start like a ctime() timestamp; the header is RFC 3164, so the default reads it.
  CHECK(result(run(n, "Nov 22 12:21:12 h v: fatal: Sun")) == "v 2 fatal Sun");
}


// Review fix: the NO_MATCH hint named a version whose programs do not include the line's program, and which
// would therefore not read the line either. Family w: version 1 reads program x only and has `old`; version 2,
// the default, reads x and y and removes `old`.
TEST_CASE("versions: the NO_MATCH hint names only a version whose programs include the line's", "[pipeline]") {
  TempRules t;
  t.write("grammars/w/1.grammar",
          "grammar w 1;\nprograms \"x\";\nrule old = \"old \" f:word example \"old a\";\n");
  t.write("grammars/w/2.grammar",
          "grammar w 2 extends 1;\ndefault;\nprograms \"x\" \"y\";\nremove old;\n"
          "rule new = \"new \" f:word example \"new a\";\n");
  t.write("mappings/w/1.mapping", "mapping w 1;\nrule old -> strictlog.openvpn.v1.FatalTlsError { function_name = f; }\n");
  t.write("mappings/w/2.mapping", "mapping w 2;\nrule new -> strictlog.openvpn.v1.FatalTlsError { function_name = f; }\n");
  auto rules = t.load();
  LineNormalizer n(rules, options());
  CHECK(result(run(n, "Nov 22 12:21:12 h y[1]: new b")) == "w 2 new b");
  CHECK(result(run(n, "Nov 22 12:21:12 h y[1]: old b")) == "NO_MATCH: no rule matches the message of program 'y'");
  CHECK(result(run(n, "Nov 22 12:21:12 h x[1]: old b")) ==
        "NO_MATCH: no rule matches the message of program 'x' with w 2; rule w/1/old of version 1 matches it "
        "(--grammar-version w=1)");
}

}  // namespace
}  // namespace strictlog
