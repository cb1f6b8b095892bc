#include "ingest/framing.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <utility>

namespace strictlog {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A byte as error texts show it: 'c' when printable ASCII, else `byte 0xNN`.
std::string show(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u >= 0x21 && u <= 0x7E) return fmt::format("'{}'", c);
  return fmt::format("byte 0x{:02X}", u);
}

}  // namespace

FrameDecoder::FrameDecoder(Sink sink, size_t max_message)
    : sink_(std::move(sink)), max_(std::max<size_t>(max_message, 1)) {}

void FrameDecoder::push(std::string_view in) {
  if (state_ == State::kFinished || in.empty()) return;
  if (framing_ == Framing::kUndecided) {
    bool counted = in[0] >= '1' && in[0] <= '9';
    framing_ = counted ? Framing::kOctetCounting : Framing::kNonTransparent;
    state_ = counted ? State::kCount : State::kLine;
  }
  // Invariant of the loop: pos_ is the stream offset of in[i].
  size_t i = 0;
  while (i < in.size()) {
    i = framing_ == Framing::kOctetCounting ? push_octets(in, i) : push_line(in, i);
  }
}

// One step of octet counting from in[i]; returns the index of the first byte not consumed.
size_t FrameDecoder::push_octets(std::string_view in, size_t i) {
  const char c = in[i];
  switch (state_) {
    case State::kCount:
      if (c >= '1' && c <= '9') {
        count_ = static_cast<uint64_t>(c - '0');
        if (count_ > max_) return too_large(i);
        state_ = State::kDigits;
      } else if (c == '0') {
        state_ = State::kZero;  // the next byte tells a count of 0 from a leading zero
      } else {
        fail(FramingErrorKind::kCountMissing, "expected an octet count, found " + show(c));
        return i;
      }
      ++pos_;
      return i + 1;
    case State::kZero:
      if (is_digit(c)) {
        fail(FramingErrorKind::kCountLeadingZero, "the octet count has a leading zero");
      } else {
        fail(FramingErrorKind::kCountZero, "the octet count is 0");
      }
      return i;
    case State::kDigits:
      if (is_digit(c)) {
        uint64_t next = count_ * 10 + static_cast<uint64_t>(c - '0');  // count_ <= max_: no overflow
        if (next > max_) return too_large(i);
        count_ = next;
      } else if (c == ' ') {
        need_ = count_;
        state_ = State::kMessage;
      } else {
        fail(FramingErrorKind::kCountNoSpace,
             fmt::format("expected a space after the octet count {}, found {}", count_, show(c)));
        return i;
      }
      ++pos_;
      return i + 1;
    case State::kMessage: {
      size_t avail = in.size() - i;
      if (need_ == count_ && avail >= need_) {
        // The whole message lies in this push: hand it over without a copy.
        emit_counted(in.substr(i, need_), pos_);
      } else {
        size_t take = static_cast<size_t>(std::min<uint64_t>(avail, need_));
        append(in.substr(i, take));
        need_ -= take;
        pos_ += take;
        if (need_ > 0) return i + take;
        emit_counted(buf_, pos_ - count_);
        buf_.clear();
        i += take;
        state_ = State::kCount;
        frame_start_ = pos_;
        return i;
      }
      size_t n = static_cast<size_t>(need_);
      pos_ += n;
      state_ = State::kCount;
      frame_start_ = pos_;
      return i + n;
    }
    case State::kFailed: {
      std::string_view rest = in.substr(i);
      append(rest);
      seen_ += rest.size();
      pos_ += rest.size();
      return in.size();
    }
    case State::kLine:
    case State::kFinished:
      break;
  }
  return in.size();  // unreachable: push() calls this only in the octet-counting states
}

// The MSG-LEN digit at in[i] takes the count over max_: fails without consuming it.
size_t FrameDecoder::too_large(size_t i) {
  fail(FramingErrorKind::kCountTooLarge,
       fmt::format("the octet count exceeds the maximum message size of {} bytes", max_));
  return i;
}

// LF framing from in[i]: up to and including the next LF, or to the end of `in`.
size_t FrameDecoder::push_line(std::string_view in, size_t i) {
  const char* p = in.data() + i;
  size_t n = in.size() - i;
  const void* lf = std::memchr(p, '\n', n);
  size_t seg = lf ? static_cast<size_t>(static_cast<const char*>(lf) - p) : n;
  if (lf && seen_ == 0) {
    emit_line(std::string_view(p, seg), seg, seg > 0 && p[seg - 1] == '\r');
  } else {
    append(std::string_view(p, seg));
    seen_ += seg;
    if (seg > 0) last_cr_ = p[seg - 1] == '\r';
    if (lf) emit_line(buf_, seen_, last_cr_);
  }
  if (!lf) {
    pos_ += seg;
    return in.size();
  }
  pos_ += seg + 1;
  frame_start_ = pos_;
  seen_ = 0;
  last_cr_ = false;
  buf_.clear();
  return i + seg + 1;
}

// `raw` holds at least the first min(raw_length, max_) bytes of a line of raw_length bytes before its LF (or
// before the close, cr_trailer false), which starts at frame_start_.
void FrameDecoder::emit_line(std::string_view raw, uint64_t raw_length, bool cr_trailer) {
  uint64_t length = raw_length - (cr_trailer ? 1 : 0);
  if (length <= max_) {
    emit(raw.substr(0, static_cast<size_t>(length)), frame_start_, length, std::nullopt);
    return;
  }
  detail_ = fmt::format("frame of {} bytes exceeds the maximum message size of {} bytes", length, max_);
  emit(raw.substr(0, max_), frame_start_, length, FramingErrorKind::kFrameTooLong);
}

// Octet counting cannot resynchronise after a bad MSG-LEN: from its first byte (frame_start_) to the close,
// the stream is one error frame. The MSG-LEN bytes already consumed are rebuilt from the state (they are
// "0" or the decimal digits of count_, which never has a leading zero); the caller then feeds the rest.
void FrameDecoder::fail(FramingErrorKind kind, std::string detail) {
  buf_.clear();
  if (state_ == State::kZero) append("0");
  if (state_ == State::kDigits) append(std::to_string(count_));
  seen_ = buf_.size();
  fail_kind_ = kind;
  detail_ = std::move(detail);
  failed_ = true;
  state_ = State::kFailed;
}

void FrameDecoder::finish() {
  switch (state_) {
    case State::kCount:
      break;  // between frames (or nothing pushed): a clean close
    case State::kLine:
      if (seen_ > 0) emit_line(buf_, seen_, false);
      break;
    case State::kZero:
      fail(FramingErrorKind::kCountZero, "the octet count is 0");
      emit(buf_, frame_start_, seen_, fail_kind_);
      break;
    case State::kDigits: {
      std::string digits = std::to_string(count_);
      detail_ = "connection closed inside an octet count";
      emit(digits, frame_start_, digits.size(), FramingErrorKind::kTruncated);
      break;
    }
    case State::kMessage: {
      uint64_t got = count_ - need_;
      detail_ = fmt::format("connection closed after {} of {} bytes of an octet-counted message", got, count_);
      emit(buf_, pos_ - got, got, FramingErrorKind::kTruncated);
      break;
    }
    case State::kFailed:
      emit(buf_, frame_start_, seen_, fail_kind_);
      break;
    case State::kFinished:
      return;
  }
  state_ = State::kFinished;
  std::string().swap(buf_);
}

void FrameDecoder::emit_counted(std::string_view msg, uint64_t offset) {
  size_t trailer = 0;
  if (!msg.empty() && msg.back() == '\n') trailer = msg.size() >= 2 && msg[msg.size() - 2] == '\r' ? 2 : 1;
  emit(msg.substr(0, msg.size() - trailer), offset, msg.size() - trailer, std::nullopt);
}

void FrameDecoder::emit(std::string_view bytes, uint64_t offset, uint64_t length,
                        std::optional<FramingErrorKind> kind) {
  Frame f;
  f.bytes = bytes;
  f.number = ++number_;
  f.offset = offset;
  f.length = length;
  if (kind) f.error = FramingError{*kind, kFramingErrorCodes[static_cast<size_t>(*kind)], detail_};
  sink_(f);
}

// Appends what fits of `bytes` to buf_, which never holds more than max_ bytes (reserved once).
void FrameDecoder::append(std::string_view bytes) {
  if (buf_.capacity() < max_) buf_.reserve(max_);
  buf_.append(bytes.substr(0, std::min(bytes.size(), max_ - buf_.size())));
}

}  // namespace strictlog
