// fuzz_line: one line through LineNormalizer with the bundled grammars and mappings.
#include <fmt/format.h>

#include <memory>
#include <string>

#include "ingest/utf8.h"
#include "pipeline/normalizer.h"
#include "round_trip.h"
#include "ruleset/ruleset.h"
#include "targets.h"

namespace strictlog::fuzz {
namespace {

constexpr int64_t kReferenceTime = 1700000000;  // 2023-11-14T22:13:20Z: RFC 3164 dates fall in 2023 or 2022

struct Normalizers {
  std::unique_ptr<LineNormalizer> plain, explaining;
  std::string error;
};

// Loaded once per process: the bundled rules and a normalizer with and one without `explain`.
Normalizers& normalizers() {
  static Normalizers n = [] {
    Normalizers made;
    auto rules = load_ruleset(STRICTLOG_SOURCE_DIR "/grammars", STRICTLOG_SOURCE_DIR "/mappings");
    if (!rules) {
      made.error = "the bundled rules do not load: " + render(rules.errors());
      return made;
    }
    NormalizeOptions options;
    options.input_name = "fuzz";
    options.reference_time = kReferenceTime;
    options.stamp_processed_time = false;
    made.plain = std::make_unique<LineNormalizer>(rules.value(), options);
    options.explain = true;
    made.explaining = std::make_unique<LineNormalizer>(rules.value(), options);
    return made;
  }();
  return n;
}

// The counters moved by exactly one line, into the outcome's own counter, and still balance.
Violation check_counted(const Counters& before, const Counters& after, Outcome outcome) {
  if (!after.balanced()) {
    return fmt::format("counters out of balance: lines_in {} != events {} + dropped_by_rule {} + quarantined {}",
                       after.lines_in, after.events, after.dropped_by_rule, after.quarantined);
  }
  uint64_t events = after.events - before.events, dropped = after.dropped_by_rule - before.dropped_by_rule,
           quarantined = after.quarantined - before.quarantined;
  bool right = after.lines_in == before.lines_in + 1 &&
               events == (outcome == Outcome::kEvent ? 1u : 0u) &&
               dropped == (outcome == Outcome::kDropped ? 1u : 0u) &&
               quarantined == (outcome == Outcome::kQuarantined ? 1u : 0u);
  if (!right) return fmt::format("one line counted as {} events, {} drops, {} quarantined", events, dropped, quarantined);
  return std::nullopt;
}

Violation check_record(const v1::QuarantineRecord& r, std::string_view line) {
  if (r.reason() == v1::QUARANTINE_REASON_UNSPECIFIED) return "a quarantine record without a reason";
  if (r.detail().empty()) return "a quarantine record without a detail";
  std::string_view raw = r.has_raw_text() ? std::string_view(r.raw_text()) : std::string_view(r.raw_bytes());
  if (raw != line) return "the record's raw bytes are not the line";
  if (r.has_raw_text() && check_encoding(r.raw_text())) return "raw_text holds invalid UTF-8 or a NUL";
  if (r.has_nearest_miss() && r.nearest_miss().offset() > line.size()) return "nearest_miss.offset past the line";
  return round_trip(r);
}

}  // namespace

Violation fuzz_line(std::string_view input) {
  Normalizers& n = normalizers();
  if (!n.error.empty()) return n.error;
  Line line;
  line.bytes = input;
  line.length = input.size();
  line.number = n.plain->counters().lines_in + 1;

  v1::Event event, event2;
  v1::QuarantineRecord record, record2;
  Counters before = n.plain->counters();
  Outcome outcome = n.plain->normalize(line, &event, &record);
  if (auto v = check_counted(before, n.plain->counters(), outcome)) return v;
  switch (outcome) {
    case Outcome::kEvent:
      if (event.payload_case() == v1::Event::PAYLOAD_NOT_SET) return "an event without a payload";
      if (event.envelope().rule_id().empty()) return "an event without a rule id";
      if (auto v = round_trip(event)) return v;
      break;
    case Outcome::kQuarantined:
      if (auto v = check_record(record, input)) return v;
      break;
    case Outcome::kDropped:
      break;
  }

  // `explain` only adds nearest_miss to NO_MATCH records: the outcome and everything else stay the same.
  Counters before2 = n.explaining->counters();
  Outcome outcome2 = n.explaining->normalize(line, &event2, &record2);
  if (auto v = check_counted(before2, n.explaining->counters(), outcome2)) return "explain: " + *v;
  if (outcome2 != outcome) return "explain changes the outcome";
  if (outcome == Outcome::kQuarantined) {
    if (auto v = check_record(record2, input)) return "explain: " + *v;
    if (record2.reason() == v1::NO_MATCH && record.detail().find("no rule matches") == 0 &&
        !record2.has_nearest_miss()) {
      return "explain: a NO_MATCH record without its nearest miss";
    }
    record2.clear_nearest_miss();
    if (record2.SerializeAsString() != record.SerializeAsString()) return "explain changes the quarantine record";
  }
  if (outcome == Outcome::kEvent && event2.SerializeAsString() != event.SerializeAsString()) {
    return "explain changes the event";
  }
  return std::nullopt;
}

}  // namespace strictlog::fuzz
