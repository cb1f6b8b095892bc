// Field type `cn`: an X.509 common name as OpenVPN prints it in its client-instance prefix (`cn/ip:port`),
// kept as text.
//
// OpenVPN copies the certificate's CN (or the username with --username-as-common-name) verbatim, so it may
// hold spaces and '/' (../shared/openvpn/FORMAT-NOTES.md §3); the rule's following literal decides where it
// ends. Bounded at 64 characters, X.509's upper bound for commonName (RFC 5280 Appendix A, ub-common-name),
// which also keeps the regex cheap. Control characters never appear: OpenVPN's string_mod() replaces them.
//
// Internal to the fields stage: registry.cc includes it; other stages use field_type.h.
#pragma once

#include <string>
#include <string_view>

#include "fields/field_type.h"

namespace strictlog {
namespace fields_internal::cn {

inline constexpr std::string_view kRegex = "[^\\x00-\\x1f\\x7f]{1,64}";

inline constexpr std::string_view kAccepts[] = {"client1", "vpn client 01", "ou=ops/laptop-ana", "Zoë",
                                                "0123456789012345678901234567890123456789012345678901234567890123"};
inline constexpr std::string_view kRejects[] = {"", "tab\there", "bell\x07",
                                                "01234567890123456789012345678901234567890123456789012345678901234"};

inline bool convert(std::string_view text, Value* out, std::string*) {
  *out = Value{ValueKind::kString, text, 0};
  return true;
}

}  // namespace fields_internal::cn

inline constexpr FieldType kCn{
    .name = "cn",
    .summary = "an X.509 common name: 1-64 characters, spaces and '/' allowed, no control characters",
    .regex = fields_internal::cn::kRegex,
    .output = ValueKind::kString,
    .convert = fields_internal::cn::convert,
    .accepts = fields_internal::cn::kAccepts,
    .rejects = fields_internal::cn::kRejects,
};

}  // namespace strictlog
