// Turns protobuf's logged data errors into values (see silence_protobuf_logging() in record_writer.h).
#pragma once

#include <string>

namespace strictlog::sink_internal {

// While alive, the first WARNING or ERROR protobuf logs on this thread is kept here instead of being
// dropped. Scopes nest (the innermost collects). Requires silence_protobuf_logging() to have run.
class ProtobufLogCapture {
 public:
  ProtobufLogCapture();
  ~ProtobufLogCapture();
  ProtobufLogCapture(const ProtobufLogCapture&) = delete;
  ProtobufLogCapture& operator=(const ProtobufLogCapture&) = delete;

  bool empty() const { return first_.empty(); }
  // protobuf's message, trailing whitespace removed.
  const std::string& first() const { return first_; }

  void record(const std::string& message);

 private:
  std::string first_;
  ProtobufLogCapture* outer_;
};

}  // namespace strictlog::sink_internal
