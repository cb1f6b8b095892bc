#include "ruleset/ruleset.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <openssl/evp.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>

#include "common/source_files.h"
#include "dsl/dsl.h"
#include "ingest/utf8.h"

namespace strictlog {
namespace {

namespace fs = std::filesystem;

// A diagnostic about a declaration that `ext` inherited points into the base version's file; the note says
// which version it was checked for.
Diagnostic note_inherited(Diagnostic d, const SourceRef& ext_source, const Position& ext_header,
                          const std::string& name, const std::string& version) {
  if (d.where.source && d.where.source != ext_source) {
    d.notes.push_back({ext_header, fmt::format("inherited by grammar {} {}", name, version)});
  }
  return d;
}

// Grammar and mapping files below `dir`; a directory without any is a mistake worth reporting.
Result<std::vector<fs::path>> rule_files(const std::string& dir, std::string_view extension) {
  auto files = list_files(dir, extension);
  if (files && files->empty()) return plain_error("no-files", fmt::format("no *{} files below '{}'", extension, dir));
  return files;
}

Result<SourceRef> read_source(const fs::path& path) {
  auto source = read_source_file(path);
  if (!source) return source;
  // Rules match bytes on the assumption that their literal text is UTF-8 like the lines it meets, and
  // mapping constants end up in protobuf strings, which must be UTF-8.
  if (auto problem = check_encoding((*source)->text)) {
    return Diagnostic{position_at(*source, problem->offset), "invalid-encoding",
                      fmt::format("{}: grammar and mapping files must be UTF-8 without NUL bytes", problem->what), {}};
  }
  return source;
}

// Every example must also survive extraction and mapping: an example the compiler accepts but whose
// captures do not convert (a port of 65536) would be a rule that documents a line it then quarantines.
void check_example_conversions(const RuleSet& set, Diagnostics* errors) {
  for (size_t g = 0; g < set.grammars.size(); ++g) {
    for (size_t r = 0; r < set.grammars[g].rules.size(); ++r) {
      const CompiledRule& rule = set.grammars[g].rules[r];
      std::vector<re2::StringPiece> groups(rule.captures.size() + 1);
      std::vector<Value> values(rule.captures.size());
      for (const auto& ex : rule.examples) {
        v1::Event event;
        std::string error;
        const CompiledGrammar& grammar = set.grammars[g];
        if (!extract(rule, ex.text, groups.data())) {
          errors->push_back(note_inherited(
              {ex.pos, "example-mismatch",
               fmt::format("example of rule '{}' is not extracted by the rule's own regex", rule.id), {}},
              grammar.source, grammar.header_pos, grammar.name, grammar.version));
        } else if (!apply_mapping(set.mappings.mappings[g][r], rule, groups.data(), values.data(), &event, &error)) {
          errors->push_back(note_inherited(
              {ex.pos, "example-conversion", fmt::format("example of rule '{}' does not convert: {}", rule.id, error),
               {}},
              grammar.source, grammar.header_pos, grammar.name, grammar.version));
        }
      }
    }
  }
}

// `grammars/openvpn/2.6.grammar` for any spelling of the directory (`grammars/`, `./grammars`, `.` from
// inside it), so the hash does not depend on where the tree is checked out. Absolute first: the name of
// `.` or `..` is only known from the working directory.
std::string hash_name(const fs::path& path, const std::string& root) {
  std::error_code ec;
  fs::path base = fs::absolute(root, ec).lexically_normal();
  if (base.filename().empty()) base = base.parent_path();
  fs::path file = fs::absolute(path, ec).lexically_normal();
  return (base.filename() / file.lexically_relative(base)).generic_string();
}


std::string versions_of(const std::vector<dsl::GrammarFile>& files, const std::string& name) {
  std::vector<std::string> versions;
  for (const auto& f : files) {
    if (f.name == name) versions.push_back(f.version);
  }
  std::sort(versions.begin(), versions.end());
  return fmt::format("{}", fmt::join(versions, ", "));
}

// `2.4, 2.5, 2.6`: the loaded versions of `family`, in load order, for messages.
std::string versions_of(const RuleSet& rules, const GrammarFamily& family) {
  std::vector<std::string_view> versions;
  for (size_t g : family.versions) versions.push_back(rules.grammars[g].version);
  return fmt::format("{}", fmt::join(versions, ", "));
}

// Each file with what it inherits (dsl::extend_grammar), bases first: `order` lists file indices so that a
// base comes before the versions that extend it. A file whose base is missing, failed or closes a cycle has
// no entry (nullopt), and its error is in `errors` unless the base's own error explains it.
std::vector<std::optional<dsl::GrammarFile>> resolve_versions(const std::vector<dsl::GrammarFile>& files,
                                                              std::vector<size_t>* order, Diagnostics* errors) {
  std::vector<std::optional<dsl::GrammarFile>> out(files.size());
  enum class State { kNew, kActive, kDone };
  std::vector<State> state(files.size(), State::kNew);
  auto find = [&](const std::string& name, const std::string& version) -> std::optional<size_t> {
    for (size_t i = 0; i < files.size(); ++i) {
      if (files[i].name == name && files[i].version == version) return i;
    }
    return std::nullopt;
  };
  std::function<void(size_t)> resolve = [&](size_t i) {
    if (state[i] != State::kNew) return;
    state[i] = State::kActive;
    const dsl::GrammarFile& f = files[i];
    if (f.base_version.empty()) {
      bool ok = true;
      for (const auto& r : f.removals) {
        errors->push_back({r.pos, "remove-without-extends",
                           fmt::format("'remove {}' in a grammar that extends no other version: declare the base "
                                       "first, e.g. 'grammar {} {} extends <version>;'",
                                       r.rule_id, f.name, f.version),
                           {}});
        ok = false;
      }
      auto overrides = [&](const auto& decls) {
        for (const auto& d : decls) {
          if (!d.override) continue;
          errors->push_back({d.pos, "override-without-extends",
                             fmt::format("'override' in a grammar that extends no other version: nothing to "
                                         "override; remove 'override', or declare the base with 'grammar {} {} "
                                         "extends <version>;'",
                                         f.name, f.version),
                             {}});
          ok = false;
        }
      };
      overrides(f.patterns);
      overrides(f.rules);
      if (ok) out[i] = f;
    } else if (auto base = find(f.name, f.base_version); !base) {
      errors->push_back({f.base_pos, "unknown-base-version",
                         fmt::format("grammar '{}' has no version '{}' to extend (loaded: {})", f.name,
                                     f.base_version, versions_of(files, f.name)),
                         {}});
    } else if (state[*base] == State::kActive) {
      errors->push_back({f.base_pos, "extends-cycle",
                         fmt::format("versions of grammar '{}' extend each other in a cycle: {} extends {}, which "
                                     "leads back to {}",
                                     f.name, f.version, f.base_version, f.version),
                         {{files[*base].header_pos, "extended here"}}});
    } else {
      resolve(*base);
      if (out[*base]) {
        auto extended = dsl::extend_grammar(*out[*base], f);
        if (extended) {
          out[i] = std::move(extended).value();
        } else {
          errors->insert(errors->end(), extended.errors().begin(), extended.errors().end());
        }
      }
    }
    state[i] = State::kDone;
    order->push_back(i);
  };
  for (size_t i = 0; i < files.size(); ++i) resolve(i);
  return out;
}

// Versions of one source form a family: exactly one `default;` among several versions (a lone version is
// its own default), at most one `detect timestamp ctime;`.
void group_families(RuleSet* set, Diagnostics* errors) {
  set->family_of.assign(set->grammars.size(), 0);
  for (size_t g = 0; g < set->grammars.size(); ++g) {
    const CompiledGrammar& grammar = set->grammars[g];
    auto it = std::find_if(set->families.begin(), set->families.end(),
                           [&](const GrammarFamily& f) { return f.name == grammar.name; });
    if (it == set->families.end()) {
      set->families.push_back({grammar.name, {}, 0, std::nullopt});
      it = set->families.end() - 1;
    }
    it->versions.push_back(g);
    set->family_of[g] = static_cast<size_t>(it - set->families.begin());
  }
  for (GrammarFamily& family : set->families) {
    std::vector<size_t> defaults;
    for (size_t g : family.versions) {
      const CompiledGrammar& grammar = set->grammars[g];
      if (grammar.is_default) defaults.push_back(g);
      if (grammar.detects_ctime) {
        if (family.ctime_version) {
          errors->push_back({grammar.detect_pos, "duplicate-detect",
                             fmt::format("versions {} and {} of grammar '{}' both detect ctime timestamps",
                                         set->grammars[*family.ctime_version].version, grammar.version, family.name),
                             {{set->grammars[*family.ctime_version].detect_pos, "declared here"}}});
        }
        family.ctime_version = g;
      }
    }
    if (family.versions.size() == 1) {
      family.default_version = family.versions.front();
    } else if (defaults.size() == 1) {
      family.default_version = defaults.front();
    } else if (defaults.empty()) {
      const CompiledGrammar& first = set->grammars[family.versions.front()];
      errors->push_back({first.header_pos, "missing-default",
                         fmt::format("grammar '{}' has versions {} and none is declared 'default;': say which one "
                                     "lines get when no --grammar-version chooses",
                                     family.name, versions_of(*set, family)),
                         {}});
    } else {
      std::vector<Diagnostic::Note> notes;
      for (size_t g : defaults) notes.push_back({set->grammars[g].default_pos, "declared here"});
      errors->push_back({set->grammars[defaults[1]].default_pos, "duplicate-default",
                         fmt::format("grammar '{}' has {} versions declared 'default;': one only", family.name,
                                     defaults.size()),
                         std::move(notes)});
    }
  }
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  // Fetched once: OpenSSL 3 otherwise looks the algorithm up by name on every EVP_Digest() call, which
  // costs more than hashing a log line. Contexts are per thread, so the function stays thread-safe.
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  thread_local std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!sha256 || !ctx || !EVP_DigestInit_ex(ctx.get(), sha256, nullptr) ||
      !EVP_DigestUpdate(ctx.get(), data.data(), data.size()) || !EVP_DigestFinal_ex(ctx.get(), md, &len)) {
    len = 0;  // an OpenSSL failure (out of memory) yields an empty hash: callers compare, never trust, it
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(2 * len, '0');
  for (unsigned i = 0; i < len; ++i) {
    out[2 * i] = kHex[md[i] >> 4];
    out[2 * i + 1] = kHex[md[i] & 0xf];
  }
  return out;
}

Result<std::shared_ptr<const RuleSet>> load_ruleset(const std::string& grammars_dir, const std::string& mappings_dir,
                                                   const CompileLimits& limits) {
  Diagnostics errors;
  auto grammar_paths = rule_files(grammars_dir, ".grammar");
  auto mapping_paths = rule_files(mappings_dir, ".mapping");
  if (!grammar_paths) errors.insert(errors.end(), grammar_paths.errors().begin(), grammar_paths.errors().end());
  if (!mapping_paths) errors.insert(errors.end(), mapping_paths.errors().begin(), mapping_paths.errors().end());
  if (!errors.empty()) return errors;

  auto set = std::make_shared<RuleSet>();
  std::string hashed;
  auto add_to_hash = [&](const fs::path& p, const std::string& root, const SourceFile& f) {
    hashed += hash_name(p, root);
    hashed.push_back('\0');
    hashed += std::to_string(f.text.size());
    hashed.push_back('\0');
    hashed += f.text;
  };

  // Parse every file first: a version may extend one that a later path holds.
  std::vector<dsl::GrammarFile> parsed_files;
  for (const auto& path : *grammar_paths) {
    auto src = read_source(path);
    if (!src) {
      errors.insert(errors.end(), src.errors().begin(), src.errors().end());
      continue;
    }
    set->files.push_back(*src);
    add_to_hash(path, grammars_dir, **src);
    auto parsed = dsl::parse_grammar(*src);
    if (!parsed) {
      errors.insert(errors.end(), parsed.errors().begin(), parsed.errors().end());
      continue;
    }
    parsed_files.push_back(std::move(parsed).value());
  }
  // Compiled bases first, so that a version whose base failed is skipped: the base's errors explain it, and
  // compiling what it inherits would only repeat them.
  std::vector<size_t> order;
  auto resolved = resolve_versions(parsed_files, &order, &errors);
  std::vector<std::optional<CompiledGrammar>> compiled_files(parsed_files.size());
  std::vector<bool> failed(parsed_files.size(), false);
  for (size_t i : order) {
    const dsl::GrammarFile& f = parsed_files[i];
    if (!resolved[i]) {
      failed[i] = true;
      continue;
    }
    if (!f.base_version.empty()) {
      size_t base = 0;
      while (!(parsed_files[base].name == f.name && parsed_files[base].version == f.base_version)) ++base;
      if (failed[base]) {
        failed[i] = true;
        continue;
      }
    }
    auto compiled = compile_grammar(*resolved[i], limits);
    if (!compiled) {
      failed[i] = true;
      for (Diagnostic d : compiled.errors()) {
        errors.push_back(note_inherited(std::move(d), f.source, f.header_pos, f.name, f.version));
      }
      continue;
    }
    compiled_files[i] = std::move(compiled).value();
  }
  for (auto& compiled : compiled_files) {
    if (!compiled) continue;
    for (const auto& g : set->grammars) {
      if (g.name == compiled->name && g.version == compiled->version) {
        errors.push_back({compiled->header_pos, "duplicate-grammar",
                          fmt::format("grammar '{} {}' is already defined", g.name, g.version),
                          {{g.header_pos, "first defined here"}}});
      }
    }
    set->grammars.push_back(std::move(*compiled));
  }
  if (errors.empty()) group_families(set.get(), &errors);

  std::vector<mapping::MappingFile> mapping_files;
  for (const auto& path : *mapping_paths) {
    auto src = read_source(path);
    if (!src) {
      errors.insert(errors.end(), src.errors().begin(), src.errors().end());
      continue;
    }
    set->files.push_back(*src);
    add_to_hash(path, mappings_dir, **src);
    auto parsed = mapping::parse_mapping(*src);
    if (!parsed) {
      errors.insert(errors.end(), parsed.errors().begin(), parsed.errors().end());
      continue;
    }
    mapping_files.push_back(std::move(parsed).value());
  }
  // Binding against grammars that failed to load would report every mapping of theirs as unknown: noise.
  if (!errors.empty()) return errors;

  auto bound = bind_mappings(mapping_files, set->grammars);
  if (!bound) return std::move(bound).take_errors();
  set->mappings = std::move(bound).value();
  check_example_conversions(*set, &errors);
  if (!errors.empty()) return errors;
  set->hash = sha256_hex(hashed);
  if (set->hash.empty()) return plain_error("hash-failed", "OpenSSL could not compute SHA-256 of the rule set");
  return std::shared_ptr<const RuleSet>(std::move(set));
}

Result<VersionChoice> choose_versions(const RuleSet& rules, const std::vector<std::string>& specs) {
  VersionChoice choice(rules.families.size());
  Diagnostics errors;
  for (const std::string& spec : specs) {
    const size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
      errors.push_back(plain_error("bad-grammar-version",
                                   fmt::format("'{}' is not NAME=VERSION (e.g. openvpn=2.5)", spec)));
      continue;
    }
    const std::string name = spec.substr(0, eq), version = spec.substr(eq + 1);
    auto family = std::find_if(rules.families.begin(), rules.families.end(),
                               [&](const GrammarFamily& f) { return f.name == name; });
    if (family == rules.families.end()) {
      std::vector<std::string_view> names;
      for (const auto& f : rules.families) names.push_back(f.name);
      errors.push_back(plain_error("unknown-grammar", fmt::format("'{}': no grammar '{}' is loaded (loaded: {})", spec,
                                                                  name, fmt::join(names, ", "))));
      continue;
    }
    const size_t f = static_cast<size_t>(family - rules.families.begin());
    std::optional<size_t> chosen;
    for (size_t g : family->versions) {
      if (rules.grammars[g].version == version) chosen = g;
    }
    if (!chosen) {
      errors.push_back(plain_error("unknown-version", fmt::format("'{}': grammar '{}' has no version '{}' (loaded: {})",
                                                                  spec, name, version, versions_of(rules, *family))));
    } else if (choice[f] && *choice[f] != *chosen) {
      errors.push_back(plain_error("grammar-version-twice",
                                   fmt::format("'{}': grammar '{}' is already chosen as version {}", spec, name,
                                               rules.grammars[*choice[f]].version)));
    } else {
      choice[f] = chosen;
    }
  }
  if (!errors.empty()) return errors;
  return choice;
}

size_t selected_version(const RuleSet& rules, size_t family, const VersionChoice& choice, bool ctime_timestamp) {
  if (family < choice.size() && choice[family]) return *choice[family];
  const GrammarFamily& f = rules.families[family];
  if (ctime_timestamp && f.ctime_version) return *f.ctime_version;
  return f.default_version;
}

}  // namespace strictlog
