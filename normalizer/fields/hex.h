// Field type `hex`: an unsigned hexadecimal number of at most 64 bits, as a uint64.
//
// 1-16 hex digits, either case, optionally after `0x` or `0X` (printf's %x, %X, %#x, %#X). The 16-digit cap
// counts leading zeros, as `uint`'s 20-digit cap does, so every text the regex takes fits in 64 bits and
// `convert` never fails. No sign, no `h` suffix, no separators (`de:ad` is two numbers).
// A text of decimal digits alone (`1234`) is a hex number too: the grammar position says which is meant.
//
// Internal to the fields stage: registry.cc includes it; other stages use field_type.h.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "fields/field_type.h"

namespace strictlog {
namespace fields_internal::hex {

inline constexpr std::string_view kRegex = "(?:0[xX])?[0-9A-Fa-f]{1,16}";

inline constexpr std::string_view kAccepts[] = {"0x1f", "DEADBEEF", "0", "0XFFFFFFFFFFFFFFFF", "00ff"};
inline constexpr std::string_view kRejects[] = {"0x", "0x10000000000000000", "-1", "0xg", "x1f", "1f h", ""};

inline bool convert(std::string_view text, Value* out, std::string* error) {
  std::string_view digits = text;
  if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) digits.remove_prefix(2);
  uint64_t n = 0;
  const char* end = digits.data() + digits.size();
  auto [ptr, ec] = std::from_chars(digits.data(), end, n, 16);
  if (ec != std::errc() || ptr != end) {  // not reached through the regex: 16 digits always fit
    *error = "not a hexadecimal number of at most 16 digits";
    return false;
  }
  *out = Value{.kind = ValueKind::kUint64, .text = text, .number = n};
  return true;
}

}  // namespace fields_internal::hex

inline constexpr FieldType kHex{
    .name = "hex",
    .summary = "hexadecimal number, 1-16 digits either case, optional 0x or 0X; becomes its value",
    .regex = fields_internal::hex::kRegex,
    .output = ValueKind::kUint64,
    .convert = fields_internal::hex::convert,
    .accepts = fields_internal::hex::kAccepts,
    .rejects = fields_internal::hex::kRejects,
};

}  // namespace strictlog
