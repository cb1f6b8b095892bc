// fuzz_grammar: a grammar file through the DSL parser, the compiler and the dump; the same text as a mapping.
#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "compile/compile.h"
#include "compile/dump.h"
#include "dsl/dsl.h"
#include "mapping/mapping.h"
#include "ruleset/ruleset.h"
#include "round_trip.h"
#include "targets.h"

namespace strictlog::fuzz {
namespace {

// The bundled grammars, compiled once: what a mapping under test is bound against.
const RuleSet* bundled_rules(std::string* error) {
  static const auto loaded = load_ruleset(STRICTLOG_SOURCE_DIR "/grammars", STRICTLOG_SOURCE_DIR "/mappings");
  if (!loaded) {
    *error = "the bundled rules do not load: " + render(loaded.errors());
    return nullptr;
  }
  return loaded.value().get();
}

// Every diagnostic has a code and renders; one pointing into `file` points at a line it has.
Violation check_diagnostics(const Diagnostics& ds, const SourceRef& file, std::string_view stage) {
  if (ds.empty()) return fmt::format("{}: failed without a diagnostic", stage);
  size_t lines = static_cast<size_t>(std::count(file->text.begin(), file->text.end(), '\n')) + 1;
  for (const Diagnostic& d : ds) {
    if (d.code.empty() || d.message.empty()) return fmt::format("{}: a diagnostic without code or message", stage);
    if (d.where.source == file && d.where.line > lines) {
      return fmt::format("{}: [{}] points at line {} of {}", stage, d.code, d.where.line, lines);
    }
    if (render(d).empty()) return fmt::format("{}: [{}] renders as nothing", stage, d.code);
  }
  return std::nullopt;
}

// Dispatch and extraction must agree on every example of the grammar: a rule is in the Set's hits exactly when
// its own RE2 matches (a disagreement is an INTERNAL quarantine at run time), and each example hits its rule.
// Every example of a grammar whose mapping bound becomes an event, or a CONVERSION for a value the example
// cannot hold, and the event serializes.
Violation check_mapped_examples(const CompiledGrammar& g, const std::vector<RuleMapping>& mappings) {
  size_t max_captures = 0;
  for (const CompiledRule& r : g.rules) max_captures = std::max(max_captures, r.captures.size());
  std::vector<re2::StringPiece> groups(max_captures + 1);
  std::vector<Value> values(max_captures);
  v1::Event event;
  std::string error;
  for (size_t r = 0; r < g.rules.size(); ++r) {
    for (const dsl::Example& e : g.rules[r].examples) {
      if (!extract(g.rules[r], e.text, groups.data())) continue;  // check_examples reports it
      event.Clear();
      if (!apply_mapping(mappings[r], g.rules[r], groups.data(), values.data(), &event, &error)) {
        if (error.empty()) return fmt::format("rule '{}': apply_mapping failed without a reason", g.rules[r].id);
        continue;
      }
      if (auto v = round_trip(event)) return fmt::format("rule '{}', example '{}': {}", g.rules[r].id, e.text, *v);
    }
  }
  return std::nullopt;
}

Violation check_examples(const CompiledGrammar& g) {
  size_t max_captures = 0;
  for (const CompiledRule& r : g.rules) max_captures = std::max(max_captures, r.captures.size());
  std::vector<re2::StringPiece> groups(max_captures + 1);
  std::vector<Value> values(max_captures);
  std::vector<int> hits;
  std::string error;
  for (size_t r = 0; r < g.rules.size(); ++r) {
    for (const dsl::Example& e : g.rules[r].examples) {
      std::string where = fmt::format("rule '{}', example '{}'", g.rules[r].id, e.text);
      if (auto st = dispatch(g, e.text, &hits); !st) return where + ": dispatch failed: " + render(st.errors());
      if (std::find(hits.begin(), hits.end(), static_cast<int>(r)) == hits.end()) {
        return where + ": compiled although the example misses its rule";
      }
      for (size_t q = 0; q < g.rules.size(); ++q) {
        bool hit = std::find(hits.begin(), hits.end(), static_cast<int>(q)) != hits.end();
        if (hit != extract(g.rules[q], e.text, groups.data())) {
          return fmt::format("{}: dispatch {} rule '{}', its extract() does not agree", where,
                             hit ? "hits" : "misses", g.rules[q].id);
        }
        if (hit) (void)convert_captures(g.rules[q], groups.data(), values.data(), &error);
      }
      apply_precedence(g, &hits);
      if (hits.empty()) return where + ": precedence removed every rule";
    }
  }
  return std::nullopt;
}

// The mapping half is bound against `grammar` when it compiled, else against the bundled grammars.
Violation check(std::string_view grammar_text, std::string_view mapping_text) {
  SourceRef grammar_file = std::make_shared<SourceFile>(SourceFile{"fuzz.grammar", std::string(grammar_text)});
  std::vector<CompiledGrammar> own;
  if (auto parsed = dsl::parse_grammar(grammar_file); !parsed) {
    if (auto v = check_diagnostics(parsed.errors(), grammar_file, "parse_grammar")) return v;
  } else if (auto compiled = compile_grammar(parsed.value()); !compiled) {
    if (auto v = check_diagnostics(compiled.errors(), grammar_file, "compile_grammar")) return v;
  } else {
    if (dump_grammar(compiled.value()).empty() && !compiled->rules.empty()) return "dump_grammar: empty dump";
    if (auto v = check_examples(compiled.value())) return v;
    own.push_back(std::move(compiled).value());
  }

  SourceRef mapping_file = std::make_shared<SourceFile>(SourceFile{"fuzz.mapping", std::string(mapping_text)});
  auto parsed = mapping::parse_mapping(mapping_file);
  if (!parsed) return check_diagnostics(parsed.errors(), mapping_file, "parse_mapping");
  std::string error;
  const RuleSet* bundled = own.empty() ? bundled_rules(&error) : nullptr;
  if (own.empty() && !bundled) return error;
  const std::vector<CompiledGrammar>& grammars = own.empty() ? bundled->grammars : own;
  auto bound = bind_mappings({parsed.value()}, grammars);
  if (!bound) return check_diagnostics(bound.errors(), mapping_file, "bind_mappings");
  return own.empty() ? std::nullopt : check_mapped_examples(own.front(), bound->mappings.front());
}

}  // namespace

Violation fuzz_grammar(std::string_view input) {
  size_t sep = input.find(kMappingSeparator);
  if (sep == std::string_view::npos) return check(input, input);
  return check(input.substr(0, sep + 1), input.substr(sep + kMappingSeparator.size()));
}

}  // namespace strictlog::fuzz
