// Field type `hostname`: a host name by RFC 1123 §2.1 (RFC 952 relaxed to allow a leading digit), kept
// as text.
//
//   labels of 1-63 letters, digits and hyphens, neither starting nor ending with a hyphen, joined by '.';
//   at most 253 characters in all (RFC 1035 §2.3.4: 255 octets on the wire, less the length bytes).
//
// Deviations and choices: a trailing dot (`example.com.`, the absolute form) is refused, since programs
// print names without it; letters are ASCII only (an IDN appears as its `xn--` A-label, which is accepted);
// no underscore (`_sip._tcp` is a service label, not a host name). A single label (`vpn-gw1`) is a host
// name. Following RFC 1123 §2.1 ("the highest-level component label will be alphabetic"), a name of two
// or more labels whose last label is all digits is refused, so `192.0.2.1` is an address, never a host
// name; a rule that takes either writes `ip` and `hostname` as alternatives.
//
// The regex counts each label's characters (`{0,61}` between two letters or digits) but not the labels:
// RE2 refuses a counted repetition over 1000 and multiplies nested counts, so `(?:label\.){0,126}` would
// ask for 126 * 61 and not compile (tests/fields/hostname_test.cc shows it). Labels repeat with `*`, and
// `convert` checks the 253-character total and the last label.
//
// Internal to the fields stage: registry.cc includes it; other stages use field_type.h.
#pragma once

#include <string>
#include <string_view>

#include "fields/field_type.h"

namespace strictlog {
namespace fields_internal::hostname {

#define STRICTLOG_HOSTNAME_LABEL_REGEX "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
inline constexpr std::string_view kLabelRegex = STRICTLOG_HOSTNAME_LABEL_REGEX;
inline constexpr std::string_view kRegex =
    STRICTLOG_HOSTNAME_LABEL_REGEX "(?:\\." STRICTLOG_HOSTNAME_LABEL_REGEX ")*";

inline constexpr size_t kMaxLength = 253;

inline constexpr std::string_view kAccepts[] = {"vpn-gw1", "mail.example.com", "xn--bcher-kva.example", "3com.net",
                                                "a.b-c.d1"};
inline constexpr std::string_view kRejects[] = {"-vpn.example.com", "vpn-.example.com", "example.com.", "a..b",
                                                "under_score.example", "192.0.2.1", "host.123", ""};

inline bool convert(std::string_view text, Value* out, std::string* error) {
  if (text.size() > kMaxLength) {
    *error = std::to_string(text.size()) + " characters, more than the " + std::to_string(kMaxLength) +
             " a host name may have (RFC 1035 section 2.3.4)";
    return false;
  }
  const size_t dot = text.rfind('.');
  if (dot != std::string_view::npos &&
      text.find_first_not_of("0123456789", dot + 1) == std::string_view::npos) {
    *error = "the last label '" + std::string(text.substr(dot + 1)) +
             "' is all digits, so this reads as an address (RFC 1123 section 2.1)";
    return false;
  }
  *out = Value{ValueKind::kString, text, 0};
  return true;
}

}  // namespace fields_internal::hostname

inline constexpr FieldType kHostname{
    .name = "hostname",
    .summary = "RFC 1123 host name: dot-separated labels of letters, digits, inner hyphens; no trailing dot",
    .regex = fields_internal::hostname::kRegex,
    .output = ValueKind::kString,
    .convert = fields_internal::hostname::convert,
    .accepts = fields_internal::hostname::kAccepts,
    .rejects = fields_internal::hostname::kRejects,
};

}  // namespace strictlog
