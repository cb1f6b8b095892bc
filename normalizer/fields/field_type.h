// Field types: the typed captures a grammar rule may use (`ip:ipv4`, `port:port`, ...).
//
// One type = one small file in this folder (ipv4.h, port.h, ...) that defines a `FieldType` describing
// itself: its regex, what it converts to, and examples that are run as tests and printed by
// `strictlog fields`. All types are registered in the one table in registry.cc; there is no other list.
//
// Contract for `regex`: RE2 syntax, no capturing groups (use `(?:...)`), no anchors, every repetition
// bounded or a plain `+`/`*` over a character class, and total repetition counts within RE2's limit of 1000
// (RE2 multiplies nested counts: `(?:x{0,61}){0,127}` is refused). The one exception is a `*` over a group
// whose members are separated by a literal (`hostname`'s labels, `kv`'s pairs), when a counted bound would
// break that limit; `convert` then checks the total length.
// It must match exactly the texts the type accepts, or a superset that `convert` then narrows; texts that
// match the regex but fail `convert` are quarantined as CONVERSION, so prefer precise regexes where
// RE2 can express them (dispatch then picks the right rule instead of failing late).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace strictlog {

// What a capture of this type becomes. Mapping validation checks it against the target proto field
// (mapping/internal/leaf.h):
//   kString    → string
//   kUint32    → uint32 or uint64
//   kUint64    → uint64
//   kInt64     → int64, sint64, sfixed64, and int32, sint32, sfixed32 (a value outside int32 is a conversion
//                error when the line is applied, never a wrap)
//   kDouble    → double, and float (rounded; beyond float's range is a conversion error)
//   kTimestamp → google.protobuf.Timestamp, or string (the text as written)
//   kMap       → map<string, string>
// to_string() names each as the proto type it becomes: "int64", "google.protobuf.Timestamp", ...
enum class ValueKind { kString, kUint32, kUint64, kInt64, kDouble, kTimestamp, kMap };
std::string_view to_string(ValueKind k);

// A converted capture. `text` points into the line: it is the matched text, except that a type whose
// delimiters are not part of the value (`quoted`) points at the part between them.
struct Value {
  ValueKind kind = ValueKind::kString;
  std::string_view text;
  uint64_t number = 0;  // kUint32, kUint64
  int64_t integer = 0;  // kInt64; kTimestamp: seconds since 1970-01-01T00:00:00Z, the wall clock read as UTC
  double real = 0;      // kDouble
  // kMap: the entries are in `text`; walk them with next_map_entry().
};

// Takes the next entry off the front of a kMap value's text: `for (auto rest = v.text; next_map_entry(&rest,
// &key, &value);)` visits every entry in the order written. `kv` (fields/kv.h) is the only type producing
// kMap, and its convert() has already refused duplicate keys. Does not allocate.
bool next_map_entry(std::string_view* rest, std::string_view* key, std::string_view* value);

// Converts matched `text` into `out`. On failure returns false and sets `*error` to a message that
// completes "cannot convert '<text>' to <type>: ", e.g. "65536 is greater than 65535".
// Must not allocate on success.
using ConvertFn = bool (*)(std::string_view text, Value* out, std::string* error);

struct FieldType {
  std::string_view name;      // as written in grammars: `ipv4`
  std::string_view summary;   // one line for `strictlog fields`
  std::string_view regex;     // see the contract above
  ValueKind output;
  ConvertFn convert;
  // Texts the type must accept (as a whole), and near misses it must reject (no regex match, or a
  // conversion error). Both are checked by tests/fields/registry_test.cc and shown by `strictlog fields`.
  std::span<const std::string_view> accepts;
  std::span<const std::string_view> rejects;
};

// Every registered type, in display order.
std::span<const FieldType* const> field_types();
// nullptr when `name` is not a registered type.
const FieldType* find_field_type(std::string_view name);

}  // namespace strictlog
