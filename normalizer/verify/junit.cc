#include "verify/junit.h"

#include <fmt/format.h>

#include "ingest/utf8.h"

namespace strictlog {
namespace {

std::string xml_escape(std::string_view s) {
  std::string out;
  // XML must be well-formed UTF-8; a report about a broken line may quote its bytes, so invalid UTF-8 is
  // written as \xHH, as corpus files write it.
  bool valid = !check_encoding(s).has_value();
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (!valid && static_cast<unsigned char>(c) >= 0x80) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
      continue;
    }
    // U+FFFE and U+FFFF are UTF-8 but not XML characters (XML 1.0 §2.2, `Char`); an enum capture or an
    // example may hold them. Written as their bytes too.
    if (s.compare(i, 2, "\xef\xbf") == 0 && i + 2 < s.size() && (s[i + 2] == '\xbe' || s[i + 2] == '\xbf')) {
      out += fmt::format("\\xef\\xbf\\x{:02x}", static_cast<unsigned char>(s[i + 2]));
      i += 2;
      continue;
    }
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default:
        // XML 1.0 admits no control characters but tab, LF and CR; quarantined lines may hold any.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') {
          out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
        } else {
          out.push_back(c);
        }
    }
  }
  return out;
}

std::string where(const Position& p) { return p.source ? fmt::format("{}:{}", p.source->path, p.line) : ""; }

// Names stay the same from run to run (a rule's id, a case's position), so CI keeps each test's history;
// counts that change as cases are added go to <system-out>.
void testcase(std::string& out, std::string_view name, std::string_view failure, std::string_view details = {},
              std::string_view system_out = {}) {
  out += fmt::format("    <testcase classname=\"strictlog\" name=\"{}\"", xml_escape(name));
  if (failure.empty() && system_out.empty()) {
    out += "/>\n";
    return;
  }
  if (failure.empty()) {
    out += fmt::format(">\n      <system-out>{}</system-out>\n    </testcase>\n", xml_escape(system_out));
    return;
  }
  out += fmt::format(">\n      <failure message=\"{}\">{}</failure>\n    </testcase>\n", xml_escape(failure),
                     xml_escape(details));
}

}  // namespace

std::string junit_xml(const TestReport& r) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"strictlog test\">\n";

  // Examples and cases: one passing testcase per rule for its hits, one failing testcase per mismatch.
  out += fmt::format("  <testsuite name=\"examples and cases\" tests=\"{}\" failures=\"{}\">\n",
                     r.rules.size() + r.mismatches.size(), r.mismatches.size());
  for (const auto& s : r.rules) {
    testcase(out, s.ref, "", "",
             fmt::format("{} example{}, {} case{}", s.example_hits, s.example_hits == 1 ? "" : "s", s.case_hits,
                         s.case_hits == 1 ? "" : "s"));
  }
  for (const auto& m : r.mismatches) {
    std::string details;
    for (const auto& d : m.details) details += d + "\n";
    testcase(out, where(m.pos), m.summary, details);
  }
  out += "  </testsuite>\n";

  out += fmt::format("  <testsuite name=\"coverage\" tests=\"{}\" failures=\"{}\">\n",
                     std::max<size_t>(1, r.uncovered.size()), r.uncovered.size());
  if (r.uncovered.empty()) testcase(out, "every rule and mapped field covered", "");
  for (const auto& u : r.uncovered) testcase(out, u, "not covered");
  out += "  </testsuite>\n";

  out += fmt::format("  <testsuite name=\"conflicts\" tests=\"{}\" failures=\"{}\">\n",
                     std::max<size_t>(1, r.conflicts.size()), r.conflicts.size());
  if (r.conflicts.empty()) {
    testcase(out, "no overlap", "", "", fmt::format("{} witness lines and {} cases", r.witnesses, r.cases));
  }
  for (const auto& c : r.conflicts) testcase(out, where(c.pos), "rules overlap", c.message);
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace strictlog
