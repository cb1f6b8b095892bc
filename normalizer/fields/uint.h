// Field type `uint`: an unsigned decimal integer that fits in 64 bits, as a uint64.
//
// Digits only, no sign, at most 20 of them (the length of 18446744073709551615). Leading zeros are
// allowed and ignored (`007` is 7): counters and ids padded with zeros are harmless, unlike for `port`.
// The 20-digit cap includes them, so `000000000000000000001` (21 digits) does not match.
// The regex cannot express the 2^64 bound; `convert` reports overflow with both numbers.
//
// Internal to the fields stage: registry.cc includes it; other stages use field_type.h.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "fields/field_type.h"
#include "fields/internal/decimal.h"

namespace strictlog {
namespace fields_internal::uint {

inline constexpr std::string_view kRegex = "[0-9]{1,20}";

inline constexpr std::string_view kAccepts[] = {"0", "42", "007", "18446744073709551615"};
inline constexpr std::string_view kRejects[] = {
    "18446744073709551616", "99999999999999999999", "-1", "+5", "", "1.5", "123456789012345678901",
};

inline bool convert(std::string_view text, Value* out, std::string* error) {
  return convert_decimal(text, std::numeric_limits<uint64_t>::max(), ValueKind::kUint64, out, error);
}

}  // namespace fields_internal::uint

inline constexpr FieldType kUint{
    .name = "uint",
    .summary = "unsigned decimal integer up to 18446744073709551615; leading zeros allowed",
    .regex = fields_internal::uint::kRegex,
    .output = ValueKind::kUint64,
    .convert = fields_internal::uint::convert,
    .accepts = fields_internal::uint::kAccepts,
    .rejects = fields_internal::uint::kRejects,
};

}  // namespace strictlog
