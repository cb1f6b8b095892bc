// FrameDecoder: splits one TCP connection's byte stream into syslog messages (RFC 6587 §3.4), incrementally.
//
// The first byte of the connection decides the framing, once:
//   - a digit 1-9: octet counting (§3.4.1), `MSG-LEN SP MSG` repeated, MSG-LEN = NONZERO-DIGIT *DIGIT;
//   - anything else: non-transparent framing (§3.4.2) with LF as the trailer. A CR right before the LF is
//     removed too, and bytes after the last LF at close are a frame as they are (a CR there is kept: without
//     its LF it is not a trailer). An empty frame (two LFs in a row) is a frame.
// Deviations: §3.4.2 mentions NUL as a trailer some senders use; it is not one here (a NUL stays in the frame,
// and the encoding check quarantines it). Octet counting allows nothing between frames: an LF after MSG, as
// some senders add, is a framing error. An LF that ends MSG itself (CR LF too) is a trailer and not part of
// the frame: rsyslog's RSYSLOG_SyslogProtocol23Format and syslog-ng's syslog() destination both end MSG with
// one, and both daemons drop it on reception (rsyslog: parser.dropTrailingLFOnReception, on by default); the
// UDP listener drops it from a datagram the same way.
//
// Frames go to the sink given at construction, in stream order, during push() or finish(). Feeding the stream
// in any split (byte by byte, one read(2) at a time, all at once) gives the same frames. Every byte of the
// stream belongs to exactly one frame or to framing overhead (MSG-LEN SP, CR LF), and `offset` and `length`
// let the caller account for all of them.
//
// Errors are values: a frame with `error` set must become one FRAMING quarantine record holding its bytes.
//   - LF framing: a frame longer than max_message keeps its first max_message bytes (like LineReader's
//     OVERSIZE), the rest is counted and discarded, and decoding goes on after its LF (`frame-too-long`).
//   - Octet counting: a bad MSG-LEN (`octet-count-missing`, `-zero`, `-leading-zero`, `-too-large`,
//     `-no-space`) leaves no way to find where the next frame starts. The connection is then failed: everything
//     from the first byte of the bad MSG-LEN to the close is one error frame, emitted by finish(), with its first
//     max_message bytes kept and `length` counting all of it. failed() turns true at once, so a server can close
//     the connection and call finish() instead of reading on.
//   - Octet counting, close inside a frame: `frame-truncated`, with the MSG bytes received (or, closed inside
//     MSG-LEN, the digits received; a lone "0" there is `octet-count-zero`).
//
// Memory: one buffer of at most max_message bytes, allocated the first time a frame spans two push() calls or
// a connection fails; a frame lying within one push() is handed to the sink as a view of the pushed bytes,
// without a copy. The buffer is released by finish().
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace strictlog {

inline constexpr size_t kDefaultMaxMessage = 64 * 1024;

enum class FramingErrorKind : uint8_t {
  kCountMissing,      // a byte other than a digit where MSG-LEN should start
  kCountZero,         // MSG-LEN is 0
  kCountLeadingZero,  // MSG-LEN starts with 0 and goes on with digits
  kCountTooLarge,     // MSG-LEN over max_message (seen as soon as the digits pass it)
  kCountNoSpace,      // MSG-LEN not followed by SP
  kFrameTooLong,      // LF framing: a frame over max_message
  kTruncated,         // octet counting: the connection closed inside a frame
};

// Stable codes, indexed by FramingErrorKind: records, tests and dashboards key on them.
inline constexpr std::array<std::string_view, 7> kFramingErrorCodes = {
    "octet-count-missing", "octet-count-zero",  "octet-count-leading-zero", "octet-count-too-large",
    "octet-count-no-space", "frame-too-long",   "frame-truncated",
};
static_assert(kFramingErrorCodes.size() == static_cast<size_t>(FramingErrorKind::kTruncated) + 1);

struct FramingError {
  FramingErrorKind kind;
  std::string_view code;  // kFramingErrorCodes[kind]
  // Exact text, for QuarantineRecord.detail. One of (N, M, K the numbers, X the byte: 'c' when printable
  // ASCII, else `byte 0xNN`):
  //   "expected an octet count, found X"
  //   "the octet count is 0"
  //   "the octet count has a leading zero"
  //   "the octet count exceeds the maximum message size of M bytes"
  //   "expected a space after the octet count N, found X"
  //   "frame of N bytes exceeds the maximum message size of M bytes"
  //   "connection closed after K of N bytes of an octet-counted message"
  //   "connection closed inside an octet count"
  std::string_view detail;
};

struct Frame {
  // The message: MSG for octet counting, the bytes before the trailer for LF framing. For an error frame, the
  // bytes concerned: from the first byte of a bad MSG-LEN on, the kept prefix of a long frame, or the bytes
  // received of a truncated one. At most max_message bytes. Valid only during the sink call.
  std::string_view bytes;
  uint64_t number = 0;  // 1-based, counting every frame handed to the sink, error frames included
  uint64_t offset = 0;  // stream offset of bytes[0]
  uint64_t length = 0;  // the full length of what `bytes` shows: more than bytes.size() only when cut
  std::optional<FramingError> error;
};

enum class Framing { kUndecided, kOctetCounting, kNonTransparent };

class FrameDecoder {
 public:
  // Called once per frame; must not be empty, and must not call push() or finish() on the same decoder.
  using Sink = std::function<void(const Frame&)>;

  // max_message: the largest MSG-LEN accepted and the largest LF frame kept whole (at least 1).
  explicit FrameDecoder(Sink sink, size_t max_message = kDefaultMaxMessage);
  FrameDecoder(const FrameDecoder&) = delete;
  FrameDecoder& operator=(const FrameDecoder&) = delete;

  // The next bytes of the stream, in any split. Hands every frame they complete to the sink.
  void push(std::string_view bytes);

  // The connection closed: hands the last frame to the sink, if any (an unterminated LF frame, a truncated
  // octet-counted frame, or a failed connection's error frame). push() and finish() after finish() do nothing.
  void finish();

  Framing framing() const { return framing_; }
  // Octet counting met a bad MSG-LEN: no further frame can be found, everything from there on is one error
  // frame that finish() will emit.
  bool failed() const { return failed_; }
  uint64_t bytes_pushed() const { return pos_; }
  size_t max_message() const { return max_; }

 private:
  enum class State { kCount, kZero, kDigits, kMessage, kLine, kFailed, kFinished };

  size_t push_octets(std::string_view in, size_t i);
  size_t too_large(size_t i);
  size_t push_line(std::string_view in, size_t i);
  void fail(FramingErrorKind kind, std::string detail);
  void emit(std::string_view bytes, uint64_t offset, uint64_t length, std::optional<FramingErrorKind> kind);
  void emit_line(std::string_view raw, uint64_t raw_length, bool cr_trailer);
  void emit_counted(std::string_view msg, uint64_t offset);
  void append(std::string_view bytes);

  Sink sink_;
  size_t max_;
  Framing framing_ = Framing::kUndecided;
  State state_ = State::kCount;
  uint64_t pos_ = 0;          // stream offset of the next byte pushed
  uint64_t frame_start_ = 0;  // stream offset of the current frame's first byte (MSG-LEN or line)
  uint64_t count_ = 0;        // kDigits, kMessage: MSG-LEN
  uint64_t need_ = 0;         // kMessage: MSG bytes still to come
  uint64_t seen_ = 0;         // kLine: bytes of the line so far; kFailed: bytes of the error frame so far
  bool last_cr_ = false;      // kLine: the last byte seen was '\r'
  uint64_t number_ = 0;
  std::string buf_;           // a frame that spans push() calls; never more than max_ bytes
  std::string detail_;        // the text of the error frame being emitted (or, kFailed, to be emitted)
  FramingErrorKind fail_kind_ = FramingErrorKind::kCountMissing;
  bool failed_ = false;
};

}  // namespace strictlog
