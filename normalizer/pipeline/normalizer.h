// The per-line pipeline: syslog header → encoding check → grammar dispatch → capture extraction → mapping.
// Each line ends as exactly one event or one quarantine record, and is counted once.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "explain/nearest_miss.h"
#include "ingest/header.h"
#include "ingest/line_reader.h"
#include "ingest/time_zone.h"
#include "pipeline/counters.h"
#include "ruleset/ruleset.h"
#include "strictlog/v1/event.pb.h"
#include "strictlog/v1/quarantine.pb.h"

namespace strictlog {

struct NormalizeOptions {
  // Input identity: Input.name in records, and part of the event id.
  std::string input_name;
  // `strictlog serve`: Input.peer and Input.connection (listen/receiver.h); empty for files.
  std::string input_peer;
  std::string input_connection;
  // Reference clock for RFC 3164 year inference (unix seconds): `--year`, the file's mtime, or now.
  int64_t reference_time = 0;
  // When false, processed_time is left unset, so output is byte-for-byte reproducible (golden tests).
  bool stamp_processed_time = true;
  // True when reference_time is the end of a year the user stated (`--year`, a corpus file's `year:`):
  // every timestamp is then in that year, and a date that year does not have (Feb 29 of a common year) is
  // quarantined as HEADER instead of being moved to another year.
  bool year_fixed = false;
  // Record in each NO_MATCH quarantine record of a line some grammar applies to how close the nearest rule came
  // (QuarantineRecord.nearest_miss), for messages up to kMaxExplainedBytes. Costs prefix matches per rule element
  // for such lines only; matched lines are unaffected.
  bool explain = false;
  // When set, only this grammar (an index into RuleSet::grammars) is tried, whatever the line's program.
  std::optional<size_t> grammar;
  // The version of each source that reads the lines (`--grammar-version`, choose_versions() in ruleset.h); a
  // source without a choice is read with the version the line selects (selected_version()).
  VersionChoice versions;
  // The zone RFC 3164 timestamps are wall-clock times of (`--timezone`); none: UTC. A time in a DST gap is
  // quarantined as HEADER; one in a fold takes its first occurrence (ingest/time_zone.h).
  std::optional<TimeZone> time_zone;
  // Set: the input is this program's own log output without a syslog header (`--program`, e.g. OpenVPN's
  // `--log` file), parsed by parse_program_log. Empty: the input is syslog (parse_header picks the format).
  std::string program;
};

// Where lines come from and how their years are inferred: what start_input() takes.
struct InputSource {
  std::string name;        // Input.name: a path, `-`, or a listener (`tcp://127.0.0.1:5514`)
  std::string peer;        // Input.peer (serve)
  std::string connection;  // Input.connection (serve)
  int64_t reference_time = 0;
  bool year_fixed = false;
};

// The envelope names of `last message repeated N times` events, which strictlog makes itself (no grammar).
inline constexpr std::string_view kRepeatGrammar = "syslog";
inline constexpr std::string_view kRepeatRule = "last_message_repeated";

// The longest message `explain` looks for a nearest miss in: its cost grows with the message's length times the
// rules' elements (a 64 KiB message costs about 0.2 s with the OpenVPN grammar), and no syslog message a rule
// is written for comes near it.
inline constexpr size_t kMaxExplainedBytes = 8192;

// kDropped: a `drop` rule matched the line (known noise); it is counted, and nothing else is produced.
enum class Outcome { kEvent, kDropped, kQuarantined };

// Not thread-safe: use one per thread. The RuleSet it holds is shared and immutable.
class LineNormalizer {
 public:
  LineNormalizer(std::shared_ptr<const RuleSet> rules, NormalizeOptions options);

  // Normalizes one line. On kEvent `*event` holds the event; on kQuarantined `*record` holds the record; on
  // kDropped neither holds anything. Both are cleared first. Never fails: whatever goes wrong becomes a
  // quarantine reason. A line that matches several rules goes to the one that `prefer` declarations rank
  // above the others, or is AMBIGUOUS when they do not single one out.
  Outcome normalize(const Line& line, v1::Event* event, v1::QuarantineRecord* record);

  // Starts a new input: later records carry its name and infer years from its reference time. Counters
  // keep accumulating across inputs.
  void start_input(std::string input_name, int64_t reference_time, bool year_fixed = false);
  void start_input(const InputSource& input);

  // Later lines are `program`'s own log output (NormalizeOptions::program); empty: syslog lines.
  void set_program(std::string program) { options_.program = std::move(program); }
  void set_versions(VersionChoice versions) { options_.versions = std::move(versions); }

  // Later lines read their timestamps in `zone` (none: UTC).
  void set_time_zone(std::optional<TimeZone> zone) {
    options_.time_zone = std::move(zone);
    update_wall_reference();
  }

  // Counts `kept` as a line read and quarantined again, and copies it to `*record`: for `strictlog replay` of
  // a record whose raw bytes cannot be normalized again (OVERSIZE keeps only a prefix of the line, FRAMING
  // bytes are not the message that was sent).
  Outcome requarantine(const v1::QuarantineRecord& kept, v1::QuarantineRecord* record);

  const Counters& counters() const { return counters_; }
  // The counts since the last call (since construction, the first time), then zero: how the workers of
  // ParallelNormalizer (pipeline/parallel.h) hand over the counts of each batch.
  Counters take_counters() {
    Counters taken = counters_;
    counters_.clear();
    return taken;
  }
  // The (grammar, rule) indices of the rule that took the last line normalized with kEvent or kDropped;
  // nothing for an event strictlog made itself (`last message repeated`).
  std::optional<std::pair<size_t, size_t>> last_rule() const { return last_rule_; }
  // rule_ref() of that rule, or `syslog/last_message_repeated`.
  std::string last_rule_ref() const;
  const RuleSet& rules() const { return *rules_; }

 private:
  // An event's time from its header: none, exact, or a wall-clock time read in the zone.
  struct EventTime {
    bool set = false;
    bool year_inferred = false;
    const TimeZone* zone = nullptr;  // the zone `instant` was read in
    TimeZone::Instant instant{0, TimeZone::Fit::kUnique};
  };
  // False with `*detail` when the time does not exist (a stated year without that date, a DST gap).
  bool resolve_time(const SyslogHeader& header, EventTime* time, std::string* detail) const;
  // Every envelope field the line and its header give; the caller adds the rule's.
  void fill_envelope(const Line& line, const SyslogHeader& header, const EventTime& time, v1::Envelope* env);
  Outcome repeat_notice(const Line& line, const SyslogHeader& header, v1::Event* event, v1::QuarantineRecord* record);
  Outcome quarantine(const Line& line, v1::QuarantineReason reason, std::string detail, std::string_view program,
                     v1::QuarantineRecord* record);
  // ` with openvpn 2.6; rule openvpn/2.7/x of version 2.7 matches it (--grammar-version openvpn=2.7)`, or empty.
  std::string other_version_hint(std::string_view program, std::string_view message);
  // The grammars whose programs globs match `program`, in load order. Remembered per program name, so that a
  // line costs one lookup, not an fnmatch(3) per glob of every grammar of every version (some 40 calls with
  // the repository's grammars). Bounded: a sender inventing names (serve) clears it.
  const std::vector<size_t>& grammars_for(std::string_view program);
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  static constexpr size_t kMaxRememberedPrograms = 1024;
  std::unordered_map<std::string, std::vector<size_t>, StringHash, std::equal_to<>> grammars_by_program_;

  std::shared_ptr<const RuleSet> rules_;
  NormalizeOptions options_;
  Counters counters_;
  // Scratch reused for every line, so matching allocates nothing once warm.
  std::vector<int> hits_;
  std::vector<std::pair<size_t, int>> candidates_;  // (grammar, rule)
  std::vector<size_t> applicable_;                   // grammars the line's program selects
  std::unique_ptr<MissFinder> miss_finder_;          // options_.explain only
  int64_t wall_reference_ = 0;                       // options_.reference_time on the zone's clock
  void update_wall_reference();
  std::vector<re2::StringPiece> groups_;
  std::vector<Value> values_;
  std::string detail_;
  std::string id_name_;  // what make_event_id() hashes as the input's name (see Envelope.uid)
  void update_id_name();
  std::optional<std::pair<size_t, size_t>> last_rule_;
};

// Lowercase hex of the first 16 bytes of SHA-256(input_name NUL decimal(offset) NUL line), `line` without
// its terminator; for a line of `strictlog serve`, input_name is `name SP peer SP connection`. It names the line's occurrence and nothing about the rules: a line quarantined today and
// replayed after a rule was added gets the id a fresh run would give it (Envelope.uid). The line's own bytes
// are in it so that two different lines never share an id when an input name and offset repeat (stdin is
// always `-`; a rotated file is read again under its old name).
std::string make_event_id(std::string_view input_name, uint64_t offset, std::string_view line);

}  // namespace strictlog
