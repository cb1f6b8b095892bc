#include "schema/compat.h"

#include <google/protobuf/descriptor.h>

#include <cstdint>
#include <map>
#include <set>
#include <utility>

namespace strictlog::schema {

namespace {

using google::protobuf::DescriptorProto;
using google::protobuf::EnumDescriptorProto;
using google::protobuf::EnumValueDescriptorProto;
using google::protobuf::FieldDescriptorProto;
using google::protobuf::FileDescriptorSet;

// Half-open number ranges [first, second).
using Ranges = std::vector<std::pair<int64_t, int64_t>>;

struct MessageDecl {
  const DescriptorProto* proto;
  bool proto3;
};

// Every message and enum of the checked packages, by full name, in declaration order.
struct Declarations {
  std::vector<std::pair<std::string, MessageDecl>> messages;
  std::vector<std::pair<std::string, const EnumDescriptorProto*>> enums;
};

bool is_protobuf_package(const std::string& package) {
  return package == "google.protobuf" || package.rfind("google.protobuf.", 0) == 0;
}

// `scope` is the enclosing message's full name or the file's package, empty for a file without one.
std::string qualify(const std::string& scope, const std::string& name) { return scope.empty() ? name : scope + "." + name; }

void collect(const DescriptorProto& m, const std::string& scope, bool proto3, Declarations& out) {
  std::string name = qualify(scope, m.name());
  out.messages.push_back({name, MessageDecl{&m, proto3}});
  for (const auto& e : m.enum_type()) out.enums.push_back({qualify(name, e.name()), &e});
  for (const auto& nested : m.nested_type()) collect(nested, name, proto3, out);
}

Declarations collect(const FileDescriptorSet& set, const std::vector<std::string>& packages) {
  Declarations out;
  for (const auto& file : set.file()) {
    if (!checks_package(packages, file.package())) continue;
    bool proto3 = file.syntax() == "proto3";
    for (const auto& e : file.enum_type()) out.enums.push_back({qualify(file.package(), e.name()), &e});
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

std::string type_of(const FieldDescriptorProto& f) {
  if (!f.type_name().empty()) return f.type_name().substr(f.type_name()[0] == '.' ? 1 : 0);
  return google::protobuf::FieldDescriptor::TypeName(static_cast<google::protobuf::FieldDescriptor::Type>(f.type()));
}

// Message fields always have presence, so `optional` on one changes nothing and is not reported.
std::string cardinality(const FieldDescriptorProto& f, bool proto3) {
  if (f.label() == FieldDescriptorProto::LABEL_REPEATED) return "repeated";
  if (f.label() == FieldDescriptorProto::LABEL_REQUIRED) return "required";
  if (!proto3 || f.proto3_optional() || f.type() == FieldDescriptorProto::TYPE_MESSAGE) return "optional";
  return "singular";
}

// The real oneof a field belongs to, or "" (proto3 `optional` makes a synthetic one, not counted).
std::string oneof_of(const FieldDescriptorProto& f, const DescriptorProto& m) {
  if (!f.has_oneof_index() || f.proto3_optional() || f.oneof_index() >= m.oneof_decl_size()) return "";
  return m.oneof_decl(f.oneof_index()).name();
}

std::string describe_oneof(const std::string& name) { return name.empty() ? "no oneof" : "oneof '" + name + "'"; }

// Whether [first, last) lies within the union of `ranges`.
bool covered(int64_t first, int64_t last, const Ranges& ranges) {
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

// Message reserved ranges exclude their end, enum reserved ranges include it (descriptor.proto).
template <typename Range>
Ranges ranges_of(const google::protobuf::RepeatedPtrField<Range>& rs, bool end_inclusive) {
  Ranges out;
  for (const auto& r : rs) out.push_back({r.start(), int64_t{r.end()} + (end_inclusive ? 1 : 0)});
  return out;
}

bool contains(const google::protobuf::RepeatedPtrField<std::string>& names, const std::string& name) {
  for (const auto& n : names) {
    if (n == name) return true;
  }
  return false;
}

std::string removal(const char* what, int number, const std::string& name, bool number_reserved, bool name_reserved) {
  std::string missing = !number_reserved && !name_reserved ? "its number and name"
                        : !number_reserved                 ? "its number"
                                                           : "its name";
  return std::string(what) + " " + std::to_string(number) + " '" + name + "' removed without reserving " + missing;
}

// Reports reserved numbers and names of the old declaration that the new one no longer reserves.
template <typename Decl>
void check_reserved(const Decl& old, const Decl& now, bool end_inclusive, const std::string& where,
                    std::vector<std::string>& out) {
  Ranges now_ranges = ranges_of(now.reserved_range(), end_inclusive);
  for (const auto& [lo, hi] : ranges_of(old.reserved_range(), end_inclusive)) {
    if (covered(lo, hi, now_ranges)) continue;
    out.push_back(where +
                  (hi - lo == 1 ? ": reserved number " + std::to_string(lo)
                                : ": reserved numbers " + std::to_string(lo) + " to " + std::to_string(hi - 1)) +
                  " no longer reserved");
  }
  for (const auto& name : old.reserved_name()) {
    if (!contains(now.reserved_name(), name)) out.push_back(where + ": reserved name '" + name + "' no longer reserved");
  }
}

void check_message(const std::string& where, const MessageDecl& old, const MessageDecl& now, CompatReport& report) {
  std::vector<std::string>& out = report.breaking;
  const DescriptorProto& o = *old.proto;
  const DescriptorProto& n = *now.proto;
  std::map<int, const FieldDescriptorProto*> by_number;
  std::map<std::string, const FieldDescriptorProto*> by_name;
  for (const auto& f : n.field()) {
    by_number[f.number()] = &f;
    by_name[f.name()] = &f;
  }
  std::set<int> old_numbers;
  for (const auto& f : o.field()) {
    old_numbers.insert(f.number());
    std::string field = where + ": field " + std::to_string(f.number()) + " '" + f.name() + "'";
    if (auto it = by_number.find(f.number()); it != by_number.end()) {
      const FieldDescriptorProto& g = *it->second;
      // Another name and another type: not an edit of the field but a new one on its number. Its other
      // attributes are a stranger's, so comparing them would say nothing more.
      if (g.name() != f.name() && type_of(g) != type_of(f)) {
        out.push_back(field + " of type " + type_of(f) + " reused for '" + g.name() + "' of type " + type_of(g));
        continue;
      }
      if (g.name() != f.name()) out.push_back(field + " renamed to '" + g.name() + "'");
      if (type_of(g) != type_of(f)) out.push_back(field + " changed type from " + type_of(f) + " to " + type_of(g));
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
      out.push_back(where + ": field '" + f.name() + "' renumbered from " + std::to_string(f.number()) + " to " +
                    std::to_string(moved->second->number()));
    } else {
      bool number_reserved = covered(f.number(), int64_t{f.number()} + 1, ranges_of(n.reserved_range(), false));
      bool name_reserved = contains(n.reserved_name(), f.name());
      if (!number_reserved || !name_reserved) {
        out.push_back(where + ": " + removal("field", f.number(), f.name(), number_reserved, name_reserved));
      }
    }
  }
  // A field renumbered is reported above, not counted as added.
  for (const auto& g : n.field()) {
    bool renumbered = false;
    for (const auto& f : o.field()) renumbered = renumbered || f.name() == g.name();
    if (!old_numbers.count(g.number()) && !renumbered) ++report.added_fields;
  }
  check_reserved(o, n, false, where, out);
}

void check_enum(const std::string& where, const EnumDescriptorProto& o, const EnumDescriptorProto& n,
                CompatReport& report) {
  std::vector<std::string>& out = report.breaking;
  for (const auto& v : o.value()) {
    const EnumValueDescriptorProto* same_name = nullptr;
    const EnumValueDescriptorProto* same_number = nullptr;
    for (const auto& w : n.value()) {
      if (w.name() == v.name()) same_name = &w;
      if (w.number() == v.number() && same_number == nullptr) same_number = &w;
    }
    if (same_name != nullptr) {
      if (same_name->number() != v.number()) {
        out.push_back(where + ": value '" + v.name() + "' renumbered from " + std::to_string(v.number()) + " to " +
                      std::to_string(same_name->number()));
      }
    } else if (same_number != nullptr) {
      out.push_back(where + ": value " + std::to_string(v.number()) + " '" + v.name() + "' renamed to '" +
                    same_number->name() + "'");
    } else {
      bool number_reserved = covered(v.number(), int64_t{v.number()} + 1, ranges_of(n.reserved_range(), true));
      bool name_reserved = contains(n.reserved_name(), v.name());
      if (!number_reserved || !name_reserved) {
        out.push_back(where + ": " + removal("value", v.number(), v.name(), number_reserved, name_reserved));
      }
    }
  }
  for (const auto& w : n.value()) {
    bool known = false;
    for (const auto& v : o.value()) known = known || v.name() == w.name() || v.number() == w.number();
    if (!known) ++report.added_values;
  }
  check_reserved(o, n, true, where, out);
}

void add_packages(const FileDescriptorSet& set, const std::vector<std::string>& packages, std::set<std::string>& out) {
  for (const auto& file : set.file()) {
    if (checks_package(packages, file.package())) out.insert(file.package());
  }
}

}  // namespace

bool checks_package(const std::vector<std::string>& packages, const std::string& package) {
  if (packages.empty()) return !is_protobuf_package(package);
  for (const std::string& p : packages) {
    if (package == p || (package.size() > p.size() && package.compare(0, p.size(), p) == 0 && package[p.size()] == '.')) {
      return true;
    }
  }
  return false;
}

CompatReport check_compat(const FileDescriptorSet& old, const FileDescriptorSet& now,
                          const std::vector<std::string>& packages) {
  Declarations before = collect(old, packages);
  Declarations after = collect(now, packages);
  CompatReport report;
  std::set<std::string> checked;
  add_packages(old, packages, checked);
  add_packages(now, packages, checked);
  report.packages.assign(checked.begin(), checked.end());
  report.messages = before.messages.size();
  report.enums = before.enums.size();
  for (const auto& [name, decl] : before.messages) {
    if (const MessageDecl* current = find(after.messages, name)) {
      check_message(name, decl, *current, report);
    } else {
      report.breaking.push_back(name + ": message removed");
    }
  }
  for (const auto& [name, decl] : before.enums) {
    if (const EnumDescriptorProto* const* current = find(after.enums, name)) {
      check_enum(name, *decl, **current, report);
    } else {
      report.breaking.push_back(name + ": enum removed");
    }
  }
  for (const auto& [name, decl] : after.messages) report.added_messages += find(before.messages, name) == nullptr;
  for (const auto& [name, decl] : after.enums) report.added_enums += find(before.enums, name) == nullptr;
  return report;
}

std::vector<std::string> breaking_changes(const FileDescriptorSet& old, const FileDescriptorSet& now,
                                          const std::vector<std::string>& packages) {
  return check_compat(old, now, packages).breaking;
}

}  // namespace strictlog::schema
