#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <limits>
#include <map>

#include "mapping/mapping.h"

namespace strictlog {
namespace {

namespace pb = google::protobuf;
using FD = pb::FieldDescriptor;

std::string type_name(const FD* f) {
  if (f->type() == FD::TYPE_ENUM) return std::string(f->enum_type()->full_name());
  if (f->type() == FD::TYPE_MESSAGE) return std::string(f->message_type()->full_name());
  return f->type_name();
}

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

bool fits(ValueKind k, const FD* f) {
  switch (k) {
    case ValueKind::kString: return f->cpp_type() == FD::CPPTYPE_STRING && f->type() == FD::TYPE_STRING;
    case ValueKind::kUint32: return f->cpp_type() == FD::CPPTYPE_UINT32 || f->cpp_type() == FD::CPPTYPE_UINT64;
    case ValueKind::kUint64: return f->cpp_type() == FD::CPPTYPE_UINT64;
  }
  return false;
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
    for (const auto& decl : file.rules) bind_rule(g, decl);
  }

  // Every rule of every grammar needs a mapping; called after all files are bound.
  void check_complete() {
    for (size_t g = 0; g < grammars_.size(); ++g) {
      for (size_t r = 0; r < grammars_[g].rules.size(); ++r) {
        if (!seen_[g][r]) {
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
    }
    for (size_t c = 0; c < rule.captures.size(); ++c) {
      if (!used[c]) {
        error(decl.pos, "unmapped-capture",
              fmt::format("capture '{}' of rule '{}' is neither mapped nor discarded: map it to a field or add "
                          "'discard {};'", rule.captures[c].name, rule.id, rule.captures[c].name),
              {{rule.captures[c].pos, "captured here"}});
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
    for (const auto& c : rule.captures) {
      if (!c.name.starts_with(fa.value.text + ".")) continue;
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
      if (f->is_repeated()) {
        error(segment_at(segment), "repeated-field",
              fmt::format("field '{}' is repeated; mappings set singular fields only", name));
        return false;
      }
      op->path.push_back(f);
      if (dot == std::string::npos) {
        if (f->type() == FD::TYPE_MESSAGE) {
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

  int find_capture(const CompiledRule& rule, const std::string& name, const Position& pos) {
    for (size_t c = 0; c < rule.captures.size(); ++c) {
      if (rule.captures[c].name == name) return static_cast<int>(c);
    }
    std::string known;
    for (const auto& c : rule.captures) known += (known.empty() ? "" : ", ") + c.name;
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
        (*used)[static_cast<size_t>(c)] = true;
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
        return true;
      }
      case mapping::ValueExpr::Kind::kConversion: {
        if (v.text != "enum") {
          error(v.pos, "unknown-conversion", fmt::format("unknown conversion '{}' (known: enum)", v.text));
          return false;
        }
        int c = find_capture(rule, v.argument, v.argument_pos);
        if (c < 0) return false;
        (*used)[static_cast<size_t>(c)] = true;
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
        op->enum_values = enum_text_forms(leaf->enum_type());
        return true;
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
        uint64_t max = leaf->cpp_type() == FD::CPPTYPE_UINT32   ? std::numeric_limits<uint32_t>::max()
                       : leaf->cpp_type() == FD::CPPTYPE_UINT64 ? std::numeric_limits<uint64_t>::max()
                                                                 : 0;
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

  const std::vector<CompiledGrammar>& grammars_;
  Diagnostics* errors_;
  MappingSet set_;
  std::vector<std::vector<const mapping::RuleMappingDecl*>> seen_;
  std::vector<const FD*> payloads_;
};

}  // namespace

Result<MappingSet> bind_mappings(const std::vector<mapping::MappingFile>& files,
                                 const std::vector<CompiledGrammar>& grammars) {
  Diagnostics errors;
  Binder binder(grammars, &errors);
  for (const auto& f : files) binder.bind_file(f);
  binder.check_complete();
  if (!errors.empty()) return errors;
  return binder.take();
}

}  // namespace strictlog
