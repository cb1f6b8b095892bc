// EventWriter / QuarantineWriter formats, checked byte for byte and by reading back with EventReader.
#include "sink/record_writer.h"

#include <fcntl.h>
#include <google/protobuf/util/delimited_message_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <sstream>

#include "temp_dir.h"

namespace strictlog {
namespace {

using google::protobuf::util::MessageDifferencer;
using testing::read_all;
using testing::TempDir;

// Collects what is written, so a test can see exactly which bytes a writer produced.
class MemoryStream final : public OutputStream {
 public:
  Status write(std::string_view data) override {
    bytes += data;
    return kOk;
  }
  Status prepare() override { return kOk; }
  Status publish() override { return kOk; }
  Status checkpoint() override { return kOk; }
  Status rollback() override { return kOk; }
  std::string bytes;
};

v1::Event make_event(uint32_t n) {
  v1::Event e;
  v1::Envelope* env = e.mutable_envelope();
  env->set_uid("00112233445566778899aabbccddeef" + std::to_string(n));
  env->mutable_time()->set_seconds(1732278072 + n);
  env->set_time_text("Nov 22 12:21:1" + std::to_string(n));
  env->set_time_year_inferred(true);
  env->set_hostname("vpn1");
  env->set_process_name("openvpn");
  env->set_pid(4242);
  env->mutable_input()->set_name("vpn.log");
  env->mutable_input()->set_line(n + 1);
  env->mutable_input()->set_offset(120 * n);
  env->set_grammar("openvpn");
  env->set_rule_id("tls_handshake_failed");
  auto* endpoint = e.mutable_openvpn_tls_handshake_failed()->mutable_src_endpoint();
  endpoint->set_ip("198.51.100.7");
  endpoint->set_port(50000 + n);
  return e;
}

std::string delimited(const v1::Event& e) {
  std::ostringstream out;
  google::protobuf::util::SerializeDelimitedToOstream(e, &out);
  return out.str();
}

}  // namespace

TEST_CASE("EventWriter: protobuf records round-trip through a file and EventReader", "[sink]") {
  TempDir dir;
  const std::string path = dir / "events.pb";
  std::vector<v1::Event> events{make_event(0), make_event(1), make_event(2)};
  {
    Result<AtomicFile> file = AtomicFile::create(path, 0644);
    REQUIRE(file.ok());
    EventWriter writer(*file, EventFormat::kProtobuf);
    for (const auto& e : events) REQUIRE(writer.write(e).ok());
    REQUIRE(file->commit().ok());
  }
  // The same bytes protobuf's own delimited writer produces.
  CHECK(read_all(path) == delimited(events[0]) + delimited(events[1]) + delimited(events[2]));

  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  EventReader reader(fd, "events.pb");
  for (const auto& expected : events) {
    Result<std::optional<v1::Event>> got = reader.read();
    REQUIRE(got.ok());
    REQUIRE(got->has_value());
    CHECK(MessageDifferencer::Equals(**got, expected));
  }
  Result<std::optional<v1::Event>> end = reader.read();
  REQUIRE(end.ok());
  CHECK_FALSE(end->has_value());
  CHECK(reader.offset() == read_all(path).size());
  ::close(fd);
}

TEST_CASE("EventReader: a stream cut inside its last record is truncated-record at that record", "[sink]") {
  MemoryStream out;
  EventWriter writer(out, EventFormat::kProtobuf);
  for (uint32_t n = 0; n < 3; ++n) REQUIRE(writer.write(make_event(n)).ok());
  const size_t last_offset = delimited(make_event(0)).size() + delimited(make_event(1)).size();
  const size_t last_size = make_event(2).ByteSizeLong();
  std::istringstream cut(out.bytes.substr(0, out.bytes.size() - 1));

  EventReader reader(cut, "events.pb");
  for (int i = 0; i < 2; ++i) {
    Result<std::optional<v1::Event>> got = reader.read();
    REQUIRE(got.ok());
    REQUIRE(got->has_value());
  }
  const std::string expected = "cannot read 'events.pb': truncated record at byte offset " +
                               std::to_string(last_offset) + " (" + std::to_string(last_size) +
                               " bytes declared, " + std::to_string(last_size - 1) + " present)";
  for (int i = 0; i < 2; ++i) {  // final: asking again gives the same error
    Result<std::optional<v1::Event>> got = reader.read();
    REQUIRE_FALSE(got.ok());
    CHECK(got.errors()[0].code == "truncated-record");
    CHECK(got.errors()[0].message == expected);
  }
}

TEST_CASE("EventWriter: JSON lines use the .proto field names, one object per line", "[sink]") {
  MemoryStream out;
  EventWriter writer(out, EventFormat::kJsonLines);
  v1::Event e;
  e.mutable_envelope()->set_uid("0a1b");
  e.mutable_envelope()->mutable_time()->set_seconds(1732278072);
  e.mutable_envelope()->set_process_name("openvpn");
  e.mutable_envelope()->mutable_input()->set_name("vpn.log");
  e.mutable_envelope()->mutable_input()->set_line(3);
  e.mutable_envelope()->mutable_input()->set_offset(0);  // zero: omitted by proto3 JSON
  e.mutable_openvpn_fatal_tls_error()->set_function_name("check_tls_errors_co");
  e.mutable_openvpn_fatal_tls_error()->mutable_src_endpoint()->set_ip("2001:db8::1");
  e.mutable_openvpn_fatal_tls_error()->mutable_src_endpoint()->set_port(0);  // optional: printed
  REQUIRE(writer.write(e).ok());
  REQUIRE(writer.write(v1::Event()).ok());
  CHECK(out.bytes == R"({"envelope":{"uid":"0a1b","time":"2024-11-22T12:21:12Z","process_name":"openvpn",)"
                     R"("input":{"name":"vpn.log","line":"3"}},"openvpn_fatal_tls_error":{"src_endpoint":)"
                     R"({"ip":"2001:db8::1","port":0},"function_name":"check_tls_errors_co"}})"
                     "\n{}\n");
}

TEST_CASE("QuarantineWriter: JSON lines with enum names and base64 raw bytes", "[sink]") {
  MemoryStream out;
  QuarantineWriter writer(out);
  v1::QuarantineRecord r;
  r.set_reason(v1::AMBIGUOUS);
  r.set_detail("2 rules matched");
  r.set_raw_text("TLS Error: TLS handshake failed");
  r.mutable_input()->set_name("-");
  r.mutable_input()->set_line(1);
  r.add_candidate_rule_ids("openvpn/a");
  r.add_candidate_rule_ids("openvpn/b");
  REQUIRE(writer.write(r).ok());
  r.Clear();
  r.set_reason(v1::ENCODING);
  r.set_raw_bytes(std::string("a\xff", 2));
  REQUIRE(writer.write(r).ok());
  CHECK(out.bytes ==
        R"({"reason":"AMBIGUOUS","detail":"2 rules matched","raw_text":"TLS Error: TLS handshake failed",)"
        R"("input":{"name":"-","line":"1"},"candidate_rule_ids":["openvpn/a","openvpn/b"]})"
        "\n"
        R"({"reason":"ENCODING","raw_bytes":"Yf8="})"
        "\n");
}

TEST_CASE("Writers: invalid UTF-8 in a string field is an error, and nothing is written", "[sink]") {
  const std::string reason =
      "String field 'strictlog.v1.Envelope.hostname' contains invalid UTF-8 data when serializing a "
      "protocol buffer. Use the 'bytes' type if you intend to send raw bytes.";
  v1::Event bad = make_event(6);
  bad.mutable_envelope()->set_hostname("vpn\xff");
  for (EventFormat format : {EventFormat::kProtobuf, EventFormat::kJsonLines}) {
    MemoryStream out;
    EventWriter writer(out, format);
    Status s = writer.write(bad);
    REQUIRE_FALSE(s.ok());
    CHECK(s.errors()[0].code == "serialize-failed");
    CHECK(s.errors()[0].message == "cannot serialize event (input 'vpn.log' line 7): " + reason);
    CHECK(out.bytes.empty());
    REQUIRE(writer.write(make_event(1)).ok());  // the writer stays usable
  }

  MemoryStream out;
  QuarantineWriter writer(out);
  v1::QuarantineRecord r;
  r.set_raw_text("caf\xc3");
  r.mutable_input()->set_name("x.log");
  r.mutable_input()->set_line(9);
  Status s = writer.write(r);
  REQUIRE_FALSE(s.ok());
  CHECK(s.errors()[0].message ==
        "cannot serialize quarantine record (input 'x.log' line 9): String field "
        "'strictlog.v1.QuarantineRecord.raw_text' contains invalid UTF-8 data when serializing a protocol "
        "buffer. Use the 'bytes' type if you intend to send raw bytes.");
  CHECK(out.bytes.empty());
}

TEST_CASE("Writers: a Timestamp outside protobuf's range is an error, and nothing is written", "[sink]") {
  v1::Event bad = make_event(2);
  bad.mutable_envelope()->mutable_processed_time()->set_seconds(253402300800);  // 10000-01-01
  MemoryStream out;
  EventWriter writer(out, EventFormat::kJsonLines);
  Status s = writer.write(bad);
  REQUIRE_FALSE(s.ok());
  CHECK(s.errors()[0].code == "serialize-failed");
  CHECK(s.errors()[0].message ==
        "cannot serialize event (input 'vpn.log' line 3): Timestamp seconds exceeds limit for field: "
        "processed_time");
  CHECK(out.bytes.empty());

  MemoryStream qout;
  QuarantineWriter qwriter(qout);
  v1::QuarantineRecord r;
  r.mutable_input()->set_name("x.log");
  r.mutable_input()->set_line(4);
  r.mutable_processed_time()->set_nanos(-1);
  s = qwriter.write(r);
  REQUIRE_FALSE(s.ok());
  CHECK(s.errors()[0].message ==
        "cannot serialize quarantine record (input 'x.log' line 4): Timestamp nanos exceeds limit for field: "
        "processed_time");
  CHECK(qout.bytes.empty());
  r.mutable_processed_time()->set_nanos(0);
  REQUIRE(qwriter.write(r).ok());  // the writer stays usable
  CHECK(qout.bytes == R"({"input":{"name":"x.log","line":"4"},"processed_time":"1970-01-01T00:00:00Z"})" "\n");
}

TEST_CASE("append_event_record and append_quarantine_record append the writers' bytes and keep them on failure",
          "[sink]") {
  v1::Event bad = make_event(6);
  bad.mutable_envelope()->set_hostname("vpn\xff");
  for (EventFormat format : {EventFormat::kProtobuf, EventFormat::kJsonLines}) {
    MemoryStream written;
    EventWriter writer(written, format);
    REQUIRE(writer.write(make_event(1)).ok());
    REQUIRE(writer.write(make_event(2)).ok());
    std::string buffer = "kept";
    REQUIRE(append_event_record(make_event(1), format, &buffer).ok());
    Status s = append_event_record(bad, format, &buffer);
    CHECK(s.errors()[0].message.rfind("cannot serialize event (input 'vpn.log' line 7): String field", 0) == 0);
    REQUIRE(append_event_record(make_event(2), format, &buffer).ok());
    CHECK(buffer == "kept" + written.bytes);
  }

  MemoryStream written;
  QuarantineWriter writer(written);
  v1::QuarantineRecord r;
  r.set_reason(v1::NO_MATCH);
  r.mutable_input()->set_name("x.log");
  REQUIRE(writer.write(r).ok());
  v1::QuarantineRecord bad_record = r;
  bad_record.set_raw_text("caf\xc3");
  std::string buffer = "kept";
  CHECK_FALSE(append_quarantine_record(bad_record, &buffer).ok());
  REQUIRE(append_quarantine_record(r, &buffer).ok());
  CHECK(buffer == "kept" + written.bytes);
}

}  // namespace strictlog
