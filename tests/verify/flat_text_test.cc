// Flat text (verify/flat_text.h): flatten() of hand-built events and quarantine records, set_flat_field()
// round trips and its exact error texts, and quote()/unquote() over every byte value.
#include "verify/flat_text.h"

#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/message_differencer.h>
#include <google/protobuf/wrappers.pb.h>

#include <catch2/catch.hpp>

#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "strictlog/v1/event.pb.h"
#include "strictlog/v1/quarantine.pb.h"

namespace strictlog {
namespace {

using namespace std::string_literals;
using Flat = std::vector<FlatField>;

constexpr int64_t kNov22 = 1795338902;  // 2026-11-22T09:15:02Z

// Sets every pair on a fresh message of m's type, then checks the result flattens back to `fields` and
// equals `m` field by field.
void check_round_trip(const google::protobuf::Message& m, const Flat& fields) {
  std::unique_ptr<google::protobuf::Message> back(m.New());
  for (const auto& [path, value] : fields) {
    INFO(path << ": " << value);
    CHECK(set_flat_field(back.get(), path, value) == "");
  }
  CHECK(flatten(*back) == fields);
  CHECK(google::protobuf::util::MessageDifferencer::Equals(m, *back));
}

v1::Event signal_event() {
  v1::Event e;
  v1::Envelope* env = e.mutable_envelope();
  env->set_uid("0123abcd");
  env->mutable_time()->set_seconds(kNov22);
  env->set_time_text("Nov 22 09:15:02");
  env->set_time_year_inferred(true);
  env->set_hostname("a\"b\\c\n\r\t\x01\x1f\x7f caf\xc3\xa9");
  env->set_process_name("openvpn");
  env->set_pid(0);  // optional: present although zero
  env->mutable_input()->set_name("in.log");
  env->mutable_input()->set_line(7);
  env->set_rule_id("client_instance_signal");
  auto* p = e.mutable_openvpn_client_instance_signal();
  p->mutable_src_endpoint();  // set, with no field set
  p->set_signal_name("SIGUSR1");
  p->set_hardness(openvpn::v1::SIGNAL_HARDNESS_SOFT);
  p->set_reason("");  // optional: present although empty
  p->set_action(openvpn::v1::SIGNAL_ACTION_EXITING);
  return e;
}

const Flat kSignalFlat = {
    {"envelope.uid", "\"0123abcd\""},
    {"envelope.time", "2026-11-22T09:15:02Z"},
    {"envelope.time_text", "\"Nov 22 09:15:02\""},
    {"envelope.time_year_inferred", "true"},
    {"envelope.hostname", "\"a\\\"b\\\\c\\n\\r\\t\\x01\\x1f\\x7f caf\xc3\xa9\""},
    {"envelope.process_name", "\"openvpn\""},
    {"envelope.pid", "0"},
    {"envelope.input.name", "\"in.log\""},
    {"envelope.input.line", "7"},
    {"envelope.rule_id", "\"client_instance_signal\""},
    {"openvpn_client_instance_signal.src_endpoint", "{}"},
    {"openvpn_client_instance_signal.signal_name", "\"SIGUSR1\""},
    {"openvpn_client_instance_signal.hardness", "SIGNAL_HARDNESS_SOFT"},
    {"openvpn_client_instance_signal.reason", "\"\""},
    {"openvpn_client_instance_signal.action", "SIGNAL_ACTION_EXITING"},
};

TEST_CASE("flatten: an event in field-number order with typed values and presence", "[verify]") {
  v1::Event e = signal_event();
  CHECK(flatten(e) == kSignalFlat);
  check_round_trip(e, kSignalFlat);
}

TEST_CASE("flatten: optional fields absent are left out and plain scalars at zero too", "[verify]") {
  v1::Event e = signal_event();
  e.mutable_envelope()->clear_pid();
  e.mutable_envelope()->set_time_year_inferred(false);
  e.mutable_envelope()->set_hostname("");
  e.mutable_openvpn_client_instance_signal()->clear_reason();
  e.mutable_openvpn_client_instance_signal()->set_hardness(openvpn::v1::SIGNAL_HARDNESS_UNSPECIFIED);
  e.mutable_openvpn_client_instance_signal()->mutable_src_endpoint()->set_port(0);
  Flat expected = {
      {"envelope.uid", "\"0123abcd\""},
      {"envelope.time", "2026-11-22T09:15:02Z"},
      {"envelope.time_text", "\"Nov 22 09:15:02\""},
      {"envelope.process_name", "\"openvpn\""},
      {"envelope.input.name", "\"in.log\""},
      {"envelope.input.line", "7"},
      {"envelope.rule_id", "\"client_instance_signal\""},
      {"openvpn_client_instance_signal.src_endpoint.port", "0"},
      {"openvpn_client_instance_signal.signal_name", "\"SIGUSR1\""},
      {"openvpn_client_instance_signal.action", "SIGNAL_ACTION_EXITING"},
  };
  CHECK(flatten(e) == expected);
  check_round_trip(e, expected);
}

TEST_CASE("flatten: skipped paths leave out their whole subtree and a message left empty is {}", "[verify]") {
  v1::Event e = signal_event();
  CHECK(flatten(e, {"envelope.uid", "envelope.input", "openvpn_client_instance_signal.hardness"}) ==
        Flat{
            {"envelope.time", "2026-11-22T09:15:02Z"},
            {"envelope.time_text", "\"Nov 22 09:15:02\""},
            {"envelope.time_year_inferred", "true"},
            {"envelope.hostname", "\"a\\\"b\\\\c\\n\\r\\t\\x01\\x1f\\x7f caf\xc3\xa9\""},
            {"envelope.process_name", "\"openvpn\""},
            {"envelope.pid", "0"},
            {"envelope.rule_id", "\"client_instance_signal\""},
            {"openvpn_client_instance_signal.src_endpoint", "{}"},
            {"openvpn_client_instance_signal.signal_name", "\"SIGUSR1\""},
            {"openvpn_client_instance_signal.reason", "\"\""},
            {"openvpn_client_instance_signal.action", "SIGNAL_ACTION_EXITING"},
        });
  // A skip entry matches whole paths only: `envelope.in` is no prefix of `envelope.input`.
  v1::Event only_uid;
  only_uid.mutable_envelope()->set_uid("u");
  only_uid.mutable_envelope()->mutable_input()->set_line(1);
  CHECK(flatten(only_uid, {"envelope.in", "envelope.uid"}) == Flat{{"envelope.input.line", "1"}});
  CHECK(flatten(only_uid, {"envelope.input", "envelope.uid"}) == Flat{{"envelope", "{}"}});
  CHECK(flatten(v1::Event()) == Flat{});
}

TEST_CASE("flatten: a quarantine record with bytes and an enum and a repeated field", "[verify]") {
  v1::QuarantineRecord r;
  r.set_reason(v1::ENCODING);
  r.set_detail("NUL byte at byte 2");
  r.set_raw_bytes("\xff\x00" "a\xc3\xa9"s);
  r.add_candidate_rule_ids("openvpn/2.6/x");
  r.add_candidate_rule_ids("openvpn/2.6/y");
  r.set_process_name("openvpn");
  Flat expected = {
      {"reason", "ENCODING"},
      {"detail", "\"NUL byte at byte 2\""},
      {"raw_bytes", "b\"\\xff\\x00a\xc3\xa9\""},
      {"candidate_rule_ids.0", "\"openvpn/2.6/x\""},
      {"candidate_rule_ids.1", "\"openvpn/2.6/y\""},
      {"process_name", "\"openvpn\""},
  };
  CHECK(flatten(r) == expected);
  check_round_trip(r, expected);

  v1::QuarantineRecord text;
  text.set_raw_text("x");
  CHECK(flatten(text) == Flat{{"raw_text", "\"x\""}});
  // An enum number the enum does not name (proto3 enums are open) is written as the number.
  text.set_reason(static_cast<v1::QuarantineReason>(99));
  CHECK(flatten(text) == Flat{{"reason", "99"}, {"raw_text", "\"x\""}});
}

TEST_CASE("flatten: timestamps in RFC 3339 UTC with nanoseconds only when set and before 1970 too", "[verify]") {
  struct Row {
    int64_t seconds;
    int32_t nanos;
    std::string text;
  };
  const Row rows[] = {
      {0, 0, "1970-01-01T00:00:00Z"},
      {0, 5, "1970-01-01T00:00:00.000000005Z"},
      {kNov22, 999999999, "2026-11-22T09:15:02.999999999Z"},
      {-1, 0, "1969-12-31T23:59:59Z"},
      {-1, 500000000, "1969-12-31T23:59:59.500000000Z"},
      {-14182940, 0, "1969-07-20T20:17:40Z"},
      {-62135596800, 0, "0001-01-01T00:00:00Z"},
      {253402300799, 0, "9999-12-31T23:59:59Z"},
  };
  for (const Row& row : rows) {
    INFO(row.text);
    v1::Event e;
    e.mutable_envelope()->mutable_time()->set_seconds(row.seconds);
    e.mutable_envelope()->mutable_time()->set_nanos(row.nanos);
    Flat expected = {{"envelope.time", row.text}};
    CHECK(flatten(e) == expected);
    check_round_trip(e, expected);
  }
}

TEST_CASE("set_flat_field: integer kinds at their limits", "[verify]") {
  // Timestamp as the root message has int64 seconds and int32 nanos; Event has none.
  google::protobuf::Timestamp ts;
  CHECK(set_flat_field(&ts, "seconds", "-9223372036854775808") == "");
  CHECK(ts.seconds() == INT64_MIN);
  CHECK(set_flat_field(&ts, "seconds", "9223372036854775807") == "");
  CHECK(ts.seconds() == INT64_MAX);
  CHECK(set_flat_field(&ts, "nanos", "-2147483648") == "");
  CHECK(ts.nanos() == INT32_MIN);
  CHECK(set_flat_field(&ts, "nanos", "2147483647") == "");
  CHECK(ts.nanos() == INT32_MAX);
  CHECK(flatten(ts) == Flat{{"seconds", "9223372036854775807"}, {"nanos", "2147483647"}});

  v1::Event e;
  CHECK(set_flat_field(&e, "envelope.pid", "4294967295") == "");
  CHECK(e.envelope().pid() == 4294967295u);
  CHECK(set_flat_field(&e, "envelope.input.offset", "18446744073709551615") == "");
  CHECK(e.envelope().input().offset() == UINT64_MAX);
  CHECK(set_flat_field(&e, "openvpn_tls_handshake_failed.src_endpoint.port", "080") == "");  // leading zeros read
  CHECK(e.openvpn_tls_handshake_failed().src_endpoint().port() == 80);
  CHECK(set_flat_field(&e, "openvpn_tls_handshake_failed.src_endpoint", "{}") == "");  // keeps what is set
  CHECK(e.openvpn_tls_handshake_failed().src_endpoint().port() == 80);
  CHECK(set_flat_field(&e, "envelope.hostname", "\"\\x41\\xc3\\xa9\"") == "");
  CHECK(e.envelope().hostname() == "A\xc3\xa9");
}

TEST_CASE("set_flat_field: exact error texts", "[verify]") {
  struct Row {
    std::string path, value, error;
  };
  const std::string u32 = "is uint32: expected a number from 0 to 4294967295, got ";
  const std::string ts = "field 'envelope.time' is a timestamp: expected e.g. 2026-11-22T09:15:02Z, got ";
  const Row rows[] = {
      {"envelope.hostnme", "\"x\"", "message strictlog.v1.Envelope has no field 'hostnme'"},
      {"envelop.hostname", "\"x\"", "message strictlog.v1.Event has no field 'envelop'"},
      {"envelope..pid", "1", "message strictlog.v1.Envelope has no field ''"},
      {"envelope.pid.x", "1", "field 'envelope.pid' is uint32, not a message"},
      {"envelope.hostname.x", "\"a\"", "field 'envelope.hostname' is string, not a message"},
      {"envelope.time.seconds", "1",
       "field 'envelope.time' is a timestamp, written whole (e.g. 2026-11-22T09:15:02Z), not by its fields"},
      {"envelope.pid", "\"1187\"", "field 'envelope.pid' " + u32 + "\"1187\""},
      {"envelope.pid", "12a", "field 'envelope.pid' " + u32 + "12a"},
      {"envelope.pid", "", "field 'envelope.pid' " + u32},
      {"envelope.pid", "-1", "field 'envelope.pid' " + u32 + "-1"},
      {"envelope.pid", "+5", "field 'envelope.pid' " + u32 + "+5"},
      {"envelope.pid", "1.0", "field 'envelope.pid' " + u32 + "1.0"},
      {"envelope.pid", "4294967296", "field 'envelope.pid' " + u32 + "4294967296"},
      {"envelope.pid", "99999999999999999999999", "field 'envelope.pid' " + u32 + "99999999999999999999999"},
      {"envelope.input.line", "18446744073709551616",
       "field 'envelope.input.line' is uint64: expected a number from 0 to 18446744073709551615, got "
       "18446744073709551616"},
      {"envelope.time_year_inferred", "yes",
       "field 'envelope.time_year_inferred' is bool: expected true or false, got yes"},
      {"envelope.time_year_inferred", "1", "field 'envelope.time_year_inferred' is bool: expected true or false, got 1"},
      {"openvpn_client_instance_signal.hardness", "SOFT",
       "field 'openvpn_client_instance_signal.hardness' is strictlog.openvpn.v1.SignalHardness: it has no value SOFT"},
      {"openvpn_client_instance_signal.hardness", "1",
       "field 'openvpn_client_instance_signal.hardness' is strictlog.openvpn.v1.SignalHardness: it has no value 1"},
      {"envelope.hostname", "vpn-gw1", "field 'envelope.hostname' is string: expected a \"quoted string\", got vpn-gw1"},
      {"envelope.hostname", "\"vpn", "field 'envelope.hostname' is string: expected a \"quoted string\", got \"vpn"},
      {"envelope.hostname", "b\"vpn\"",
       "field 'envelope.hostname' is string: expected a \"quoted string\", got b\"vpn\""},
      {"envelope.time", "2026-11-22 09:15:02Z", ts + "2026-11-22 09:15:02Z"},
      {"envelope.time", "2026-11-22T09:15:02", ts + "2026-11-22T09:15:02"},
      {"envelope.time", "2026-11-22T09:15:02+01:00", ts + "2026-11-22T09:15:02+01:00"},
      {"envelope.time", "2026-1-22T09:15:02Z", ts + "2026-1-22T09:15:02Z"},
      {"envelope.time", "2026-11-22T9:15:02Z", ts + "2026-11-22T9:15:02Z"},
      {"envelope.time", "2026-02-29T00:00:00Z", ts + "2026-02-29T00:00:00Z"},
      {"envelope.time", "2026-11-22T24:00:00Z", ts + "2026-11-22T24:00:00Z"},
      {"envelope.time", "2026-11-22T09:60:00Z", ts + "2026-11-22T09:60:00Z"},
      {"envelope.time", "2026-11-22T09:15:60Z", ts + "2026-11-22T09:15:60Z"},
      {"envelope.time", "2026-11-22T09:15:02.5Z", ts + "2026-11-22T09:15:02.5Z"},
      {"envelope.time", "2026-11-22T09:15:02.-00000001Z", ts + "2026-11-22T09:15:02.-00000001Z"},
      {"envelope.time", "2026-11-22T09:15:02.000000001", ts + "2026-11-22T09:15:02.000000001"},
      {"envelope.time", "+026-11-22T09:15:02Z", ts + "+026-11-22T09:15:02Z"},
      {"envelope.time", "{}", ts + "{}"},
      {"openvpn_tls_handshake_failed.src_endpoint", "x",
       "field 'openvpn_tls_handshake_failed.src_endpoint' is a message: set its fields, or write {}"},
      {"envelope", "", "field 'envelope' is a message: set its fields, or write {}"},
  };
  for (const Row& row : rows) {
    INFO(row.path << ": " << row.value);
    v1::Event e;
    CHECK(set_flat_field(&e, row.path, row.value) == row.error);
  }
  v1::QuarantineRecord r;
  CHECK(set_flat_field(&r, "raw_bytes", "\"x\"") == "field 'raw_bytes' is bytes: expected b\"...\", got \"x\"");
  CHECK(set_flat_field(&r, "raw_bytes", "b\"\\q\"") == "field 'raw_bytes' is bytes: expected b\"...\", got b\"\\q\"");
  CHECK(set_flat_field(&r, "candidate_rule_ids", "\"a\"") ==
        "field 'candidate_rule_ids' is repeated: write its values in order as 'candidate_rule_ids.0', "
        "'candidate_rule_ids.1', ... (expected 'candidate_rule_ids.0')");
  CHECK(set_flat_field(&r, "candidate_rule_ids.1", "\"a\"") ==
        "field 'candidate_rule_ids' is repeated: write its values in order as 'candidate_rule_ids.0', "
        "'candidate_rule_ids.1', ... (expected 'candidate_rule_ids.0')");
  CHECK(set_flat_field(&r, "candidate_rule_ids.0", "a") ==
        "field 'candidate_rule_ids.0' is string: expected a \"quoted string\", got a");
  CHECK(set_flat_field(&r, "candidate_rule_ids.0", "\"a\"") == "");
  CHECK(r.candidate_rule_ids(0) == "a");
  CHECK(set_flat_field(&r, "reason", "AMBIGUOUS") == "");
  CHECK(r.reason() == v1::AMBIGUOUS);

  google::protobuf::Timestamp t;
  CHECK(set_flat_field(&t, "nanos", "2147483648") ==
        "field 'nanos' is int32: expected a number from -2147483648 to 2147483647, got 2147483648");
  CHECK(set_flat_field(&t, "nanos", "-2147483649") ==
        "field 'nanos' is int32: expected a number from -2147483648 to 2147483647, got -2147483649");
  CHECK(set_flat_field(&t, "seconds", "9223372036854775808") ==
        "field 'seconds' is int64: expected a number from -9223372036854775808 to 9223372036854775807, got "
        "9223372036854775808");
  CHECK(set_flat_field(&t, "seconds", "--1") ==
        "field 'seconds' is int64: expected a number from -9223372036854775808 to 9223372036854775807, got --1");

  google::protobuf::DoubleValue d;
  CHECK(set_flat_field(&d, "value", "1.5x") ==
        "field 'value' is double: expected a number such as 1.5, -2.5e+30 or inf, got 1.5x");
  CHECK(set_flat_field(&d, "value", "") == "field 'value' is double: expected a number such as 1.5, -2.5e+30 or inf, got ");
  CHECK(set_flat_field(&d, "value", "+1") ==
        "field 'value' is double: expected a number such as 1.5, -2.5e+30 or inf, got +1");
  CHECK(set_flat_field(&d, "value", "1e999") ==
        "field 'value' is double: expected a number such as 1.5, -2.5e+30 or inf, got 1e999");
  CHECK(set_flat_field(&d, "value", "\"1.5\"") ==
        "field 'value' is double: expected a number such as 1.5, -2.5e+30 or inf, got \"1.5\"");
  google::protobuf::FloatValue f;
  CHECK(set_flat_field(&f, "value", "3.5e38") ==
        "field 'value' is float: expected a number such as 1.5, -2.5e+30 or inf, got 3.5e38");
}

TEST_CASE("set_flat_field: a second member of a oneof is an error and not a silent reset", "[verify]") {
  v1::Event e;
  REQUIRE(set_flat_field(&e, "openvpn_tls_handshake_failed.src_endpoint.ip", "\"192.0.2.1\"") == "");
  CHECK(set_flat_field(&e, "openvpn_tls_handshake_failed.src_endpoint.port", "1") == "");  // same member: fine
  CHECK(set_flat_field(&e, "openvpn_fatal_tls_error.function_name", "\"f\"") ==
        "fields 'openvpn_tls_handshake_failed' and 'openvpn_fatal_tls_error' are both in oneof 'payload': only "
        "one can be set");
  CHECK(flatten(e) == Flat{{"openvpn_tls_handshake_failed.src_endpoint.ip", "\"192.0.2.1\""},
                           {"openvpn_tls_handshake_failed.src_endpoint.port", "1"}});

  v1::QuarantineRecord r;
  REQUIRE(set_flat_field(&r, "raw_text", "\"a\"") == "");
  CHECK(set_flat_field(&r, "raw_bytes", "b\"a\"") ==
        "fields 'raw_text' and 'raw_bytes' are both in oneof 'raw': only one can be set");
}

// quote() of one byte, by the rule flat_text.h states.
std::string expected_quote_of_byte(unsigned char c) {
  switch (c) {
    case '"': return "\"\\\"\"";
    case '\\': return "\"\\\\\"";
    case '\n': return "\"\\n\"";
    case '\r': return "\"\\r\"";
    case '\t': return "\"\\t\"";
  }
  static const char* const hex = "0123456789abcdef";
  // Control bytes and DEL, and every byte >= 0x80 alone (never well-formed UTF-8 by itself), are escaped.
  if (c < 0x20 || c >= 0x7f) return "\"\\x"s + hex[c >> 4] + hex[c & 15] + "\"";
  return "\""s + static_cast<char>(c) + "\"";
}

TEST_CASE("quote and unquote: every byte value alone and all of them in a row", "[verify]") {
  std::string all;
  for (int b = 0; b < 256; ++b) {
    unsigned char c = static_cast<unsigned char>(b);
    std::string one(1, static_cast<char>(c));
    INFO("byte " << b);
    CHECK(quote(one) == expected_quote_of_byte(c));
    std::string back = "junk";
    CHECK(unquote(quote(one), &back));
    CHECK(back == one);
    all.push_back(static_cast<char>(c));
  }
  std::string back;
  REQUIRE(unquote(quote(all), &back));
  CHECK(back == all);
  CHECK(quote("") == "\"\"");
  CHECK(unquote("\"\"", &back));
  CHECK(back == "");
}

TEST_CASE("quote: well-formed UTF-8 stays readable and anything else is escaped byte by byte", "[verify]") {
  CHECK(quote("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") == "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  CHECK(quote("caf\xe9") == "\"caf\\xe9\"");                        // Latin-1 e-acute
  CHECK(quote("\xc3") == "\"\\xc3\"");                              // truncated sequence
  CHECK(quote("\xc3" "a") == "\"\\xc3a\"");                         // cut short by ASCII
  CHECK(quote("\xc0\xaf") == "\"\\xc0\\xaf\"");                     // overlong '/'
  CHECK(quote("\xe0\x80\x80") == "\"\\xe0\\x80\\x80\"");            // overlong NUL
  CHECK(quote("\xed\xa0\x80") == "\"\\xed\\xa0\\x80\"");            // UTF-16 surrogate
  CHECK(quote("\xf4\x90\x80\x80") == "\"\\xf4\\x90\\x80\\x80\"");   // above U+10FFFF
  CHECK(quote("\xf4\x8f\xbf\xbf") == "\"\xf4\x8f\xbf\xbf\"");       // U+10FFFF itself
  CHECK(quote("\x80\xc3\xa9\xa9") == "\"\\x80\xc3\xa9\\xa9\"");     // stray continuations around a good one
  CHECK(quote("a\"b") == "\"a\\\"b\"");
  std::string back;
  REQUIRE(unquote("\"\\xC3\\xA9\"", &back));  // upper-case hex is read too
  CHECK(back == "\xc3\xa9");
}

TEST_CASE("unquote: malformed texts are refused", "[verify]") {
  const char* const malformed[] = {
      "",             // nothing
      "\"",           // a lone quote
      "abc",          // no quotes
      "\"abc",        // unterminated
      "abc\"",        // no opening quote
      "\"a\"b\"",     // an unescaped quote inside
      "\"a\\\"",      // the closing quote escaped: unterminated
      "\"a\\\\\\\"",  // `"a\\\"`: the same after an escaped backslash
      "\"\\x\"",      // \x without digits
      "\"\\x4\"",     // \x with one digit
      "\"\\xzz\"",    // \x with no hex digits
      "\"\\x4g\"",    // \x with one hex digit
      "\"\\q\"",      // unknown escape
      "\"\\0\"",      // octal is not an escape here
      " \"a\"",       // a leading space
      "\"a\" ",       // a trailing space
  };
  for (const char* text : malformed) {
    INFO("'" << text << "'");
    std::string out;
    CHECK_FALSE(unquote(text, &out));
  }
  std::string out;
  CHECK(unquote("\"a\\\\\"", &out));  // near miss of the trailing backslash: an escaped one
  CHECK(out == "a\\");
  CHECK(unquote("\"\\x41\\x4a\"", &out));
  CHECK(out == "AJ");
}


TEST_CASE("flatten: doubles and floats in the shortest form that reads back and negative integers", "[verify]") {
  struct Row {
    double value;
    std::string text;
  };
  const Row doubles[] = {{1.5, "1.5"},     {-0.25, "-0.25"},         {0.1, "0.1"},     {1e300, "1e+300"},
                         {-2.5e-30, "-2.5e-30"}, {6.02e23, "6.02e+23"}, {1, "1"},       {4.9e-324, "5e-324"},
                         {std::numeric_limits<double>::infinity(), "inf"}, {-std::numeric_limits<double>::infinity(), "-inf"}};
  for (const Row& row : doubles) {
    INFO(row.text);
    google::protobuf::DoubleValue d;
    d.set_value(row.value);
    CHECK(flatten(d) == Flat{{"value", row.text}});
    check_round_trip(d, {{"value", row.text}});
  }
  google::protobuf::FloatValue f;
  f.set_value(0.1f);
  CHECK(flatten(f) == Flat{{"value", "0.1"}});  // the float's shortest form, not the double 0.10000000149011612
  check_round_trip(f, {{"value", "0.1"}});
  f.set_value(std::numeric_limits<float>::max());
  CHECK(flatten(f) == Flat{{"value", "3.4028235e+38"}});
  check_round_trip(f, {{"value", "3.4028235e+38"}});

  // Another spelling of the same number reads as it, as `080` does for integers.
  google::protobuf::DoubleValue d;
  CHECK(set_flat_field(&d, "value", "1.50e0") == "");
  CHECK(flatten(d) == Flat{{"value", "1.5"}});
  CHECK(set_flat_field(&d, "value", "nan") == "");
  CHECK(flatten(d) == Flat{{"value", "nan"}});

  google::protobuf::Int32Value i;
  i.set_value(-12);
  CHECK(flatten(i) == Flat{{"value", "-12"}});
  check_round_trip(i, {{"value", "-12"}});
}

// A message with map fields, built at run time: no payload of strictlog.v1.Event has a map yet.
struct Maps {
  google::protobuf::DescriptorPool pool;
  google::protobuf::DynamicMessageFactory factory{&pool};
  const google::protobuf::Descriptor* descriptor = nullptr;
  Maps() {
    google::protobuf::FileDescriptorProto file;
    REQUIRE(google::protobuf::TextFormat::ParseFromString(R"pb(
      name: "maps.proto" package: "maptest" syntax: "proto3"
      message_type {
        name: "Maps"
        field { name: "attrs" number: 1 type: TYPE_MESSAGE type_name: ".maptest.Maps.AttrsEntry" label: LABEL_REPEATED }
        field { name: "codes" number: 2 type: TYPE_MESSAGE type_name: ".maptest.Maps.CodesEntry" label: LABEL_REPEATED }
        field { name: "subs" number: 3 type: TYPE_MESSAGE type_name: ".maptest.Maps.SubsEntry" label: LABEL_REPEATED }
        field { name: "n" number: 4 type: TYPE_INT32 label: LABEL_OPTIONAL }
        nested_type { name: "AttrsEntry" options { map_entry: true }
          field { name: "key" number: 1 type: TYPE_STRING label: LABEL_OPTIONAL }
          field { name: "value" number: 2 type: TYPE_STRING label: LABEL_OPTIONAL } }
        nested_type { name: "CodesEntry" options { map_entry: true }
          field { name: "key" number: 1 type: TYPE_INT32 label: LABEL_OPTIONAL }
          field { name: "value" number: 2 type: TYPE_UINT32 label: LABEL_OPTIONAL } }
        nested_type { name: "SubsEntry" options { map_entry: true }
          field { name: "key" number: 1 type: TYPE_STRING label: LABEL_OPTIONAL }
          field { name: "value" number: 2 type: TYPE_MESSAGE type_name: ".maptest.Maps" label: LABEL_OPTIONAL } }
      })pb", &file));
    const google::protobuf::FileDescriptor* built = pool.BuildFile(file);
    REQUIRE(built != nullptr);
    descriptor = built->FindMessageTypeByName("Maps");
  }
  std::unique_ptr<google::protobuf::Message> make() {
    return std::unique_ptr<google::protobuf::Message>(factory.GetPrototype(descriptor)->New());
  }
};

// Adds `key: value` to map field `name` through reflection, as mapping/apply does.
void add_entry(google::protobuf::Message* m, const std::string& name, const std::string& key, const std::string& value) {
  const auto* f = m->GetDescriptor()->FindFieldByName(name);
  google::protobuf::Message* e = m->GetReflection()->AddMessage(m, f);
  e->GetReflection()->SetString(e, e->GetDescriptor()->map_key(), key);
  e->GetReflection()->SetString(e, e->GetDescriptor()->map_value(), value);
}

TEST_CASE("flatten: a map is one line per entry sorted by key whatever order it was filled in", "[verify]") {
  Maps maps;
  auto m = maps.make();
  // As pam_unix prints them, in its order: logname= uid=0 euid=0 tty=ssh ruser= rhost=192.0.2.7 user=root
  for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
           {"logname", ""}, {"uid", "0"}, {"euid", "0"}, {"tty", "ssh"}, {"ruser", ""}, {"rhost", "192.0.2.7"},
           {"user", "root"}}) {
    add_entry(m.get(), "attrs", k, v);
  }
  add_entry(m.get(), "attrs", "two words", "x");
  add_entry(m.get(), "attrs", "a: b", "colon");
  add_entry(m.get(), "attrs", "", "empty key");
  add_entry(m.get(), "attrs", "Z.9_-", "bare");
  const Flat expected = {
      {"attrs.\"\"", "\"empty key\""},
      {"attrs.Z.9_-", "\"bare\""},
      {"attrs.\"a\\x3a b\"", "\"colon\""},
      {"attrs.euid", "\"0\""},
      {"attrs.logname", "\"\""},
      {"attrs.rhost", "\"192.0.2.7\""},
      {"attrs.ruser", "\"\""},
      {"attrs.tty", "\"ssh\""},
      {"attrs.\"two words\"", "\"x\""},
      {"attrs.uid", "\"0\""},
      {"attrs.user", "\"root\""},
  };
  CHECK(flatten(*m) == expected);
  check_round_trip(*m, expected);
  // Set in another order, the same map flattens the same.
  auto back = maps.make();
  for (auto it = expected.rbegin(); it != expected.rend(); ++it) CHECK(set_flat_field(back.get(), it->first, it->second) == "");
  CHECK(flatten(*back) == expected);
  // A key that could be bare may be written quoted too; flatten writes it bare.
  auto quoted = maps.make();
  CHECK(set_flat_field(quoted.get(), "attrs.\"uid\"", "\"0\"") == "");
  CHECK(flatten(*quoted) == Flat{{"attrs.uid", "\"0\""}});
}

TEST_CASE("flatten: integer map keys in numeric order and maps of messages left out", "[verify]") {
  Maps maps;
  auto m = maps.make();
  const auto* codes = m->GetDescriptor()->FindFieldByName("codes");
  for (int key : {10, -3, 2}) {
    google::protobuf::Message* e = m->GetReflection()->AddMessage(m.get(), codes);
    e->GetReflection()->SetInt32(e, e->GetDescriptor()->map_key(), key);
    e->GetReflection()->SetUInt32(e, e->GetDescriptor()->map_value(), static_cast<uint32_t>(key * key));
  }
  const auto* subs = m->GetDescriptor()->FindFieldByName("subs");
  m->GetReflection()->AddMessage(m.get(), subs);
  const Flat expected = {{"codes.-3", "9"}, {"codes.2", "4"}, {"codes.10", "100"}};
  CHECK(flatten(*m) == expected);
  auto back = maps.make();
  for (const auto& [path, value] : expected) CHECK(set_flat_field(back.get(), path, value) == "");
  CHECK(flatten(*back) == expected);
}

TEST_CASE("set_flat_field: map entries, exact error texts", "[verify]") {
  Maps maps;
  auto m = maps.make();
  REQUIRE(set_flat_field(m.get(), "attrs.uid", "\"0\"") == "");
  const std::string keys = "field 'attrs' is a map with string keys: write a key bare (letters, digits, '_', '.', "
                           "'-') or as a \"quoted string\", got ";
  struct Row {
    std::string path, value, error;
  };
  const Row rows[] = {
      {"attrs", "\"0\"", "field 'attrs' is a map: write each entry as 'attrs.<key>: <value>'"},
      {"attrs.", "\"0\"", "field 'attrs' is a map: write each entry as 'attrs.<key>: <value>'"},
      {"attrs.uid", "\"1\"", "field 'attrs' has key uid twice"},
      {"attrs.\"uid\"", "\"1\"", "field 'attrs' has key uid twice"},
      {"attrs.two words", "\"x\"", keys + "two words"},
      {"attrs.\"open", "\"x\"", keys + "\"open"},
      {"attrs.a:b", "\"x\"", keys + "a:b"},
      {"attrs.tty", "ssh", "field 'attrs.tty' is string: expected a \"quoted string\", got ssh"},
      {"codes.x", "1", "field 'codes.x' is int32: expected a number from -2147483648 to 2147483647, got x"},
      {"codes.1", "-1", "field 'codes.1' is uint32: expected a number from 0 to 4294967295, got -1"},
      {"subs.a", "{}", "field 'subs' is a map of messages, which expectations cannot set"},
      {"n", "-2147483649", "field 'n' is int32: expected a number from -2147483648 to 2147483647, got -2147483649"},
  };
  for (const Row& row : rows) {
    INFO(row.path << ": " << row.value);
    CHECK(set_flat_field(m.get(), row.path, row.value) == row.error);
  }
  // A refused entry leaves nothing behind.
  CHECK(flatten(*m) == Flat{{"attrs.uid", "\"0\""}});
}

}  // namespace
}  // namespace strictlog

namespace strictlog {

TEST_CASE("flatten: a repeated message lists each element's fields under its index and round trips", "[verify]") {
  v1::Event e;
  auto* sd = e.mutable_envelope()->add_structured_data();
  sd->set_id("origin@32473");
  auto* p = sd->add_params();
  p->set_name("ip");
  p->set_value("192.0.2.1");
  sd->add_params()->set_name("note");  // an empty value is not set: the param lists only its name
  e.mutable_envelope()->add_structured_data();  // an element with no field set
  e.mutable_envelope()->add_structured_data()->set_id("timeQuality");
  const Flat fields = {
      {"envelope.structured_data.0.id", "\"origin@32473\""},
      {"envelope.structured_data.0.params.0.name", "\"ip\""},
      {"envelope.structured_data.0.params.0.value", "\"192.0.2.1\""},
      {"envelope.structured_data.0.params.1.name", "\"note\""},
      {"envelope.structured_data.1", "{}"},
      {"envelope.structured_data.2.id", "\"timeQuality\""},
  };
  CHECK(flatten(e) == fields);
  check_round_trip(e, fields);
}

TEST_CASE("set_flat_field: elements of a repeated message are written in order", "[verify]") {
  v1::Event e;
  CHECK(set_flat_field(&e, "envelope.structured_data.1.id", "\"x\"") ==
        "field 'envelope.structured_data' is repeated: write its elements in order as "
        "'envelope.structured_data.0.<field>', 'envelope.structured_data.1.<field>', ... (expected "
        "'envelope.structured_data.0')");
  CHECK(set_flat_field(&e, "envelope.structured_data", "\"x\"") ==
        "field 'envelope.structured_data' is repeated: write its elements in order as "
        "'envelope.structured_data.0.<field>', 'envelope.structured_data.1.<field>', ... (expected "
        "'envelope.structured_data.0')");
  CHECK(set_flat_field(&e, "envelope.structured_data.0.id", "\"a\"") == "");
  CHECK(set_flat_field(&e, "envelope.structured_data.0", "\"a\"") ==
        "field 'envelope.structured_data.0' is a message: set its fields, or write {}");
  CHECK(set_flat_field(&e, "envelope.structured_data.1.id", "\"b\"") == "");
  // Going back to an element before the last one is refused: it would let one element be written in pieces
  // far apart.
  CHECK(set_flat_field(&e, "envelope.structured_data.0.id", "\"c\"") ==
        "field 'envelope.structured_data' is repeated: write its elements in order as "
        "'envelope.structured_data.0.<field>', 'envelope.structured_data.1.<field>', ... (expected "
        "'envelope.structured_data.2')");
  REQUIRE(e.envelope().structured_data_size() == 2);
  CHECK(e.envelope().structured_data(0).id() == "a");
  CHECK(e.envelope().structured_data(1).id() == "b");
}

}  // namespace strictlog
