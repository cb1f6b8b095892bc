// `strictlog fields` and `strictlog compile`: what a grammar author can write, and what it compiles to.
#include <fmt/format.h>

#include <cstdio>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "cli/internal/report.h"
#include "compile/dump.h"
#include "fields/field_type.h"
#include "ruleset/ruleset.h"
#include "verify/flat_text.h"

namespace strictlog::cli {
namespace {

// Each text as corpus files write strings (verify/flat_text.h): double-quoted, control bytes escaped, so an
// example holding a tab, a newline or a quote reads unambiguously.
std::string quoted_list(std::span<const std::string_view> texts) {
  std::string out;
  for (auto t : texts) {
    if (!out.empty()) out += ", ";
    out += quote(t);
  }
  return out.empty() ? "-" : out;
}

int run_fields() {
  std::string out;
  for (const FieldType* t : field_types()) {
    out += fmt::format("{}\n  {}\n  becomes:  {}\n  regex:    {}\n  accepts:  {}\n  rejects:  {}\n\n", t->name,
                       t->summary, to_string(t->output), t->regex, quoted_list(t->accepts), quoted_list(t->rejects));
  }
  std::fputs(out.c_str(), stdout);
  return kExitOk;
}

struct CompileArgs {
  std::string grammars = "grammars";
  std::string mappings = "mappings";
  bool dump = false;
};

int run_compile(const CompileArgs& a) {
  auto rules = load_ruleset(a.grammars, a.mappings);
  if (!rules) {
    print_diagnostics("compile", rules.errors());
    return kExitLoadError;
  }
  std::string out;
  for (const auto& g : (*rules)->grammars) {
    out += fmt::format("# grammar {} {} ({}): {} rule{}\n", g.name, g.version, g.source->path, g.rules.size(),
                       g.rules.size() == 1 ? "" : "s");
    if (a.dump) out += dump_grammar(g);
  }
  out += fmt::format("# grammar set hash {}\n", (*rules)->hash);
  std::fputs(out.c_str(), stdout);
  return kExitOk;
}

}  // namespace

Run add_fields(CLI::App& app) {
  app.add_subcommand("fields", "List the field types a grammar can capture, with examples and accepted forms");
  return [] { return run_fields(); };
}

Run add_compile(CLI::App& app) {
  auto args = std::make_shared<CompileArgs>();
  CLI::App* cmd = app.add_subcommand("compile", "Load and check grammars and mappings; --dump prints each rule's regex");
  cmd->add_option("--grammars", args->grammars, "Directory of *.grammar files")->capture_default_str();
  cmd->add_option("--mappings", args->mappings, "Directory of *.mapping files")->capture_default_str();
  cmd->add_flag("--dump", args->dump, "Print each rule's generated RE2 regex, capture groups and variants");
  return [args] { return run_compile(*args); };
}

}  // namespace strictlog::cli
