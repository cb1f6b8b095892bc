#include "pipeline/normalizer.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <ctime>

#include "ingest/header.h"
#include "ingest/rfc5424.h"
#include "ingest/syslog_time.h"
#include "ingest/utf8.h"

namespace strictlog {
namespace {

void set_now(google::protobuf::Timestamp* ts) {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  ts->set_seconds(now.tv_sec);
  ts->set_nanos(static_cast<int32_t>(now.tv_nsec));
}

void set_input(v1::Input* input, const NormalizeOptions& options, const Line& line) {
  input->mutable_name()->assign(options.input_name);
  input->set_line(line.number);
  input->set_offset(line.offset);
  if (!options.input_peer.empty()) input->mutable_peer()->assign(options.input_peer);
  if (!options.input_connection.empty()) input->mutable_connection()->assign(options.input_connection);
}

// `2026-03-08 02:30:00` for a wall-clock time in infer_unix_time()'s form.
std::string wall_text(int64_t wall) {
  using namespace std::chrono;
  sys_seconds s{seconds{wall}};
  sys_days day = floor<days>(s);
  year_month_day ymd{day};
  hh_mm_ss<seconds> hms{s - day};
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), hms.hours().count(),
                     hms.minutes().count(), hms.seconds().count());
}

// The nearest miss (MissFinder::nearest), its offset made relative to the line. Nothing when the applicable
// grammars have no rules, or the message is longer than kMaxExplainedBytes.
void set_nearest_miss(MissFinder& finder, const std::vector<size_t>& grammars, const Line& line,
                      std::string_view message, v1::QuarantineRecord* record) {
  if (message.size() > kMaxExplainedBytes) return;
  std::optional<RuleAttempt> best = finder.nearest(grammars, message);
  if (!best || best->expected.empty()) return;
  const CompiledGrammar& g = finder.rules().grammars[best->grammar];
  v1::NearestMiss* out = record->mutable_nearest_miss();
  out->set_offset(static_cast<uint64_t>(message.data() - line.bytes.data()) + best->reach);
  out->set_rule_id(rule_ref(g, g.rules[best->rule]));
  out->set_element(to_string(best->expected.front().pos));
  out->set_expected(describe(best->expected));
}

v1::HeaderFormat to_proto(HeaderFormat format) {
  switch (format) {
    case HeaderFormat::kRfc3164:
      return v1::RFC3164;
    case HeaderFormat::kRfc5424:
      return v1::RFC5424;
    case HeaderFormat::kRfc3339File:
      return v1::RFC3339_FILE;
    case HeaderFormat::kProgramLog:
      return v1::PROGRAM_LOG;
  }
  return v1::HEADER_FORMAT_UNSPECIFIED;
}

// Copies validated STRUCTURED-DATA into the envelope, element by element. Allocates: RFC 5424 lines with
// structured data are the rare case on the paths strictlog is fast for.
void add_structured_data(std::string_view sd, v1::Envelope* env) {
  for_each_sd_element(sd, [&](std::string_view id) {
    v1::StructuredDataElement* e = env->add_structured_data();
    e->set_id(std::string(id));
  }, [&](std::string_view name, std::string_view escaped) {
    v1::StructuredDataParam* p = env->mutable_structured_data()->rbegin()->add_params();
    p->set_name(std::string(name));
    unescape_param_value(escaped, p->mutable_value());
  });
}

// google.protobuf.Timestamp's range: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
constexpr int64_t kMinEventTime = -62135596800;
constexpr int64_t kMaxEventTime = 253402300799;

}  // namespace

std::string make_event_id(std::string_view input_name, uint64_t offset, std::string_view line) {
  std::string data(input_name);
  data.push_back('\0');
  data += std::to_string(offset);
  data.push_back('\0');
  data += line;
  return sha256_hex(data).substr(0, 32);
}

LineNormalizer::LineNormalizer(std::shared_ptr<const RuleSet> rules, NormalizeOptions options)
    : rules_(std::move(rules)), options_(std::move(options)) {
  size_t max_captures = 0;
  counters_.lines_by_rule.resize(rules_->grammars.size());
  for (size_t g = 0; g < rules_->grammars.size(); ++g) {
    counters_.lines_by_rule[g].resize(rules_->grammars[g].rules.size());
    for (const auto& r : rules_->grammars[g].rules) max_captures = std::max(max_captures, r.captures.size());
  }
  groups_.resize(max_captures + 1);
  values_.resize(max_captures);
  if (options_.explain) miss_finder_ = std::make_unique<MissFinder>(rules_);
  update_wall_reference();
  update_id_name();
}

void LineNormalizer::update_id_name() {
  id_name_ = options_.input_peer.empty() && options_.input_connection.empty()
                 ? options_.input_name
                 : fmt::format("{} {} {}", options_.input_name, options_.input_peer, options_.input_connection);
}

void LineNormalizer::update_wall_reference() {
  // Year inference works on wall-clock time: a stated year's end is a wall time already, a file's mtime is an
  // instant, seen on the zone's clock. Once per input, not per line.
  wall_reference_ = options_.reference_time;
  if (options_.time_zone && !options_.year_fixed) wall_reference_ = options_.time_zone->to_wall(options_.reference_time);
}

void LineNormalizer::start_input(std::string input_name, int64_t reference_time, bool year_fixed) {
  options_.input_name = std::move(input_name);
  options_.reference_time = reference_time;
  options_.year_fixed = year_fixed;
  options_.input_peer.clear();
  options_.input_connection.clear();
  update_wall_reference();
  update_id_name();
}

void LineNormalizer::start_input(const InputSource& input) {
  options_.input_name = input.name;
  options_.input_peer = input.peer;
  options_.input_connection = input.connection;
  options_.reference_time = input.reference_time;
  options_.year_fixed = input.year_fixed;
  update_wall_reference();
  update_id_name();
}

Outcome LineNormalizer::quarantine(const Line& line, v1::QuarantineReason reason, std::string detail,
                                   std::string_view program, v1::QuarantineRecord* record) {
  ++counters_.quarantined;
  ++counters_.quarantined_by_reason[static_cast<size_t>(reason)];
  record->set_reason(reason);
  record->set_detail(std::move(detail));
  // Text only when it is valid UTF-8 without NUL: protobuf would refuse to serialize invalid UTF-8 in a
  // `string`, and its JSON printer drops such bytes silently (see docs/ARCHITECTURE.md). Only ENCODING
  // lines, (cut) OVERSIZE lines and FRAMING frames can fail the check; every other line passed it before it got here.
  bool invalid = reason == v1::ENCODING ||
                 ((reason == v1::OVERSIZE || reason == v1::FRAMING) && check_encoding(line.bytes));
  if (invalid) {
    record->mutable_raw_bytes()->assign(line.bytes);
  } else {
    record->mutable_raw_text()->assign(line.bytes);
  }
  set_input(record->mutable_input(), options_, line);
  record->set_grammar_set_hash(rules_->hash);
  record->mutable_process_name()->assign(program);
  if (options_.stamp_processed_time) set_now(record->mutable_processed_time());
  record->mutable_year_reference_time()->set_seconds(options_.reference_time);
  record->set_year_stated(options_.year_fixed);
  if (options_.time_zone) record->set_time_zone(options_.time_zone->name());
  if (!options_.program.empty()) record->set_input_program(options_.program);
  return Outcome::kQuarantined;
}

Outcome LineNormalizer::requarantine(const v1::QuarantineRecord& kept, v1::QuarantineRecord* record) {
  ++counters_.lines_in;
  ++counters_.quarantined;
  ++counters_.quarantined_by_reason[static_cast<size_t>(kept.reason())];
  *record = kept;
  return Outcome::kQuarantined;
}

Outcome LineNormalizer::normalize(const Line& line, v1::Event* event, v1::QuarantineRecord* record) {
  event->Clear();
  record->Clear();
  ++counters_.lines_in;
  last_rule_.reset();

  if (!line.framing_detail.empty()) return quarantine(line, v1::FRAMING, std::string(line.framing_detail), {}, record);
  if (line.oversize) {
    return quarantine(line, v1::OVERSIZE,
                      fmt::format("line is {} bytes, over the limit of {}; raw holds the first {} bytes", line.length,
                                  line.bytes.size(), line.bytes.size()),
                      {}, record);
  }
  if (auto problem = check_encoding(line.bytes)) {
    return quarantine(line, v1::ENCODING, fmt::format("{} at byte {}", problem->what, problem->offset), {}, record);
  }
  SyslogHeader header;
  HeaderError header_error;
  if (!parse_header(line.bytes, options_.program, &header, &header_error)) {
    std::string what = header_error.format == HeaderFormat::kProgramLog
                           ? fmt::format("a line of {}'s own log (--program)", options_.program)
                           : std::string(header_format_text(header_error.format));
    std::string detail = header_error.in_repeat_notice
                             ? fmt::format("a malformed repeat notice in {}: {} at byte {}", what, header_error.why,
                                           header_error.where)
                             : fmt::format("not {}: {} at byte {}", what, header_error.why, header_error.where);
    return quarantine(line, v1::HEADER, std::move(detail), options_.program, record);
  }
  if (header.last_message_repeated) return repeat_notice(line, header, event, record);

  candidates_.clear();
  applicable_.clear();
  if (options_.grammar) {
    applicable_.push_back(*options_.grammar);
  } else {
    for (size_t g : grammars_for(header.program)) {
      // A RuleSet built without families (by hand, in tests) has one version per grammar.
      if (g >= rules_->family_of.size() ||
          selected_version(*rules_, rules_->family_of[g], options_.versions, header.ctime_timestamp) == g) {
        applicable_.push_back(g);
      }
    }
  }
  for (size_t g : applicable_) {
    const CompiledGrammar& grammar = rules_->grammars[g];
    if (auto st = dispatch(grammar, header.message, &hits_); !st) {
      return quarantine(line, v1::MATCH_MEMORY, st.errors().front().message, header.program, record);
    }
    // RE2::Set reports hits in the order its automaton reached them; sorting names AMBIGUOUS candidates
    // in definition order, so records do not change with RE2's internals.
    std::sort(hits_.begin(), hits_.end());
    apply_precedence(grammar, &hits_);
    for (int r : hits_) candidates_.emplace_back(g, r);
  }
  if (applicable_.empty()) {
    return quarantine(line, v1::NO_MATCH, fmt::format("no grammar applies to program '{}'", header.program),
                      header.program, record);
  }
  if (candidates_.empty()) {
    if (miss_finder_) set_nearest_miss(*miss_finder_, applicable_, line, header.message, record);
    return quarantine(line, v1::NO_MATCH,
                      fmt::format("no rule matches the message of program '{}'{}", header.program,
                                  other_version_hint(header.program, header.message)),
                      header.program, record);
  }
  if (candidates_.size() > 1) {
    std::string names;
    for (auto [g, r] : candidates_) {
      std::string ref = rule_ref(rules_->grammars[g], rules_->grammars[g].rules[static_cast<size_t>(r)]);
      names += (names.empty() ? "" : ", ") + ref;
      record->add_candidate_rule_ids(ref);
    }
    return quarantine(line, v1::AMBIGUOUS, fmt::format("{} rules match: {}", candidates_.size(), names),
                      header.program, record);
  }

  auto [g, r] = candidates_.front();
  const CompiledGrammar& grammar = rules_->grammars[g];
  const CompiledRule& rule = grammar.rules[static_cast<size_t>(r)];
  if (!extract(rule, header.message, groups_.data())) {
    record->add_candidate_rule_ids(rule_ref(grammar, rule));
    return quarantine(line, v1::INTERNAL,
                      fmt::format("rule '{}' matched in dispatch but its capture match failed", rule.id),
                      header.program, record);
  }
  last_rule_ = std::pair<size_t, size_t>{g, static_cast<size_t>(r)};
  // The header is checked before the rule decides anything, so a drop rule cannot take a line whose date
  // does not exist in the year given for the input.
  EventTime time;
  if (!resolve_time(header, &time, &detail_)) {
    record->add_candidate_rule_ids(rule_ref(grammar, rule));
    return quarantine(line, v1::HEADER, std::move(detail_), header.program, record);
  }
  if (rule.drop) {
    // A drop rule's captures still have to hold values of their types: noise is recognised exactly, like
    // anything else, and a line that only looks like it is quarantined.
    if (!convert_captures(rule, groups_.data(), values_.data(), &detail_)) {
      record->add_candidate_rule_ids(rule_ref(grammar, rule));
      return quarantine(line, v1::CONVERSION, std::move(detail_), header.program, record);
    }
    ++counters_.dropped_by_rule;
    ++counters_.lines_by_rule[g][static_cast<size_t>(r)];
    return Outcome::kDropped;
  }
  if (!apply_mapping(rules_->mappings.mappings[g][static_cast<size_t>(r)], rule, groups_.data(), values_.data(), event,
                     &detail_)) {
    event->Clear();
    record->add_candidate_rule_ids(rule_ref(grammar, rule));
    return quarantine(line, v1::CONVERSION, std::move(detail_), header.program, record);
  }

  v1::Envelope* env = event->mutable_envelope();
  fill_envelope(line, header, time, env);
  // assign() reuses the capacity the cleared event kept from the previous line: no allocation once warm.
  env->mutable_grammar()->assign(grammar.name);
  env->mutable_source_version()->assign(grammar.version);
  env->mutable_rule_id()->assign(rule.id);

  ++counters_.events;
  ++counters_.lines_by_rule[g][static_cast<size_t>(r)];
  return Outcome::kEvent;
}

const std::vector<size_t>& LineNormalizer::grammars_for(std::string_view program) {
  if (auto it = grammars_by_program_.find(program); it != grammars_by_program_.end()) return it->second;
  if (grammars_by_program_.size() >= kMaxRememberedPrograms) grammars_by_program_.clear();
  std::vector<size_t> matching;
  for (size_t g = 0; g < rules_->grammars.size(); ++g) {
    if (rules_->grammars[g].applies_to(program)) matching.push_back(g);
  }
  return grammars_by_program_.emplace(std::string(program), std::move(matching)).first->second;
}

// For a NO_MATCH line of a source with several versions: another version with a rule that matches, so the
// record says which --grammar-version would read it: the default first, then the others in load order. Only
// lines already bound for quarantine pay for these matches.
std::string LineNormalizer::other_version_hint(std::string_view program, std::string_view message) {
  // Only versions whose programs include this one (grammars_for): another would not read the line either.
  const std::vector<size_t>& matching = grammars_for(program);
  for (size_t g : applicable_) {
    if (g >= rules_->family_of.size()) continue;
    const size_t family = rules_->family_of[g];
    const size_t default_version = rules_->families[family].default_version;
    for (bool want_default : {true, false}) {
      for (size_t other : matching) {
        if (other == g || rules_->family_of[other] != family || (other == default_version) != want_default) continue;
        const CompiledGrammar& grammar = rules_->grammars[other];
        if (!dispatch(grammar, message, &hits_) || hits_.empty()) continue;
        std::sort(hits_.begin(), hits_.end());
        return fmt::format(" with {} {}; rule {} of version {} matches it (--grammar-version {}={})",
                           rules_->grammars[g].name, rules_->grammars[g].version,
                           rule_ref(grammar, grammar.rules[static_cast<size_t>(hits_.front())]), grammar.version,
                           grammar.name, grammar.version);
      }
    }
  }
  return {};
}

std::string LineNormalizer::last_rule_ref() const {
  if (!last_rule_) return fmt::format("{}/{}", kRepeatGrammar, kRepeatRule);
  const CompiledGrammar& g = rules_->grammars[last_rule_->first];
  return rule_ref(g, g.rules[last_rule_->second]);
}

bool LineNormalizer::resolve_time(const SyslogHeader& header, EventTime* time, std::string* detail) const {
  *time = EventTime{};
  const TimeZone* zone = options_.time_zone ? &*options_.time_zone : nullptr;
  int64_t wall = 0;
  switch (header.time_form) {
    case TimeForm::kNone:
      return true;
    case TimeForm::kOffset:
      time->set = true;
      time->instant = {written_seconds(header) - header.utc_offset_seconds, TimeZone::Fit::kUnique};
      if (time->instant.unix_seconds < kMinEventTime || time->instant.unix_seconds > kMaxEventTime) {
        // RFC 3339 allows year 0000, and an offset can push 9999-12-31 into year 10000.
        *detail = fmt::format("the timestamp '{}' is outside years 0001-9999, which an event time can hold",
                              header.timestamp_text);
        return false;
      }
      return true;
    case TimeForm::kNoYear: {
      InferredTime t = infer_unix_time(header, wall_reference_);
      if (options_.year_fixed && t.year != year_of(options_.reference_time)) {
        *detail = fmt::format("the timestamp '{}' does not exist in {}, the year given for this input",
                              header.timestamp_text, year_of(options_.reference_time));
        return false;
      }
      time->year_inferred = true;
      wall = t.unix_seconds;
      break;
    }
    case TimeForm::kLocal:
      wall = written_seconds(header);
      // A zone's offset could push the first or last day of years 0001-9999 out of the range.
      if (wall < kMinEventTime + 86400 || wall > kMaxEventTime - 86400) {
        *detail = fmt::format("the timestamp '{}' is outside years 0001-9999, which an event time can hold",
                              header.timestamp_text);
        return false;
      }
      break;
  }
  time->set = true;
  time->zone = zone;
  time->instant = zone ? zone->to_unix(wall) : TimeZone::Instant{wall, TimeZone::Fit::kUnique};
  if (time->instant.fit == TimeZone::Fit::kGap) {
    *detail = fmt::format("the timestamp '{}' ({}) does not exist in {}: the clocks skipped it", header.timestamp_text,
                          wall_text(wall), zone->name());
    return false;
  }
  return true;
}

void LineNormalizer::fill_envelope(const Line& line, const SyslogHeader& header, const EventTime& time,
                                   v1::Envelope* env) {
  env->set_uid(make_event_id(id_name_, line.offset, line.bytes));
  if (time.set) {
    env->mutable_time()->set_seconds(time.instant.unix_seconds);
    if (header.nanos != 0) env->mutable_time()->set_nanos(static_cast<int32_t>(header.nanos));
  }
  env->mutable_time_text()->assign(header.timestamp_text);
  env->set_time_year_inferred(time.year_inferred);
  if (time.zone) env->mutable_time_zone()->assign(time.zone->name());
  if (time.instant.fit == TimeZone::Fit::kFold) env->set_time_ambiguous(true);
  if (options_.stamp_processed_time) set_now(env->mutable_processed_time());
  env->set_header_format(to_proto(header.format));
  env->mutable_hostname()->assign(header.hostname);
  env->mutable_process_name()->assign(header.program);
  if (!header.tag_module.empty()) env->mutable_process_module()->assign(header.tag_module);
  if (header.pid) env->set_pid(*header.pid);
  if (!header.procid.empty()) env->mutable_procid()->assign(header.procid);
  if (header.facility) env->set_facility(*header.facility);
  if (header.severity) env->set_severity(*header.severity);
  if (!header.msgid.empty()) env->mutable_msgid()->assign(header.msgid);
  if (!header.structured_data.empty()) add_structured_data(header.structured_data, env);
  if (header.repeat_count && !header.last_message_repeated) env->set_repeat_count(*header.repeat_count);
  set_input(env->mutable_input(), options_, line);
  env->mutable_grammar_set_hash()->assign(rules_->hash);
}

Outcome LineNormalizer::repeat_notice(const Line& line, const SyslogHeader& header, v1::Event* event,
                                      v1::QuarantineRecord* record) {
  EventTime time;
  if (!resolve_time(header, &time, &detail_)) {
    return quarantine(line, v1::HEADER, std::move(detail_), header.program, record);
  }
  v1::Envelope* env = event->mutable_envelope();
  fill_envelope(line, header, time, env);
  env->mutable_grammar()->assign(kRepeatGrammar);
  env->mutable_rule_id()->assign(kRepeatRule);
  event->mutable_syslog_last_message_repeated()->set_count(*header.repeat_count);
  ++counters_.events;
  ++counters_.repeat_notices;
  return Outcome::kEvent;
}

}  // namespace strictlog
