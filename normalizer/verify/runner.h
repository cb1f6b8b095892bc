// The grammar author's test run (`strictlog test`): every rule's examples and every corpus case against the
// loaded rule set, then coverage and overlap checks. Pure library: it returns a report; the CLI prints it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "ruleset/ruleset.h"
#include "verify/corpus.h"

namespace strictlog {

// One example or case whose result differs from its expectation.
struct Mismatch {
  Position pos;                   // the example, or the case's `line:`
  std::string summary;            // e.g. "expected event openvpn/2.6/x, got quarantine NO_MATCH"
  std::vector<std::string> details;  // one per differing field: "path: expected X, got Y"
};

// Coverage: every rule (drop rules included) needs this many corpus cases that it takes.
inline constexpr size_t kMinCasesPerRule = 2;

struct RuleStats {
  std::string ref;        // grammar/version/rule
  Position pos;
  size_t example_hits = 0;
  size_t case_hits = 0;
  int program_size = 0;   // RE2 program size of the rule's regex (a budget figure)
};

// A case or witness line that more than one rule matches.
struct Conflict {
  Position pos;           // the case, or the first rule for an enumerated witness
  std::string message;    // names both rules and their positions, and the line
};

struct TestReport {
  size_t examples = 0;
  size_t cases = 0;
  size_t corpus_files = 0;
  size_t witnesses = 0;
  std::vector<Mismatch> mismatches;
  std::vector<RuleStats> rules;           // every rule of every grammar, in load order
  std::vector<std::string> uncovered;     // rules never hit, mapped fields never present
  std::vector<Conflict> conflicts;
  std::vector<std::string> updated;       // --update: per changed case, its position and a -/+ diff
  std::vector<std::string> files;         // corpus files read, in order

  bool passed() const { return mismatches.empty() && uncovered.empty() && conflicts.empty(); }
};

struct TestOptions {
  std::vector<std::string> corpus_dirs;   // searched recursively for *.cases
  bool update = false;                    // rewrite expectations from current results
};

// Errors: an unreadable or malformed corpus file (positioned), a missing directory, or a failed rewrite.
Result<TestReport> run_tests(std::shared_ptr<const RuleSet> rules, const TestOptions& options);

// The envelope fields a case never states: they vary with the run, the input's name and position, or the
// rule set's hash, or are stated by the case's `event:` line.
const std::vector<std::string>& unstated_event_fields();

}  // namespace strictlog
