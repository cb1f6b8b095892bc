#include <fmt/format.h>

#include <algorithm>

#include "ingest/utf8.h"
#include "mapping/internal/leaf.h"
#include "mapping/mapping.h"

namespace strictlog {
namespace {

namespace pb = google::protobuf;

// Matches log text against an enum's text forms exactly: a program that starts printing `SOFT` for `soft`
// has changed its format, and that must show up as CONVERSION, not pass unnoticed.
const std::pair<std::string, int>* find_enum_text(const FieldOp& op, std::string_view text) {
  for (const auto& candidate : op.enum_values) {
    if (candidate.first == text) return &candidate;
  }
  return nullptr;
}

// The reflection of `m`, the message that holds op.path[i]: the one looked up when binding, when there is one.
const pb::Reflection* reflection_at(const FieldOp& op, size_t i, const pb::Message* m) {
  return i < op.reflections.size() && op.reflections[i] ? op.reflections[i] : m->GetReflection();
}

}  // namespace

bool convert_captures(const CompiledRule& rule, const re2::StringPiece* groups, Value* values, std::string* error) {
  for (size_t c = 0; c < rule.captures.size(); ++c) {
    const re2::StringPiece& g = groups[c + 1];
    if (g.data() == nullptr) continue;
    std::string_view text(g.data(), g.size());
    const FieldType& type = *rule.captures[c].type;
    // Rules match bytes (compile.h), so two adjacent captures can meet inside a multi-byte character; such
    // a capture is not text, and a protobuf string must be.
    const bool text_value = type.output == ValueKind::kString || type.output == ValueKind::kMap;
    if (text_value && check_encoding(text)) {
      *error = fmt::format("capture '{}' splits a UTF-8 character with a neighbouring capture (the rule needs a "
                           "literal between them)", rule.captures[c].name);
      return false;
    }
    values[c].kind = type.output;
    values[c].text = text;
    if (!type.convert(text, &values[c], error)) {
      *error = fmt::format("capture '{}': cannot convert '{}' to {}: {}", rule.captures[c].name, text, type.name,
                           *error);
      return false;
    }
  }
  return true;
}

bool apply_mapping(const RuleMapping& mapping, const CompiledRule& rule, const re2::StringPiece* groups,
                   Value* values, v1::Event* event, std::string* error) {
  // Every present capture is converted, mapped or discarded alike: a line whose captures do not all hold
  // values of their declared types is not a valid instance of the rule.
  if (!convert_captures(rule, groups, values, error)) return false;
  if (mapping.payload == nullptr) return true;  // a drop rule: nothing to set

  static const pb::Reflection* const event_reflection = v1::Event::GetReflection();
  pb::Message* payload = event_reflection->MutableMessage(event, mapping.payload);
  // The message that holds the last leaf set, and its op: the next op whose leaf has the same path to its
  // message (the members of a pattern mapped onto a message) sets its field without walking the path again.
  const FieldOp* last_op = nullptr;
  pb::Message* last_holder = nullptr;
  for (const FieldOp& op : mapping.ops) {
    Value v;
    if (op.source == FieldOp::Source::kConstant) {
      v = mapping::leaf::constant_value(op);
    } else {
      int c = op.capture;
      for (size_t i = 0; groups[c + 1].data() == nullptr && i < op.alternatives.size(); ++i) c = op.alternatives[i];
      if (groups[c + 1].data() == nullptr) continue;  // absent optional capture: field stays unset
      v = values[c];
      if (op.source == FieldOp::Source::kEnumFromText) {
        const auto* e = find_enum_text(op, v.text);
        if (!e) {
          std::string known;
          for (const auto& candidate : op.enum_values) known += (known.empty() ? "" : ", ") + candidate.first;
          *error = fmt::format("capture '{}': '{}' is not a value of {} (expected one of: {})",
                               rule.captures[static_cast<size_t>(c)].name, v.text,
                               op.path.back()->enum_type()->full_name(), known);
          return false;
        }
        v.number = static_cast<uint64_t>(e->second);
      }
    }
    const size_t depth = op.path.size() - 1;
    pb::Message* m = payload;
    if (last_op && last_op->path.size() == op.path.size() &&
        std::equal(op.path.begin(), op.path.begin() + static_cast<ptrdiff_t>(depth), last_op->path.begin())) {
      m = last_holder;
    } else {
      for (size_t i = 0; i < depth; ++i) m = reflection_at(op, i, m)->MutableMessage(m, op.path[i]);
    }
    last_op = &op;
    last_holder = m;
    if (std::string range; !mapping::leaf::set(reflection_at(op, depth, m), m, op.path.back(), v, &range)) {
      *error = fmt::format("capture '{}': '{}' does not fit field '{}' ({})",
                           rule.captures[static_cast<size_t>(op.capture)].name, v.text, op.field_name, range);
      return false;
    }
  }
  return true;
}

}  // namespace strictlog
