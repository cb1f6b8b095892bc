// Field type `kv`: a list of `key=value` pairs separated by spaces, as PAM and the kernel print them,
// as a map<string, string>.
//
//   logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.7  user=root       (pam_unix authentication failure)
//
// A key is one or more of [A-Za-z0-9_.-]; a value is everything after the key's '=' up to the next space,
// possibly nothing (`ruser=`), and may hold '=' itself (`a=b=c` is key `a`, value `b=c`). Pairs are
// separated by one or more spaces (pam_unix pads with two before `user=`); tabs are not separators. There
// is at least one pair, and no space before the first or after the last. Deviations from what the kernel's
// audit records allow: no quoted values (`comm="sshd"` keeps its quotes in the value) and no hex-encoded
// values are decoded.
//
// A key that appears twice is a conversion error naming it: a map holds one value per key, and keeping
// either would drop the other silently. `convert` checks that without allocating, by comparing each key
// with those before it (the pairs of one line are few). The value's text is the whole list; the mapping
// walks it with next_map_entry() (field_type.h) when it fills the map field.
//
// Internal to the fields stage: registry.cc includes it; other stages use field_type.h.
#pragma once

#include <string>
#include <string_view>

#include "fields/field_type.h"

namespace strictlog {
namespace fields_internal::kv {

#define STRICTLOG_KV_PAIR_REGEX "[A-Za-z0-9_.-]+=[^\\s]*"
inline constexpr std::string_view kRegex = STRICTLOG_KV_PAIR_REGEX "(?: +" STRICTLOG_KV_PAIR_REGEX ")*";

inline constexpr std::string_view kAccepts[] = {
    "logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.7  user=root", "uid=0", "k=", "path=/a=b"};
inline constexpr std::string_view kRejects[] = {"uid=0 uid=1", "=x", "uid", "uid=0 ", " uid=0",
                                                "a b=1",       "uid=0\tgid=0", ""};

// See next_map_entry() in field_type.h; `*rest` is a suffix of a text the regex matched.
inline bool next_pair(std::string_view* rest, std::string_view* key, std::string_view* value) {
  const size_t start = rest->find_first_not_of(' ');
  if (start == std::string_view::npos) return false;
  std::string_view pair = rest->substr(start, rest->find(' ', start) - start);
  rest->remove_prefix(start + pair.size());
  const size_t equals = pair.find('=');
  *key = pair.substr(0, equals);
  *value = pair.substr(equals + 1);
  return true;
}

inline bool convert(std::string_view text, Value* out, std::string* error) {
  std::string_view key, value;
  for (std::string_view rest = text; next_pair(&rest, &key, &value);) {
    std::string_view earlier_key, earlier_value;
    for (std::string_view before = text.substr(0, key.data() - text.data());
         next_pair(&before, &earlier_key, &earlier_value);) {
      if (earlier_key == key) {
        *error = "key '" + std::string(key) + "' appears twice";
        return false;
      }
    }
  }
  *out = Value{ValueKind::kMap, text, 0};
  return true;
}

}  // namespace fields_internal::kv

inline constexpr FieldType kKv{
    .name = "kv",
    .summary = "space-separated key=value pairs (PAM, kernel): 'uid=0 tty=ssh ruser='; keys unique",
    .regex = fields_internal::kv::kRegex,
    .output = ValueKind::kMap,
    .convert = fields_internal::kv::convert,
    .accepts = fields_internal::kv::kAccepts,
    .rejects = fields_internal::kv::kRejects,
};

}  // namespace strictlog
