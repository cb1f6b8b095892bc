#include "compile/dump.h"

namespace strictlog {

std::string dump_grammar(const CompiledGrammar& g) {
  std::string out;
  for (const CompiledRule& rule : g.rules) {
    out += (rule.drop ? "drop " : "rule ") + rule.id + "\n  regex " + rule.regex + "\n";
    for (size_t i = 0; i < rule.captures.size(); ++i) {
      const CaptureInfo& c = rule.captures[i];
      out += "  capture " + std::to_string(i + 1) + " " + c.name + " " + std::string(c.type->name) +
             (c.optional ? " optional" : "") + "\n";
    }
    for (const RuleVariant& v : rule.variants) out += "  variant " + v.regex + "\n";
  }
  for (auto [winner, loser] : g.precedence) {
    out += "prefer " + g.rules[static_cast<size_t>(winner)].id + " over " + g.rules[static_cast<size_t>(loser)].id + "\n";
  }
  return out;
}

}  // namespace strictlog
