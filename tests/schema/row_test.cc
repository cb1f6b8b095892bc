// schema/row.h: the values ClickHouse would store wrongly or could not read back are errors naming the table
// and column, and leave the output as it was. (Rows that are fine are checked against the real server by
// tests/sink/clickhouse/ and tests/generate/python_reader_test.py.)
#include "schema/row.h"

#include <catch2/catch.hpp>

#include <string>

#include "strictlog/v1/event.pb.h"

namespace strictlog::schema {
namespace {

const Table& tls_handshake_failed() {
  for (const Table& t : builtin_tables()) {
    if (t.name == "openvpn_tls_handshake_failed") return t;
  }
  FAIL("no table openvpn_tls_handshake_failed");
  throw;
}

v1::Event event() {
  v1::Event e;
  e.mutable_envelope()->set_uid("u1");
  e.mutable_envelope()->mutable_time()->set_seconds(1795000000);
  e.mutable_openvpn_tls_handshake_failed()->mutable_src_endpoint()->set_ip("192.0.2.7");
  return e;
}

struct Case {
  const char* what;
  void (*change)(v1::Event&);
  const char* error_18_16;
  const char* error_23_8;
};

TEST_CASE("row: timestamps, enum numbers and IPs a column cannot hold", "[schema]") {
  const Case cases[] = {
      {"2105-12-31 23:59:59 is the last DateTime 18.16 reads back",
       [](v1::Event& e) { e.mutable_envelope()->mutable_time()->set_seconds(4291747199); }, nullptr, nullptr},
      {"2106-01-01 00:00:00: 18.16 would store 0 (JSONEachRow) or wrap to 1970 (RowBinary)",
       [](v1::Event& e) { e.mutable_envelope()->mutable_time()->set_seconds(4291747200); },
       "table openvpn_tls_handshake_failed: column envelope_time: timestamp 4291747200 s is outside what DateTime "
       "holds (1970-01-01 to 2105-12-31)",
       nullptr},
      {"before 1970", [](v1::Event& e) { e.mutable_envelope()->mutable_time()->set_seconds(-1); },
       "table openvpn_tls_handshake_failed: column envelope_time: timestamp -1 s is outside what DateTime holds "
       "(1970-01-01 to 2105-12-31)",
       nullptr},
      {"after 2262 overflows DateTime64(9)",
       [](v1::Event& e) { e.mutable_envelope()->mutable_time()->set_seconds(9300000000); },
       "table openvpn_tls_handshake_failed: column envelope_time: timestamp 9300000000 s is outside what DateTime "
       "holds (1970-01-01 to 2105-12-31)",
       "table openvpn_tls_handshake_failed: column envelope_time: timestamp 9300000000 s is outside what "
       "DateTime64(9) holds (1900-01-01 to 2262-04-11)"},
      {"an enum number without a name (proto3 keeps it)",
       [](v1::Event& e) { e.mutable_envelope()->set_header_format(static_cast<v1::HeaderFormat>(99)); },
       "table openvpn_tls_handshake_failed: column envelope_header_format: enum value 99 has no name",
       "table openvpn_tls_handshake_failed: column envelope_header_format: enum value 99 has no name"},
      {"an IP column holding a name",
       [](v1::Event& e) { e.mutable_openvpn_tls_handshake_failed()->mutable_src_endpoint()->set_ip("vpn.example"); },
       "table openvpn_tls_handshake_failed: column src_endpoint_ip: 'vpn.example' is not an IP address",
       "table openvpn_tls_handshake_failed: column src_endpoint_ip: 'vpn.example' is not an IP address"},
  };
  for (const Case& c : cases) {
    for (RowFormat format : {RowFormat::kRowBinary, RowFormat::kJsonEachRow}) {
      for (ClickHouseVersion version : {ClickHouseVersion{18, 16}, ClickHouseVersion{23, 8}}) {
        INFO(c.what << " / " << (format == RowFormat::kRowBinary ? "RowBinary" : "JSONEachRow") << " / "
                    << version.major);
        v1::Event e = event();
        c.change(e);
        std::string out = "kept";
        Status st = append_row(tls_handshake_failed(), format, version, e, &out);
        const char* expected = version.datetime64() ? c.error_23_8 : c.error_18_16;
        if (expected == nullptr) {
          CHECK(st.ok());
          CHECK(out.size() > 4);
        } else {
          REQUIRE_FALSE(st.ok());
          CHECK(st.errors()[0].message == expected);
          CHECK(out == "kept");
        }
      }
    }
  }
}

}  // namespace
}  // namespace strictlog::schema
