// Field type `quoted`: a string in single or double quotes, as OpenVPN prints option values
// (`'AES-256-GCM'`, `"x"`); the value is the text between the quotes.
//
// No escapes: the closing quote is the opening one, and it does not occur inside (`'it''s'` and `"a\"b"`
// are refused); the other kind of quote may (`"it's"`). The quotes may hold nothing (`''`, an empty value)
// and anything else on the line, spaces included. `Value::text` points at the inside, in the line, so
// nothing is copied.
//
// Internal to the fields stage: registry.cc includes it; other stages use field_type.h.
#pragma once

#include <string>
#include <string_view>

#include "fields/field_type.h"

namespace strictlog {
namespace fields_internal::quoted {

inline constexpr std::string_view kRegex = "'[^']*'|\"[^\"]*\"";

inline constexpr std::string_view kAccepts[] = {"'AES-256-GCM'", "\"x\"", "''", "'peer-id 0'", "\"it's\""};
inline constexpr std::string_view kRejects[] = {"AES-256-GCM", "'AES-256-GCM\"", "'it''s'", "\"a\\\"b\"", "'",
                                                "'open", ""};

// The regex is exact: `text` starts and ends with the same quote, which does not occur in between.
inline bool convert(std::string_view text, Value* out, std::string*) {
  *out = Value{ValueKind::kString, text.substr(1, text.size() - 2), 0};
  return true;
}

}  // namespace fields_internal::quoted

inline constexpr FieldType kQuoted{
    .name = "quoted",
    .summary = "text in '...' or \"...\" without escapes; becomes the text between the quotes",
    .regex = fields_internal::quoted::kRegex,
    .output = ValueKind::kString,
    .convert = fields_internal::quoted::convert,
    .accepts = fields_internal::quoted::kAccepts,
    .rejects = fields_internal::quoted::kRejects,
};

}  // namespace strictlog
