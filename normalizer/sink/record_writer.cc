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

// `message` as one JSON line in `buffer` (cleared first), or the reason it cannot be printed.
std::optional<std::string> to_json_line(const google::protobuf::Message& message, std::string& buffer) {
  buffer.clear();
  if (auto failure = sink_internal::append_json(message, &buffer)) return failure;
  buffer.push_back('\n');
  return std::nullopt;
}

}  // namespace

EventWriter::EventWriter(OutputStream& out, EventFormat format) : out_(out), format_(format) {
  silence_protobuf_logging();
}

Status EventWriter::write(const v1::Event& event) {
  const v1::Input& input = event.envelope().input();
  if (format_ == EventFormat::kJsonLines) {
    if (auto failure = to_json_line(event, buffer_)) return serialize_error("event", input, *failure);
  } else {
    // protobuf reports invalid UTF-8 in a string field only by logging it.
    ProtobufLogCapture capture;
    // What util::SerializeDelimitedToOstream does, into a reused buffer: varint size, then the message.
    size_t size = event.ByteSizeLong();
    if (size > kMaxRecordBytes) {
      return serialize_error("event", input,
                             fmt::format("{} bytes, over the limit of {} bytes", size, kMaxRecordBytes));
    }
    auto size32 = static_cast<uint32_t>(size);
    size_t prefix = CodedOutputStream::VarintSize32(size32);
    buffer_.resize(prefix + size);
    auto* data = reinterpret_cast<uint8_t*>(buffer_.data());
    CodedOutputStream::WriteVarint32ToArray(size32, data);
    event.SerializeWithCachedSizesToArray(data + prefix);
    if (!capture.empty()) return serialize_error("event", input, capture.first());
  }
  return out_.write(buffer_);
}

QuarantineWriter::QuarantineWriter(OutputStream& out) : out_(out) { silence_protobuf_logging(); }

Status QuarantineWriter::write(const v1::QuarantineRecord& record) {
  if (auto failure = to_json_line(record, buffer_)) {
    return serialize_error("quarantine record", record.input(), *failure);
  }
  return out_.write(buffer_);
}

}  // namespace strictlog
