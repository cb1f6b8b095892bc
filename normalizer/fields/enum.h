// Field type `enum`: one of a list of literal alternatives written with the capture, e.g.
// `hardness:enum("soft", "hard", "connection failed(soft)")`, kept as text. The mapping turns the text into
// a proto enum value (`hardness = enum(hardness);`), and checks when it loads that every alternative has
// one, so a rule cannot match a text that its mapping then fails to convert.
//
// The only parameterized type: its regex is built per capture from the alternatives (compile/compile.cc),
// so `kRegex` here is the form the examples below are written against.
//
// Internal to the fields stage: registry.cc includes it; other stages use field_type.h.
#pragma once

#include <string>
#include <string_view>

#include "fields/field_type.h"

namespace strictlog {
namespace fields_internal::enum_type {

// The regex of `enum("soft", "hard", "connection failed(soft)")`, which the examples are checked against.
inline constexpr std::string_view kRegex = "soft|hard|connection failed\\(soft\\)";

inline constexpr std::string_view kAccepts[] = {"soft", "hard", "connection failed(soft)"};
inline constexpr std::string_view kRejects[] = {"", "Soft", "connection failed", "hard,"};

inline bool convert(std::string_view text, Value* out, std::string*) {
  *out = Value{ValueKind::kString, text, 0};
  return true;
}

}  // namespace fields_internal::enum_type

inline constexpr FieldType kEnum{
    .name = "enum",
    .summary = "one of the quoted alternatives written with it: enum(\"soft\", \"hard\"); maps to a proto enum",
    .regex = fields_internal::enum_type::kRegex,
    .output = ValueKind::kString,
    .convert = fields_internal::enum_type::convert,
    .accepts = fields_internal::enum_type::kAccepts,
    .rejects = fields_internal::enum_type::kRejects,
};

}  // namespace strictlog
