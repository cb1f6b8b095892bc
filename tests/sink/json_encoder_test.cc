// append_json() against its reference, protobuf 3.21's MessageToJsonString with
// preserve_proto_field_names: a table of hand-built events and quarantine records covering every field kind
// of our schemas, every Unicode code point, 2000 random messages, every other proto3 field kind in a schema
// built at run time (500 more random messages), and the cases that must go to protobuf.
// Cases meant for the fast path also assert that it printed them (try_append_json), so a fallback cannot
// make a comparison pass by comparing protobuf with itself.
#include "sink/internal/json_encoder.h"

#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/duration.pb.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/json_util.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "sink/internal/protobuf_log.h"
#include "sink/record_writer.h"

namespace strictlog {
namespace {

using google::protobuf::Message;
using sink_internal::append_json;
using sink_internal::try_append_json;

// What a writer makes of a message: the JSON, or the error text.
struct Printed {
  std::optional<std::string> error;
  std::string json;
  bool operator==(const Printed&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Printed& p) {
  return os << (p.error ? "error: " + *p.error : "json: " + p.json);
}

// The writers before append_json: protobuf's printer, with whatever it logs counted as an error.
Printed reference(const Message& m) {
  silence_protobuf_logging();
  sink_internal::ProtobufLogCapture capture;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  auto status = google::protobuf::util::MessageToJsonString(m, &json, options);
  if (!status.ok()) return {std::string(status.message()), ""};
  if (!capture.empty()) return {capture.first(), ""};
  return {std::nullopt, json};
}

// append_json() after a prefix, which must be kept (and be all that is left after an error).
Printed encoded(const Message& m) {
  const std::string prefix = "prefix\n";
  std::string out = prefix;
  std::optional<std::string> error = append_json(m, &out);
  REQUIRE(out.substr(0, prefix.size()) == prefix);
  if (error) {
    CHECK(out == prefix);
    return {error, ""};
  }
  return {std::nullopt, out.substr(prefix.size())};
}

// The fast path printed `m`, byte for byte like protobuf.
void check_fast_and_identical(const Message& m) {
  INFO(m.ShortDebugString());
  std::string fast;
  CHECK(try_append_json(m, &fast));
  Printed expected = reference(m);
  REQUIRE_FALSE(expected.error);
  CHECK(fast == expected.json);
  CHECK(encoded(m) == expected);
}

std::string utf8(uint32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xc0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    s += static_cast<char>(0xe0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    s += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    s += static_cast<char>(0xf0 | (cp >> 18));
    s += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    s += static_cast<char>(0x80 | (cp & 0x3f));
  }
  return s;
}

// Every byte 0x00-0x1f, and the ASCII characters some JSON printers escape.
std::string ascii_specials() {
  std::string s;
  for (int c = 0; c < 0x20; ++c) s += static_cast<char>(c);
  return s + "\x7f \"quoted\" back\\slash </script> & ' = / `";
}

// Around each range protobuf escapes beyond ASCII (json_escaping.cc), plus UTF-8 length boundaries.
const std::vector<uint32_t> kEdgeCodePoints = {
    0x7f,    0x80,    0x9f,    0xa0,    0xac,    0xad,    0xae,    0x5ff,   0x600,   0x603,   0x604,
    0x6dd,   0x70f,   0x7ff,   0x800,   0x17b3,  0x17b4,  0x17b5,  0x17b6,  0x200a,  0x200b,  0x200f,
    0x2010,  0x2027,  0x2028,  0x2029,  0x202e,  0x202f,  0x205f,  0x2060,  0x2064,  0x2065,  0x2069,
    0x206a,  0x206f,  0x2070,  0xd7ff,  0xe000,  0xfefe,  0xfeff,  0xff00,  0xfff8,  0xfff9,  0xfffb,
    0xfffc,  0xfffe,  0xffff,  0x10000, 0x1d172, 0x1d173, 0x1d17a, 0x1d17b, 0x1f600, 0xe0000, 0xe0001,
    0xe0002, 0xe001f, 0xe0020, 0xe007f, 0xe0080, 0x10ffff};

std::string edge_code_points() {
  std::string s;
  for (uint32_t cp : kEdgeCodePoints) s += utf8(cp);
  return s;
}

v1::Event full_event() {
  v1::Event e;
  v1::Envelope* env = e.mutable_envelope();
  env->set_uid("00112233445566778899aabbccddeeff");
  env->mutable_time()->set_seconds(1732278072);
  env->mutable_time()->set_nanos(123456789);
  env->set_time_text("Nov 22 12:21:12");
  env->set_time_year_inferred(true);
  env->mutable_processed_time()->set_seconds(1732278073);
  env->mutable_processed_time()->set_nanos(1000000);
  env->set_hostname("vpn1.example.org");
  env->set_process_name("openvpn");
  env->set_pid(4242);
  env->set_facility(3);
  env->set_severity(6);
  env->mutable_input()->set_name("/var/log/openvpn.log");
  env->mutable_input()->set_line(7);
  env->mutable_input()->set_offset(1234);
  env->set_grammar("openvpn");
  env->set_source_version("2.6");
  env->set_grammar_set_hash("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
  env->set_rule_id("tls_handshake_failed");
  auto* endpoint = e.mutable_openvpn_tls_handshake_failed()->mutable_src_endpoint();
  endpoint->set_ip("198.51.100.7");
  endpoint->set_port(50000);
  endpoint->set_common_name("client one/ä");
  return e;
}

// Every kind of Event, each comment naming what it covers.
std::vector<v1::Event> event_table() {
  std::vector<v1::Event> t;
  t.emplace_back();       // empty: {}
  t.push_back(full_event());  // everything set, TlsHandshakeFailed

  v1::Event e;  // FatalTlsError; endpoint without port or common name
  e.mutable_openvpn_fatal_tls_error()->set_function_name("check_tls_errors_co");
  e.mutable_openvpn_fatal_tls_error()->mutable_src_endpoint()->set_ip("2001:db8::1");
  t.push_back(e);

  e.Clear();  // ClientInstanceSignal with every field set
  auto* signal = e.mutable_openvpn_client_instance_signal();
  signal->mutable_src_endpoint()->set_ip("203.0.113.9");
  signal->mutable_src_endpoint()->set_port(1194);
  signal->set_signal_name("SIGUSR1");
  signal->set_hardness(openvpn::v1::SIGNAL_HARDNESS_SOFT);
  signal->set_reason("tls-error");
  signal->set_action(openvpn::v1::SIGNAL_ACTION_RESTARTING);
  t.push_back(e);
  // Zero enums (omitted), optional string present but empty, optional port 0 present.
  signal->set_hardness(openvpn::v1::SIGNAL_HARDNESS_UNSPECIFIED);
  signal->set_action(openvpn::v1::SIGNAL_ACTION_UNSPECIFIED);
  signal->set_reason("");
  signal->mutable_src_endpoint()->set_port(0);
  signal->mutable_src_endpoint()->set_common_name("");
  t.push_back(e);
  // Enum values without a name: printed as numbers, negative too.
  signal->set_hardness(static_cast<openvpn::v1::SignalHardness>(7));
  signal->set_action(static_cast<openvpn::v1::SignalAction>(-3));
  t.push_back(e);

  // Set but empty messages: a payload, an envelope, an input, an endpoint.
  e.Clear();
  e.mutable_openvpn_tls_handshake_failed();
  t.push_back(e);
  e.Clear();
  e.mutable_envelope()->mutable_input();
  e.mutable_openvpn_fatal_tls_error()->mutable_src_endpoint();
  t.push_back(e);

  // Zero values of fields without presence, and pid/facility/severity present with value 0.
  e = full_event();
  v1::Envelope* env = e.mutable_envelope();
  env->set_uid("");
  env->set_time_year_inferred(false);
  env->mutable_input()->set_line(0);
  env->mutable_input()->set_offset(0);
  env->set_pid(0);
  env->set_facility(0);
  env->set_severity(0);
  t.push_back(e);
  // Optional fields absent.
  env->clear_pid();
  env->clear_facility();
  env->clear_severity();
  e.mutable_openvpn_tls_handshake_failed()->mutable_src_endpoint()->clear_port();
  e.mutable_openvpn_tls_handshake_failed()->mutable_src_endpoint()->clear_common_name();
  t.push_back(e);

  // Large unsigned values: uint64 as quoted decimal, uint32 bare.
  e = full_event();
  env = e.mutable_envelope();
  env->mutable_input()->set_line(std::numeric_limits<uint64_t>::max());
  env->mutable_input()->set_offset(uint64_t{1} << 63);
  env->set_pid(std::numeric_limits<uint32_t>::max());
  env->set_facility(2147483648u);
  t.push_back(e);

  // Timestamps: fraction as 0, 3, 6 or 9 digits; before 1970; the ends of protobuf's range; leap days.
  const std::vector<std::pair<int64_t, int32_t>> times = {
      {1732278072, 0},         {1732278072, 1000000},  {1732278072, 123456789}, {1732278072, 120000000},
      {1732278072, 1000},      {1732278072, 1},        {1732278072, 999999999}, {1732278072, 100},
      {0, 0},                  {0, 500000000},         {-1, 0},                 {-1, 999999999},
      {-86400, 0},             {-86401, 1000},         {-2208988800, 0},        {-11644473600, 0},
      {-62135596800, 0},       {253402300799, 999999999}, {951782400, 0},      {1709164800, 0},
      {-2203891200, 0},        {4107542400, 0}};
  for (auto [seconds, nanos] : times) {
    e = full_event();
    e.mutable_envelope()->mutable_time()->set_seconds(seconds);
    e.mutable_envelope()->mutable_time()->set_nanos(nanos);
    e.mutable_envelope()->mutable_processed_time()->set_seconds(seconds / 2);
    t.push_back(e);
  }
  e = full_event();
  e.mutable_envelope()->mutable_time()->Clear();  // set, zero: the epoch is printed
  t.push_back(e);

  // Strings needing escapes, in every string field.
  const std::vector<std::string> texts = {ascii_specials(), edge_code_points(),
                                          "line\u2028sep\u2029para", "emoji \U0001F600\U0001F9D1\u200D\U0001F4BB",
                                          "caf\u00e9 \u65e5\u672c \u0416 \U00010348", std::string("nul\0in", 6)};
  for (const std::string& text : texts) {
    e = full_event();
    env = e.mutable_envelope();
    env->set_uid(text);
    env->set_time_text(text);
    env->set_hostname(text);
    env->set_process_name(text);
    env->mutable_input()->set_name(text);
    env->set_grammar(text);
    env->set_source_version(text);
    env->set_grammar_set_hash(text);
    env->set_rule_id(text);
    e.mutable_openvpn_tls_handshake_failed()->mutable_src_endpoint()->set_ip(text);
    e.mutable_openvpn_tls_handshake_failed()->mutable_src_endpoint()->set_common_name(text);
    t.push_back(e);
    e.mutable_openvpn_client_instance_signal()->set_signal_name(text);
    e.mutable_openvpn_client_instance_signal()->set_reason(text);
    t.push_back(e);
    e.mutable_openvpn_fatal_tls_error()->set_function_name(text);
    t.push_back(e);
  }
  return t;
}

std::vector<v1::QuarantineRecord> quarantine_table() {
  std::vector<v1::QuarantineRecord> t;
  t.emplace_back();  // empty: {}

  v1::QuarantineRecord r;  // everything set, raw_text
  r.set_reason(v1::AMBIGUOUS);
  r.set_detail("2 rules matched: \"a\" and \"b\"");
  r.set_raw_text("Nov 22 12:21:12 vpn1 openvpn[4242]: TLS Error: TLS handshake failed");
  r.mutable_input()->set_name("-");
  r.mutable_input()->set_line(1);
  r.mutable_input()->set_offset(0);
  r.add_candidate_rule_ids("openvpn/2.6/a");
  r.add_candidate_rule_ids("openvpn/2.6/b");
  r.set_grammar_set_hash("9f86d081");
  r.mutable_processed_time()->set_seconds(1732278072);
  r.mutable_processed_time()->set_nanos(120000000);
  r.set_process_name("openvpn");
  t.push_back(r);

  for (int reason = 0; reason <= 9; ++reason) {  // every reason, 0 (omitted) and 9 (no name: a number)
    r.set_reason(static_cast<v1::QuarantineReason>(reason));
    t.push_back(r);
  }
  r.set_reason(static_cast<v1::QuarantineReason>(-1));
  t.push_back(r);

  // raw_bytes with all 256 byte values, then every length mod 3 (padding), then empty but set.
  r.set_reason(v1::ENCODING);
  std::string all_bytes;
  for (int b = 0; b < 256; ++b) all_bytes += static_cast<char>(b);
  r.set_raw_bytes(all_bytes);
  t.push_back(r);
  for (size_t n = 1; n <= 6; ++n) {
    r.set_raw_bytes(all_bytes.substr(250 - n, n));
    t.push_back(r);
  }
  r.set_raw_bytes("");
  t.push_back(r);
  r.set_raw_text("");  // the oneof set to an empty string
  t.push_back(r);

  // Repeated strings: one, with an empty element, with escapes; other fields at zero.
  r.Clear();
  r.add_candidate_rule_ids("only");
  t.push_back(r);
  r.add_candidate_rule_ids("");
  r.add_candidate_rule_ids(ascii_specials());
  r.add_candidate_rule_ids(edge_code_points());
  t.push_back(r);
  r.set_detail(ascii_specials() + edge_code_points());
  r.set_raw_text(edge_code_points() + ascii_specials());
  r.set_process_name("\u2028");
  t.push_back(r);
  return t;
}

TEST_CASE("append_json: every event kind is printed by the fast path exactly like protobuf", "[sink]") {
  for (const v1::Event& e : event_table()) check_fast_and_identical(e);
}

TEST_CASE("append_json: every quarantine record kind is printed exactly like protobuf", "[sink]") {
  for (const v1::QuarantineRecord& r : quarantine_table()) check_fast_and_identical(r);
}

TEST_CASE("append_json: a few outputs spelled out", "[sink]") {
  // Guards the reference itself: these are what protobuf 3.21 prints, so a changed protobuf shows here.
  v1::QuarantineRecord r;
  r.set_raw_text("<a href='x'>&amp; \"q\" \\ \x01\x1f\x7f\t\u2028\u00e9\U0001F600\U000E0001");
  r.mutable_processed_time()->set_seconds(-1);
  r.mutable_processed_time()->set_nanos(120000000);
  r.mutable_input()->set_line(std::numeric_limits<uint64_t>::max());
  std::string out;
  REQUIRE(try_append_json(r, &out));
  CHECK(out ==
        R"({"raw_text":"\u003ca href='x'\u003e&amp; \"q\" \\ \u0001\u001f\u007f\t\u2028)"
        "\u00e9\U0001F600"
        R"(\udb40\udc01","input":{"line":"18446744073709551615"},"processed_time":"1969-12-31T23:59:59.120Z"})");
  CHECK(out == reference(r).json);

  r.Clear();
  r.set_raw_bytes(std::string("\x00\xff\xfe", 3));
  out.clear();
  REQUIRE(try_append_json(r, &out));
  CHECK(out == R"({"raw_bytes":"AP/+"})");
  CHECK(out == reference(r).json);
}

TEST_CASE("append_json: every Unicode scalar value is escaped (or not) like protobuf", "[sink]") {
  // One record per block of 4096 code points, so a mismatch names its block.
  for (uint32_t block = 0; block <= 0x10ffff; block += 0x1000) {
    std::string text;
    for (uint32_t cp = block; cp < block + 0x1000; ++cp) {
      if (cp < 0xd800 || cp > 0xdfff) text += utf8(cp);
    }
    v1::QuarantineRecord r;
    r.set_detail(text);
    INFO("code points U+" << std::hex << block << "..U+" << block + 0xfff);
    std::string fast;
    REQUIRE(try_append_json(r, &fast));
    Printed expected = reference(r);
    REQUIRE_FALSE(expected.error);
    REQUIRE(fast == expected.json);
  }
}

// Random messages: each field present or not, zero or not, strings of random valid UTF-8.
class RandomMessages {
 public:
  explicit RandomMessages(uint32_t seed) : rng_(seed) {}

  v1::Event event() {
    v1::Event e;
    if (coin()) {
      v1::Envelope* env = e.mutable_envelope();
      if (coin()) env->set_uid(text());
      if (coin()) timestamp(env->mutable_time());
      if (coin()) env->set_time_text(text());
      if (coin()) env->set_time_year_inferred(coin());
      if (coin()) timestamp(env->mutable_processed_time());
      if (coin()) env->set_hostname(text());
      if (coin()) env->set_process_name(text());
      if (coin()) env->set_pid(u32());
      if (coin()) env->set_facility(u32());
      if (coin()) env->set_severity(u32());
      if (coin()) input(env->mutable_input());
      if (coin()) env->set_grammar(text());
      if (coin()) env->set_source_version(text());
      if (coin()) env->set_grammar_set_hash(text());
      if (coin()) env->set_rule_id(text());
    }
    switch (pick(4)) {
      case 0: break;
      case 1:
        if (coin()) endpoint(e.mutable_openvpn_tls_handshake_failed()->mutable_src_endpoint());
        e.mutable_openvpn_tls_handshake_failed();
        break;
      case 2: {
        auto* p = e.mutable_openvpn_fatal_tls_error();
        if (coin()) endpoint(p->mutable_src_endpoint());
        if (coin()) p->set_function_name(text());
        break;
      }
      default: {
        auto* p = e.mutable_openvpn_client_instance_signal();
        if (coin()) endpoint(p->mutable_src_endpoint());
        if (coin()) p->set_signal_name(text());
        if (coin()) p->set_hardness(static_cast<openvpn::v1::SignalHardness>(pick(4)));
        if (coin()) p->set_reason(text());
        if (coin()) p->set_action(static_cast<openvpn::v1::SignalAction>(pick(4)));
        break;
      }
    }
    return e;
  }

  v1::QuarantineRecord quarantine() {
    v1::QuarantineRecord r;
    if (coin()) r.set_reason(static_cast<v1::QuarantineReason>(pick(10)));
    if (coin()) r.set_detail(text());
    switch (pick(3)) {
      case 0: break;
      case 1: r.set_raw_text(text()); break;
      default: r.set_raw_bytes(bytes()); break;
    }
    if (coin()) input(r.mutable_input());
    for (uint32_t n = pick(4); n > 0; --n) r.add_candidate_rule_ids(text());
    if (coin()) r.set_grammar_set_hash(text());
    if (coin()) timestamp(r.mutable_processed_time());
    if (coin()) r.set_process_name(text());
    return r;
  }

 private:
  bool coin() { return pick(2) == 1; }
  uint32_t pick(uint32_t n) { return std::uniform_int_distribution<uint32_t>(0, n - 1)(rng_); }
  // Zero often, small values, and the whole range.
  uint32_t u32() {
    switch (pick(3)) {
      case 0: return 0;
      case 1: return pick(70000);
      default: return static_cast<uint32_t>(rng_());
    }
  }
  uint64_t u64() {
    switch (pick(3)) {
      case 0: return 0;
      case 1: return pick(1000000);
      default: return std::uniform_int_distribution<uint64_t>()(rng_);
    }
  }

  uint32_t code_point() {
    switch (pick(5)) {
      case 0:
      case 1: return 0x20 + pick(0x5f);  // printable ASCII
      case 2: return pick(0x80);         // any ASCII, controls included
      case 3: return kEdgeCodePoints[pick(static_cast<uint32_t>(kEdgeCodePoints.size()))];
      default: {
        uint32_t cp = pick(0x110000 - 0x800);
        return cp < 0xd800 ? cp : cp + 0x800;  // skip the surrogates
      }
    }
  }
  std::string text() {
    std::string s;
    for (uint32_t n = pick(3) == 0 ? 0 : pick(40); n > 0; --n) s += utf8(code_point());
    return s;
  }
  std::string bytes() {
    std::string s;
    for (uint32_t n = pick(40); n > 0; --n) s += static_cast<char>(pick(256));
    return s;
  }

  void timestamp(google::protobuf::Timestamp* ts) {
    static const int32_t kNanos[] = {0, 1000000, 123456789, 120000000, 5000, 999999999, 1};
    ts->set_seconds(coin() ? 1732278072 + pick(100000) : std::uniform_int_distribution<int64_t>(
                                                             -62135596800, 253402300799)(rng_));
    ts->set_nanos(coin() ? kNanos[pick(7)] : static_cast<int32_t>(pick(1000000000)));
  }
  void input(v1::Input* in) {
    if (coin()) in->set_name(text());
    if (coin()) in->set_line(u64());
    if (coin()) in->set_offset(u64());
  }
  void endpoint(openvpn::v1::Endpoint* ep) {
    if (coin()) ep->set_ip(text());
    if (coin()) ep->set_port(u32());
    if (coin()) ep->set_common_name(text());
  }

  std::mt19937 rng_;
};

TEST_CASE("append_json: 2000 random events and quarantine records are printed like protobuf", "[sink]") {
  RandomMessages random(20241122);
  for (int i = 0; i < 1000; ++i) {
    INFO("message " << i);
    check_fast_and_identical(random.event());
    check_fast_and_identical(random.quarantine());
  }
}

TEST_CASE("append_json: invalid UTF-8 in a string field is protobuf's error, and nothing is appended",
          "[sink]") {
  auto message = [](std::string_view field) {
    return "String field '" + std::string(field) +
           "' contains invalid UTF-8 data when serializing a protocol buffer. Use the 'bytes' type if you "
           "intend to send raw bytes.";
  };
  // Each is rejected by protobuf's serializer; some its JSON printer would print as something else.
  const std::vector<std::string> bad = {
      "\xff",              // never a UTF-8 byte
      "\x80",              // stray continuation byte
      "caf\xc3",           // cut short at the end
      "\xc3(",             // cut short before ASCII
      "\xc0\x80",          // overlong NUL (protobuf's printer would print \u0000)
      "\xe0\x80\xaf",      // overlong '/'
      "\xf0\x80\x80\xaf",  // overlong '/', 4 bytes
      "\xed\xa0\x80",      // UTF-16 surrogate
      "\xf4\x90\x80\x80",  // above U+10FFFF
      "\xf8\x88\x80\x80\x80",  // 5-byte form
  };
  for (const std::string& b : bad) {
    INFO("bytes: " << b);
    v1::Event e = full_event();
    e.mutable_envelope()->set_hostname("vpn" + b + "1");
    std::string fast;
    CHECK_FALSE(try_append_json(e, &fast));
    CHECK(fast.empty());
    CHECK(encoded(e) == Printed{message("strictlog.v1.Envelope.hostname"), ""});
    CHECK(encoded(e) == reference(e));

    v1::QuarantineRecord r;
    r.set_detail("fine");
    r.add_candidate_rule_ids("ok");
    r.add_candidate_rule_ids(b);
    CHECK(encoded(r) == Printed{message("strictlog.v1.QuarantineRecord.candidate_rule_ids"), ""});
    r.set_raw_text(b);  // the first bad field in field-number order is the one named
    CHECK(encoded(r) == Printed{message("strictlog.v1.QuarantineRecord.raw_text"), ""});
    CHECK(encoded(r) == reference(r));
  }
  // Nested, in an optional field.
  v1::Event e = full_event();
  e.mutable_openvpn_tls_handshake_failed()->mutable_src_endpoint()->set_common_name("\xc3");
  CHECK(encoded(e) == Printed{message("strictlog.openvpn.v1.Endpoint.common_name"), ""});
  // The same bytes in a bytes field are fine.
  v1::QuarantineRecord r;
  r.set_raw_bytes("\xc0\x80\xed\xa0\x80");
  check_fast_and_identical(r);
}

TEST_CASE("append_json: a Timestamp protobuf cannot print is protobuf's error", "[sink]") {
  const std::vector<std::pair<int64_t, int32_t>> bad = {
      {253402300800, 0}, {-62135596801, 0}, {0, -1}, {0, 1000000000}, {std::numeric_limits<int64_t>::min(), 0}};
  for (auto [seconds, nanos] : bad) {
    INFO(seconds << "s " << nanos << "ns");
    v1::Event e = full_event();
    e.mutable_envelope()->mutable_processed_time()->set_seconds(seconds);
    e.mutable_envelope()->mutable_processed_time()->set_nanos(nanos);
    std::string fast;
    CHECK_FALSE(try_append_json(e, &fast));
    CHECK(fast.empty());
    Printed got = encoded(e);
    CHECK(got == reference(e));
    REQUIRE(got.error);
    CHECK(got.error->find("Timestamp") != std::string::npos);
    CHECK(got.error->find("processed_time") != std::string::npos);
  }
  // Together with invalid UTF-8 earlier in the message, protobuf's status wins over its log.
  v1::Event e = full_event();
  e.mutable_envelope()->set_uid("\xff");
  e.mutable_envelope()->mutable_processed_time()->set_nanos(-5);
  CHECK(encoded(e) == reference(e));
  CHECK(encoded(e).error->find("Timestamp") != std::string::npos);
}

TEST_CASE("append_json: types it does not render go to protobuf's printer, appended after the prefix",
          "[sink]") {
  google::protobuf::Duration duration;  // a well-known type at the top
  duration.set_seconds(-3);
  duration.set_nanos(-500000000);
  google::protobuf::Struct object;  // map, double, Value oneof
  (*object.mutable_fields())["n"].set_number_value(1.5);
  (*object.mutable_fields())["s"].set_string_value("<x>");
  google::protobuf::Timestamp ts;
  ts.set_seconds(1);
  for (const Message* m : std::initializer_list<const Message*>{&duration, &object, &ts}) {
    INFO(m->GetTypeName());
    std::string fast;
    CHECK_FALSE(try_append_json(*m, &fast));
    CHECK(fast.empty());
    Printed got = encoded(*m);
    CHECK_FALSE(got.error);
    CHECK(got == reference(*m));
  }
  CHECK(encoded(duration).json == R"("-3.500s")");
}


// Field kinds our schemas do not use yet (int64, sint, fixed, repeated scalars, recursion, fields declared
// out of number order...), in a schema built at run time: the printer must handle any proto3 message.
class KindsSchema {
 public:
  KindsSchema() : pool_(google::protobuf::DescriptorPool::generated_pool()) {
    google::protobuf::FileDescriptorProto file;
    REQUIRE(google::protobuf::TextFormat::ParseFromString(kFile, &file));
    REQUIRE(pool_.BuildFile(file) != nullptr);
  }
  std::unique_ptr<Message> make(const std::string& type) {
    const google::protobuf::Descriptor* d = pool_.FindMessageTypeByName("kinds." + type);
    REQUIRE(d != nullptr);
    return std::unique_ptr<Message>(factory_.GetPrototype(d)->New());
  }

 private:
  // Declared out of number order on purpose: protobuf prints by field number.
  static constexpr const char* kFile = R"pb(
    name: "kinds.proto" package: "kinds" syntax: "proto3"
    dependency: "google/protobuf/timestamp.proto" dependency: "google/protobuf/struct.proto"
    enum_type { name: "Color" value { name: "COLOR_UNSPECIFIED" number: 0 }
                value { name: "RED" number: 1 } value { name: "GREEN" number: 2 } }
    message_type {
      name: "Kinds"
      field { name: "s64" number: 9 type: TYPE_SINT64 label: LABEL_OPTIONAL }
      field { name: "i32" number: 1 type: TYPE_INT32 label: LABEL_OPTIONAL }
      field { name: "i64" number: 2 type: TYPE_INT64 label: LABEL_OPTIONAL }
      field { name: "u32" number: 3 type: TYPE_UINT32 label: LABEL_OPTIONAL }
      field { name: "u64" number: 4 type: TYPE_UINT64 label: LABEL_OPTIONAL }
      field { name: "flag" number: 5 type: TYPE_BOOL label: LABEL_OPTIONAL }
      field { name: "text" number: 6 type: TYPE_STRING label: LABEL_OPTIONAL }
      field { name: "data" number: 7 type: TYPE_BYTES label: LABEL_OPTIONAL }
      field { name: "s32" number: 8 type: TYPE_SINT32 label: LABEL_OPTIONAL }
      field { name: "f32" number: 10 type: TYPE_FIXED32 label: LABEL_OPTIONAL }
      field { name: "f64" number: 11 type: TYPE_FIXED64 label: LABEL_OPTIONAL }
      field { name: "sf32" number: 12 type: TYPE_SFIXED32 label: LABEL_OPTIONAL }
      field { name: "sf64" number: 13 type: TYPE_SFIXED64 label: LABEL_OPTIONAL }
      field { name: "color" number: 14 type: TYPE_ENUM type_name: ".kinds.Color" label: LABEL_OPTIONAL }
      field { name: "opt_i64" number: 21 type: TYPE_INT64 label: LABEL_OPTIONAL proto3_optional: true
              oneof_index: 1 }
      field { name: "opt_i32" number: 20 type: TYPE_INT32 label: LABEL_OPTIONAL proto3_optional: true
              oneof_index: 2 }
      field { name: "opt_flag" number: 22 type: TYPE_BOOL label: LABEL_OPTIONAL proto3_optional: true
              oneof_index: 3 }
      field { name: "opt_data" number: 23 type: TYPE_BYTES label: LABEL_OPTIONAL proto3_optional: true
              oneof_index: 4 }
      field { name: "opt_color" number: 24 type: TYPE_ENUM type_name: ".kinds.Color" label: LABEL_OPTIONAL
              proto3_optional: true oneof_index: 5 }
      field { name: "r_i32" number: 30 type: TYPE_INT32 label: LABEL_REPEATED }
      field { name: "r_i64" number: 31 type: TYPE_INT64 label: LABEL_REPEATED }
      field { name: "r_u64" number: 32 type: TYPE_UINT64 label: LABEL_REPEATED }
      field { name: "r_flag" number: 33 type: TYPE_BOOL label: LABEL_REPEATED }
      field { name: "r_data" number: 34 type: TYPE_BYTES label: LABEL_REPEATED }
      field { name: "r_color" number: 35 type: TYPE_ENUM type_name: ".kinds.Color" label: LABEL_REPEATED }
      field { name: "r_msg" number: 36 type: TYPE_MESSAGE type_name: ".kinds.Kinds" label: LABEL_REPEATED }
      field { name: "r_time" number: 37 type: TYPE_MESSAGE type_name: ".google.protobuf.Timestamp"
              label: LABEL_REPEATED }
      field { name: "r_s32" number: 38 type: TYPE_SINT32 label: LABEL_REPEATED }
      field { name: "r_f64" number: 39 type: TYPE_FIXED64 label: LABEL_REPEATED }
      field { name: "r_u32" number: 40 type: TYPE_UINT32 label: LABEL_REPEATED }
      field { name: "r_text" number: 41 type: TYPE_STRING label: LABEL_REPEATED }
      field { name: "child" number: 50 type: TYPE_MESSAGE type_name: ".kinds.Kinds" label: LABEL_OPTIONAL }
      field { name: "time" number: 51 type: TYPE_MESSAGE type_name: ".google.protobuf.Timestamp"
              label: LABEL_OPTIONAL }
      field { name: "c_i64" number: 61 type: TYPE_INT64 label: LABEL_OPTIONAL oneof_index: 0 }
      field { name: "c_msg" number: 60 type: TYPE_MESSAGE type_name: ".kinds.Kinds" label: LABEL_OPTIONAL
              oneof_index: 0 }
      field { name: "c_flag" number: 62 type: TYPE_BOOL label: LABEL_OPTIONAL oneof_index: 0 }
      oneof_decl { name: "choice" } oneof_decl { name: "_opt_i64" } oneof_decl { name: "_opt_i32" }
      oneof_decl { name: "_opt_flag" } oneof_decl { name: "_opt_data" } oneof_decl { name: "_opt_color" }
    }
    message_type { name: "WithDouble" field { name: "x" number: 1 type: TYPE_DOUBLE label: LABEL_OPTIONAL } }
    message_type { name: "WithFloat" field { name: "x" number: 1 type: TYPE_FLOAT label: LABEL_OPTIONAL } }
    message_type {
      name: "WithNull"
      field { name: "n" number: 1 type: TYPE_ENUM type_name: ".google.protobuf.NullValue" label: LABEL_OPTIONAL
              proto3_optional: true oneof_index: 0 }
      oneof_decl { name: "_n" }
    }
    message_type {
      name: "WithMap"
      field { name: "m" number: 1 type: TYPE_MESSAGE type_name: ".kinds.WithMap.MEntry" label: LABEL_REPEATED }
      nested_type { name: "MEntry" options { map_entry: true }
                    field { name: "key" number: 1 type: TYPE_STRING label: LABEL_OPTIONAL }
                    field { name: "value" number: 2 type: TYPE_INT32 label: LABEL_OPTIONAL } }
    }
    message_type {
      name: "HoldsDouble"  # unsupported only through the type it reaches
      field { name: "k" number: 1 type: TYPE_MESSAGE type_name: ".kinds.Kinds" label: LABEL_OPTIONAL }
      field { name: "d" number: 2 type: TYPE_MESSAGE type_name: ".kinds.WithDouble" label: LABEL_OPTIONAL }
    }
  )pb";

  google::protobuf::DescriptorPool pool_;
  google::protobuf::DynamicMessageFactory factory_;
};

// Sets fields of `m` at random by reflection: each field present or not, zero or not.
void fill_random(Message* m, std::mt19937& rng, int depth) {
  auto pick = [&](uint64_t n) { return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng); };
  // Zero, small, or any bit pattern: every sign and magnitude of each integer type.
  auto number = [&] { return pick(3) == 0 ? 0 : pick(2) == 0 ? pick(300) : std::uniform_int_distribution<uint64_t>()(rng); };
  const google::protobuf::Reflection* r = m->GetReflection();
  const google::protobuf::Descriptor* d = m->GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* f = d->field(i);
    if (pick(2) == 0) continue;
    const int n = f->is_repeated() ? static_cast<int>(pick(4)) : 1;
    for (int k = 0; k < n; ++k) {
      const bool add = f->is_repeated();
      const uint64_t v = number();
      switch (f->cpp_type()) {
        case google::protobuf::FieldDescriptor::CPPTYPE_INT32:
          add ? r->AddInt32(m, f, static_cast<int32_t>(v)) : r->SetInt32(m, f, static_cast<int32_t>(v));
          break;
        case google::protobuf::FieldDescriptor::CPPTYPE_INT64:
          add ? r->AddInt64(m, f, static_cast<int64_t>(v)) : r->SetInt64(m, f, static_cast<int64_t>(v));
          break;
        case google::protobuf::FieldDescriptor::CPPTYPE_UINT32:
          add ? r->AddUInt32(m, f, static_cast<uint32_t>(v)) : r->SetUInt32(m, f, static_cast<uint32_t>(v));
          break;
        case google::protobuf::FieldDescriptor::CPPTYPE_UINT64:
          add ? r->AddUInt64(m, f, v) : r->SetUInt64(m, f, v);
          break;
        case google::protobuf::FieldDescriptor::CPPTYPE_BOOL:
          add ? r->AddBool(m, f, v % 2 == 1) : r->SetBool(m, f, v % 2 == 1);
          break;
        case google::protobuf::FieldDescriptor::CPPTYPE_ENUM: {
          const int e = static_cast<int>(pick(5)) - 1;  // -1 and 3 have no name
          add ? r->AddEnumValue(m, f, e) : r->SetEnumValue(m, f, e);
          break;
        }
        case google::protobuf::FieldDescriptor::CPPTYPE_STRING: {
          std::string s;
          for (uint64_t len = pick(12); len > 0; --len) {
            s += f->type() == google::protobuf::FieldDescriptor::TYPE_BYTES
                     ? std::string(1, static_cast<char>(pick(256)))
                     : utf8(kEdgeCodePoints[pick(kEdgeCodePoints.size())]);
          }
          add ? r->AddString(m, f, s) : r->SetString(m, f, s);
          break;
        }
        case google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE: {
          if (f->message_type()->full_name() == "google.protobuf.Timestamp") {
            Message* ts = add ? r->AddMessage(m, f) : r->MutableMessage(m, f);
            ts->GetReflection()->SetInt64(ts, ts->GetDescriptor()->field(0),
                                          std::uniform_int_distribution<int64_t>(-62135596800, 253402300799)(rng));
            ts->GetReflection()->SetInt32(ts, ts->GetDescriptor()->field(1), static_cast<int32_t>(pick(1000000000)));
          } else if (depth < 3) {
            fill_random(add ? r->AddMessage(m, f) : r->MutableMessage(m, f), rng, depth + 1);
          }
          break;
        }
        default: FAIL("unexpected field type in the test schema");
      }
    }
  }
}

TEST_CASE("append_json: every proto3 field kind, in a run-time schema, is printed like protobuf", "[sink]") {
  KindsSchema schema;
  std::unique_ptr<Message> m = schema.make("Kinds");
  check_fast_and_identical(*m);  // {}

  // Extremes of every integer kind, negative numbers in the signed ones.
  const google::protobuf::Descriptor* d = m->GetDescriptor();
  const google::protobuf::Reflection* r = m->GetReflection();
  auto field = [&](const char* name) { return d->FindFieldByName(name); };
  r->SetInt32(m.get(), field("i32"), std::numeric_limits<int32_t>::min());
  r->SetInt64(m.get(), field("i64"), std::numeric_limits<int64_t>::min());
  r->SetUInt32(m.get(), field("u32"), std::numeric_limits<uint32_t>::max());
  r->SetUInt64(m.get(), field("u64"), std::numeric_limits<uint64_t>::max());
  r->SetInt32(m.get(), field("s32"), -1);
  r->SetInt64(m.get(), field("s64"), std::numeric_limits<int64_t>::max());
  r->SetUInt32(m.get(), field("f32"), 1);
  r->SetUInt64(m.get(), field("f64"), uint64_t{1} << 63);
  r->SetInt32(m.get(), field("sf32"), std::numeric_limits<int32_t>::max());
  r->SetInt64(m.get(), field("sf64"), -1);
  r->SetInt64(m.get(), field("opt_i64"), 0);
  r->SetBool(m.get(), field("opt_flag"), false);
  r->SetEnumValue(m.get(), field("opt_color"), 0);
  r->AddInt64(m.get(), field("r_i64"), -5);
  r->AddInt64(m.get(), field("r_i64"), 0);
  r->AddBool(m.get(), field("r_flag"), false);
  r->AddEnumValue(m.get(), field("r_color"), 2);
  r->AddEnumValue(m.get(), field("r_color"), 9);
  r->AddMessage(m.get(), field("r_msg"));
  r->SetInt64(m.get(), field("c_i64"), 0);
  std::string fast;
  REQUIRE(try_append_json(*m, &fast));
  CHECK(fast ==
        R"({"i32":-2147483648,"i64":"-9223372036854775808","u32":4294967295,"u64":"18446744073709551615",)"
        R"("s32":-1,"s64":"9223372036854775807","f32":1,"f64":"9223372036854775808","sf32":2147483647,)"
        R"("sf64":"-1","opt_i64":"0","opt_flag":false,"opt_color":"COLOR_UNSPECIFIED","r_i64":["-5","0"],)"
        R"("r_flag":[false],"r_color":["GREEN",9],"r_msg":[{}],"c_i64":"0"})");
  check_fast_and_identical(*m);

  std::mt19937 rng(7);
  for (int i = 0; i < 500; ++i) {
    INFO("message " << i);
    m->Clear();
    fill_random(m.get(), rng, 0);
    check_fast_and_identical(*m);
  }

  // Nesting: 32 levels below the top on the fast path, deeper ones left to protobuf.
  m->Clear();
  Message* leaf = m.get();
  for (int depth = 0; depth < 32; ++depth) leaf = r->MutableMessage(leaf, field("child"));
  check_fast_and_identical(*m);
  r->MutableMessage(leaf, field("child"));
  CHECK_FALSE(try_append_json(*m, &fast));
  CHECK(encoded(*m) == reference(*m));
  CHECK_FALSE(encoded(*m).error);

  // Types with a field only protobuf renders, directly or through a type they reach.
  for (const char* type : {"WithDouble", "WithFloat", "WithNull", "WithMap", "HoldsDouble"}) {
    INFO(type);
    std::unique_ptr<Message> other = schema.make(type);
    fast.clear();
    CHECK_FALSE(try_append_json(*other, &fast));
    CHECK(fast.empty());
    CHECK(encoded(*other) == reference(*other));
  }
  std::unique_ptr<Message> with_null = schema.make("WithNull");
  with_null->GetReflection()->SetEnumValue(with_null.get(), with_null->GetDescriptor()->field(0), 0);
  CHECK(encoded(*with_null).json == R"({"n":null})");
}

}  // namespace
}  // namespace strictlog
