#include "ruleset/ruleset.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/source_files.h"
#include "dsl/dsl.h"
#include "ingest/utf8.h"

namespace strictlog {
namespace {

namespace fs = std::filesystem;

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
        if (!extract(rule, ex.text, groups.data())) {
          errors->push_back({ex.pos, "example-mismatch",
                             fmt::format("example of rule '{}' is not extracted by the rule's own regex", rule.id), {}});
        } else if (!apply_mapping(set.mappings.mappings[g][r], rule, groups.data(), values.data(), &event, &error)) {
          errors->push_back({ex.pos, "example-conversion", fmt::format("example of rule '{}' does not convert: {}",
                                                                       rule.id, error), {}});
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
    auto compiled = compile_grammar(*parsed, limits);
    if (!compiled) {
      errors.insert(errors.end(), compiled.errors().begin(), compiled.errors().end());
      continue;
    }
    for (const auto& g : set->grammars) {
      if (g.name == compiled->name && g.version == compiled->version) {
        errors.push_back({compiled->header_pos, "duplicate-grammar",
                          fmt::format("grammar '{} {}' is already defined", g.name, g.version),
                          {{g.header_pos, "first defined here"}}});
      }
    }
    set->grammars.push_back(std::move(compiled).value());
  }

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

}  // namespace strictlog
