// Field type `rest`: everything up to the end of the line, possibly nothing, kept as text.
//
// Rule regexes are compiled with dot_nl=false and matched against one line without its terminator, so
// `.*` never has a newline to cross; a line with an embedded \n does not match.
// Rules match bytes (compile/compile.h: rule_regex_options), and only lines already validated as UTF-8
// reach them, so `.` takes multi-byte characters byte by byte.
//
// Internal to the fields stage: registry.cc includes it; other stages use field_type.h.
#pragma once

#include <string>
#include <string_view>

#include "fields/field_type.h"

namespace strictlog {
namespace fields_internal::rest {

inline constexpr std::string_view kRegex = ".*";

inline constexpr std::string_view kAccepts[] = {"", "Initialization Sequence Completed", "  spaced  out "};
inline constexpr std::string_view kRejects[] = {"two\nlines"};

inline bool convert(std::string_view text, Value* out, std::string*) {
  *out = Value{ValueKind::kString, text, 0};
  return true;
}

}  // namespace fields_internal::rest

inline constexpr FieldType kRest{
    .name = "rest",
    .summary = "the rest of the line, possibly empty",
    .regex = fields_internal::rest::kRegex,
    .output = ValueKind::kString,
    .convert = fields_internal::rest::convert,
    .accepts = fields_internal::rest::kAccepts,
    .rejects = fields_internal::rest::kRejects,
};

}  // namespace strictlog
