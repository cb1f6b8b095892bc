// Schema compatibility: which edits between two versions of a data model break readers of data written with
// the older one. `strictlog schema check` and `schema migrate` refuse them; tests/proto keeps strictlog's own
// schemas compatible with the committed baseline (proto/baseline/descriptor_set.binpb).
//
// The inputs are FileDescriptorSets as `protoc --include_imports --descriptor_set_out` writes them. Declarations
// are matched by full name (a message may move between files of its package), fields and enum values by
// number. Breaking, each reported once, naming the declaration and the field or value:
//   - a message or enum removed (or renamed: that is a removal plus an addition);
//   - a field number reused: another name and another type (`field 2 'ip' of type string reused for 'port'
//     of type uint32`);
//   - a field whose number has another name (renamed), type (scalar type, or message/enum type name: retyped),
//     cardinality (singular / optional / repeated / required), oneof, or explicit json_name;
//   - a field that moved to another number, or was removed without `reserved` holding its number AND name;
//   - an enum value renumbered, renamed, or removed without its number and name reserved;
//   - a reserved number or name that is no longer reserved (it could then be reused).
// Adding fields, values, messages and enums, and reserving more, is compatible.
//
// Reports read `strictlog.openvpn.v1.Endpoint: field 2 'port' changed type from uint32 to string`, in the
// order the old set declares things: its messages (nested ones after their parent), then its enums.
#pragma once

#include <google/protobuf/descriptor.pb.h>

#include <cstddef>
#include <string>
#include <vector>

#include "common/result.h"

namespace strictlog::schema {

// Which packages are compared. A package is checked when it is one of `packages` or inside one
// (`strictlog` covers `strictlog.v1` and `strictlog.openvpn.v1`). Empty: every package that either set
// declares, except google.protobuf and its subpackages (protobuf's own files, bundled by --include_imports:
// an upgrade of protobuf is not a change of the data model).
bool checks_package(const std::vector<std::string>& packages, const std::string& package);

struct CompatReport {
  std::vector<std::string> breaking;  // empty: the new set can replace the old one
  std::vector<std::string> packages;  // the packages checked, sorted
  size_t messages = 0;                // declarations of the old set compared (nested messages included)
  size_t enums = 0;
  // What the new set adds (compatible): fields and values of declarations the old set has, and whole
  // messages and enums (whose fields and values are not counted again).
  size_t added_messages = 0;
  size_t added_enums = 0;
  size_t added_fields = 0;
  size_t added_values = 0;
};

CompatReport check_compat(const google::protobuf::FileDescriptorSet& old, const google::protobuf::FileDescriptorSet& now,
                          const std::vector<std::string>& packages = {});

// check_compat(old, now, packages).breaking.
std::vector<std::string> breaking_changes(const google::protobuf::FileDescriptorSet& old,
                                          const google::protobuf::FileDescriptorSet& now,
                                          const std::vector<std::string>& packages = {});

}  // namespace strictlog::schema
