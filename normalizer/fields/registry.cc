// The one table of field types. A type exists for grammars, `strictlog fields` and the tests exactly
// when it is listed here; display order is table order.
//
// Each type is a header of inline constexpr objects (ipv4.h, ...) rather than a .cc file, so that the
// checks below can read the names at compile time.
#include <algorithm>

#include "fields/field_type.h"
#include "fields/cn.h"
#include "fields/ipv4.h"
#include "fields/ipv6.h"
#include "fields/port.h"
#include "fields/rest.h"
#include "fields/uint.h"
#include "fields/word.h"

namespace strictlog {
namespace {

constexpr const FieldType* const kTypes[] = {&kIpv4, &kIpv6, &kPort, &kUint, &kWord, &kRest, &kCn};

constexpr bool names_are_unique() {
  for (size_t i = 0; i < std::size(kTypes); ++i) {
    for (size_t j = i + 1; j < std::size(kTypes); ++j) {
      if (kTypes[i]->name == kTypes[j]->name) return false;
    }
  }
  return true;
}
static_assert(names_are_unique(), "two field types share a name");

// Examples are the type's tests (tests/fields/registry_test.cc) and its documentation.
constexpr bool every_type_has_examples() {
  return std::all_of(std::begin(kTypes), std::end(kTypes), [](const FieldType* t) {
    return !t->name.empty() && !t->accepts.empty() && !t->rejects.empty();
  });
}
static_assert(every_type_has_examples(), "a field type lacks a name or examples");

}  // namespace

std::span<const FieldType* const> field_types() { return kTypes; }

const FieldType* find_field_type(std::string_view name) {
  for (const FieldType* t : kTypes) {
    if (t->name == name) return t;
  }
  return nullptr;
}

std::string_view to_string(ValueKind k) {
  switch (k) {
    case ValueKind::kString: return "string";
    case ValueKind::kUint32: return "uint32";
    case ValueKind::kUint64: return "uint64";
  }
  return "unknown";
}

}  // namespace strictlog
