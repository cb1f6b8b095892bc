// Field type `word`: a run of one or more non-whitespace characters, kept as text.
//
// Whitespace is RE2's `\s`, which is exactly [\t\n\f\r ]: unlike Perl and PCRE it leaves out \v, and it
// leaves out Unicode spaces such as U+00A0, so those are part of a word. Rules match bytes
// (compile/compile.h: rule_regex_options) and only lines validated as UTF-8 reach them, so a multi-byte
// character is a run of bytes >= 0x80, all part of the word.
//
// Internal to the fields stage: registry.cc includes it; other stages use field_type.h.
#pragma once

#include <string>
#include <string_view>

#include "fields/field_type.h"

namespace strictlog {
namespace fields_internal::word {

inline constexpr std::string_view kRegex = "[^\\s]+";

inline constexpr std::string_view kAccepts[] = {"client1", "AES-256-GCM", "[AF_INET]10.8.0.6:1194", "é"};
inline constexpr std::string_view kRejects[] = {"", "two words", "tab\there", " lead"};

inline bool convert(std::string_view text, Value* out, std::string*) {
  *out = Value{ValueKind::kString, text, 0};
  return true;
}

}  // namespace fields_internal::word

inline constexpr FieldType kWord{
    .name = "word",
    .summary = "one or more characters other than space, \\t, \\n, \\f, \\r",
    .regex = fields_internal::word::kRegex,
    .output = ValueKind::kString,
    .convert = fields_internal::word::convert,
    .accepts = fields_internal::word::kAccepts,
    .rejects = fields_internal::word::kRejects,
};

}  // namespace strictlog
