#include <fmt/format.h>

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

  pb::Message* payload = event->GetReflection()->MutableMessage(event, mapping.payload);
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
    pb::Message* m = payload;
    for (size_t i = 0; i + 1 < op.path.size(); ++i) m = m->GetReflection()->MutableMessage(m, op.path[i]);
    if (std::string range; !mapping::leaf::set(m, op.path.back(), v, &range)) {
      *error = fmt::format("capture '{}': '{}' does not fit field '{}' ({})",
                           rule.captures[static_cast<size_t>(op.capture)].name, v.text, op.field_name, range);
      return false;
    }
  }
  return true;
}

}  // namespace strictlog
