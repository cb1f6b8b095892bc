#include "compile/dump.h"

namespace strictlog {

std::string dump_grammar(const CompiledGrammar& g) {
  std::string out;
  for (const CompiledRule& rule : g.rules) {
    out += "rule " + rule.id + "\n  regex " + rule.regex + "\n";
    for (size_t i = 0; i < rule.captures.size(); ++i) {
      const CaptureInfo& c = rule.captures[i];
      out += "  capture " + std::to_string(i + 1) + " " + c.name + " " + std::string(c.type->name) +
             (c.optional ? " optional" : "") + "\n";
    }
    for (const RuleVariant& v : rule.variants) out += "  variant " + v.regex + "\n";
  }
  return out;
}

}  // namespace strictlog
