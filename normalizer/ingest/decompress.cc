#include "ingest/decompress.h"

#include <algorithm>
#include <cstring>

#include "ingest/internal/decoders.h"

namespace strictlog {

using ingest_internal::make_gzip_source;
using ingest_internal::make_zstd_source;

Compression sniff_compression(std::string_view head) {
  auto at = [&](size_t i) { return static_cast<unsigned char>(head[i]); };
  if (head.size() >= 2 && at(0) == 0x1f && at(1) == 0x8b) return Compression::kGzip;
  if (head.size() >= 4 && at(0) == 0x28 && at(1) == 0xb5 && at(2) == 0x2f && at(3) == 0xfd) return Compression::kZstd;
  if (head.size() >= 4 && (at(0) & 0xf0) == 0x50 && at(1) == 0x2a && at(2) == 0x4d && at(3) == 0x18) {
    return Compression::kZstd;
  }
  return Compression::kNone;
}

namespace {

// The sniffed bytes, then the rest of the raw source.
class PrefixedSource final : public ByteSource {
 public:
  PrefixedSource(std::string head, std::unique_ptr<ByteSource> rest) : head_(std::move(head)), rest_(std::move(rest)) {}

  Result<size_t> read(char* buf, size_t n) override {
    if (at_ == head_.size()) return rest_->read(buf, n);
    size_t k = std::min(n, head_.size() - at_);
    std::memcpy(buf, head_.data() + at_, k);
    at_ += k;
    if (k == n) return k;
    // The rest of the buffer in the same call, so that a plain file is read in the chunks it would be without
    // sniffing. A failure is not lost: the source returns it again on the next call.
    auto more = rest_->read(buf + k, n - k);
    return more ? k + *more : k;
  }

 private:
  std::string head_;
  size_t at_ = 0;
  std::unique_ptr<ByteSource> rest_;
};

// Sniffs on its first read, so that opening never blocks and a failing first read is an ordinary read error.
class DetectingSource final : public ByteSource {
 public:
  DetectingSource(std::unique_ptr<ByteSource> raw, std::string name) : raw_(std::move(raw)), name_(std::move(name)) {}

  Result<size_t> read(char* buf, size_t n) override {
    if (!inner_) {
      if (auto st = open_inner(); !st) return std::move(st).take_errors();
    }
    return inner_->read(buf, n);
  }

 private:
  Status open_inner() {
    while (head_.size() < kSniffBytes) {
      char more[kSniffBytes];
      auto got = raw_->read(more, kSniffBytes - head_.size());
      if (!got) return std::move(got).take_errors();
      if (*got == 0) break;
      head_.append(more, *got);
    }
    Compression c = sniff_compression(head_);
    auto all = std::make_unique<PrefixedSource>(std::move(head_), std::move(raw_));
    switch (c) {
      case Compression::kNone: inner_ = std::move(all); break;
      case Compression::kGzip: inner_ = make_gzip_source(std::move(all), std::move(name_)); break;
      case Compression::kZstd: inner_ = make_zstd_source(std::move(all), std::move(name_)); break;
    }
    return kOk;
  }

  std::unique_ptr<ByteSource> raw_;
  std::string name_;
  std::string head_;
  std::unique_ptr<ByteSource> inner_;
};

}  // namespace

std::unique_ptr<ByteSource> open_byte_source(std::unique_ptr<ByteSource> raw, std::string name) {
  return std::make_unique<DetectingSource>(std::move(raw), std::move(name));
}

namespace ingest_internal {

CompressedInput::CompressedInput(std::unique_ptr<ByteSource> in)
    : in_(std::move(in)), buf_(std::make_unique_for_overwrite<unsigned char[]>(kCapacity)) {}

Status CompressedInput::refill() {
  if (eof_) return kOk;
  if (begin_ > 0) {
    std::memmove(buf_.get(), buf_.get() + begin_, end_ - begin_);
    offset_ += begin_;
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == kCapacity) {
    // Both decoders consume input whenever they are given output room; a full buffer here is a bug.
    return plain_error("internal", "a decoder stopped consuming its input at compressed byte offset " +
                                       std::to_string(offset()) + " (a bug)");
  }
  auto got = in_->read(reinterpret_cast<char*>(buf_.get()) + end_, kCapacity - end_);
  if (!got) return std::move(got).take_errors();
  end_ += *got;
  if (*got == 0) eof_ = true;
  return kOk;
}

Diagnostic decompress_error(const std::string& name, const std::string& what) {
  return plain_error("decompress-failed",
                     (name.empty() ? std::string("cannot decompress input") : "cannot decompress '" + name + "'") +
                         ": " + what);
}

}  // namespace ingest_internal
}  // namespace strictlog
