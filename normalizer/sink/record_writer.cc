#include "sink/record_writer.h"

#include <fmt/format.h>
#include <google/protobuf/io/coded_stream.h>

#include "sink/internal/json_encoder.h"
#include "sink/internal/protobuf_log.h"

namespace strictlog {

namespace {

using google::protobuf::io::CodedOutputStream;
using sink_internal::ProtobufLogCapture;

Diagnostic serialize_error(std::string_view what, const v1::Input& input, std::string_view reason) {
  return plain_error("serialize-failed", fmt::format("cannot serialize {} (input '{}' line {}): {}", what,
                                                     input.name(), input.line(), reason));
}

// Appends `message` as one JSON line to `*out`, or returns the reason it cannot be printed (`*out` unchanged).
std::optional<std::string> append_json_line(const google::protobuf::Message& message, std::string* out) {
  if (auto failure = sink_internal::append_json(message, out)) return failure;
  out->push_back('\n');
  return std::nullopt;
}

}  // namespace

Status append_event_record(const v1::Event& event, EventFormat format, std::string* out) {
  // The writers install the handler when they are made; a caller that encodes without one still needs it,
  // or invalid UTF-8 would be logged instead of refused.
  silence_protobuf_logging();
  const v1::Input& input = event.envelope().input();
  if (format == EventFormat::kJsonLines) {
    if (auto failure = append_json_line(event, out)) return serialize_error("event", input, *failure);
    return kOk;
  }
  // protobuf reports invalid UTF-8 in a string field only by logging it.
  ProtobufLogCapture capture;
  // What util::SerializeDelimitedToOstream does, appended to `*out`: varint size, then the message.
  size_t size = event.ByteSizeLong();
  if (size > kMaxRecordBytes) {
    return serialize_error("event", input, fmt::format("{} bytes, over the limit of {} bytes", size, kMaxRecordBytes));
  }
  auto size32 = static_cast<uint32_t>(size);
  size_t prefix = CodedOutputStream::VarintSize32(size32);
  size_t at = out->size();
  out->resize(at + prefix + size);
  auto* data = reinterpret_cast<uint8_t*>(out->data() + at);
  CodedOutputStream::WriteVarint32ToArray(size32, data);
  event.SerializeWithCachedSizesToArray(data + prefix);
  if (!capture.empty()) {
    out->resize(at);
    return serialize_error("event", input, capture.first());
  }
  return kOk;
}

Status append_quarantine_record(const v1::QuarantineRecord& record, std::string* out) {
  silence_protobuf_logging();
  if (auto failure = append_json_line(record, out)) {
    return serialize_error("quarantine record", record.input(), *failure);
  }
  return kOk;
}

EventWriter::EventWriter(OutputStream& out, EventFormat format) : out_(out), format_(format) {
  silence_protobuf_logging();
}

Status EventWriter::write(const v1::Event& event) {
  buffer_.clear();
  if (auto st = append_event_record(event, format_, &buffer_); !st) return st;
  return out_.write(buffer_);
}

QuarantineWriter::QuarantineWriter(OutputStream& out) : out_(out) { silence_protobuf_logging(); }

Status QuarantineWriter::write(const v1::QuarantineRecord& record) {
  buffer_.clear();
  if (auto st = append_quarantine_record(record, &buffer_); !st) return st;
  return out_.write(buffer_);
}

}  // namespace strictlog
