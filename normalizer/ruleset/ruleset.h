// The rule set: every grammar and mapping a run uses, loaded, checked and compiled together.
// Immutable once loaded; share one instance between all threads.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "compile/compile.h"
#include "mapping/mapping.h"

namespace strictlog {

struct RuleSet {
  std::vector<CompiledGrammar> grammars;
  MappingSet mappings;  // mappings.mappings[g][r] for grammars[g].rules[r]
  // Lowercase hex SHA-256 over every loaded file, in path order: `path NUL size NUL content` each, with
  // paths relative to the loaded directories' parent (`grammars/openvpn/2.6.grammar`). Identifies the rules
  // that produced an event (Envelope.grammar_set_hash) and feeds the event id.
  std::string hash;
  std::vector<SourceRef> files;
};

// Loads every `*.grammar` below `grammars_dir` and every `*.mapping` below `mappings_dir`. Collects every
// error of every file (syntax, compile, binding) before failing; a missing or empty directory is an error.
// `limits` bounds each grammar (compile/compile.h).
Result<std::shared_ptr<const RuleSet>> load_ruleset(const std::string& grammars_dir, const std::string& mappings_dir,
                                                   const CompileLimits& limits = {});

// Lowercase hex of SHA-256(data).
std::string sha256_hex(std::string_view data);

}  // namespace strictlog
