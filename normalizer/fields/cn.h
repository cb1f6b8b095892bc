// Field type `cn`: an X.509 common name as OpenVPN prints it in its client-instance prefix (`cn/ip:port`),
// kept as text.
//
// OpenVPN copies the certificate's CN (or the username with --username-as-common-name) verbatim, so it may
// hold spaces and '/' (../shared/openvpn/FORMAT-NOTES.md §3); the rule's following literal decides where it
// ends. X.509 bounds commonName at 64 characters (RFC 5280 Appendix A), up to 256 bytes of UTF-8; the
// regex does not count them, because a counted repetition multiplies the program and slows every capture
// match of the rule. C0 controls and DEL are refused (OpenVPN's string_mod() replaces them); other
// characters, C1 controls and bidi overrides such as U+202E included, are kept as OpenVPN printed them.
//
// Internal to the fields stage: registry.cc includes it; other stages use field_type.h.
#pragma once

#include <string>
#include <string_view>

#include "fields/field_type.h"

namespace strictlog {
namespace fields_internal::cn {

inline constexpr std::string_view kRegex = "[^\\x00-\\x1f\\x7f]+";

inline constexpr std::string_view kAccepts[] = {"client1", "vpn client 01", "ou=ops/laptop-ana", "Zoë",
                                                "0123456789012345678901234567890123456789012345678901234567890123"};
inline constexpr std::string_view kRejects[] = {"", "tab\there", "bell\x07",
                                                "del\x7f"};

inline bool convert(std::string_view text, Value* out, std::string*) {
  *out = Value{ValueKind::kString, text, 0};
  return true;
}

}  // namespace fields_internal::cn

inline constexpr FieldType kCn{
    .name = "cn",
    .summary = "an X.509 common name: spaces and '/' allowed, no control characters",
    .regex = fields_internal::cn::kRegex,
    .output = ValueKind::kString,
    .convert = fields_internal::cn::convert,
    .accepts = fields_internal::cn::kAccepts,
    .rejects = fields_internal::cn::kRejects,
};

}  // namespace strictlog
