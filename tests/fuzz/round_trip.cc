#include "round_trip.h"

#include <google/protobuf/util/message_differencer.h>

#include <memory>
#include <string>

#include "sink/internal/protobuf_log.h"
#include "sink/record_writer.h"

namespace strictlog::fuzz {

Violation round_trip(const google::protobuf::Message& m) {
  silence_protobuf_logging();
  sink_internal::ProtobufLogCapture log;
  const std::string type = m.GetTypeName();
  std::string bytes;
  if (!m.SerializeToString(&bytes)) return type + ": does not serialize";
  std::unique_ptr<google::protobuf::Message> back(m.New());
  if (!back->ParseFromString(bytes)) return type + ": does not parse back (" + log.first() + ")";
  if (!log.empty()) return type + ": protobuf logged: " + log.first();
  if (!google::protobuf::util::MessageDifferencer::Equals(m, *back)) return type + ": differs once parsed back";
  return std::nullopt;
}

}  // namespace strictlog::fuzz
