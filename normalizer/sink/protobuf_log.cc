// silence_protobuf_logging() and the per-thread capture behind it.
#include "sink/internal/protobuf_log.h"

#include <google/protobuf/stubs/logging.h>

#include <cstdio>
#include <mutex>

#include "sink/record_writer.h"

namespace strictlog {
namespace sink_internal {
namespace {

thread_local ProtobufLogCapture* t_capture = nullptr;

void handle_log(google::protobuf::LogLevel level, const char* file, int line, const std::string& message) {
  if (level == google::protobuf::LOGLEVEL_FATAL) {
    std::fprintf(stderr, "protobuf: %s:%d: %s\n", file, line, message.c_str());
    return;
  }
  if (level >= google::protobuf::LOGLEVEL_WARNING && t_capture != nullptr) t_capture->record(message);
}

}  // namespace

ProtobufLogCapture::ProtobufLogCapture() : outer_(t_capture) { t_capture = this; }
ProtobufLogCapture::~ProtobufLogCapture() { t_capture = outer_; }

void ProtobufLogCapture::record(const std::string& message) {
  if (!first_.empty()) return;
  first_ = message;
  while (!first_.empty() && (first_.back() == ' ' || first_.back() == '\n')) first_.pop_back();
}

}  // namespace sink_internal

void silence_protobuf_logging() {
  static std::once_flag once;
  std::call_once(once, [] { google::protobuf::SetLogHandler(&sink_internal::handle_log); });
}

}  // namespace strictlog
