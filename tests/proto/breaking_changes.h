// breaking_changes(): which edits between two versions of the strictlog schemas break readers of data
// written with the older one. Header-only because tests/CMakeLists.txt compiles only `*_test.cc`.
//
// Declarations are matched by full name (a message may move between files of its package), fields and
// enum values by number. Only packages `strictlog` and `strictlog.*` are checked. Breaking:
//   - a message or enum removed (or renamed: that is a removal plus an addition);
//   - a field whose number now has another name, type (scalar type, or message/enum type name),
//     cardinality (singular / optional / repeated / required), oneof, or explicit json_name;
//   - a field that moved to another number, or was removed without `reserved` holding its number AND name;
//   - an enum value renumbered, renamed, or removed without its number and name reserved;
//   - a reserved number or name that is no longer reserved (it could then be reused).
// Adding fields, values, messages and enums, and reserving more, is compatible.
//
// Reports read `strictlog.openvpn.v1.Endpoint: field 2 'port' changed type from uint32 to string`, in the
// order the old schema declares things.
#pragma once

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>

#include <cstdint>
#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace strictlog::schema_compat {

using google::protobuf::DescriptorProto;
using google::protobuf::EnumDescriptorProto;
using google::protobuf::FieldDescriptorProto;
using google::protobuf::FileDescriptorSet;

// Half-open number ranges [first, second).
using Ranges = std::vector<std::pair<int64_t, int64_t>>;

struct MessageDecl {
  const DescriptorProto* proto;
  bool proto3;
};

// Every message and enum of the strictlog packages, by full name, in declaration order.
struct Declarations {
  std::vector<std::pair<std::string, MessageDecl>> messages;
  std::vector<std::pair<std::string, const EnumDescriptorProto*>> enums;
};

// Reads a binary FileDescriptorSet (`protoc --descriptor_set_out`); false if unreadable or malformed.
inline bool read_descriptor_set(const std::string& path, FileDescriptorSet* out) {
  std::ifstream in(path, std::ios::binary);
  return in.good() && out->ParseFromIstream(&in);
}

inline bool is_checked_package(const std::string& package) {
  return package == "strictlog" || package.rfind("strictlog.", 0) == 0;
}

inline void collect(const DescriptorProto& m, const std::string& scope, bool proto3, Declarations& out) {
  std::string name = scope + "." + m.name();
  out.messages.push_back({name, MessageDecl{&m, proto3}});
  for (const auto& e : m.enum_type()) out.enums.push_back({name + "." + e.name(), &e});
  for (const auto& nested : m.nested_type()) collect(nested, name, proto3, out);
}

inline Declarations collect(const FileDescriptorSet& set) {
  Declarations out;
  for (const auto& file : set.file()) {
    if (!is_checked_package(file.package())) continue;
    bool proto3 = file.syntax() == "proto3";
    for (const auto& e : file.enum_type()) out.enums.push_back({file.package() + "." + e.name(), &e});
    for (const auto& m : file.message_type()) collect(m, file.package(), proto3, out);
  }
  return out;
}

template <typename T>
const T* find(const std::vector<std::pair<std::string, T>>& decls, const std::string& name) {
  for (const auto& [n, d] : decls) {
    if (n == name) return &d;
  }
  return nullptr;
}

inline std::string type_of(const FieldDescriptorProto& f) {
  if (!f.type_name().empty()) return f.type_name().substr(f.type_name()[0] == '.' ? 1 : 0);
  return google::protobuf::FieldDescriptor::TypeName(
      static_cast<google::protobuf::FieldDescriptor::Type>(f.type()));
}

// Message fields always have presence, so `optional` on one changes nothing and is not reported.
inline std::string cardinality(const FieldDescriptorProto& f, bool proto3) {
  if (f.label() == FieldDescriptorProto::LABEL_REPEATED) return "repeated";
  if (f.label() == FieldDescriptorProto::LABEL_REQUIRED) return "required";
  if (!proto3 || f.proto3_optional() || f.type() == FieldDescriptorProto::TYPE_MESSAGE) return "optional";
  return "singular";
}

// The real oneof a field belongs to, or "" (proto3 `optional` makes a synthetic one, not counted).
inline std::string oneof_of(const FieldDescriptorProto& f, const DescriptorProto& m) {
  if (!f.has_oneof_index() || f.proto3_optional() || f.oneof_index() >= m.oneof_decl_size()) return "";
  return m.oneof_decl(f.oneof_index()).name();
}

inline std::string describe_oneof(const std::string& name) {
  return name.empty() ? "no oneof" : "oneof '" + name + "'";
}

// Whether [first, last) lies within the union of `ranges`.
inline bool covered(int64_t first, int64_t last, const Ranges& ranges) {
  while (first < last) {
    bool advanced = false;
    for (const auto& [lo, hi] : ranges) {
      if (lo <= first && first < hi) {
        first = hi;
        advanced = true;
      }
    }
    if (!advanced) return false;
  }
  return true;
}

template <typename Range>
Ranges ranges_of(const google::protobuf::RepeatedPtrField<Range>& rs, bool end_inclusive) {
  Ranges out;
  for (const auto& r : rs) out.push_back({r.start(), int64_t{r.end()} + (end_inclusive ? 1 : 0)});
  return out;
}

inline bool contains(const google::protobuf::RepeatedPtrField<std::string>& names, const std::string& name) {
  for (const auto& n : names) {
    if (n == name) return true;
  }
  return false;
}

inline std::string removal(const char* what, int number, const std::string& name, bool number_reserved,
                           bool name_reserved) {
  std::string missing = !number_reserved && !name_reserved ? "its number and name"
                        : !number_reserved                 ? "its number"
                                                           : "its name";
  return std::string(what) + " " + std::to_string(number) + " '" + name + "' removed without reserving " +
         missing;
}

// Reports reserved numbers and names of the old declaration that the new one no longer reserves.
template <typename Decl>
void check_reserved(const Decl& old, const Decl& now, bool end_inclusive, const std::string& where,
                    std::vector<std::string>& out) {
  Ranges now_ranges = ranges_of(now.reserved_range(), end_inclusive);
  for (const auto& [lo, hi] : ranges_of(old.reserved_range(), end_inclusive)) {
    if (covered(lo, hi, now_ranges)) continue;
    out.push_back(where +
                  (hi - lo == 1
                       ? ": reserved number " + std::to_string(lo)
                       : ": reserved numbers " + std::to_string(lo) + " to " + std::to_string(hi - 1)) +
                  " no longer reserved");
  }
  for (const auto& name : old.reserved_name()) {
    if (!contains(now.reserved_name(), name))
      out.push_back(where + ": reserved name '" + name + "' no longer reserved");
  }
}

inline void check_message(const std::string& where, const MessageDecl& old, const MessageDecl& now,
                          std::vector<std::string>& out) {
  const DescriptorProto& o = *old.proto;
  const DescriptorProto& n = *now.proto;
  std::map<int, const FieldDescriptorProto*> by_number;
  std::map<std::string, const FieldDescriptorProto*> by_name;
  for (const auto& f : n.field()) {
    by_number[f.number()] = &f;
    by_name[f.name()] = &f;
  }
  for (const auto& f : o.field()) {
    std::string field = where + ": field " + std::to_string(f.number()) + " '" + f.name() + "'";
    if (auto it = by_number.find(f.number()); it != by_number.end()) {
      const FieldDescriptorProto& g = *it->second;
      if (g.name() != f.name()) out.push_back(field + " renamed to '" + g.name() + "'");
      if (type_of(g) != type_of(f))
        out.push_back(field + " changed type from " + type_of(f) + " to " + type_of(g));
      std::string was = cardinality(f, old.proto3), is = cardinality(g, now.proto3);
      if (was != is) out.push_back(field + " changed cardinality from " + was + " to " + is);
      std::string was_oneof = oneof_of(f, o), is_oneof = oneof_of(g, n);
      if (was_oneof != is_oneof) {
        out.push_back(field + " moved from " + describe_oneof(was_oneof) + " to " + describe_oneof(is_oneof));
      }
      if (g.name() == f.name() && g.json_name() != f.json_name()) {
        out.push_back(field + " changed json_name from '" + f.json_name() + "' to '" + g.json_name() + "'");
      }
    } else if (auto moved = by_name.find(f.name()); moved != by_name.end()) {
      out.push_back(where + ": field '" + f.name() + "' renumbered from " + std::to_string(f.number()) +
                    " to " + std::to_string(moved->second->number()));
    } else {
      bool number_reserved =
          covered(f.number(), int64_t{f.number()} + 1, ranges_of(n.reserved_range(), false));
      bool name_reserved = contains(n.reserved_name(), f.name());
      if (!number_reserved || !name_reserved) {
        out.push_back(where + ": " + removal("field", f.number(), f.name(), number_reserved, name_reserved));
      }
    }
  }
  check_reserved(o, n, false, where, out);
}

inline void check_enum(const std::string& where, const EnumDescriptorProto& o, const EnumDescriptorProto& n,
                       std::vector<std::string>& out) {
  for (const auto& v : o.value()) {
    const google::protobuf::EnumValueDescriptorProto* same_name = nullptr;
    const google::protobuf::EnumValueDescriptorProto* same_number = nullptr;
    for (const auto& w : n.value()) {
      if (w.name() == v.name()) same_name = &w;
      if (w.number() == v.number() && same_number == nullptr) same_number = &w;
    }
    if (same_name != nullptr) {
      if (same_name->number() != v.number()) {
        out.push_back(where + ": value '" + v.name() + "' renumbered from " + std::to_string(v.number()) +
                      " to " + std::to_string(same_name->number()));
      }
    } else if (same_number != nullptr) {
      out.push_back(where + ": value " + std::to_string(v.number()) + " '" + v.name() + "' renamed to '" +
                    same_number->name() + "'");
    } else {
      bool number_reserved =
          covered(v.number(), int64_t{v.number()} + 1, ranges_of(n.reserved_range(), true));
      bool name_reserved = contains(n.reserved_name(), v.name());
      if (!number_reserved || !name_reserved) {
        out.push_back(where + ": " + removal("value", v.number(), v.name(), number_reserved, name_reserved));
      }
    }
  }
  check_reserved(o, n, true, where, out);
}

// Every change from `old` to `now` that breaks compatibility; empty when `now` can replace `old`.
inline std::vector<std::string> breaking_changes(const FileDescriptorSet& old, const FileDescriptorSet& now) {
  Declarations before = collect(old);
  Declarations after = collect(now);
  std::vector<std::string> out;
  for (const auto& [name, decl] : before.messages) {
    if (const MessageDecl* current = find(after.messages, name)) {
      check_message(name, decl, *current, out);
    } else {
      out.push_back(name + ": message removed");
    }
  }
  for (const auto& [name, decl] : before.enums) {
    if (const EnumDescriptorProto* const* current = find(after.enums, name)) {
      check_enum(name, *decl, **current, out);
    } else {
      out.push_back(name + ": enum removed");
    }
  }
  return out;
}

}  // namespace strictlog::schema_compat
