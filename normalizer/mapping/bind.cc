#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <limits>
#include <map>
#include <set>

#include "mapping/internal/leaf.h"
#include "mapping/mapping.h"

namespace strictlog {
namespace {

namespace pb = google::protobuf;
using FD = pb::FieldDescriptor;

using mapping::leaf::fits;
using mapping::leaf::type_name;

std::string capture_type(const CaptureInfo& c) {
  return fmt::format("{} ({})", c.type->name, to_string(c.type->output));
}

// The position of the n-th dotted segment of the text written at `pos`.
Position segment_pos(Position pos, const std::string& dotted, size_t segment) {
  size_t offset = 0;
  for (size_t i = 0; i < segment; ++i) offset = dotted.find('.', offset) + 1;
  pos.column += static_cast<uint32_t>(offset);
  return pos;
}

// `SignalHardness` -> `SIGNAL_HARDNESS_`: protobuf's style guide prefixes enum values with the enum's name.
std::string enum_prefix(std::string_view name) {
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    if (i > 0 && std::isupper(static_cast<unsigned char>(name[i]))) out.push_back('_');
    out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(name[i]))));
  }
  return out + "_";
}

// Text forms of an enum's values as logs print them: `SIGNAL_ACTION_RESTARTING` -> `restarting`.
std::vector<std::pair<std::string, int>> enum_text_forms(const pb::EnumDescriptor* e) {
  std::string prefix = enum_prefix(e->name());
  std::vector<std::pair<std::string, int>> out;
  for (int i = 0; i < e->value_count(); ++i) {
    const auto* v = e->value(i);
    if (v->number() == 0) continue;  // UNSPECIFIED is never a value a log line can carry
    std::string name(v->name());
    if (name.starts_with(prefix)) name.erase(0, prefix.size());
    for (char& c : name) c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.emplace_back(std::move(name), v->number());
  }
  return out;
}

class Binder {
 public:
  Binder(const std::vector<CompiledGrammar>& grammars, Diagnostics* errors) : grammars_(grammars), errors_(errors) {
    set_.mappings.resize(grammars.size());
    seen_.resize(grammars.size());
    for (size_t g = 0; g < grammars.size(); ++g) {
      set_.mappings[g].resize(grammars[g].rules.size());
      seen_[g].resize(grammars[g].rules.size(), nullptr);
    }
    const pb::OneofDescriptor* payload = v1::Event::descriptor()->FindOneofByName("payload");
    for (int i = 0; i < payload->field_count(); ++i) payloads_.push_back(payload->field(i));
  }

  void bind_file(const mapping::MappingFile& file) {
    size_t g = 0;
    while (g < grammars_.size() && !(grammars_[g].name == file.grammar && grammars_[g].version == file.version)) ++g;
    if (g == grammars_.size()) {
      error(file.header_pos, "unknown-grammar",
            fmt::format("no grammar '{} {}' is loaded for this mapping", file.grammar, file.version));
      return;
    }
    for (const auto& decl : file.rules) {
      const size_t before = errors_->size();
      bind_rule(g, decl);
      if (errors_->size() == before) continue;
      for (size_t r = 0; r < grammars_[g].rules.size(); ++r) {
        if (grammars_[g].rules[r].id == decl.rule_id) failed_.insert({g, r});
      }
    }
  }

  // A rule that a version's own mapping file does not map takes the mapping of the rule of the same id in the
  // version it extends (recursively), bound again against this version's rule: an overridden rule whose
  // captures changed fails here, at the base's mapping, with a note naming the version.
  void inherit() {
    std::vector<bool> done(grammars_.size(), false);
    for (size_t g = 0; g < grammars_.size(); ++g) inherit(g, &done, 0);
  }

  // Every rule of every grammar needs a mapping; called after all files are bound.
  void check_complete() {
    for (size_t g = 0; g < grammars_.size(); ++g) {
      for (size_t r = 0; r < grammars_[g].rules.size(); ++r) {
        if (!seen_[g][r] && !grammars_[g].rules[r].drop) {
          const auto& rule = grammars_[g].rules[r];
          error(rule.pos, "unmapped-rule",
                fmt::format("rule '{}' of grammar '{} {}' has no mapping: add 'rule {} -> <payload message> {{ ... }}' "
                            "to a mapping file", rule.id, grammars_[g].name, grammars_[g].version, rule.id));
        }
      }
    }
  }

  MappingSet take() { return std::move(set_); }

 private:
  void inherit(size_t g, std::vector<bool>* done, size_t depth) {
    if ((*done)[g] || depth > grammars_.size()) return;  // the loader refused cycles; the depth bound is a guard
    (*done)[g] = true;
    const CompiledGrammar& grammar = grammars_[g];
    if (grammar.base_version.empty()) return;
    size_t b = 0;
    while (b < grammars_.size() && !(grammars_[b].name == grammar.name && grammars_[b].version == grammar.base_version)) {
      ++b;
    }
    if (b == grammars_.size()) return;
    inherit(b, done, depth + 1);
    for (size_t r = 0; r < grammar.rules.size(); ++r) {
      if (seen_[g][r] || grammar.rules[r].drop) continue;
      const auto& base_rules = grammars_[b].rules;
      for (size_t br = 0; br < base_rules.size(); ++br) {
        if (base_rules[br].id != grammar.rules[r].id || !seen_[b][br]) continue;
        // A mapping that failed for the base fails again for each version below it with the same message:
        // reported once, at the first version it failed for.
        if (failed_.count({b, br})) {
          seen_[g][r] = seen_[b][br];
          failed_.insert({g, r});
          break;
        }
        const size_t before = errors_->size();
        bind_rule(g, *seen_[b][br]);
        for (size_t e = before; e < errors_->size(); ++e) {
          (*errors_)[e].notes.push_back(
              {grammar.header_pos, fmt::format("inherited by grammar {} {}", grammar.name, grammar.version)});
        }
        if (errors_->size() > before) failed_.insert({g, r});
        set_.mappings[g][r].inherited = true;
        break;
      }
    }
  }

  void error(Position pos, std::string code, std::string message, std::vector<Diagnostic::Note> notes = {}) {
    errors_->push_back(Diagnostic{std::move(pos), std::move(code), std::move(message), std::move(notes)});
  }

  void bind_rule(size_t g, const mapping::RuleMappingDecl& decl) {
    const CompiledGrammar& grammar = grammars_[g];
    size_t r = 0;
    while (r < grammar.rules.size() && grammar.rules[r].id != decl.rule_id) ++r;
    if (r == grammar.rules.size()) {
      error(decl.pos, "unknown-rule", fmt::format("grammar '{} {}' has no rule '{}'", grammar.name, grammar.version,
                                                  decl.rule_id));
      return;
    }
    if (seen_[g][r]) {
      error(decl.pos, "duplicate-mapping", fmt::format("rule '{}' is already mapped", decl.rule_id),
            {{seen_[g][r]->pos, "first mapped here"}});
      return;
    }
    seen_[g][r] = &decl;
    const CompiledRule& rule = grammar.rules[r];
    if (rule.drop) {
      error(decl.pos, "mapping-for-drop-rule",
            fmt::format("rule '{}' is a drop rule: its lines are counted and dropped, never mapped; remove this "
                        "mapping, or declare the rule with 'rule' instead of 'drop'", decl.rule_id),
            {{rule.pos, "declared here"}});
      return;
    }
    RuleMapping& out = set_.mappings[g][r];

    for (const FD* f : payloads_) {
      if (f->message_type()->full_name() == decl.message) out.payload = f;
    }
    if (!out.payload) {
      if (pb::DescriptorPool::generated_pool()->FindMessageTypeByName(decl.message)) {
        error(decl.message_pos, "not-a-payload",
              fmt::format("message '{}' is not a payload of strictlog.v1.Event: add it to Event's 'payload' oneof",
                          decl.message));
      } else {
        error(decl.message_pos, "unknown-message", fmt::format("unknown message '{}'", decl.message));
      }
      return;
    }

    std::vector<bool> used(rule.captures.size(), false);
    std::map<std::string, Position, std::less<>> assigned;
    for (const auto& fa : decl.fields) {
      if (auto [it, inserted] = assigned.emplace(fa.field, fa.pos); !inserted) {
        error(fa.pos, "duplicate-field", fmt::format("field '{}' is already assigned", fa.field),
              {{it->second, "first assigned here"}});
        mark_used(rule, fa.value, &used);
        continue;
      }
      if (is_group(rule, fa.value)) {
        bind_group(rule, out, fa, &assigned, &used);
        continue;
      }
      bind_assignment(rule, out, fa, std::string::npos, &used);
    }
    std::vector<const Position*> discarded(rule.captures.size(), nullptr);
    for (const auto& d : decl.discards) {
      int c = find_capture(rule, d.capture, d.pos);
      if (c < 0) continue;
      if (const Position* first = discarded[static_cast<size_t>(c)]) {
        error(d.pos, "duplicate-discard", fmt::format("capture '{}' is already discarded", d.capture),
              {{*first, "first discarded here"}});
        continue;
      }
      discarded[static_cast<size_t>(c)] = &d.pos;
      if (used[static_cast<size_t>(c)]) {
        error(d.pos, "discarded-capture-used", fmt::format("capture '{}' is both mapped and discarded", d.capture));
      }
      used[static_cast<size_t>(c)] = true;
      for (int other : same_name(rule, c)) used[static_cast<size_t>(other)] = true;
    }
    // Alternatives that share a name are one capture to map or discard: one error, a note at each.
    for (size_t c = 0; c < rule.captures.size(); ++c) {
      if (!used[c] && find_first(rule, rule.captures[c].name) == static_cast<int>(c)) {
        std::vector<Diagnostic::Note> notes{{rule.captures[c].pos, "captured here"}};
        for (int other : same_name(rule, static_cast<int>(c))) {
          notes.push_back({rule.captures[static_cast<size_t>(other)].pos, "captured here"});
        }
        error(decl.pos, "unmapped-capture",
              fmt::format("capture '{}' of rule '{}' is neither mapped nor discarded: map it to a field or add "
                          "'discard {};'", rule.captures[c].name, rule.id, rule.captures[c].name),
              std::move(notes));
      }
    }
  }

  // `src_endpoint = client;` where `client` captured a pattern: each capture `client.X` sets
  // `src_endpoint.X`, so a pattern maps onto a message whose fields share its capture names.
  static bool is_group(const CompiledRule& rule, const mapping::ValueExpr& v) {
    if (v.kind != mapping::ValueExpr::Kind::kCapture) return false;
    bool prefix = false;
    for (const auto& c : rule.captures) {
      if (c.name == v.text) return false;
      prefix = prefix || (c.name.size() > v.text.size() && c.name.starts_with(v.text) && c.name[v.text.size()] == '.');
    }
    return prefix;
  }

  // Each member is a field assignment of its own, so it counts against fields assigned elsewhere.
  void bind_group(const CompiledRule& rule, RuleMapping& out, const mapping::FieldAssignment& fa,
                  std::map<std::string, Position, std::less<>>* assigned, std::vector<bool>* used) {
    size_t written = static_cast<size_t>(std::count(fa.field.begin(), fa.field.end(), '.')) + 1;
    for (size_t i = 0; i < rule.captures.size(); ++i) {
      const CaptureInfo& c = rule.captures[i];
      if (!c.name.starts_with(fa.value.text + ".")) continue;
      // Alternatives that share a name are one field: bound once, at the first.
      if (find_first(rule, c.name) != static_cast<int>(i)) continue;
      std::string suffix = c.name.substr(fa.value.text.size());
      mapping::FieldAssignment member = fa;
      member.field = fa.field + suffix;
      member.value.text = c.name;
      if (auto [it, inserted] = assigned->emplace(member.field, fa.pos); !inserted) {
        error(fa.pos, "duplicate-field", fmt::format("field '{}' is already assigned", member.field),
              {{it->second, "first assigned here"}});
        mark_used(rule, member.value, used);
        continue;
      }
      bind_assignment(rule, out, member, written, used);
    }
  }

  // `written`: how many segments of fa.field are written at fa.pos (the rest came from a pattern capture).
  // A capture named by a value that fails to bind still counts as mapped: one mistake, one error, not a
  // second "neither mapped nor discarded" with advice to discard what the user did map.
  void bind_assignment(const CompiledRule& rule, RuleMapping& out, const mapping::FieldAssignment& fa,
                       size_t written, std::vector<bool>* used) {
    FieldOp op;
    if (resolve_field(out.payload->message_type(), fa, written, &op) && bind_value(rule, fa, &op, used)) {
      out.ops.push_back(std::move(op));
      return;
    }
    mark_used(rule, fa.value, used);
  }

  static void mark_used(const CompiledRule& rule, const mapping::ValueExpr& v, std::vector<bool>* used) {
    if (v.kind != mapping::ValueExpr::Kind::kCapture && v.kind != mapping::ValueExpr::Kind::kConversion) return;
    const std::string& name = v.kind == mapping::ValueExpr::Kind::kConversion ? v.argument : v.text;
    for (size_t c = 0; c < rule.captures.size(); ++c) {
      if (rule.captures[c].name == name) (*used)[c] = true;
    }
  }

  bool resolve_field(const pb::Descriptor* message, const mapping::FieldAssignment& fa, size_t written,
                     FieldOp* op) {
    // A segment that a pattern capture added (`src_endpoint = client;` sets src_endpoint.ip) is not written
    // where the field is: point at the capture instead.
    auto segment_at = [&](size_t segment) {
      return segment < written ? segment_pos(fa.pos, fa.field, segment) : fa.value.pos;
    };
    op->field_name = fa.field;
    size_t start = 0, segment = 0;
    while (true) {
      size_t dot = fa.field.find('.', start);
      std::string name = fa.field.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      const FD* f = message->FindFieldByName(name);
      if (!f) {
        error(segment_at(segment), "unknown-field",
              fmt::format("message '{}' has no field '{}'", message->full_name(), name));
        return false;
      }
      if (f->is_map() && dot != std::string::npos) {
        error(segment_at(segment), "type-mismatch",
              fmt::format("field '{}' is a {}: a 'kv' capture sets it whole, not by key", name, type_name(f)));
        return false;
      }
      if (f->is_repeated() && !f->is_map()) {
        error(segment_at(segment), "repeated-field",
              fmt::format("field '{}' is repeated; mappings set singular fields only", name));
        return false;
      }
      op->path.push_back(f);
      const pb::Message* prototype = pb::MessageFactory::generated_factory()->GetPrototype(message);
      op->reflections.push_back(prototype ? prototype->GetReflection() : nullptr);
      if (dot == std::string::npos) {
        if (f->type() == FD::TYPE_MESSAGE && !mapping::leaf::is_set_whole(f)) {
          error(segment_at(segment), "type-mismatch",
                fmt::format("field '{}' is a message ({}); map its fields one by one, e.g. '{}.<field>'", fa.field,
                            f->message_type()->full_name(), fa.field));
          return false;
        }
        return true;
      }
      if (f->type() != FD::TYPE_MESSAGE) {
        error(segment_at(segment), "type-mismatch",
              fmt::format("field '{}' is {}, not a message, so it has no field '{}'", name, type_name(f),
                          fa.field.substr(dot + 1)));
        return false;
      }
      message = f->message_type();
      start = dot + 1;
      ++segment;
    }
  }

  static int find_first(const CompiledRule& rule, const std::string& name) {
    for (size_t c = 0; c < rule.captures.size(); ++c) {
      if (rule.captures[c].name == name) return static_cast<int>(c);
    }
    return -1;
  }

  // The captures after `first` that share its name: alternatives (`( ip:ipv4 | ip:ipv6 )`) that fill one field.
  static std::vector<int> same_name(const CompiledRule& rule, int first) {
    std::vector<int> out;
    for (size_t c = static_cast<size_t>(first) + 1; c < rule.captures.size(); ++c) {
      if (rule.captures[c].name == rule.captures[static_cast<size_t>(first)].name) out.push_back(static_cast<int>(c));
    }
    return out;
  }

  int find_capture(const CompiledRule& rule, const std::string& name, const Position& pos) {
    if (int c = find_first(rule, name); c >= 0) return c;
    std::string known;  // each name once, alternatives that share it included
    for (size_t c = 0; c < rule.captures.size(); ++c) {
      if (find_first(rule, rule.captures[c].name) != static_cast<int>(c)) continue;
      known += (known.empty() ? "" : ", ") + rule.captures[c].name;
    }
    error(pos, "unknown-capture",
          fmt::format("rule '{}' has no capture '{}' (it has: {})", rule.id, name, known.empty() ? "none" : known));
    return -1;
  }

  bool bind_value(const CompiledRule& rule, const mapping::FieldAssignment& fa, FieldOp* op, std::vector<bool>* used) {
    const FD* leaf = op->path.back();
    const auto& v = fa.value;
    switch (v.kind) {
      case mapping::ValueExpr::Kind::kCapture: {
        int c = find_capture(rule, v.text, v.pos);
        if (c < 0) return false;
        mark_used(rule, v, used);
        const CaptureInfo& info = rule.captures[static_cast<size_t>(c)];
        if (!fits(info.type->output, leaf)) {
          std::string hint = leaf->type() == FD::TYPE_ENUM ? fmt::format("; use 'enum({})'", v.text) : "";
          error(v.pos, "type-mismatch",
                fmt::format("capture '{}' is {} but field '{}' is {}{}", v.text, capture_type(info), fa.field,
                            type_name(leaf), hint));
          return false;
        }
        op->source = FieldOp::Source::kCapture;
        op->capture = c;
        op->alternatives = same_name(rule, c);
        return true;
      }
      case mapping::ValueExpr::Kind::kConversion: {
        if (v.text != "enum") {
          error(v.pos, "unknown-conversion", fmt::format("unknown conversion '{}' (known: enum)", v.text));
          return false;
        }
        int c = find_capture(rule, v.argument, v.argument_pos);
        if (c < 0) return false;
        mark_used(rule, v, used);
        const CaptureInfo& info = rule.captures[static_cast<size_t>(c)];
        if (leaf->type() != FD::TYPE_ENUM) {
          error(v.pos, "type-mismatch",
                fmt::format("enum() sets enum fields, but field '{}' is {}", fa.field, type_name(leaf)));
          return false;
        }
        if (info.type->output != ValueKind::kString) {
          error(v.argument_pos, "type-mismatch",
                fmt::format("enum() converts text, but capture '{}' is {}", v.argument, capture_type(info)));
          return false;
        }
        op->source = FieldOp::Source::kEnumFromText;
        op->capture = c;
        op->alternatives = same_name(rule, c);
        op->enum_values = enum_text_forms(leaf->enum_type());
        return bind_overrides(rule, v, leaf->enum_type(), op);
      }
      case mapping::ValueExpr::Kind::kString: {
        op->source = FieldOp::Source::kConstant;
        if (leaf->type() == FD::TYPE_STRING) {
          op->string_value = v.text;
          return true;
        }
        if (leaf->type() == FD::TYPE_ENUM) {
          const auto* ev = leaf->enum_type()->FindValueByName(v.text);
          if (!ev) {
            error(v.pos, "unknown-enum-value",
                  fmt::format("enum {} has no value '{}'", leaf->enum_type()->full_name(), v.text));
            return false;
          }
          op->number_value = static_cast<uint64_t>(ev->number());
          return true;
        }
        error(v.pos, "type-mismatch",
              fmt::format("a string constant cannot set field '{}', which is {}", fa.field, type_name(leaf)));
        return false;
      }
      case mapping::ValueExpr::Kind::kNumber: {
        op->source = FieldOp::Source::kConstant;
        const uint64_t max = mapping::leaf::max_number_constant(leaf);
        if (max == 0) {
          error(v.pos, "type-mismatch",
                fmt::format("a number constant cannot set field '{}', which is {}", fa.field, type_name(leaf)));
          return false;
        }
        uint64_t n = 0;
        for (char ch : v.text) {
          uint64_t digit = static_cast<uint64_t>(ch - '0');
          if (n > (max - digit) / 10) {
            error(v.pos, "constant-out-of-range",
                  fmt::format("{} does not fit field '{}' ({})", v.text, fa.field, type_name(leaf)));
            return false;
          }
          n = n * 10 + digit;
        }
        op->number_value = n;
        return true;
      }
    }
    return false;
  }

  // Adds `enum(c, "text" = VALUE)` overrides to op->enum_values, then checks that every alternative of an
  // `enum` capture has a value: a rule must not match a text that its mapping cannot convert.
  bool bind_overrides(const CompiledRule& rule, const mapping::ValueExpr& v, const pb::EnumDescriptor* e, FieldOp* op) {
    bool ok = true;
    for (size_t i = 0; i < v.overrides.size(); ++i) {
      const auto& o = v.overrides[i];
      const auto* value = e->FindValueByName(o.value);
      if (!value || value->number() == 0) {
        error(o.value_pos, "unknown-enum-value",
              value ? fmt::format("{} is the 'unspecified' value of {}; a log text must name a real value", o.value,
                                  e->full_name())
                    : fmt::format("enum {} has no value '{}'", e->full_name(), o.value));
        ok = false;
        continue;
      }
      bool repeated = false;
      for (size_t j = 0; j < i; ++j) repeated = repeated || v.overrides[j].text == o.text;
      if (repeated) {
        error(o.pos, "duplicate-enum-text", fmt::format("\"{}\" is already given a value", o.text));
        ok = false;
        continue;
      }
      // An explicit text replaces the derived one of the same spelling.
      std::erase_if(op->enum_values, [&](const auto& form) { return form.first == o.text; });
      op->enum_values.emplace_back(o.text, value->number());
    }
    if (!ok) return false;
    std::vector<int> captures{op->capture};
    captures.insert(captures.end(), op->alternatives.begin(), op->alternatives.end());
    for (int c : captures) {
      for (const auto& text : rule.captures[static_cast<size_t>(c)].alternatives) {
        bool known = std::any_of(op->enum_values.begin(), op->enum_values.end(),
                                 [&](const auto& form) { return form.first == text; });
        if (known) continue;
        std::string forms;
        for (const auto& form : op->enum_values) forms += (forms.empty() ? "" : ", ") + form.first;
        error(v.argument_pos, "enum-value-missing",
              fmt::format("capture '{}' can be \"{}\", which is not a value of {} (its texts: {}); name it: "
                          "enum({}, \"{}\" = <VALUE>)", v.argument, text, e->full_name(), forms, v.argument, text),
              {{rule.captures[static_cast<size_t>(c)].pos, "the alternatives are listed here"}});
        ok = false;
      }
    }
    return ok;
  }

  const std::vector<CompiledGrammar>& grammars_;
  Diagnostics* errors_;
  MappingSet set_;
  std::vector<std::vector<const mapping::RuleMappingDecl*>> seen_;
  std::set<std::pair<size_t, size_t>> failed_;  // (grammar, rule) whose mapping did not bind
  std::vector<const FD*> payloads_;
};

}  // namespace

Result<MappingSet> bind_mappings(const std::vector<mapping::MappingFile>& files,
                                 const std::vector<CompiledGrammar>& grammars) {
  Diagnostics errors;
  Binder binder(grammars, &errors);
  for (const auto& f : files) binder.bind_file(f);
  binder.inherit();
  binder.check_complete();
  if (!errors.empty()) return errors;
  return binder.take();
}

}  // namespace strictlog
