// The rule set: every grammar and mapping a run uses, loaded, checked and compiled together.
// Immutable once loaded; share one instance between all threads.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "compile/compile.h"
#include "mapping/mapping.h"

namespace strictlog {

// The loaded versions of one source (`grammar openvpn 2.4;` ... `grammar openvpn 2.7 extends 2.6;`). One of
// them reads a given line: the version the user chose (`--grammar-version openvpn=2.5`), else the one that
// declares `detect timestamp ctime;` for a program log line with a ctime() timestamp, else the default.
struct GrammarFamily {
  std::string name;
  std::vector<size_t> versions;         // indices into RuleSet::grammars, in load order
  size_t default_version = 0;           // the one declaring `default;`, or the only version
  std::optional<size_t> ctime_version;  // the one declaring `detect timestamp ctime;`
};

// Per family (RuleSet::families), the version a run's inputs are read with, or none: choose_versions().
using VersionChoice = std::vector<std::optional<size_t>>;

struct RuleSet {
  std::vector<CompiledGrammar> grammars;
  std::vector<GrammarFamily> families;
  std::vector<size_t> family_of;  // family_of[g]: grammars[g]'s index in families
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

// Parses `--grammar-version` values, `NAME=VERSION` each (`openvpn=2.5`). Errors name the value and what is
// loaded: a value not of that form, an unknown grammar or version, a grammar chosen twice.
Result<VersionChoice> choose_versions(const RuleSet& rules, const std::vector<std::string>& specs);

// The version of `family` that reads a line: `choice`'s, else the ctime version for a line whose timestamp is
// ctime(), else the default.
size_t selected_version(const RuleSet& rules, size_t family, const VersionChoice& choice, bool ctime_timestamp);

// Lowercase hex of SHA-256(data).
std::string sha256_hex(std::string_view data);

}  // namespace strictlog
