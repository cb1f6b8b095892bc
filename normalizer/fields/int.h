// Field type `int`: a signed decimal integer that fits in 64 bits, as an int64.
//
// An optional '-', then 1-19 digits (the length of 9223372036854775807). No '+': the programs we parse
// print with %d/%ld, which never writes one, so `+5` is not the number we think it is. Leading zeros are
// allowed and ignored, as for `uint` (`-007` is -7; `-0` is 0). The regex cannot express the int64 bounds;
// `convert` reports overflow with both numbers.
//
// The value fits int64, sint64, sfixed64 fields, and int32, sint32, sfixed32 ones: proto has no type that
// says "small", so the range is checked when a line is applied, and a value outside int32 is a conversion
// error naming the field (mapping/internal/leaf.h), never a silent wrap.
//
// Internal to the fields stage: registry.cc includes it; other stages use field_type.h.
#pragma once

#include <charconv>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "fields/field_type.h"

namespace strictlog {
namespace fields_internal::int_type {

inline constexpr std::string_view kRegex = "-?[0-9]{1,19}";

inline constexpr std::string_view kAccepts[] = {"-12", "0", "42", "-9223372036854775808", "9223372036854775807"};
inline constexpr std::string_view kRejects[] = {"9223372036854775808", "-9223372036854775809", "+5", "--1", "",
                                                "1.5", "12345678901234567890"};

inline bool convert(std::string_view text, Value* out, std::string* error) {
  int64_t n = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, n);
  if (ec == std::errc::invalid_argument || ptr != end) {
    *error = "not a decimal number";
    return false;
  }
  if (ec == std::errc::result_out_of_range) {
    *error = text.front() == '-'
                 ? std::string(text) + " is less than " + std::to_string(std::numeric_limits<int64_t>::min())
                 : std::string(text) + " is greater than " + std::to_string(std::numeric_limits<int64_t>::max());
    return false;
  }
  *out = Value{.kind = ValueKind::kInt64, .text = text, .integer = n};
  return true;
}

}  // namespace fields_internal::int_type

inline constexpr FieldType kInt{
    .name = "int",
    .summary = "signed decimal integer, -9223372036854775808 to 9223372036854775807; '-' but no '+'",
    .regex = fields_internal::int_type::kRegex,
    .output = ValueKind::kInt64,
    .convert = fields_internal::int_type::convert,
    .accepts = fields_internal::int_type::kAccepts,
    .rejects = fields_internal::int_type::kRejects,
};

}  // namespace strictlog
