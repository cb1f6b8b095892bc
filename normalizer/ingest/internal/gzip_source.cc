// gzip (RFC 1952) through zlib's inflate, one member after another.
#include <zlib.h>

#include <algorithm>
#include <limits>

#include "ingest/decompress.h"
#include "ingest/internal/decoders.h"

namespace strictlog::ingest_internal {
namespace {

class GzipSource final : public DecoderSource {
 public:
  GzipSource(std::unique_ptr<ByteSource> in, std::string name)
      : DecoderSource(std::move(in), std::move(name), "gzip", "member") {
    // 16 + 15: a gzip wrapper (not zlib, not raw deflate) and the largest window, 32 KiB.
    if (inflateInit2(&z_, 16 + MAX_WBITS) != Z_OK) {
      error_ = {decompress_error(name_, std::string("cannot start the gzip decoder: ") +
                                            (z_.msg ? z_.msg : "out of memory"))};
    } else {
      initialized_ = true;
    }
  }
  ~GzipSource() override {
    if (initialized_) inflateEnd(&z_);
  }
  GzipSource(const GzipSource&) = delete;
  GzipSource& operator=(const GzipSource&) = delete;

  Result<size_t> read(char* buf, size_t n) override;

 private:
  z_stream z_{};
  bool initialized_ = false;
  bool between_members_ = false;  // a member ended: another one or the end of input must follow
  bool need_input_ = true;        // inflate can go no further without more input
  bool done_ = false;
};

Result<size_t> GzipSource::read(char* buf, size_t n) {
  if (!error_.empty()) return error_;
  if (done_) return size_t{0};
  n = std::min<size_t>(n, std::numeric_limits<uInt>::max());
  size_t produced = 0;
  for (;;) {
    // A member's first two bytes tell another member from trailing data, so they are read together.
    bool short_of_input = between_members_ ? in_.size() < 2 : need_input_;
    if (short_of_input && !in_.eof()) {
      if (produced > 0) return produced;  // deliver before a read that may block
      if (auto st = in_.refill(); !st) return fail(std::move(st).take_errors(), produced);
      need_input_ = false;
      continue;
    }
    if (between_members_) {
      if (in_.size() == 0) {
        done_ = true;
        return produced;
      }
      if (sniff_compression(in_.view(std::min<size_t>(in_.size(), 2))) != Compression::kGzip) {
        if (in_.size() == 1 && in_.data()[0] == 0x1f) return fail(truncated(), produced);
        return fail("unexpected data after the last gzip member at compressed byte offset " +
                        std::to_string(in_.offset()),
                    produced);
      }
      inflateReset(&z_);
      between_members_ = false;
    }
    z_.next_in = const_cast<unsigned char*>(in_.data());
    z_.avail_in = static_cast<uInt>(in_.size());
    z_.next_out = reinterpret_cast<unsigned char*>(buf + produced);
    z_.avail_out = static_cast<uInt>(n - produced);
    int rc = inflate(&z_, Z_NO_FLUSH);
    in_.consume(in_.size() - z_.avail_in);
    produced = n - z_.avail_out;
    switch (rc) {
      case Z_STREAM_END:
        between_members_ = true;
        break;
      case Z_OK:
        need_input_ = in_.size() == 0;
        break;
      case Z_BUF_ERROR:  // no progress was possible: inflate needs input
        if (in_.eof()) return fail(truncated(), produced);
        need_input_ = true;
        break;
      default:  // Z_DATA_ERROR, Z_MEM_ERROR, Z_NEED_DICT (not in gzip: a preset dictionary is zlib-only)
        return fail("corrupt gzip data at compressed byte offset " + std::to_string(in_.offset()) + ": " +
                        (z_.msg ? z_.msg : "error " + std::to_string(rc)),
                    produced);
    }
    if (produced == n) return produced;
  }
}

}  // namespace

std::unique_ptr<ByteSource> make_gzip_source(std::unique_ptr<ByteSource> in, std::string name) {
  return std::make_unique<GzipSource>(std::move(in), std::move(name));
}

}  // namespace strictlog::ingest_internal
