// Field type `ipv6`: an IPv6 address in one of the text forms of RFC 4291 §2.2, kept as text.
//
//   1. x:x:x:x:x:x:x:x      eight groups of 1-4 hex digits, either case, leading zeros optional;
//   2. `::`                 one run of one or more zero groups compressed, at most once per address;
//   3. x:x:x:x:x:x:d.d.d.d  the low 32 bits as a dotted IPv4 tail, also compressed (`::ffff:192.0.2.1`).
//
// Deviations: zone ids (`fe80::1%eth0`, RFC 4007 §11), prefix lengths (`2001:db8::/32`, RFC 4291 §2.3)
// and brackets (`[::1]:1194`, RFC 3986) are not part of the field; write them in the grammar around it.
// The value is the text as written, not the RFC 5952 canonical form (`2001:DB8::1` stays as is).
//
// The regex is a superset: groups of at most four hex digits, at least two colons, an optional IPv4
// tail. `convert` narrows it with inet_pton(AF_INET6), so `1::2::3`, `:::` and nine groups fail as
// conversion errors, while `12345::`, `::1%eth0` and `1.2.3.4` do not match at all.
//
// Internal to the fields stage: registry.cc includes it; other stages use field_type.h.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>
#include <string>
#include <string_view>

#include "fields/field_type.h"
#include "fields/ipv4.h"

namespace strictlog {
namespace fields_internal::ipv6 {

// The IPv4 tail comes first in the last alternative so that, inside a larger rule regex, the
// leftmost-first submatch takes `192.0.2.1` whole rather than stopping at `192`. A macro only so that
// ip.h can splice the same text into its literal.
#define STRICTLOG_IPV6_REGEX "(?:[0-9A-Fa-f]{0,4}:){2,8}(?:" STRICTLOG_IPV4_REGEX "|[0-9A-Fa-f]{0,4})"
inline constexpr std::string_view kRegex = STRICTLOG_IPV6_REGEX;

// The longest valid text: six full groups and a full IPv4 tail; INET6_ADDRSTRLEN adds the NUL.
inline constexpr size_t kMaxLength = INET6_ADDRSTRLEN - 1;
static_assert(kMaxLength == std::string_view("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255").size());

inline constexpr std::string_view kAccepts[] = {
    "2001:db8::1",      "::",          "::1",    "2001:DB8:0:0:8:800:200C:417A", "FF01::101",
    "::ffff:192.0.2.1", "::13.1.68.3", "fe80::", "1:2:3:4:5:6:7::",
};
inline constexpr std::string_view kRejects[] = {
    "1::2::3", "1:2:3:4:5:6:7:8:9", "12345::", ":::", "fe80::1%eth0", "1.2.3.4", "2001:db8::/32",
};

// Names the first problem found; called only after inet_pton has refused `text`.
inline std::string why_invalid(std::string_view text) {
  constexpr auto npos = std::string_view::npos;
  if (text.size() > kMaxLength) return "longer than " + std::to_string(kMaxLength) + " characters";
  if (text.find(":::") != npos) return "':::' is not a separator";
  const size_t compressed = text.find("::");
  if (compressed != npos && text.find("::", compressed + 2) != npos) return "more than one '::'";
  if (text.front() == ':' && compressed != 0) return "starts with a single ':'";
  if (text.back() == ':' && compressed != text.size() - 2) return "ends with a single ':'";
  int groups = 0;  // 16-bit groups; an IPv4 tail is two
  for (size_t begin = 0; begin <= text.size();) {
    size_t end = text.find(':', begin);
    if (end == npos) end = text.size();
    const std::string_view group = text.substr(begin, end - begin);
    if (!group.empty()) groups += group.find('.') == npos ? 1 : 2;
    begin = end + 1;
  }
  if (compressed == npos && groups != 8) return std::to_string(groups) + " groups, expected 8";
  if (compressed != npos && groups > 7) return std::to_string(groups) + " groups and '::', at most 7";
  return "not an IPv6 address (RFC 4291 section 2.2)";
}

inline bool convert(std::string_view text, Value* out, std::string* error) {
  char buffer[kMaxLength + 1];
  in6_addr address;
  if (text.empty() || text.size() > kMaxLength) {
    *error = text.empty() ? "empty" : why_invalid(text);
    return false;
  }
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  if (inet_pton(AF_INET6, buffer, &address) != 1) {
    *error = why_invalid(text);
    return false;
  }
  *out = Value{ValueKind::kString, text, 0};
  return true;
}

}  // namespace fields_internal::ipv6

inline constexpr FieldType kIpv6{
    .name = "ipv6",
    .summary = "IPv6 address, RFC 4291 section 2.2 text forms incl. '::' and an IPv4 tail; no zone id",
    .regex = fields_internal::ipv6::kRegex,
    .output = ValueKind::kString,
    .convert = fields_internal::ipv6::convert,
    .accepts = fields_internal::ipv6::kAccepts,
    .rejects = fields_internal::ipv6::kRejects,
};

}  // namespace strictlog
