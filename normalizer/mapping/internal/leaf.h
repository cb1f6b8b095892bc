// Which capture values fit which protobuf fields, and writing a value into one: the one place where binding
// (at load, mapping/bind.cc) and applying (per line, mapping/apply.cc) agree on the rules of
// fields/field_type.h's ValueKind table.
//
// A leaf is the last field of a mapped path. It is a singular scalar or enum field, or one of two fields that
// are messages under reflection yet are set whole: a google.protobuf.Timestamp, and a map (a repeated field
// of entry messages). Every other message field is a path segment, never a leaf.
#pragma once

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <string>

#include "fields/field_type.h"
#include "mapping/mapping.h"

namespace strictlog::mapping::leaf {

// A message-typed field that a value sets whole: a google.protobuf.Timestamp or a map.
bool is_set_whole(const google::protobuf::FieldDescriptor* f);

// The field's type as errors name it: `uint32`, `strictlog.openvpn.v1.SignalHardness`,
// `google.protobuf.Timestamp`, `map<string, string>`.
std::string type_name(const google::protobuf::FieldDescriptor* f);

// True when a capture of kind `k` can set field `f` (field_type.h lists the pairs). Ranges are not part of
// fitting: an int64 fits an int32 field, and set() refuses a value beyond it.
bool fits(ValueKind k, const google::protobuf::FieldDescriptor* f);

// The largest number constant (`= 123;`) field `f` takes, or 0 when it takes none (not an integer field).
uint64_t max_number_constant(const google::protobuf::FieldDescriptor* f);

// The value of a kConstant op, as set() reads it: a string leaf's text, or a number (an enum value's number,
// or a number constant that bind_mappings() has checked fits the leaf).
Value constant_value(const FieldOp& op);

// Sets `leaf`, a field of `m` that `v` fits (or an enum field, from v.number), to `v`. Returns false, and
// sets `*range` to the field's type and range (e.g. "int32, -2147483648 to 2147483647"), when the number is
// beyond the field: an int64 beyond int32, a double beyond float. Nothing is wrapped or clamped.
bool set(google::protobuf::Message* m, const google::protobuf::FieldDescriptor* leaf, const Value& v,
         std::string* range);
// The same, with `r` the reflection of `m` (FieldOp::reflections), which the line's hot path has at hand.
bool set(const google::protobuf::Reflection* r, google::protobuf::Message* m,
         const google::protobuf::FieldDescriptor* leaf, const Value& v, std::string* range);

}  // namespace strictlog::mapping::leaf
