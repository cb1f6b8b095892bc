// Field type `port`: a TCP/UDP port number, 0-65535, as a uint32.
//
// Decimal digits only, no sign. Leading zeros are rejected (`080`): OpenVPN and the other daemons we
// parse print ports with %d/%u, so a leading zero means the text is not the port we think it is.
// The regex admits any 1-5 digits; `convert` rejects the rest with a precise reason, so a rule that
// sees `65536` in a port position reports a conversion error instead of silently not matching.
//
// Internal to the fields stage: registry.cc includes it; other stages use field_type.h.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "fields/field_type.h"
#include "fields/internal/decimal.h"

namespace strictlog {
namespace fields_internal::port {

inline constexpr std::string_view kRegex = "[0-9]{1,5}";
inline constexpr uint64_t kMax = 65535;

inline constexpr std::string_view kAccepts[] = {"1194", "0", "65535", "443"};
inline constexpr std::string_view kRejects[] = {"65536", "080", "-1", "+1194", "", "123456"};

inline bool convert(std::string_view text, Value* out, std::string* error) {
  if (text.size() > 1 && text.front() == '0') {
    *error = "leading zero in '" + std::string(text) + "'";
    return false;
  }
  return convert_decimal(text, kMax, ValueKind::kUint32, out, error);
}

}  // namespace fields_internal::port

inline constexpr FieldType kPort{
    .name = "port",
    .summary = "TCP/UDP port, decimal 0-65535 without sign or leading zeros",
    .regex = fields_internal::port::kRegex,
    .output = ValueKind::kUint32,
    .convert = fields_internal::port::convert,
    .accepts = fields_internal::port::kAccepts,
    .rejects = fields_internal::port::kRejects,
};

}  // namespace strictlog
