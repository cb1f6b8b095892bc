// Field type `ipv4`: an IPv4 address in dotted-quad notation, kept as text.
//
// Accepts exactly four decimal octets 0-255 separated by '.', each without leading zeros except a lone
// `0` (the form inet_ntop and OpenVPN print, and the one inet_pton(AF_INET) accepts). Deviations from
// what some parsers take: no leading zeros (`01.2.3.4` is rejected: it reads as octal to inet_aton), no
// shortened forms (`1.2.3`), no hex or single-number forms (`0x7f.1`, `2130706433`), no CIDR suffix.
//
// Internal to the fields stage: registry.cc includes it; other stages use field_type.h.
#pragma once

#include <string>
#include <string_view>

#include "fields/field_type.h"

namespace strictlog {
namespace fields_internal::ipv4 {

// Longest octet alternatives first, so that inside a larger rule regex the leftmost-first submatch takes
// the whole octet. A macro only so that ipv6.h can splice the same text into its literal.
#define STRICTLOG_IPV4_OCTET_REGEX "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])"
#define STRICTLOG_IPV4_REGEX \
  STRICTLOG_IPV4_OCTET_REGEX "(?:\\." STRICTLOG_IPV4_OCTET_REGEX "){3}"
inline constexpr std::string_view kRegex = STRICTLOG_IPV4_REGEX;

inline constexpr std::string_view kAccepts[] = {
    "192.168.1.1", "0.0.0.0", "255.255.255.255", "10.8.0.6", "203.0.113.42",
};
inline constexpr std::string_view kRejects[] = {
    "256.1.1.1", "01.2.3.4", "192.168.1huhuhu", "1.2.3", "1.2.3.4.5", "1.2.3.4/24",
};

// The regex is exact, so every matched text is a valid address.
inline bool convert(std::string_view text, Value* out, std::string*) {
  *out = Value{ValueKind::kString, text, 0};
  return true;
}

}  // namespace fields_internal::ipv4

inline constexpr FieldType kIpv4{
    .name = "ipv4",
    .summary = "IPv4 address, dotted quad, octets 0-255 without leading zeros",
    .regex = fields_internal::ipv4::kRegex,
    .output = ValueKind::kString,
    .convert = fields_internal::ipv4::convert,
    .accepts = fields_internal::ipv4::kAccepts,
    .rejects = fields_internal::ipv4::kRejects,
};

}  // namespace strictlog
