#include "cli/internal/reload.h"

#include <fmt/format.h>
#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <ctime>
#include <system_error>

#include "cli/internal/log.h"

namespace strictlog::cli {

Result<LoadedRules> load_rules(const std::string& grammars_dir, const std::string& mappings_dir,
                               const std::vector<std::string>& version_specs) {
  auto rules = load_ruleset(grammars_dir, mappings_dir);
  if (!rules) return rules.errors();
  auto versions = choose_versions(**rules, version_specs);
  if (!versions) return versions.errors();
  return LoadedRules{std::move(*rules), std::move(*versions)};
}

std::vector<SummaryRule> summary_rules(const std::vector<RuleCount>& rules) {
  std::vector<SummaryRule> rows;
  rows.reserve(rules.size());
  for (const RuleCount& r : rules) {
    if (r.version.empty()) continue;  // the repeat notices, which the summary prints from Counters
    rows.push_back({fmt::format("{}/{}/{}", r.grammar, r.version, r.rule), r.drop, r.lines});
  }
  return rows;
}

ReloadableNormalizer::ReloadableNormalizer(LoadedRules first, NormalizeOptions options, ParallelOptions parallel,
                                           RecordEncoder encode, RecordSink sink)
    : options_(std::move(options)),
      parallel_(parallel),
      encode_(std::move(encode)),
      sink_(std::move(sink)),
      loaded_(std::move(first)) {
  start_generation();
}

void ReloadableNormalizer::start_generation() {
  const RuleSet& rules = *loaded_.rules;
  slot_.assign(rules.grammars.size(), {});
  for (size_t g = 0; g < rules.grammars.size(); ++g) {
    const CompiledGrammar& grammar = rules.grammars[g];
    for (const CompiledRule& rule : grammar.rules) {
      std::string key = fmt::format("{}{}{}{}{}{}{}", grammar.name, '\0', grammar.version, '\0', rule.id, '\0',
                                    rule.drop ? "drop" : "rule");
      auto [at, added] = row_of_.try_emplace(std::move(key), rows_.size());
      if (added) rows_.push_back({grammar.name, grammar.version, rule.id, rule.drop, 0});
      slot_[g].push_back(at->second);
    }
  }
  NormalizeOptions options = options_;
  options.versions = loaded_.versions;
  current_ = std::make_unique<ParallelNormalizer>(loaded_.rules, options, parallel_, encode_, sink_);
  ++generation_;
}

Status ReloadableNormalizer::switch_to(LoadedRules next) {
  if (auto st = current_->finish(); !st) return st;
  const Counters& c = current_->counters();
  for (size_t g = 0; g < c.lines_by_rule.size(); ++g) {
    for (size_t r = 0; r < c.lines_by_rule[g].size(); ++r) rows_[slot_[g][r]].lines += c.lines_by_rule[g][r];
  }
  finished_.add(c);
  finished_.lines_by_rule.clear();
  loaded_ = std::move(next);
  start_generation();
  return kOk;
}

void ReloadableNormalizer::snapshot(Counters* totals, std::vector<RuleCount>* rules) const {
  const Counters& c = current_->counters();
  *totals = finished_;
  totals->add(c);
  totals->lines_by_rule.clear();

  scratch_.resize(rows_.size());
  for (size_t i = 0; i < rows_.size(); ++i) scratch_[i] = rows_[i].lines;
  for (size_t g = 0; g < c.lines_by_rule.size(); ++g) {
    for (size_t r = 0; r < c.lines_by_rule[g].size(); ++r) scratch_[slot_[g][r]] += c.lines_by_rule[g][r];
  }
  size_t n = 0;
  for (size_t i = 0; i < rows_.size(); ++i) {
    if (scratch_[i] == 0) continue;
    if (n == rules->size()) rules->emplace_back();
    RuleCount& to = (*rules)[n++];
    const RuleCount& from = rows_[i];
    // assign() of an equal-length string reuses its buffer: no allocation once the rows settled.
    to.grammar.assign(from.grammar);
    to.version.assign(from.version);
    to.rule.assign(from.rule);
    to.drop = from.drop;
    to.lines = scratch_[i];
  }
  if (totals->repeat_notices != 0) {
    if (n == rules->size()) rules->emplace_back();
    RuleCount& to = (*rules)[n++];
    to.grammar.assign(kRepeatGrammar);
    to.version.clear();
    to.rule.assign(kRepeatRule);
    to.drop = false;
    to.lines = totals->repeat_notices;
  }
  rules->resize(n);
}

Reloader::Reloader(std::string grammars_dir, std::string mappings_dir, std::vector<std::string> version_specs,
                   const RuleSet& in_use)
    : grammars_dir_(std::move(grammars_dir)),
      mappings_dir_(std::move(mappings_dir)),
      version_specs_(std::move(version_specs)) {
  status_.ruleset_hash = in_use.hash;
}

Reloader::~Reloader() {
  if (pending_.valid()) pending_.wait();
}

void Reloader::request() {
  if (pending_.valid()) {
    again_ = true;
  } else {
    start();
  }
}

void Reloader::start() {
  started_ = std::chrono::steady_clock::now();
  // The loading thread blocks every asynchronous signal, as the workers do, so that SIGHUP, SIGUSR1 and the
  // stop signals keep landing on the main thread. Threads inherit the mask of the thread that starts them.
  sigset_t blocked, previous;
  sigfillset(&blocked);
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT}) sigdelset(&blocked, sig);
  pthread_sigmask(SIG_BLOCK, &blocked, &previous);
  try {
    pending_ = std::async(std::launch::async, [g = grammars_dir_, m = mappings_dir_, v = version_specs_] {
      return load_rules(g, m, v);
    });
  } catch (const std::system_error& e) {
    // No thread: this reload fails like a set that does not load, and the set in use goes on.
    std::promise<Result<LoadedRules>> failed;
    failed.set_value(Diagnostics{
        plain_error("thread-failed", fmt::format("cannot start the thread that loads the rules: {}", e.what()))});
    pending_ = failed.get_future();
  }
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

void Reloader::record(bool ok, const std::string& hash) {
  std::lock_guard lock(mutex_);
  (ok ? status_.succeeded : status_.failed) += 1;
  status_.last_ok = ok;
  status_.last_unix_time = static_cast<int64_t>(std::time(nullptr));
  if (ok) status_.ruleset_hash = hash;
}

ReloadCounts Reloader::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

Status Reloader::apply(ReloadableNormalizer& pipeline) {
  if (!pending_.valid() || pending_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return kOk;
  Result<LoadedRules> loaded = pending_.get();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  const std::string in_use = pipeline.rules().hash;
  if (loaded) {
    const RuleSet& rules = *loaded->rules;
    std::string hash = rules.hash;
    size_t rule_count = 0;
    for (const CompiledGrammar& g : rules.grammars) rule_count += g.rules.size();
    size_t grammar_count = rules.grammars.size();
    if (auto st = pipeline.switch_to(std::move(*loaded)); !st) return st;
    record(true, hash);
    log_event("serve", LogLevel::kInfo, LogCode::kReloaded,
              fmt::format("reloaded grammars and mappings: grammar set {}, {} rule{} in {} grammar{}, loaded in "
                          "{:.3f} s; lines taken from now on use it (previous set {})",
                          hash, rule_count, rule_count == 1 ? "" : "s", grammar_count, grammar_count == 1 ? "" : "s",
                          seconds, in_use),
              {{"grammar_set_hash", hash},
               {"rules", std::to_string(rule_count)},
               {"grammars", std::to_string(grammar_count)},
               {"previous_grammar_set_hash", in_use},
               {"generation", std::to_string(pipeline.generation())}});
  } else {
    const Diagnostics& ds = loaded.errors();
    record(false, in_use);
    // As `strictlog normalize` prints load errors: file:line:col, the line, a caret. In JSON the same text
    // is a field of the record, so that every line of the log stays one JSON object.
    std::string text = render(ds);
    if (log_format() == LogFormat::kText) std::fputs(text.c_str(), stderr);
    log_event("serve", LogLevel::kError, LogCode::kReloadFailed,
              fmt::format("reload failed: {} error{} in {} and {}; grammar set {} stays in use", ds.size(),
                          ds.size() == 1 ? "" : "s", grammars_dir_, mappings_dir_, in_use),
              {{"errors", std::to_string(ds.size())},
               {"diagnostics", text},
               {"grammar_set_hash", in_use}});
  }
  if (again_) {
    again_ = false;
    start();
  }
  return kOk;
}

}  // namespace strictlog::cli
