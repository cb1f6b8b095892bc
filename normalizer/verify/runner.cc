#include "verify/runner.h"

#include <fmt/format.h>

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "common/source_files.h"
#include "ingest/syslog_time.h"
#include "pipeline/normalizer.h"
#include "sink/atomic_file.h"
#include "verify/flat_text.h"
#include "verify/overlap.h"

namespace strictlog {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kUnstatedQuarantineFields = {
    "reason",         "raw_text",            "raw_bytes",   "input",       "grammar_set_hash",
    "processed_time", "year_reference_time", "year_stated", "nearest_miss"};

std::string where(const Position& p) { return p.source ? fmt::format("{}:{}", p.source->path, p.line) : "?"; }

Result<std::vector<fs::path>> corpus_files(const std::vector<std::string>& dirs) {
  std::vector<fs::path> out;
  for (const auto& dir : dirs) {
    auto found = list_files(dir, ".cases");
    if (!found) return found;
    out.insert(out.end(), found->begin(), found->end());
  }
  return out;
}

// What a case line actually became, in the terms a case file states it. `taken_by` is the rule_ref() of the
// rule that took the line (an event or a drop); empty for a quarantined line.
CorpusCase actual_case(const CorpusCase& c, Outcome outcome, const v1::Event& event,
                       const v1::QuarantineRecord& record, const std::string& taken_by) {
  CorpusCase a;
  a.leading = c.leading;
  a.pos = c.pos;
  a.raw = c.raw;
  std::vector<FlatField> fields;
  if (outcome == Outcome::kEvent) {
    a.expect = CorpusCase::Expect::kEvent;
    a.what = taken_by;
    fields = flatten(event, unstated_event_fields());
  } else if (outcome == Outcome::kDropped) {
    a.expect = CorpusCase::Expect::kDrop;
    a.what = taken_by;
  } else {
    a.expect = CorpusCase::Expect::kQuarantine;
    a.what = v1::QuarantineReason_Name(record.reason());
    fields = flatten(record, kUnstatedQuarantineFields);
  }
  for (auto& [path, value] : fields) a.fields.push_back(CaseField{c.pos, std::move(path), std::move(value)});
  return a;
}

// The expectation's fields as flatten() would write them, so that `port: 080` and `port: 80` compare equal
// and a field the schema does not have is an error at its position.
Result<std::vector<FlatField>> canonical_fields(const CorpusCase& c) {
  std::unique_ptr<google::protobuf::Message> m;
  const std::vector<std::string>* unstated = nullptr;
  if (c.expect == CorpusCase::Expect::kEvent) {
    m = std::make_unique<v1::Event>();
    unstated = &unstated_event_fields();
  } else {
    m = std::make_unique<v1::QuarantineRecord>();
    unstated = &kUnstatedQuarantineFields;
  }
  Diagnostics errors;
  std::map<std::string, const CaseField*> stated;
  for (const auto& f : c.fields) {
    if (auto [it, inserted] = stated.emplace(f.path, &f); !inserted) {
      errors.push_back({f.pos, "duplicate-field", fmt::format("'{}' is already stated in this case", f.path),
                        {{it->second->pos, "first stated here"}}});
      continue;
    }
    // A field below an unstated message (`input.line`) is unstated too: flatten() would drop it unchecked.
    auto covers = [&](const std::string& u) { return f.path == u || f.path.starts_with(u + "."); };
    if (std::any_of(unstated->begin(), unstated->end(), covers)) {
      errors.push_back({f.pos, "unstated-field",
                        fmt::format("'{}' varies between runs or is stated by the case's first line; leave it out",
                                    f.path), {}});
      continue;
    }
    if (std::string why = set_flat_field(m.get(), f.path, f.value); !why.empty()) {
      errors.push_back({f.pos, "bad-expectation", why, {}});
    }
  }
  if (!errors.empty()) return errors;
  return flatten(*m, *unstated);
}

std::vector<std::string> field_differences(const std::vector<FlatField>& expected, const std::vector<FlatField>& got) {
  std::vector<std::string> out;
  auto find = [](const std::vector<FlatField>& v, const std::string& path) -> const std::string* {
    for (const auto& [p, value] : v) {
      if (p == path) return &value;
    }
    return nullptr;
  };
  for (const auto& [path, value] : expected) {
    const std::string* g = find(got, path);
    if (!g) {
      out.push_back(fmt::format("{}: expected {}, got nothing (absent)", path, value));
    } else if (*g != value) {
      out.push_back(fmt::format("{}: expected {}, got {}", path, value, *g));
    }
  }
  for (const auto& [path, value] : got) {
    if (!find(expected, path)) out.push_back(fmt::format("{}: expected nothing (absent), got {}", path, value));
  }
  return out;
}

std::string describe(const CorpusCase& c) {
  switch (c.expect) {
    case CorpusCase::Expect::kEvent: return "event " + c.what;
    case CorpusCase::Expect::kDrop: return "drop by " + c.what;
    case CorpusCase::Expect::kQuarantine: return "quarantine " + c.what;
    case CorpusCase::Expect::kNone: break;
  }
  return "no expectation";
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(std::move(l));
  return out;
}

// A line diff of one case (longest common subsequence; a case is a few dozen lines): unchanged lines start
// with two spaces, so a one-field change reads as one `-` and one `+` line in its context.
std::string case_diff(const CorpusCase& before, const CorpusCase& after) {
  std::vector<std::string> a = lines_of(print_case(before)), b = lines_of(print_case(after));
  std::vector<std::vector<size_t>> common(a.size() + 1, std::vector<size_t>(b.size() + 1, 0));
  for (size_t i = a.size(); i-- > 0;) {
    for (size_t j = b.size(); j-- > 0;) {
      common[i][j] = a[i] == b[j] ? common[i + 1][j + 1] + 1 : std::max(common[i + 1][j], common[i][j + 1]);
    }
  }
  std::string out = where(before.pos) + ":\n";
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    if (i < a.size() && j < b.size() && a[i] == b[j]) {
      out += "  " + a[i++] + "\n";
      ++j;
    } else if (j == b.size() || (i < a.size() && common[i + 1][j] >= common[i][j + 1])) {
      out += "- " + a[i++] + "\n";
    } else {
      out += "+ " + b[j++] + "\n";
    }
  }
  return out;
}


// `corpus/openvpn/2.5/x.cases` is read with version 2.5 of grammar `openvpn`: each version against its own
// corpus. A path naming no loaded version (`corpus/mixed/x.cases`) gets the versions its lines select.
VersionChoice versions_for_path(const RuleSet& rules, const fs::path& path) {
  VersionChoice choice(rules.families.size());
  std::vector<std::string> parts;
  for (const auto& part : path.parent_path()) parts.push_back(part.string());
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    for (size_t f = 0; f < rules.families.size(); ++f) {
      if (rules.families[f].name != parts[i]) continue;
      for (size_t g : rules.families[f].versions) {
        if (rules.grammars[g].version == parts[i + 1]) choice[f] = g;
      }
    }
  }
  return choice;
}

// True when rule `r` of grammar `g` is inherited unchanged from the version `g` extends: not declared in g's
// own file (an `override`), the same regex and the same captures in the same order with the same types (a
// pattern override that only renames or swaps captures changes what fills which field), and the same mapping
// (or both drop rules). Its corpus cases are the base version's; anything else makes it a rule of this
// version that needs cases of its own.
bool inherited_unchanged(const RuleSet& rules, size_t g, size_t r) {
  const CompiledGrammar& grammar = rules.grammars[g];
  if (grammar.base_version.empty()) return false;
  const CompiledRule& rule = grammar.rules[r];
  if (rule.pos.source == grammar.source) return false;
  auto same_captures = [](const CompiledRule& a, const CompiledRule& b) {
    return std::equal(a.captures.begin(), a.captures.end(), b.captures.begin(), b.captures.end(),
                      [](const CaptureInfo& x, const CaptureInfo& y) {
                        return x.name == y.name && x.type == y.type && x.optional == y.optional &&
                               x.alternatives == y.alternatives;
                      });
  };
  for (const CompiledGrammar& base : rules.grammars) {
    if (base.name != grammar.name || base.version != grammar.base_version) continue;
    for (const CompiledRule& b : base.rules) {
      if (b.id != rule.id) continue;
      return b.re->pattern() == rule.re->pattern() && same_captures(b, rule) && b.drop == rule.drop &&
             (rule.drop || rules.mappings.mappings[g][r].inherited);
    }
  }
  return false;
}

}  // namespace

const std::vector<std::string>& unstated_event_fields() {
  static const std::vector<std::string> fields = {
      "envelope.uid",   "envelope.processed_time", "envelope.grammar_set_hash", "envelope.input",
      "envelope.grammar", "envelope.source_version", "envelope.rule_id"};
  return fields;
}

Result<TestReport> run_tests(std::shared_ptr<const RuleSet> rules, const TestOptions& options) {
  TestReport rep;
  std::vector<std::vector<size_t>> stat_index(rules->grammars.size());
  std::vector<std::vector<std::set<std::string>>> seen_paths(rules->grammars.size());
  for (size_t g = 0; g < rules->grammars.size(); ++g) {
    const auto& grammar = rules->grammars[g];
    seen_paths[g].resize(grammar.rules.size());
    for (const auto& r : grammar.rules) {
      stat_index[g].push_back(rep.rules.size());
      rep.rules.push_back(RuleStats{rule_ref(grammar, r), r.pos, 0, 0, r.re->ProgramSize()});
    }
  }

  // Examples: each must match its own rule only (the compiler checks that) and map without a conversion error.
  std::vector<int> hits;
  for (size_t g = 0; g < rules->grammars.size(); ++g) {
    const auto& grammar = rules->grammars[g];
    for (size_t r = 0; r < grammar.rules.size(); ++r) {
      const CompiledRule& rule = grammar.rules[r];
      std::vector<re2::StringPiece> groups(rule.captures.size() + 1);
      std::vector<Value> values(rule.captures.size());
      for (const auto& ex : rule.examples) {
        ++rep.examples;
        v1::Event event;
        std::string error;
        if (!dispatch(grammar, ex.text, &hits).ok() ||
            std::find(hits.begin(), hits.end(), static_cast<int>(r)) == hits.end() ||
            !extract(rule, ex.text, groups.data())) {
          rep.mismatches.push_back(
              {ex.pos, fmt::format("example does not match its rule {}", rep.rules[stat_index[g][r]].ref), {}});
          continue;
        }
        // An example that another rule matches too is an overlap the author must resolve (exit 5), unless a
        // `prefer` declaration orders the two (the compiler refuses an example its rule then loses).
        std::sort(hits.begin(), hits.end());  // RE2::Set reports hits in no particular order
        for (int other : hits) {
          if (other == static_cast<int>(r) || ordered(grammar, static_cast<int>(r), other)) continue;
          const CompiledRule& o = grammar.rules[static_cast<size_t>(other)];
          rep.conflicts.push_back({ex.pos, fmt::format("{}: the example '{}' of rule {} ({}) is also matched by rule {} ({})",
                                                       where(ex.pos), ex.text, rep.rules[stat_index[g][r]].ref,
                                                       where(rule.pos), rule_ref(grammar, o), where(o.pos))});
        }
        if (!apply_mapping(rules->mappings.mappings[g][r], rule, groups.data(), values.data(), &event, &error)) {
          rep.mismatches.push_back({ex.pos, fmt::format("example of rule {} does not convert: {}",
                                                        rep.rules[stat_index[g][r]].ref, error), {}});
          continue;
        }
        ++rep.rules[stat_index[g][r]].example_hits;
      }
    }
  }

  auto files = corpus_files(options.corpus_dirs);
  if (!files) return std::move(files).take_errors();
  Diagnostics errors;
  NormalizeOptions no_clock;  // every corpus file states its year: start_input() sets the reference per file
  no_clock.stamp_processed_time = false;
  LineNormalizer normalizer(rules, no_clock);
  v1::Event event;
  v1::QuarantineRecord record;
  // Every file is parsed before any case runs, so that --update never rewrites one file of a corpus whose
  // other files are broken. The cases of the files that parsed still run, so that one run reports every
  // file's errors (malformed lines, unstated fields, bad values) in file order.
  std::vector<Result<CorpusFile>> parsed_files;
  bool all_parsed = true;
  for (const auto& path : *files) {
    auto source = read_source_file(path);
    if (!source) return std::move(source).take_errors();
    parsed_files.push_back(parse_corpus(*source));
    all_parsed = all_parsed && parsed_files.back().ok();
  }
  std::vector<std::unique_ptr<AtomicFile>> rewrites;
  for (auto& parsed : parsed_files) {
    if (!parsed) {
      errors.insert(errors.end(), parsed.errors().begin(), parsed.errors().end());
      continue;
    }
    CorpusFile& file = *parsed;
    const fs::path path = file.source->path;
    rep.files.push_back(path.string());
    ++rep.corpus_files;
    normalizer.start_input(path.string(), end_of_year(file.year), true);
    normalizer.set_program(file.program);
    normalizer.set_versions(versions_for_path(*rules, path));
    bool changed = false;
    for (auto& c : file.cases) {
      ++rep.cases;
      Line line;
      line.bytes = c.raw;
      line.number = c.pos.line;
      line.length = c.raw.size();
      Outcome outcome = normalizer.normalize(line, &event, &record);
      // The rule that took the line (an event or a drop), as the normalizer reports it.
      RuleStats* taken = nullptr;
      std::set<std::string>* paths = nullptr;
      if (auto rule = normalizer.last_rule(); outcome != Outcome::kQuarantined && rule) {
        auto [g, r] = *rule;
        taken = &rep.rules[stat_index[g][r]];
        paths = &seen_paths[g][r];
      }
      CorpusCase actual = actual_case(c, outcome, event, record,
                                      outcome == Outcome::kQuarantined ? std::string() : normalizer.last_rule_ref());
      if (taken) {
        ++taken->case_hits;
        for (const auto& f : actual.fields) paths->insert(f.path);
      } else if (record.reason() == v1::AMBIGUOUS) {
        // Each candidate with its position, so the author sees where both rules are (issue 5, section 4).
        std::string names;
        for (const auto& ref : record.candidate_rule_ids()) {
          auto s = std::find_if(rep.rules.begin(), rep.rules.end(), [&](const RuleStats& x) { return x.ref == ref; });
          names += fmt::format("{}{} ({})", names.empty() ? "" : ", ", ref, s == rep.rules.end() ? "?" : where(s->pos));
        }
        rep.conflicts.push_back({c.pos, fmt::format("{}: the line is matched by {} rules: {}", where(c.pos),
                                                    record.candidate_rule_ids_size(), names)});
      }

      if (options.update) {
        if (print_case(actual) != print_case(c)) {
          rep.updated.push_back(case_diff(c, actual));
          c = std::move(actual);
          changed = true;
        }
        continue;
      }
      if (c.expect == CorpusCase::Expect::kNone) {
        rep.mismatches.push_back({c.pos, fmt::format("no expectation written; got {} (run with --update)", describe(actual)), {}});
        continue;
      }
      auto expected = canonical_fields(c);
      if (!expected) {
        errors.insert(errors.end(), expected.errors().begin(), expected.errors().end());
        continue;
      }
      if (c.expect != actual.expect || c.what != actual.what) {
        std::string detail = outcome == Outcome::kQuarantined ? fmt::format(" ({})", record.detail()) : "";
        rep.mismatches.push_back({c.pos, fmt::format("expected {}, got {}{}", describe(c), describe(actual), detail), {}});
        continue;
      }
      std::vector<FlatField> got;
      for (const auto& f : actual.fields) got.emplace_back(f.path, f.value);
      if (auto diffs = field_differences(*expected, got); !diffs.empty()) {
        rep.mismatches.push_back({c.pos, fmt::format("{}: {} field{} differ{}", describe(actual), diffs.size(),
                                                     diffs.size() == 1 ? "" : "s", diffs.size() == 1 ? "s" : ""),
                                  std::move(diffs)});
      }
    }
    // --update also rewrites a file whose text differs from its canonical form (a line-quoted: that needs no
    // quoting, escapes written differently, a missing final newline).
    if (options.update && print_corpus(file) != file.source->text) changed = true;
    if (changed && all_parsed) {
      struct stat st {};
      mode_t mode = ::stat(path.c_str(), &st) == 0 ? st.st_mode & 07777 : 0644;  // keep the file's own mode
      auto out = AtomicFile::create(path.string(), mode);
      if (!out) return std::move(out).take_errors();
      if (auto s = out->set_mode(mode); !s) return std::move(s).take_errors();  // create() applied the umask
      if (auto s = out->write(print_corpus(file)); !s) return std::move(s).take_errors();
      rewrites.push_back(std::make_unique<AtomicFile>(std::move(out).value()));
    }
  }
  if (!errors.empty()) return errors;  // nothing rewritten: the temporaries go with `rewrites`
  for (auto& out : rewrites) {
    if (auto s = out->prepare(); !s) return std::move(s).take_errors();
  }
  for (auto& out : rewrites) {
    if (auto s = out->publish(); !s) return std::move(s).take_errors();
  }

  // Overlaps beyond the corpus: enumerated witness lines that another rule of the grammar also matches.
  for (size_t g = 0; g < rules->grammars.size(); ++g) {
    const auto& grammar = rules->grammars[g];
    auto overlaps = find_overlaps(grammar);
    if (!overlaps) return std::move(overlaps).take_errors();
    rep.witnesses += overlaps->witnesses;
    for (const auto& o : overlaps->overlaps) {
      const CompiledRule& a = grammar.rules[static_cast<size_t>(o.rule)];
      const CompiledRule& b = grammar.rules[static_cast<size_t>(o.other)];
      rep.conflicts.push_back({a.pos, fmt::format("rules {} ({}) and {} ({}) both match the witness line '{}' ({})",
                                                  rule_ref(grammar, a), where(a.pos), rule_ref(grammar, b), where(b.pos),
                                                  o.witness, o.how)});
    }
    if (overlaps->unmatched_witnesses > 0) {
      rep.conflicts.push_back({grammar.header_pos,
                               fmt::format("{} witness lines of grammar {} {} do not match their own rule: a bug in "
                                           "strictlog's enumeration, please report it",
                                           overlaps->unmatched_witnesses, grammar.name, grammar.version)});
    }
  }

  // Coverage: every rule hit, every mapped payload field present in some case's event.
  for (size_t g = 0; g < rules->grammars.size(); ++g) {
    const auto& grammar = rules->grammars[g];
    for (size_t r = 0; r < grammar.rules.size(); ++r) {
      const RuleStats& s = rep.rules[stat_index[g][r]];
      if (inherited_unchanged(*rules, g, r)) continue;  // the base version's corpus covers it
      // Examples only prove that a rule matches; corpus cases also state the event each must produce, and
      // two of them at least show what varies between lines of the rule.
      if (s.case_hits < kMinCasesPerRule) {
        rep.uncovered.push_back(fmt::format("{}: rule {} is hit by {}; each rule needs {}", where(s.pos), s.ref,
                                            s.case_hits == 0 ? std::string("no corpus case")
                                                             : fmt::format("{} corpus case{}", s.case_hits,
                                                                           s.case_hits == 1 ? "" : "s"),
                                            kMinCasesPerRule));
      }
      if (grammar.rules[r].drop) continue;  // no mapping, no fields
      const RuleMapping& m = rules->mappings.mappings[g][r];
      for (const FieldOp& op : m.ops) {
        std::string path(m.payload->name());
        for (const auto* f : op.path) path += "." + std::string(f->name());
        // A map field is flattened one entry at a time (`field.KEY: value`): any entry shows it.
        const auto& seen = seen_paths[g][r];
        auto entry = seen.lower_bound(path + ".");
        bool present = seen.count(path) || (entry != seen.end() && entry->starts_with(path + "."));
        if (!present) {
          rep.uncovered.push_back(fmt::format("{}: field {} of rule {} is present in no corpus case",
                                              where(s.pos), path, s.ref));
        }
      }
    }
  }
  return rep;
}

}  // namespace strictlog
