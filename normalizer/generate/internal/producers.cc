#include "generate/internal/producers.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "generate/internal/markdown_text.h"

namespace strictlog::generate {

namespace {

std::vector<std::string_view> split_dots(std::string_view v) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t dot = v.find('.', start);
    parts.push_back(v.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) return parts;
    start = dot + 1;
  }
}

bool number(std::string_view s, unsigned long long* out) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return !s.empty() && r.ec == std::errc{} && r.ptr == s.data() + s.size();
}

}  // namespace

bool version_less(const std::string& a, const std::string& b) {
  std::vector<std::string_view> pa = split_dots(a), pb = split_dots(b);
  for (size_t i = 0; i < pa.size() && i < pb.size(); ++i) {
    unsigned long long na = 0, nb = 0;
    if (number(pa[i], &na) && number(pb[i], &nb)) {
      if (na != nb) return na < nb;
    } else if (pa[i] != pb[i]) {
      return pa[i] < pb[i];
    }
  }
  return pa.size() < pb.size();
}

Producers producers_of(const RuleSet& rules) {
  Producers out;
  for (const GrammarFamily& family : rules.families) {
    std::vector<size_t> versions = family.versions;
    std::sort(versions.begin(), versions.end(), [&](size_t x, size_t y) {
      return version_less(rules.grammars[x].version, rules.grammars[y].version);
    });
    // Per producer of this family: where it is in `out`, and the grammar (version) of each of its versions.
    struct Entry {
      std::string payload;
      size_t index;
      std::vector<size_t> grammars;
      std::vector<size_t> rules;
    };
    std::vector<Entry> entries;
    for (size_t g : versions) {
      const CompiledGrammar& grammar = rules.grammars[g];
      for (size_t r = 0; r < grammar.rules.size(); ++r) {
        const google::protobuf::FieldDescriptor* payload = rules.mappings.mappings[g][r].payload;
        if (payload == nullptr) continue;  // a drop rule
        const std::string& id = grammar.rules[r].id;
        auto it = std::find_if(entries.begin(), entries.end(), [&](const Entry& e) {
          return e.payload == payload->name() && out[e.payload][e.index].rule_id == id;
        });
        if (it == entries.end()) {
          std::vector<Producer>& list = out[payload->name()];
          list.push_back({family.name, {}, id, {}});
          entries.push_back({payload->name(), list.size() - 1, {}, {}});
          it = entries.end() - 1;
        }
        out[it->payload][it->index].versions.push_back(grammar.version);
        it->grammars.push_back(g);
        it->rules.push_back(r);
      }
    }
    for (const Entry& e : entries) {
      auto where = std::find(e.grammars.begin(), e.grammars.end(), family.default_version);
      size_t k = where != e.grammars.end() ? static_cast<size_t>(where - e.grammars.begin()) : e.grammars.size() - 1;
      const CompiledRule& rule = rules.grammars[e.grammars[k]].rules[e.rules[k]];
      if (!rule.examples.empty()) out[e.payload][e.index].example = rule.examples.front().text;
    }
  }
  return out;
}

std::string producer_markdown(const Producer& p) {
  std::string line = fmt::format("{} {}: {}", markdown::inline_text(p.grammar),
                                 markdown::inline_text(fmt::format("{}", fmt::join(p.versions, ", "))),
                                 markdown::code(p.rule_id));
  if (!p.example.empty()) line += ", e.g. " + markdown::code(p.example);
  return line;
}

}  // namespace strictlog::generate
