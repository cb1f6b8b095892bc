// The gzip and zstd decoders behind open_byte_source() (ingest/decompress.h, which states their contract),
// and the input buffer they share.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "ingest/byte_source.h"

namespace strictlog::ingest_internal {

// The compressed bytes a decoder has read from its input and not consumed yet, and their offset in the input.
class CompressedInput {
 public:
  static constexpr size_t kCapacity = 128 * 1024;

  explicit CompressedInput(std::unique_ptr<ByteSource> in);

  const unsigned char* data() const { return buf_.get() + begin_; }
  size_t size() const { return end_ - begin_; }
  std::string_view view(size_t n) const { return {reinterpret_cast<const char*>(data()), n}; }
  void consume(size_t n) { begin_ += n; }
  // Compressed offset of data()[0]; at end of input with nothing left, the input's length.
  uint64_t offset() const { return offset_ + begin_; }
  bool eof() const { return eof_; }

  // Reads more after the unconsumed bytes (moved to the front): at least one byte, or end of input (eof()).
  // Errors are the input's own.
  Status refill();

 private:
  std::unique_ptr<ByteSource> in_;
  std::unique_ptr<unsigned char[]> buf_;
  size_t begin_ = 0;
  size_t end_ = 0;
  uint64_t offset_ = 0;  // compressed offset of buf_[0]
  bool eof_ = false;
};

// The messages of the decoders: "cannot decompress 'NAME': " + what.
Diagnostic decompress_error(const std::string& name, const std::string& what);

// What the gzip and zstd decoders share: their input, their name in messages, and the error that stops them
// once recorded.
class DecoderSource : public ByteSource {
 protected:
  // `unit` names what a stream is made of in messages: "member" (gzip), "frame" (zstd).
  DecoderSource(std::unique_ptr<ByteSource> in, std::string name, std::string_view format, std::string_view unit)
      : in_(std::move(in)), name_(std::move(name)), format_(format), unit_(unit) {}

  // Records the error; what was decoded before it is delivered first, and the error on the next call.
  Result<size_t> fail(Diagnostics errors, size_t produced) {
    error_ = std::move(errors);
    if (produced > 0) return produced;
    return error_;
  }
  Result<size_t> fail(const std::string& what, size_t produced) {
    return fail(Diagnostics{decompress_error(name_, what)}, produced);
  }
  // Only said at end of input, so offset + size is the input's length.
  std::string truncated() const {
    return "the " + std::string(format_) + " data ends inside a " + std::string(unit_) + " after " +
           std::to_string(in_.offset() + in_.size()) + " compressed bytes (truncated?)";
  }

  CompressedInput in_;
  std::string name_;
  Diagnostics error_;

 private:
  std::string_view format_, unit_;
};

std::unique_ptr<ByteSource> make_gzip_source(std::unique_ptr<ByteSource> in, std::string name);
std::unique_ptr<ByteSource> make_zstd_source(std::unique_ptr<ByteSource> in, std::string name);

}  // namespace strictlog::ingest_internal
