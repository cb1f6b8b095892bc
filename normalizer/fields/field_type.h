// Field types: the typed captures a grammar rule may use (`ip:ipv4`, `port:port`, ...).
//
// One type = one small file in this folder (ipv4.h, port.h, ...) that defines a `FieldType` describing
// itself: its regex, what it converts to, and examples that are run as tests and printed by
// `strictlog fields`. All types are registered in the one table in registry.cc; there is no other list.
//
// Contract for `regex`: RE2 syntax, no capturing groups (use `(?:...)`), no anchors, every repetition
// bounded or a plain `+`/`*` over a character class, and total repetition counts within RE2's limit of 1000.
// It must match exactly the texts the type accepts, or a superset that `convert` then narrows; texts that
// match the regex but fail `convert` are quarantined as CONVERSION, so prefer precise regexes where
// RE2 can express them (dispatch then picks the right rule instead of failing late).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace strictlog {

// What a capture of this type becomes. Mapping validation checks it against the target proto field:
// kString → string; kUint32 → uint32 or uint64; kUint64 → uint64.
enum class ValueKind { kString, kUint32, kUint64 };
std::string_view to_string(ValueKind k);

// A converted capture. `text` always holds the matched text (it points into the line).
struct Value {
  ValueKind kind = ValueKind::kString;
  std::string_view text;
  uint64_t number = 0;  // valid when kind is kUint32 or kUint64
};

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
