// Rule-set diff (`strictlog diff`): the same lines through two rule sets, e.g. two git revisions of
// grammars/ and mappings/ checked out side by side, and every line whose result changed. Pure library: it
// reports changes to a callback and returns the counts; the CLI prints them.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "ruleset/ruleset.h"

namespace strictlog {

// What one rule set made of a line, in the terms a diff compares.
struct LineResult {
  enum class Kind { kEvent, kDropped, kQuarantined };
  Kind kind = Kind::kQuarantined;
  std::string rule;  // kEvent, kDropped: `grammar/version/rule`
  std::string type;  // kEvent: the payload message's full name, e.g. `strictlog.openvpn.v1.TlsHandshakeFailed`
  std::string reason;  // kQuarantined: the QuarantineReason's name
  std::string detail;  // kQuarantined
  std::vector<std::string> candidates;  // kQuarantined: candidate_rule_ids
  std::vector<std::pair<std::string, std::string>> fields;  // kEvent: flat text (verify/flat_text.h)
};

// Kinds of change, most significant first; a line is counted under the first that applies.
enum class ChangeKind {
  kIntoQuarantine,   // an event or a drop before, quarantined now
  kOutOfQuarantine,  // quarantined before, an event or a drop now
  kDrop,             // an event became a drop or the other way round, or another drop rule took it
  kEventType,        // an event both times, of another payload type
  kRule,             // an event of the same type both times, from another rule
  kFields,           // the same rule and type, other field values
  kQuarantine,       // quarantined both times, with another reason, detail or candidate rules
};
inline constexpr size_t kChangeKinds = 7;
// Stable names, used as JSON keys: `into_quarantine`, `out_of_quarantine`, `drop`, `event_type`, `rule`,
// `fields`, `quarantine`.
std::string_view change_name(ChangeKind k);

struct FieldChange {
  std::string path;
  std::string left, right;  // flat-text values; empty when the field is absent on that side
};

struct LineChange {
  ChangeKind kind;
  std::string where;   // `input:line`, or the corpus case's `file:line`
  std::string raw;     // the line's bytes
  LineResult left, right;
  std::vector<FieldChange> fields;  // when both are events: every field that differs, in path order; else empty
};

struct DiffCounts {
  uint64_t lines = 0;
  uint64_t changed = 0;
  std::array<uint64_t, kChangeKinds> by_kind{};
};

struct DiffOptions {
  // Files or directories. A `*.cases` file is a corpus file: its cases' lines are read, in its `year:`.
  // A directory stands for every `*.cases` file below it (none is an error). Any other file is a log, one line
  // per line, in `year` (or its mtime's year when 0); `-` is stdin.
  std::vector<std::string> inputs;
  int year = 0;
  // The versions each side reads its sources with (choose_versions()); none: what each line selects. Two
  // versions of one grammar compare by meaning: a rule is named `grammar/rule` without its version, so only
  // lines whose event, fields, drop or quarantine differ between the versions count as changed.
  VersionChoice left_versions, right_versions;
};

// Errors: an unreadable input, a malformed corpus file (positioned).
Result<DiffCounts> diff_rule_sets(std::shared_ptr<const RuleSet> left, std::shared_ptr<const RuleSet> right,
                                  const DiffOptions& options, const std::function<void(const LineChange&)>& on_change);

}  // namespace strictlog
