// EventReader (declared in record_writer.h, next to the writer whose format it reads).
//
// Each record is read as its length prefix, then exactly that many bytes, then parsed; this is the
// format util::ParseDelimitedFromZeroCopyStream reads, but reading the body before parsing tells a
// record cut off by the end of input (truncated-record) from one that is complete but malformed
// (bad-record), and lets reading continue after a bad record.
#include <fmt/format.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>

#include <istream>

#include "sink/internal/fd_writer.h"
#include "sink/internal/protobuf_log.h"
#include "sink/record_writer.h"

namespace strictlog {

namespace io = google::protobuf::io;

EventReader::EventReader(int fd, std::string name) : name_(std::move(name)) {
  auto file = std::make_unique<io::FileInputStream>(fd);
  file_ = file.get();
  in_ = std::move(file);
  silence_protobuf_logging();
}

EventReader::EventReader(std::istream& in, std::string name)
    : in_(std::make_unique<io::IstreamInputStream>(&in)), name_(std::move(name)) {
  silence_protobuf_logging();
}

EventReader::~EventReader() = default;

Diagnostic EventReader::error(const char* code, const std::string& detail) const {
  return plain_error(code, fmt::format("cannot read '{}': {}", name_, detail));
}

Result<std::optional<v1::Event>> EventReader::read() {
  if (final_error_) return *final_error_;
  const uint64_t start = offset_;
  uint32_t size = 0;
  bool have_size = false;
  bool have_body = false;
  int prefix_bytes = 0;
  int consumed = 0;
  bool more_input = false;
  {
    // One CodedInputStream per record, as protobuf's own delimited reader does: its position counter is
    // an int, so a long-lived one would overflow on streams over 2 GiB. Destroying it hands unread
    // buffered bytes back to in_.
    io::CodedInputStream coded(in_.get());
    have_size = coded.ReadVarint32(&size);
    prefix_bytes = coded.CurrentPosition();
    if (have_size && size <= kMaxRecordBytes) {
      have_body = coded.ReadString(&buffer_, static_cast<int>(size));
    }
    if (!have_size) {
      // A varint that failed with input left over is malformed, not cut off. (protobuf's fast path
      // fails a malformed varint without consuming it, so this is checked before the position.)
      const void* data = nullptr;
      int n = 0;
      more_input = coded.GetDirectBufferPointer(&data, &n) && n > 0;
    }
    consumed = coded.CurrentPosition();
  }
  offset_ += static_cast<uint64_t>(consumed);

  if (file_ != nullptr && file_->GetErrno() != 0) {
    final_error_ = error("read-failed", sink_internal::errno_text(file_->GetErrno()));
    return *final_error_;
  }
  if (!have_size) {
    if (!more_input && prefix_bytes == 0) return std::optional<v1::Event>();  // clean end of input
    if (more_input) {
      final_error_ =
          error("bad-record", fmt::format("bad record at byte offset {} (malformed length prefix)", start));
    } else {
      final_error_ = error("truncated-record",
                           fmt::format("truncated record at byte offset {} (length prefix cut off)", start));
    }
    return *final_error_;
  }
  if (size > kMaxRecordBytes) {
    final_error_ = error("bad-record", fmt::format("bad record at byte offset {} (length {} exceeds the "
                                                   "limit of {} bytes)",
                                                   start, size, kMaxRecordBytes));
    return *final_error_;
  }
  if (!have_body) {
    final_error_ = error("truncated-record", fmt::format("truncated record at byte offset {} ({} bytes "
                                                         "declared, {} present)",
                                                         start, size, consumed - prefix_bytes));
    return *final_error_;
  }
  sink_internal::ProtobufLogCapture capture;
  v1::Event event;
  if (!event.ParseFromString(buffer_)) {
    std::string why = "not a valid " + event.GetTypeName();
    if (!capture.empty()) why += ": " + capture.first();
    return error("bad-record", fmt::format("bad record at byte offset {} ({})", start, why));
  }
  return std::optional<v1::Event>(std::move(event));
}

}  // namespace strictlog
