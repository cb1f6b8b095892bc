// The table model of strictlog's compiled-in data model (schema/table.h): which tables there are, and the
// columns of one of them as the flattening rules give them. The rules on every feature, and the errors,
// are exercised through the plugins in tests/generate/ (example.proto and testdata/errors/).
#include "schema/table.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "strictlog/openssh/v1/openssh.pb.h"
#include "strictlog/v1/auth.pb.h"
#include "strictlog/v1/event.pb.h"
#include "strictlog/v1/quarantine.pb.h"

namespace strictlog::schema {
namespace {

TEST_CASE("table model: builtin_tables has one table per Event payload field then quarantine", "[schema]") {
  const google::protobuf::OneofDescriptor* payload = v1::Event::descriptor()->FindOneofByName("payload");
  REQUIRE(payload != nullptr);
  std::vector<std::string> expected;
  for (int i = 0; i < payload->field_count(); ++i) expected.push_back(payload->field(i)->name());
  expected.push_back("quarantine");

  const std::vector<Table>& tables = builtin_tables();
  std::vector<std::string> names;
  for (const Table& t : tables) names.push_back(t.name);
  CHECK(names == expected);
  REQUIRE(tables.size() == expected.size());
  for (int i = 0; i < payload->field_count(); ++i) {
    INFO(tables[i].name);
    CHECK(tables[i].message == v1::Event::descriptor());
    CHECK(tables[i].payload == payload->field(i));
  }
  const Table& quarantine = tables.back();
  CHECK(quarantine.message == v1::QuarantineRecord::descriptor());
  CHECK(quarantine.payload == nullptr);
  CHECK(quarantine.order_by == std::vector<std::string>{"reason", "processed_time"});
}

TEST_CASE("table model: the columns of openssh_invalid_user", "[schema]") {
  const Table* t = nullptr;
  for (const Table& table : builtin_tables()) {
    if (table.name == "openssh_invalid_user") t = &table;
  }
  REQUIRE(t != nullptr);
  CHECK(t->order_by == std::vector<std::string>{"envelope_hostname", "envelope_time"});
  CHECK(t->partition_by == "toYYYYMM(envelope_time)");
  REQUIRE(t->indexes.size() == 1);
  CHECK(t->indexes[0].name == "openssh_invalid_user_envelope_uid");
  CHECK(t->indexes[0].type == "bloom_filter");

  // Event's own fields first (the envelope), then InvalidUser's, without the payload field's name.
  const google::protobuf::FieldDescriptor* envelope = v1::Event::descriptor()->FindFieldByName("envelope");
  size_t first_payload = 0;
  while (first_payload < t->columns.size() && t->columns[first_payload].path.front() == envelope) ++first_payload;
  for (size_t i = 0; i < first_payload; ++i) CHECK(t->columns[i].name.starts_with("envelope_"));

  struct Expected {
    std::string name;
    ColumnType type;
    bool nullable;
  };
  const std::vector<Expected> payload = {
      {"user_name", ColumnType::kString, false},
      {"user_uid", ColumnType::kUInt32, true},  // proto3 `optional`
      {"src_endpoint_ip", ColumnType::kIp, true},  // an empty address is NULL
      {"src_endpoint_port", ColumnType::kUInt32, true},
      {"src_endpoint_hostname", ColumnType::kString, false},
  };
  REQUIRE(t->columns.size() == first_payload + payload.size());
  for (size_t i = 0; i < payload.size(); ++i) {
    const Column& c = t->columns[first_payload + i];
    INFO(payload[i].name);
    CHECK(c.name == payload[i].name);
    CHECK(c.type == payload[i].type);
    CHECK(c.nullable == payload[i].nullable);
    CHECK(c.array_depth == 0);
  }

  const Column* ip = t->column("src_endpoint_ip");
  REQUIRE(ip != nullptr);
  CHECK(ip->path == std::vector<const google::protobuf::FieldDescriptor*>{
                        v1::Event::descriptor()->FindFieldByName("openssh_invalid_user"),
                        openssh::v1::InvalidUser::descriptor()->FindFieldByName("src_endpoint"),
                        v1::NetworkEndpoint::descriptor()->FindFieldByName("ip")});

  const Column* time = t->column("envelope_time");
  REQUIRE(time != nullptr);
  CHECK(time->type == ColumnType::kTimestamp);
  CHECK_FALSE(time->nullable);  // unset is the epoch, so that it can be a sorting key
  CHECK(t->column("envelope_time_seconds") == nullptr);  // one column, not Timestamp's two fields

  const Column* sd_id = t->column("envelope_structured_data_id");
  REQUIRE(sd_id != nullptr);
  CHECK(sd_id->array_depth == 1);
  const Column* sd_param = t->column("envelope_structured_data_params_name");
  REQUIRE(sd_param != nullptr);
  CHECK(sd_param->type == ColumnType::kString);
  CHECK(sd_param->array_depth == 2);
  CHECK_FALSE(sd_param->nullable);

  const Column* format = t->column("envelope_header_format");
  REQUIRE(format != nullptr);
  CHECK(format->type == ColumnType::kEnum);
  CHECK(format->enum_type == v1::HeaderFormat_descriptor());
}

}  // namespace
}  // namespace strictlog::schema
