// Field type `ident`: an identifier as programs print names of variables and options (`IV_VER`, `UV_ROLE`,
// `auth_user_pass_verify`), kept as text.
//
// ASCII letters, digits and `_`, not starting with a digit. Where a name is followed by `=` and a value
// that may itself hold `=` (OpenVPN's `peer info: UV_TOKEN=abc==`), `word` would take the name and part of
// the value; `ident` stops at the first character that is not part of a name.
//
// Internal to the fields stage: registry.cc includes it; other stages use field_type.h.
#pragma once

#include <string>
#include <string_view>

#include "fields/field_type.h"

namespace strictlog {
namespace fields_internal::ident {

inline constexpr std::string_view kRegex = "[A-Za-z_][A-Za-z0-9_]*";

inline constexpr std::string_view kAccepts[] = {"IV_VER", "x", "_private", "UV_2FA"};
inline constexpr std::string_view kRejects[] = {"", "2FA", "IV-VER", "IV_VER=1", "caf\xc3\xa9"};

inline bool convert(std::string_view text, Value* out, std::string*) {
  *out = Value{ValueKind::kString, text, 0};
  return true;
}

}  // namespace fields_internal::ident

inline constexpr FieldType kIdent{
    .name = "ident",
    .summary = "an identifier: ASCII letters, digits and '_', not starting with a digit",
    .regex = fields_internal::ident::kRegex,
    .output = ValueKind::kString,
    .convert = fields_internal::ident::convert,
    .accepts = fields_internal::ident::kAccepts,
    .rejects = fields_internal::ident::kRejects,
};

}  // namespace strictlog
