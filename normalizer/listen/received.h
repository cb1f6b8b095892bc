// What the listeners hand to the pipeline: messages received over the network, in batches, each message
// with the input it came from (listener, peer, connection) and, for a framing error, the error's text.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/line_reader.h"
#include "pipeline/normalizer.h"

namespace strictlog {

struct ReceivedMessage {
  uint32_t start = 0, size = 0;                // the message's bytes in ReceivedBatch::bytes
  uint32_t detail_start = 0, detail_size = 0;  // the framing error's text in ReceivedBatch::bytes; size 0: none
  uint32_t input = 0;                          // index into ReceivedBatch::inputs
  uint64_t number = 0;                         // Input.line: TCP the frame's number, UDP the datagram's
  uint64_t offset = 0;                         // Input.offset: TCP the frame's stream offset, UDP the bytes before
  uint64_t length = 0;                         // the full length, more than size when cut (oversize, error frame)
  bool oversize = false;                       // a UDP datagram over the maximum message size: OVERSIZE
};

// The messages of one read (TCP) or one wakeup (UDP), in arrival order. Moved, never copied, through the
// queue: one allocation per batch, not per message.
struct ReceivedBatch {
  std::vector<std::shared_ptr<const InputSource>> inputs;
  std::string bytes;
  std::vector<ReceivedMessage> messages;

  // The message as the pipeline reads it: its bytes, position and framing error (Line::framing_detail).
  Line line(size_t i) const {
    const ReceivedMessage& m = messages[i];
    Line line;
    line.bytes = std::string_view(bytes).substr(m.start, m.size);
    line.number = m.number;
    line.offset = m.offset;
    line.length = m.length;
    line.oversize = m.oversize;
    if (m.detail_size != 0) line.framing_detail = std::string_view(bytes).substr(m.detail_start, m.detail_size);
    return line;
  }
  const std::shared_ptr<const InputSource>& input(size_t i) const { return inputs[messages[i].input]; }
  bool empty() const { return messages.empty(); }
  void clear() {
    inputs.clear();
    bytes.clear();
    messages.clear();
  }
};

}  // namespace strictlog
