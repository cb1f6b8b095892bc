// Field type `ip`: an IPv4 or an IPv6 address, kept as text.
//
// Exactly the union of `ipv4` and `ipv6` (see those files for the forms and deviations, e.g. no zone ids):
// the regex is theirs side by side, and `convert` hands a text with a ':' to ipv6's inet_pton check, any
// other to ipv4's (whose regex is exact). Use it where a program prints whichever family the peer used;
// write `ipv4` or `ipv6` where only one can occur.
//
// Internal to the fields stage: registry.cc includes it; other stages use field_type.h.
#pragma once

#include <string>
#include <string_view>

#include "fields/field_type.h"
#include "fields/ipv4.h"
#include "fields/ipv6.h"

namespace strictlog {
namespace fields_internal::ip {

// IPv4 first: an IPv6 text has a ':' before any '.', so the IPv4 branch never takes a prefix of one.
inline constexpr std::string_view kRegex = STRICTLOG_IPV4_REGEX "|" STRICTLOG_IPV6_REGEX;

inline constexpr std::string_view kAccepts[] = {"192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1", "10.8.0.6", "::"};
inline constexpr std::string_view kRejects[] = {"256.1.1.1", "01.2.3.4", "1.2.3", "1::2::3", "fe80::1%eth0", ""};

inline bool convert(std::string_view text, Value* out, std::string* error) {
  if (text.find(':') != std::string_view::npos) return ipv6::convert(text, out, error);
  return ipv4::convert(text, out, error);
}

}  // namespace fields_internal::ip

inline constexpr FieldType kIp{
    .name = "ip",
    .summary = "IPv4 or IPv6 address: whatever 'ipv4' or 'ipv6' accepts",
    .regex = fields_internal::ip::kRegex,
    .output = ValueKind::kString,
    .convert = fields_internal::ip::convert,
    .accepts = fields_internal::ip::kAccepts,
    .rejects = fields_internal::ip::kRejects,
};

}  // namespace strictlog
