// The one table of field types. A type exists for grammars, `strictlog fields` and the tests exactly
// when it is listed here; display order is table order.
//
// Each type is a header of inline constexpr objects (ipv4.h, ...) rather than a .cc file, so that the
// checks below can read the names at compile time.
#include <algorithm>

#include "fields/field_type.h"
#include "fields/cn.h"
#include "fields/ctime.h"
#include "fields/enum.h"
#include "fields/float.h"
#include "fields/hex.h"
#include "fields/hostname.h"
#include "fields/ident.h"
#include "fields/int.h"
#include "fields/ip.h"
#include "fields/ipv4.h"
#include "fields/ipv6.h"
#include "fields/iso_time.h"
#include "fields/kv.h"
#include "fields/port.h"
#include "fields/quoted.h"
#include "fields/rest.h"
#include "fields/syslog_time.h"
#include "fields/uint.h"
#include "fields/word.h"

namespace strictlog {
namespace {

// One row per group, in the order `strictlog fields` shows them.
constexpr const FieldType* const kTypes[] = {
    &kIpv4, &kIpv6, &kIp, &kHostname, &kPort,  // addresses
    &kUint, &kInt, &kHex, &kFloat,             // numbers
    &kWord, &kIdent, &kRest, &kCn, &kQuoted, &kEnum,  // text
    &kKv,                                      // key=value lists
    &kSyslogTime, &kIsoTime, &kCtime,          // times
};

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
    case ValueKind::kInt64: return "int64";
    case ValueKind::kDouble: return "double";
    case ValueKind::kTimestamp: return "google.protobuf.Timestamp";
    case ValueKind::kMap: return "map<string, string>";
  }
  return "unknown";
}

bool next_map_entry(std::string_view* rest, std::string_view* key, std::string_view* value) {
  return fields_internal::kv::next_pair(rest, key, value);
}

}  // namespace strictlog
