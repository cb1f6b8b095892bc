// mapping/internal/leaf.h: which value kinds fit which proto fields, and setting them. Checked on a message
// built at run time that has a field of every type a leaf can be: the payloads of strictlog.v1.Event have
// int32 and map<string, string> fields but no floating-point or Timestamp ones, nor every integer type.
#include "mapping/internal/leaf.h"

#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/timestamp.pb.h>

#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace strictlog {
namespace {

namespace pb = google::protobuf;
using FD = pb::FieldDescriptor;

// message Leaves { one field of each type, a Timestamp, two maps, a repeated string, an enum }
const char* const kLeavesProto = R"pb(
  name: "leaf_test.proto"
  package: "leaftest"
  dependency: "google/protobuf/timestamp.proto"
  syntax: "proto3"
  enum_type { name: "Color" value { name: "COLOR_UNSPECIFIED" number: 0 } value { name: "COLOR_RED" number: 1 } }
  message_type {
    name: "Leaves"
    field { name: "s" number: 1 type: TYPE_STRING label: LABEL_OPTIONAL }
    field { name: "b" number: 2 type: TYPE_BYTES label: LABEL_OPTIONAL }
    field { name: "u32" number: 3 type: TYPE_UINT32 label: LABEL_OPTIONAL }
    field { name: "u64" number: 4 type: TYPE_UINT64 label: LABEL_OPTIONAL }
    field { name: "f32" number: 5 type: TYPE_FIXED32 label: LABEL_OPTIONAL }
    field { name: "f64" number: 6 type: TYPE_FIXED64 label: LABEL_OPTIONAL }
    field { name: "i32" number: 7 type: TYPE_INT32 label: LABEL_OPTIONAL }
    field { name: "i64" number: 8 type: TYPE_INT64 label: LABEL_OPTIONAL }
    field { name: "s32" number: 9 type: TYPE_SINT32 label: LABEL_OPTIONAL }
    field { name: "s64" number: 10 type: TYPE_SINT64 label: LABEL_OPTIONAL }
    field { name: "sf32" number: 11 type: TYPE_SFIXED32 label: LABEL_OPTIONAL }
    field { name: "sf64" number: 12 type: TYPE_SFIXED64 label: LABEL_OPTIONAL }
    field { name: "d" number: 13 type: TYPE_DOUBLE label: LABEL_OPTIONAL }
    field { name: "f" number: 14 type: TYPE_FLOAT label: LABEL_OPTIONAL }
    field { name: "flag" number: 15 type: TYPE_BOOL label: LABEL_OPTIONAL }
    field { name: "color" number: 16 type: TYPE_ENUM type_name: ".leaftest.Color" label: LABEL_OPTIONAL }
    field { name: "ts" number: 17 type: TYPE_MESSAGE type_name: ".google.protobuf.Timestamp" label: LABEL_OPTIONAL }
    field { name: "attrs" number: 18 type: TYPE_MESSAGE type_name: ".leaftest.Leaves.AttrsEntry" label: LABEL_REPEATED }
    field { name: "counts" number: 19 type: TYPE_MESSAGE type_name: ".leaftest.Leaves.CountsEntry" label: LABEL_REPEATED }
    field { name: "tags" number: 20 type: TYPE_STRING label: LABEL_REPEATED }
    field { name: "child" number: 21 type: TYPE_MESSAGE type_name: ".leaftest.Leaves" label: LABEL_OPTIONAL }
    field { name: "stamps" number: 22 type: TYPE_MESSAGE type_name: ".google.protobuf.Timestamp" label: LABEL_REPEATED }
    nested_type {
      name: "AttrsEntry"
      field { name: "key" number: 1 type: TYPE_STRING label: LABEL_OPTIONAL }
      field { name: "value" number: 2 type: TYPE_STRING label: LABEL_OPTIONAL }
      options { map_entry: true }
    }
    nested_type {
      name: "CountsEntry"
      field { name: "key" number: 1 type: TYPE_STRING label: LABEL_OPTIONAL }
      field { name: "value" number: 2 type: TYPE_INT32 label: LABEL_OPTIONAL }
      options { map_entry: true }
    }
  }
)pb";

// The Leaves descriptor and a factory for its messages; built once.
struct Leaves {
  pb::DescriptorPool pool{pb::DescriptorPool::generated_pool()};
  pb::DynamicMessageFactory factory{&pool};
  const pb::Descriptor* descriptor = nullptr;

  Leaves() {
    pb::FileDescriptorProto file;
    REQUIRE(pb::TextFormat::ParseFromString(kLeavesProto, &file));
    const pb::FileDescriptor* built = pool.BuildFile(file);
    REQUIRE(built != nullptr);
    descriptor = built->FindMessageTypeByName("Leaves");
    factory.SetDelegateToGeneratedFactory(true);  // the Timestamp is the generated class
  }
  const FD* field(const std::string& name) const {
    const FD* f = descriptor->FindFieldByName(name);
    REQUIRE(f != nullptr);
    return f;
  }
  std::unique_ptr<pb::Message> message() { return std::unique_ptr<pb::Message>(factory.GetPrototype(descriptor)->New()); }
};

Leaves& leaves() {
  static Leaves l;
  return l;
}

const char* const kAllFields[] = {"s",  "b",    "u32",   "u64", "f32",   "f64",    "i32",   "i64",   "s32", "s64",
                                  "sf32", "sf64", "d", "f",   "flag", "color", "ts", "attrs", "counts", "tags",
                                  "child", "stamps"};

TEST_CASE("leaf: each value kind fits exactly its fields", "[mapping][leaf]") {
  const std::map<ValueKind, std::set<std::string>> fitting = {
      {ValueKind::kString, {"s"}},
      {ValueKind::kUint32, {"u32", "u64", "f32", "f64"}},
      {ValueKind::kUint64, {"u32", "u64", "f32", "f64"}},  // into 32 bits: range-checked per line
      {ValueKind::kInt64, {"i32", "i64", "s32", "s64", "sf32", "sf64"}},
      {ValueKind::kDouble, {"d", "f"}},
      {ValueKind::kTimestamp, {"ts", "s"}},
      {ValueKind::kMap, {"attrs"}},
  };
  for (const auto& [kind, names] : fitting) {
    for (const char* name : kAllFields) {
      INFO(to_string(kind) << " into field '" << name << "'");
      CHECK(mapping::leaf::fits(kind, leaves().field(name)) == (names.count(name) == 1));
    }
  }
}

TEST_CASE("leaf: a Timestamp and a map are set whole and named as their type", "[mapping][leaf]") {
  CHECK(mapping::leaf::is_set_whole(leaves().field("ts")));
  CHECK(mapping::leaf::is_set_whole(leaves().field("attrs")));
  CHECK(mapping::leaf::is_set_whole(leaves().field("counts")));
  CHECK_FALSE(mapping::leaf::is_set_whole(leaves().field("child")));
  CHECK_FALSE(mapping::leaf::is_set_whole(leaves().field("stamps")));  // repeated Timestamps: not one value
  CHECK_FALSE(mapping::leaf::is_set_whole(leaves().field("tags")));
  CHECK_FALSE(mapping::leaf::is_set_whole(leaves().field("s")));

  CHECK(mapping::leaf::type_name(leaves().field("attrs")) == "map<string, string>");
  CHECK(mapping::leaf::type_name(leaves().field("counts")) == "map<string, int32>");
  CHECK(mapping::leaf::type_name(leaves().field("ts")) == "google.protobuf.Timestamp");
  CHECK(mapping::leaf::type_name(leaves().field("color")) == "leaftest.Color");
  CHECK(mapping::leaf::type_name(leaves().field("sf32")) == "sfixed32");
}

TEST_CASE("leaf: number constants fit integer fields up to their maximum", "[mapping][leaf]") {
  const std::pair<const char*, uint64_t> rows[] = {
      {"u32", 4294967295u}, {"f32", 4294967295u}, {"u64", UINT64_MAX},       {"i32", 2147483647},
      {"s32", 2147483647},  {"sf32", 2147483647}, {"i64", 9223372036854775807}, {"sf64", 9223372036854775807},
      {"d", 0},             {"s", 0},             {"color", 0},              {"ts", 0},
  };
  for (const auto& [name, max] : rows) {
    INFO(name);
    CHECK(mapping::leaf::max_number_constant(leaves().field(name)) == max);
  }
}

Value int64_value(int64_t n) { return Value{.kind = ValueKind::kInt64, .text = "n", .integer = n}; }

TEST_CASE("leaf: int64 values into signed fields, refused beyond int32 and never wrapped", "[mapping][leaf]") {
  auto m = leaves().message();
  const pb::Reflection* r = m->GetReflection();
  std::string range;
  for (const char* name : {"i32", "s32", "sf32"}) {
    INFO(name);
    range.clear();
    const FD* f = leaves().field(name);
    CHECK(mapping::leaf::set(m.get(), f, int64_value(-2147483648), &range));
    CHECK(r->GetInt32(*m, f) == INT32_MIN);
    CHECK(mapping::leaf::set(m.get(), f, int64_value(2147483647), &range));
    CHECK(r->GetInt32(*m, f) == INT32_MAX);
    CHECK(range.empty());
    CHECK_FALSE(mapping::leaf::set(m.get(), f, int64_value(2147483648), &range));
    CHECK(range == std::string(f->type_name()) + ", -2147483648 to 2147483647");
    range.clear();
    CHECK_FALSE(mapping::leaf::set(m.get(), f, int64_value(-2147483649), &range));
    CHECK(range == std::string(f->type_name()) + ", -2147483648 to 2147483647");
    CHECK(r->GetInt32(*m, f) == INT32_MAX);  // unchanged by the refusals
  }
  for (const char* name : {"i64", "s64", "sf64"}) {
    INFO(name);
    const FD* f = leaves().field(name);
    CHECK(mapping::leaf::set(m.get(), f, int64_value(INT64_MIN), &range));
    CHECK(r->GetInt64(*m, f) == INT64_MIN);
    CHECK(mapping::leaf::set(m.get(), f, int64_value(INT64_MAX), &range));
    CHECK(r->GetInt64(*m, f) == INT64_MAX);
  }
}

TEST_CASE("leaf: doubles into double and float fields, refused beyond float", "[mapping][leaf]") {
  auto m = leaves().message();
  const pb::Reflection* r = m->GetReflection();
  std::string range;
  const FD* d = leaves().field("d");
  const FD* f = leaves().field("f");
  CHECK(mapping::leaf::set(m.get(), d, Value{.kind = ValueKind::kDouble, .text = "x", .real = 1e300}, &range));
  CHECK(r->GetDouble(*m, d) == 1e300);
  CHECK(mapping::leaf::set(m.get(), f, Value{.kind = ValueKind::kDouble, .text = "x", .real = 0.1}, &range));
  CHECK(r->GetFloat(*m, f) == 0.1f);  // rounded to the nearest float
  CHECK(mapping::leaf::set(m.get(), f, Value{.kind = ValueKind::kDouble, .text = "x", .real = -3.4028234663852886e38},
                           &range));
  CHECK(r->GetFloat(*m, f) == -std::numeric_limits<float>::max());
  CHECK(range.empty());
  CHECK_FALSE(mapping::leaf::set(m.get(), f, Value{.kind = ValueKind::kDouble, .text = "x", .real = 1e39}, &range));
  CHECK(range == "float, -3.4028235e+38 to 3.4028235e+38");
  CHECK_FALSE(mapping::leaf::set(m.get(), f, Value{.kind = ValueKind::kDouble, .text = "x", .real = -1e39}, &range));
  CHECK(r->GetFloat(*m, f) == -std::numeric_limits<float>::max());  // unchanged by the refusals
}

TEST_CASE("leaf: a timestamp sets a Timestamp field or a string field with its text", "[mapping][leaf]") {
  auto m = leaves().message();
  std::string range;
  const Value v{.kind = ValueKind::kTimestamp, .text = "2026-11-22 09:15:02", .integer = 1795338902};
  REQUIRE(mapping::leaf::set(m.get(), leaves().field("ts"), v, &range));
  REQUIRE(mapping::leaf::set(m.get(), leaves().field("s"), v, &range));
  const auto& ts = dynamic_cast<const pb::Timestamp&>(m->GetReflection()->GetMessage(*m, leaves().field("ts")));
  CHECK(ts.seconds() == 1795338902);
  CHECK(ts.nanos() == 0);
  CHECK(m->GetReflection()->GetString(*m, leaves().field("s")) == "2026-11-22 09:15:02");
}

TEST_CASE("leaf: a kv value fills a map<string, string> field entry by entry", "[mapping][leaf]") {
  auto m = leaves().message();
  std::string range;
  const FD* attrs = leaves().field("attrs");
  const Value v{ValueKind::kMap, "logname= uid=0 rhost=192.0.2.7  user=root", 0};
  REQUIRE(mapping::leaf::set(m.get(), attrs, v, &range));
  std::map<std::string, std::string> got;
  const pb::Reflection* r = m->GetReflection();
  for (int i = 0; i < r->FieldSize(*m, attrs); ++i) {
    const pb::Message& e = r->GetRepeatedMessage(*m, attrs, i);
    got[e.GetReflection()->GetString(e, e.GetDescriptor()->map_key())] =
        e.GetReflection()->GetString(e, e.GetDescriptor()->map_value());
  }
  CHECK(got == std::map<std::string, std::string>{{"logname", ""}, {"uid", "0"}, {"rhost", "192.0.2.7"}, {"user", "root"}});

  // Survives the wire as a map: serialized and parsed back, the text format lists each key once.
  auto back = leaves().message();
  REQUIRE(back->ParseFromString(m->SerializeAsString()));
  CHECK(r->FieldSize(*back, attrs) == 4);
  std::string text;
  pb::TextFormat::PrintToString(*back, &text);
  CHECK(text.find("key: \"uid\"\n  value: \"0\"") != std::string::npos);
}

TEST_CASE("leaf: constants become the value set() reads", "[mapping][leaf]") {
  FieldOp op;
  op.source = FieldOp::Source::kConstant;
  op.string_value = "SIG";
  op.path = {leaves().field("s")};
  Value v = mapping::leaf::constant_value(op);
  CHECK(v.kind == ValueKind::kString);
  CHECK(v.text == "SIG");

  op.string_value.clear();
  op.number_value = 2147483647;  // bind_mappings() has checked it fits
  op.path = {leaves().field("i32")};
  v = mapping::leaf::constant_value(op);
  CHECK(v.kind == ValueKind::kUint64);
  auto m = leaves().message();
  std::string range;
  CHECK(mapping::leaf::set(m.get(), leaves().field("i32"), v, &range));
  CHECK(m->GetReflection()->GetInt32(*m, leaves().field("i32")) == INT32_MAX);
  op.number_value = 9223372036854775807u;
  op.path = {leaves().field("sf64")};
  CHECK(mapping::leaf::set(m.get(), leaves().field("sf64"), mapping::leaf::constant_value(op), &range));
  CHECK(m->GetReflection()->GetInt64(*m, leaves().field("sf64")) == INT64_MAX);
}

}  // namespace
}  // namespace strictlog
