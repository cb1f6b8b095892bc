// Decimal conversion shared by the numeric field types (port.h, uint.h).
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "fields/field_type.h"

namespace strictlog::fields_internal {

// Converts `text`, ASCII digits only (leading zeros allowed here; callers that forbid them check first),
// into a number of `kind` that is at most `max`. Allocates only to write `*error`.
inline bool convert_decimal(std::string_view text, uint64_t max, ValueKind kind, Value* out,
                            std::string* error) {
  uint64_t n = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, n);
  if (ec == std::errc::invalid_argument || ptr != end) {
    *error = "not a decimal number";
    return false;
  }
  if (ec == std::errc::result_out_of_range || n > max) {
    *error = std::string(text) + " is greater than " + std::to_string(max);
    return false;
  }
  *out = Value{kind, text, n};
  return true;
}

}  // namespace strictlog::fields_internal
