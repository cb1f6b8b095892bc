// Field type `float`: a decimal number with an optional fraction and an optional exponent, as a double.
//
//   -?DIGITS[.DIGITS][(e|E)[+|-]DIGITS]     e.g. `42`, `-0.25`, `6.02e23`, `1E-9`
//
// The forms printf's %f, %e and %g write for finite values. Deviations from what strtod() takes: no
// `inf`/`nan` (a log that prints them has no number to give), no hex floats, no leading '+', and digits on
// both sides of a '.' (`.5` and `1.` are refused; printf writes neither). The value is the nearest double
// (std::from_chars); a text beyond the range of a double (`1e999`, `1e-999`) is a conversion error rather
// than infinity or zero.
//
// The value fits double fields, and float fields rounded to the nearest float; one beyond float's range is
// a conversion error when the line is applied (mapping/internal/leaf.h).
//
// Internal to the fields stage: registry.cc includes it; other stages use field_type.h.
#pragma once

#include <charconv>
#include <string>
#include <string_view>

#include "fields/field_type.h"

namespace strictlog {
namespace fields_internal::float_type {

inline constexpr std::string_view kRegex = "-?[0-9]+(?:\\.[0-9]+)?(?:[eE][-+]?[0-9]+)?";

inline constexpr std::string_view kAccepts[] = {"1.5", "-0.25", "42", "6.02e23", "1E-9", "0", "-1.5e+300"};
inline constexpr std::string_view kRejects[] = {"inf", "nan", ".5", "1.", "+1.5", "1e", "1e999", "1e-999",
                                                "0x1p3", "1,5", ""};

inline bool convert(std::string_view text, Value* out, std::string* error) {
  double d = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, d, std::chars_format::general);
  if (ec == std::errc::invalid_argument || ptr != end) {
    *error = "not a decimal number";
    return false;
  }
  if (ec == std::errc::result_out_of_range) {
    *error = std::string(text) + " is outside the range of a double";
    return false;
  }
  *out = Value{.kind = ValueKind::kDouble, .text = text, .real = d};
  return true;
}

}  // namespace fields_internal::float_type

inline constexpr FieldType kFloat{
    .name = "float",
    .summary = "decimal number: 1.5, -0.25, 6.02e23; digits both sides of '.', no inf or nan",
    .regex = fields_internal::float_type::kRegex,
    .output = ValueKind::kDouble,
    .convert = fields_internal::float_type::convert,
    .accepts = fields_internal::float_type::kAccepts,
    .rejects = fields_internal::float_type::kRejects,
};

}  // namespace strictlog
