// check_compat() on hand-made edits of the committed baseline of strictlog's own schemas: one case per kind
// of change, with the exact report, including the compatible near misses (reserved number and name, a wider
// reserved range); then the package filter and the counts `schema check` prints.
#include "schema/compat.h"

#include <catch2/catch.hpp>
#include <functional>

#include "schema/descriptor_set.h"

namespace strictlog::schema {
namespace {

using google::protobuf::DescriptorProto;
using google::protobuf::EnumDescriptorProto;
using google::protobuf::FieldDescriptorProto;
using google::protobuf::FileDescriptorSet;

const std::string kBaseline = STRICTLOG_SOURCE_DIR "/proto/baseline/descriptor_set.binpb";

FileDescriptorSet load(const std::string& path) {
  auto set = DescriptorSet::load(path);
  INFO("reading " << path << ": " << (set ? std::string() : set.errors().front().message));
  REQUIRE(set.ok());
  return (*set)->protos();
}

std::string lines(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += s + "\n";
  return out;
}

DescriptorProto* message(FileDescriptorSet& set, const std::string& full_name) {
  for (auto& file : *set.mutable_file()) {
    for (auto& m : *file.mutable_message_type()) {
      if (file.package() + "." + m.name() == full_name) return &m;
    }
  }
  FAIL("no message " << full_name);
  return nullptr;
}

EnumDescriptorProto* enumeration(FileDescriptorSet& set, const std::string& full_name) {
  for (auto& file : *set.mutable_file()) {
    for (auto& e : *file.mutable_enum_type()) {
      if (file.package() + "." + e.name() == full_name) return &e;
    }
  }
  FAIL("no enum " << full_name);
  return nullptr;
}

template <typename Repeated>
auto* named(Repeated& items, const std::string& name) {
  for (auto& item : items) {
    if (item.name() == name) return &item;
  }
  FAIL("nothing named " << name);
  return &items[0];
}

template <typename Repeated>
void erase(Repeated& items, const std::string& name) {
  for (int i = 0; i < items.size(); ++i) {
    if (items[i].name() == name) {
      items.erase(items.begin() + i);
      return;
    }
  }
  FAIL("nothing named " << name);
}

const std::string kOpenvpnProto = "strictlog/openvpn/v1/openvpn.proto";

google::protobuf::FileDescriptorProto* file(FileDescriptorSet& set, const std::string& name) {
  return named(*set.mutable_file(), name);
}

FieldDescriptorProto* field(FileDescriptorSet& set, const std::string& msg, const std::string& name) {
  return named(*message(set, msg)->mutable_field(), name);
}

void reserve(DescriptorProto* m, int first, int last_exclusive, const std::string& name) {
  auto* r = m->add_reserved_range();
  r->set_start(first);
  r->set_end(last_exclusive);
  if (!name.empty()) m->add_reserved_name(name);
}

void reserve(EnumDescriptorProto* e, int first, int last_inclusive, const std::string& name) {
  auto* r = e->add_reserved_range();
  r->set_start(first);
  r->set_end(last_inclusive);
  if (!name.empty()) e->add_reserved_name(name);
}

const std::string kEndpoint = "strictlog.openvpn.v1.Endpoint";
const std::string kReason = "strictlog.v1.QuarantineReason";

}  // namespace

TEST_CASE("check_compat: edits of the baseline", "[schema]") {
  using Edit = std::function<void(FileDescriptorSet&)>;
  // Each case edits two copies of the baseline: `edit_old` the old side (to give it something to lose),
  // `edit_now` the new side.
  struct Case {
    const char* what;
    Edit edit_now;
    std::vector<std::string> expected;
    Edit edit_old = [](FileDescriptorSet&) {};
  };
  const std::string endpoint = kEndpoint + ": ";
  const std::string reason = kReason + ": ";
  std::vector<Case> cases{
      {"unchanged", [](FileDescriptorSet&) {}, {}},
      {"field renumbered",
       [](auto& s) { field(s, kEndpoint, "port")->set_number(5); },
       {endpoint + "field 'port' renumbered from 2 to 5"}},
      {"scalar type changed",
       [](auto& s) { field(s, kEndpoint, "port")->set_type(FieldDescriptorProto::TYPE_STRING); },
       {endpoint + "field 2 'port' changed type from uint32 to string"}},
      {"message type changed",
       [](auto& s) {
         field(s, "strictlog.openvpn.v1.TlsHandshakeFailed", "src_endpoint")
             ->set_type_name(".strictlog.v1.Input");
       },
       {"strictlog.openvpn.v1.TlsHandshakeFailed: field 1 'src_endpoint' changed type from "
        "strictlog.openvpn.v1.Endpoint to strictlog.v1.Input"}},
      {"enum type changed",
       [](auto& s) {
         field(s, "strictlog.openvpn.v1.ClientInstanceSignal", "hardness")
             ->set_type_name(".strictlog.openvpn.v1.SignalAction");
       },
       {"strictlog.openvpn.v1.ClientInstanceSignal: field 3 'hardness' changed type from "
        "strictlog.openvpn.v1.SignalHardness to strictlog.openvpn.v1.SignalAction"}},
      {"field number reused: another name and another type",
       [](auto& s) {
         field(s, kEndpoint, "port")->set_type(FieldDescriptorProto::TYPE_STRING);
         field(s, kEndpoint, "port")->set_name("country");
       },
       {endpoint + "field 2 'port' of type uint32 reused for 'country' of type string"}},
      {"field renamed (its JSON name with it)",
       [](auto& s) {
         field(s, "strictlog.v1.Input", "line")->set_json_name("lineNumber");
         field(s, "strictlog.v1.Input", "line")->set_name("line_number");
       },
       {"strictlog.v1.Input: field 2 'line' renamed to 'line_number'"}},
      {"explicit json_name changed",
       [](auto& s) { field(s, kEndpoint, "common_name")->set_json_name("cn"); },
       {endpoint + "field 3 'common_name' changed json_name from 'commonName' to 'cn'"}},
      {"singular made repeated",
       [](auto& s) {
         field(s, "strictlog.v1.QuarantineRecord", "detail")->set_label(FieldDescriptorProto::LABEL_REPEATED);
       },
       {"strictlog.v1.QuarantineRecord: field 2 'detail' changed cardinality from singular to repeated"}},
      {"optional scalar lost its presence",
       [](auto& s) {
         field(s, kEndpoint, "port")->set_proto3_optional(false);
         field(s, kEndpoint, "port")->clear_oneof_index();
       },
       {endpoint + "field 2 'port' changed cardinality from optional to singular"}},
      {"optional on a message field changes nothing",
       [](auto& s) { field(s, "strictlog.v1.Envelope", "input")->set_proto3_optional(true); },
       {}},
      {"field moved out of its oneof",
       [](auto& s) { field(s, "strictlog.v1.Event", "openvpn_fatal_tls_error")->clear_oneof_index(); },
       {"strictlog.v1.Event: field 17 'openvpn_fatal_tls_error' moved from oneof 'payload' to no oneof"}},
      {"field removed, nothing reserved",
       [](auto& s) { erase(*message(s, kEndpoint)->mutable_field(), "common_name"); },
       {endpoint + "field 3 'common_name' removed without reserving its number and name"}},
      {"field removed, only its number reserved",
       [](auto& s) {
         erase(*message(s, kEndpoint)->mutable_field(), "common_name");
         reserve(message(s, kEndpoint), 3, 4, "");
       },
       {endpoint + "field 3 'common_name' removed without reserving its name"}},
      {"field removed, only its name reserved",
       [](auto& s) {
         erase(*message(s, kEndpoint)->mutable_field(), "common_name");
         message(s, kEndpoint)->add_reserved_name("common_name");
       },
       {endpoint + "field 3 'common_name' removed without reserving its number"}},
      {"field removed, number (in a range) and name reserved",
       [](auto& s) {
         erase(*message(s, kEndpoint)->mutable_field(), "common_name");
         reserve(message(s, kEndpoint), 3, 10, "common_name");
       },
       {}},
      {"field added",
       [](auto& s) {
         auto* f = message(s, kEndpoint)->add_field();
         f->set_name("country");
         f->set_number(5);
         f->set_type(FieldDescriptorProto::TYPE_STRING);
       },
       {}},
      {"message added",
       [](auto& s) { file(s, kOpenvpnProto)->add_message_type()->set_name("NewThing"); },
       {}},
      {"message removed",
       [](auto& s) { erase(*file(s, kOpenvpnProto)->mutable_message_type(), "FatalTlsError"); },
       {"strictlog.openvpn.v1.FatalTlsError: message removed"}},
      {"enum removed",
       [](auto& s) { erase(*file(s, kOpenvpnProto)->mutable_enum_type(), "SignalAction"); },
       {"strictlog.openvpn.v1.SignalAction: enum removed"}},
      {"enum value removed, nothing reserved",
       [](auto& s) { erase(*enumeration(s, kReason)->mutable_value(), "OVERSIZE"); },
       {reason + "value 5 'OVERSIZE' removed without reserving its number and name"}},
      {"enum value removed, number and name reserved",
       [](auto& s) {
         erase(*enumeration(s, kReason)->mutable_value(), "OVERSIZE");
         reserve(enumeration(s, kReason), 5, 5, "OVERSIZE");  // enum ranges include their end
       },
       {}},
      {"enum value renumbered",
       [](auto& s) { named(*enumeration(s, kReason)->mutable_value(), "OVERSIZE")->set_number(9); },
       {reason + "value 'OVERSIZE' renumbered from 5 to 9"}},
      {"enum value renamed",
       [](auto& s) { named(*enumeration(s, kReason)->mutable_value(), "OVERSIZE")->set_name("TOO_LONG"); },
       {reason + "value 5 'OVERSIZE' renamed to 'TOO_LONG'"}},
      {"enum value added",
       [](auto& s) {
         auto* v = enumeration(s, kReason)->add_value();
         v->set_name("RATE_LIMITED");
         v->set_number(20);  // 9 is MATCH_MEMORY
       },
       {}},
      {"reservations dropped",
       [](FileDescriptorSet&) {},
       {endpoint + "reserved number 7 no longer reserved",
        endpoint + "reserved name 'legacy' no longer reserved",
        reason + "reserved numbers 10 to 12 no longer reserved"},
       [](auto& s) {
         reserve(message(s, kEndpoint), 7, 8, "legacy");
         reserve(enumeration(s, kReason), 10, 12, "");
       }},
      {"a reservation widened is kept",
       [](auto& s) { reserve(message(s, kEndpoint), 5, 20, ""); },
       {},
       [](auto& s) { reserve(message(s, kEndpoint), 7, 8, ""); }},
      {"google.protobuf is not ours to check",
       [](auto& s) { message(s, "google.protobuf.Timestamp")->mutable_field()->RemoveLast(); },
       {}},
      {"every change is reported, in declaration order",
       [](auto& s) {
         erase(*enumeration(s, kReason)->mutable_value(), "OVERSIZE");
         field(s, kEndpoint, "port")->set_type(FieldDescriptorProto::TYPE_STRING);
       },
       {endpoint + "field 2 'port' changed type from uint32 to string",
        reason + "value 5 'OVERSIZE' removed without reserving its number and name"}},
  };

  const FileDescriptorSet baseline = load(kBaseline);
  for (const Case& c : cases) {
    INFO(c.what);
    FileDescriptorSet old = baseline;
    c.edit_old(old);
    FileDescriptorSet now = baseline;
    c.edit_now(now);
    CHECK(lines(breaking_changes(old, now, {"strictlog"})) == lines(c.expected));
  }
}

TEST_CASE("check_compat: packages checked", "[schema]") {
  const FileDescriptorSet baseline = load(kBaseline);
  FileDescriptorSet now = baseline;
  field(now, kEndpoint, "port")->set_type(FieldDescriptorProto::TYPE_STRING);
  message(now, "google.protobuf.Timestamp")->mutable_field()->RemoveLast();
  const std::string port = kEndpoint + ": field 2 'port' changed type from uint32 to string\n";

  // By default every package but google.protobuf's.
  CHECK(lines(breaking_changes(baseline, now)) == port);
  CHECK(lines(breaking_changes(baseline, now, {"strictlog"})) == port);
  CHECK(lines(breaking_changes(baseline, now, {"strictlog.openvpn.v1"})) == port);
  // A name covers its subpackages, not every package it is a prefix of.
  CHECK(lines(breaking_changes(baseline, now, {"strictlog.openvpn"})) == port);
  CHECK(lines(breaking_changes(baseline, now, {"strictlog.open"})) == "");
  CHECK(lines(breaking_changes(baseline, now, {"strictlog.v1"})) == "");
  // Named, google.protobuf is checked like any other.
  CHECK(lines(breaking_changes(baseline, now, {"google.protobuf"})) ==
        "google.protobuf.Timestamp: field 2 'nanos' removed without reserving its number and name\n");

  CHECK(checks_package({}, "acme.audit.v1"));
  CHECK(checks_package({}, ""));  // a file without a package statement
  CHECK_FALSE(checks_package({}, "google.protobuf"));
  CHECK_FALSE(checks_package({}, "google.protobuf.compiler"));
  CHECK(checks_package({}, "google.protobufx"));
  CHECK(checks_package({}, "google.type"));
}

TEST_CASE("check_compat: what was checked and what was added", "[schema]") {
  const FileDescriptorSet baseline = load(kBaseline);
  FileDescriptorSet now = baseline;
  auto* f = message(now, kEndpoint)->add_field();
  f->set_name("country");
  f->set_number(5);
  f->set_type(FieldDescriptorProto::TYPE_STRING);
  file(now, kOpenvpnProto)->add_message_type()->set_name("NewThing");
  auto* v = enumeration(now, kReason)->add_value();
  v->set_name("RATE_LIMITED");
  v->set_number(20);  // 9 is MATCH_MEMORY
  // A renumbered field is a breaking change, not an addition.
  field(now, "strictlog.v1.Input", "line")->set_number(20);

  CompatReport r = check_compat(baseline, now, {"strictlog.openvpn.v1", "strictlog.v1"});
  CHECK(lines(r.breaking) == "strictlog.v1.Input: field 'line' renumbered from 2 to 20\n");
  CHECK(lines(r.packages) == "strictlog.openvpn.v1\nstrictlog.v1\n");
  CHECK(r.added_messages == 1);
  CHECK(r.added_fields == 1);
  CHECK(r.added_enums == 0);
  CHECK(r.added_values == 1);

  // The counts are the old set's declarations in those packages, counted here from the set itself.
  size_t messages = 0, enums = 0;
  auto count = [&](const DescriptorProto& m, auto& self) -> void {
    ++messages;
    enums += static_cast<size_t>(m.enum_type_size());
    for (const auto& n : m.nested_type()) self(n, self);
  };
  for (const auto& file : baseline.file()) {
    if (file.package() != "strictlog.openvpn.v1" && file.package() != "strictlog.v1") continue;
    enums += static_cast<size_t>(file.enum_type_size());
    for (const auto& m : file.message_type()) count(m, count);
  }
  CHECK(messages > 10);
  CHECK(r.messages == messages);
  CHECK(r.enums == enums);
}

}  // namespace strictlog::schema
