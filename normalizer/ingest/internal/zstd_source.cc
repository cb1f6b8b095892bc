// zstd (RFC 8878) through libzstd's streaming decoder, one frame after another.
#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>

#include "ingest/decompress.h"
#include "ingest/internal/decoders.h"

namespace strictlog::ingest_internal {
namespace {

class ZstdSource final : public DecoderSource {
 public:
  ZstdSource(std::unique_ptr<ByteSource> in, std::string name)
      : DecoderSource(std::move(in), std::move(name), "zstd", "frame"), dctx_(ZSTD_createDCtx()) {
    if (dctx_ == nullptr ||
        ZSTD_isError(ZSTD_DCtx_setParameter(dctx_, ZSTD_d_windowLogMax, kZstdWindowLogMax))) {
      error_ = {decompress_error(name_, "cannot start the zstd decoder")};
    }
  }
  ~ZstdSource() override { ZSTD_freeDCtx(dctx_); }
  ZstdSource(const ZstdSource&) = delete;
  ZstdSource& operator=(const ZstdSource&) = delete;

  Result<size_t> read(char* buf, size_t n) override;

 private:
  ZSTD_DCtx* dctx_;
  bool between_frames_ = true;  // a frame's magic number or the end of input comes next
  bool need_input_ = true;      // the decoder can go no further without more input
  bool done_ = false;
  uint64_t frame_offset_ = 0;  // where the current frame started
};

// True when `head` (1 to 3 bytes) could begin a zstd frame or skippable frame.
bool starts_a_magic(std::string_view head) {
  static constexpr unsigned char kFrame[] = {0x28, 0xb5, 0x2f, 0xfd};
  static constexpr unsigned char kSkippable[] = {0x50, 0x2a, 0x4d, 0x18};
  bool frame = true, skippable = true;
  for (size_t i = 0; i < head.size(); ++i) {
    auto b = static_cast<unsigned char>(head[i]);
    frame = frame && b == kFrame[i];
    skippable = skippable && (i == 0 ? (b & 0xf0) == kSkippable[0] : b == kSkippable[i]);
  }
  return frame || skippable;
}

Result<size_t> ZstdSource::read(char* buf, size_t n) {
  if (!error_.empty()) return error_;
  if (done_) return size_t{0};
  ZSTD_outBuffer out{buf, n, 0};
  for (;;) {
    // A frame's magic number tells another frame from trailing data, so its four bytes are read together.
    bool short_of_input = between_frames_ ? in_.size() < kSniffBytes : need_input_;
    if (short_of_input && !in_.eof()) {
      if (out.pos > 0) return out.pos;  // deliver before a read that may block
      if (auto st = in_.refill(); !st) return fail(std::move(st).take_errors(), out.pos);
      need_input_ = false;
      continue;
    }
    if (between_frames_) {
      if (in_.size() == 0) {
        done_ = true;
        return out.pos;
      }
      if (sniff_compression(in_.view(std::min(in_.size(), kSniffBytes))) != Compression::kZstd) {
        if (in_.size() < kSniffBytes && starts_a_magic(in_.view(in_.size()))) return fail(truncated(), out.pos);
        return fail("unexpected data after the last zstd frame at compressed byte offset " +
                        std::to_string(in_.offset()),
                    out.pos);
      }
      between_frames_ = false;
      frame_offset_ = in_.offset();
    }
    ZSTD_inBuffer input{in_.data(), in_.size(), 0};
    size_t before = out.pos;
    size_t rc = ZSTD_decompressStream(dctx_, &out, &input);
    in_.consume(input.pos);
    if (ZSTD_isError(rc)) {
      if (ZSTD_getErrorCode(rc) == ZSTD_error_frameParameter_windowTooLarge) {
        return fail("the zstd frame at compressed byte offset " + std::to_string(frame_offset_) +
                        " needs a window over the limit of " + std::to_string((1u << kZstdWindowLogMax) >> 20) +
                        " MiB (written with --long=" + std::to_string(kZstdWindowLogMax + 1) + " or more?)",
                    out.pos);
      }
      // libzstd buffers input ahead of decoding, so where it stopped says little: name the frame.
      return fail("corrupt zstd data in the frame at compressed byte offset " + std::to_string(frame_offset_) +
                      ": " + ZSTD_getErrorName(rc),
                  out.pos);
    }
    if (rc == 0) {
      between_frames_ = true;  // the frame is decoded and flushed
    } else if (input.pos == 0 && out.pos == before) {
      if (in_.eof()) return fail(truncated(), out.pos);  // nothing more will come, and the frame is not complete
      need_input_ = true;
    } else {
      need_input_ = in_.size() == 0;
    }
    if (out.pos == out.size) return out.pos;
  }
}

}  // namespace

std::unique_ptr<ByteSource> make_zstd_source(std::unique_ptr<ByteSource> in, std::string name) {
  return std::make_unique<ZstdSource>(std::move(in), std::move(name));
}

}  // namespace strictlog::ingest_internal
