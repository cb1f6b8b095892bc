#include "ingest/decompress.h"

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "ingest/line_reader.h"

namespace strictlog {
namespace {

using namespace std::string_literals;

// One gzip member of `data`, made with zlib (RFC 1952: 10-byte header, deflate data, CRC-32 and ISIZE).
std::string gzip(const std::string& data, int level = Z_DEFAULT_COMPRESSION) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&z, data.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// One zstd frame of `data` with a content checksum, as the zstd command writes by default.
std::string zstd(const std::string& data, int level = 3) {
  ZSTD_CCtx* c = ZSTD_createCCtx();
  REQUIRE(c != nullptr);
  ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
  std::string out(ZSTD_compressBound(data.size()), '\0');
  size_t n = ZSTD_compress2(c, out.data(), out.size(), data.data(), data.size());
  ZSTD_freeCCtx(c);
  REQUIRE_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

// A skippable frame (RFC 8878 §3.1.2) holding `payload`.
std::string skippable(const std::string& payload, unsigned char variant = 0) {
  std::string f = {static_cast<char>(0x50 | variant), 0x2a, 0x4d, 0x18};
  uint32_t n = static_cast<uint32_t>(payload.size());
  for (int i = 0; i < 4; ++i) f += static_cast<char>((n >> (8 * i)) & 0xff);
  return f + payload;
}

// Lines of varied length and content, compressible but not trivially.
std::string text(size_t bytes, unsigned seed = 1952) {
  std::mt19937 rng(seed);
  std::string s;
  while (s.size() < bytes) {
    s += "Nov 22 12:21:" + std::to_string(10 + rng() % 50) + " vpn1 openvpn[" + std::to_string(rng() % 99999) + "]: ";
    for (size_t i = rng() % 200; i > 0; --i) s += static_cast<char>('a' + rng() % 26);
    s += '\n';
  }
  return s;
}

// A raw source over a string, read in pieces of the given sizes (cycled), optionally failing at the end.
class PieceSource final : public ByteSource {
 public:
  PieceSource(std::string data, std::vector<size_t> pieces, bool fail_at_end = false)
      : data_(std::move(data)), pieces_(std::move(pieces)), fail_at_end_(fail_at_end) {}
  Result<size_t> read(char* buf, size_t n) override {
    if (at_ == data_.size() && fail_at_end_) {
      return plain_error("read-failed", "cannot read 'x' at byte offset " + std::to_string(at_) + ": Input/output error");
    }
    size_t k = std::min({n, data_.size() - at_, pieces_[calls_++ % pieces_.size()]});
    data_.copy(buf, k, at_);
    at_ += k;
    return k;
  }

 private:
  std::string data_;
  std::vector<size_t> pieces_;
  bool fail_at_end_;
  size_t at_ = 0;
  size_t calls_ = 0;
};

// What a source delivered: every byte up to the end or the first error, and that error as "code: message".
struct Decoded {
  std::string bytes;
  std::string error;
};

Decoded decode(std::unique_ptr<ByteSource> raw, size_t read_size = 100000) {
  auto source = open_byte_source(std::move(raw), "x.log.gz");
  Decoded d;
  std::string buf(read_size, '\0');
  bool overrun = false;
  for (;;) {
    auto got = source->read(buf.data(), buf.size());
    if (!got) {
      d.error = got.errors()[0].code + ": " + got.errors()[0].message;
      auto again = source->read(buf.data(), buf.size());  // errors are sticky
      REQUIRE_FALSE(again.ok());
      CHECK(again.errors()[0].message == got.errors()[0].message);
      CHECK_FALSE(overrun);
      return d;
    }
    if (*got == 0) break;
    overrun = overrun || *got > read_size;
    d.bytes.append(buf.data(), std::min(*got, read_size));
  }
  CHECK_FALSE(overrun);
  auto again = source->read(buf.data(), buf.size());  // and so is the end
  REQUIRE(again.ok());
  CHECK(*again == 0);
  return d;
}

Decoded decode(const std::string& input, std::vector<size_t> pieces = {1 << 20}, size_t read_size = 100000) {
  return decode(std::make_unique<PieceSource>(input, std::move(pieces)), read_size);
}

// Read patterns: whole, byte by byte (the magic number split over reads), uneven, and tiny output reads.
struct Pattern {
  const char* what;
  std::vector<size_t> pieces;
  size_t read_size;
};
const Pattern kPatterns[] = {{"one read", {1 << 20}, 1 << 20},
                             {"1-byte input pieces", {1}, 100000},
                             {"uneven pieces", {1, 3, 7, 4093, 65536, 2}, 100000},
                             {"1-byte output reads", {1 << 20}, 1},
                             {"uneven both", {2, 1, 5000}, 333}};

TEST_CASE("sniff_compression: magic numbers and near misses", "[ingest][decompress]") {
  struct Case {
    std::string head;
    Compression want;
    const char* why;
  };
  const Case cases[] = {
      {"\x1f\x8b", Compression::kGzip, "RFC 1952 §2.3.1 ID1 ID2"},
      {"\x1f\x8b\x08\x00", Compression::kGzip, "a deflate member's first bytes"},
      {"\x1f", Compression::kNone, "half a gzip magic"},
      {"\x8b\x1f", Compression::kNone, "gzip magic reversed"},
      {"\x1f\x8c", Compression::kNone, "one bit off"},
      {"\x28\xb5\x2f\xfd", Compression::kZstd, "RFC 8878 §3.1.1 0xFD2FB528 little-endian"},
      {"\x28\xb5\x2f", Compression::kNone, "three of four magic bytes"},
      {"\x28\xb5\x2f\xfe", Compression::kNone, "last byte off"},
      {"\x50\x2a\x4d\x18", Compression::kZstd, "RFC 8878 §3.1.2 skippable frame 0x184D2A50"},
      {"\x5f\x2a\x4d\x18", Compression::kZstd, "skippable frame 0x184D2A5F"},
      {"\x60\x2a\x4d\x18", Compression::kNone, "0x184D2A60 is not skippable"},
      {"\x4f\x2a\x4d\x18", Compression::kNone, "0x184D2A4F is not skippable"},
      {"Nov ", Compression::kNone, "a syslog line"},
      {"", Compression::kNone, "empty input"},
  };
  for (const auto& c : cases) {
    INFO(c.why);
    CHECK(sniff_compression(c.head) == c.want);
  }
}

TEST_CASE("open_byte_source passes plain input through unchanged", "[ingest][decompress]") {
  const std::string big = text(300000);
  for (const std::string& input : {""s, "a"s, "\x1f"s, "\x28\xb5\x2f"s, "abcd"s, "abcde"s, big}) {
    for (const auto& p : kPatterns) {
      INFO(p.what << ", " << input.size() << " bytes");
      Decoded d = decode(input, p.pieces, p.read_size);
      CHECK(d.error.empty());
      CHECK(d.bytes == input);
    }
  }
}

TEST_CASE("gzip: one member, concatenated members and empty members", "[ingest][decompress]") {
  const std::string a = text(300000, 1), b = text(5000, 2), c = text(200000, 3);
  struct Case {
    const char* what;
    std::string input, want;
  };
  const Case cases[] = {
      {"one member", gzip(a), a},
      {"stored (level 0)", gzip(b, 0), b},
      {"three members as `cat a.gz b.gz c.gz` gives", gzip(a) + gzip(b, 9) + gzip(c, 1), a + b + c},
      {"an empty member between two", gzip(b) + gzip("") + gzip(c), b + c},
      {"the member of an empty file", gzip(""), ""},
      {"two empty members", gzip("") + gzip(""), ""},
  };
  for (const auto& c : cases) {
    for (const auto& p : kPatterns) {
      INFO(c.what << ", " << p.what);
      Decoded d = decode(c.input, p.pieces, p.read_size);
      CHECK(d.error.empty());
      CHECK(d.bytes == c.want);
    }
  }
}

TEST_CASE("zstd: one frame, several frames, empty and skippable frames", "[ingest][decompress]") {
  const std::string a = text(300000, 4), b = text(5000, 5), c = text(200000, 6);
  struct Case {
    const char* what;
    std::string input, want;
  };
  const Case cases[] = {
      {"one frame", zstd(a), a},
      {"three frames as `cat a.zst b.zst c.zst` gives", zstd(a) + zstd(b, 19) + zstd(c, 1), a + b + c},
      {"an empty frame between two", zstd(b) + zstd("") + zstd(c), b + c},
      {"the frame of an empty file", zstd(""), ""},
      {"a skippable frame first, as pzstd writes", skippable("pzstd") + zstd(a), a},
      {"skippable frames between and after", zstd(b) + skippable("", 7) + zstd(c) + skippable("x", 15), b + c},
  };
  for (const auto& c : cases) {
    for (const auto& p : kPatterns) {
      INFO(c.what << ", " << p.what);
      Decoded d = decode(c.input, p.pieces, p.read_size);
      CHECK(d.error.empty());
      CHECK(d.bytes == c.want);
    }
  }
}

// How many bytes of the plain text come out before the error, besides an exact count.
constexpr size_t kAnyPrefix = std::string::npos;  // some prefix of it
constexpr size_t kGarbled = kAnyPrefix - 1;       // anything: damaged data decodes to wrong bytes before a check

// The cases that must fail: each with its error (exact, or its beginning when the text ends in "..."), and the
// bytes delivered before it.
struct Failing {
  const char* what;
  std::string input;
  std::string plain;
  std::string error;
  size_t delivered;
};

void check_failing(const std::vector<Failing>& cases) {
  for (const auto& c : cases) {
    for (const auto& p : kPatterns) {
      INFO(c.what << ", " << p.what);
      Decoded d = decode(c.input, p.pieces, p.read_size);
      if (c.error.ends_with("...")) {
        CHECK(d.error.starts_with(c.error.substr(0, c.error.size() - 3)));
      } else {
        CHECK(d.error == c.error);
      }
      if (c.delivered == kGarbled) continue;
      CHECK(d.bytes == c.plain.substr(0, c.delivered == kAnyPrefix ? d.bytes.size() : c.delivered));
    }
  }
}

const std::string kPrefix = "decompress-failed: cannot decompress 'x.log.gz': ";

TEST_CASE("gzip: truncated input is an error naming where it ends", "[ingest][decompress]") {
  const std::string a = text(300000, 7), b = text(1000, 8);
  const std::string ga = gzip(a), gb = gzip(b);
  auto cut = [](const std::string& s, size_t n) { return s.substr(0, n); };
  auto truncated = [](size_t n) {
    return kPrefix + "the gzip data ends inside a member after " + std::to_string(n) + " compressed bytes (truncated?)";
  };
  check_failing({
      {"just the magic number", cut(ga, 2), a, truncated(2), 0},
      {"inside the header", cut(ga, 7), a, truncated(7), 0},
      {"inside the data", cut(ga, ga.size() / 2), a, truncated(ga.size() / 2), kAnyPrefix},
      {"without the CRC and length", cut(ga, ga.size() - 8), a, truncated(ga.size() - 8), a.size()},
      {"inside the length", cut(ga, ga.size() - 1), a, truncated(ga.size() - 1), a.size()},
      {"a second member cut short", ga + cut(gb, 20), a + b, truncated(ga.size() + 20), kAnyPrefix},
      {"half a magic number after a member", ga + "\x1f", a, truncated(ga.size() + 1), a.size()},
  });
}

TEST_CASE("gzip: corrupt data and data after the last member are errors", "[ingest][decompress]") {
  const std::string a = text(300000, 9);
  const std::string ga = gzip(a);
  auto with = [](std::string s, size_t at, char byte) {
    s[at] = byte;
    return s;
  };
  auto flipped = [](std::string s, size_t at) {
    s[at] = static_cast<char>(s[at] ^ 0x01);
    return s;
  };
  auto after = [](size_t n) {
    return kPrefix + "unexpected data after the last gzip member at compressed byte offset " + std::to_string(n);
  };
  check_failing({
      // RFC 1952 §2.3.1: CM 8 is deflate, the only method defined. zlib reads CM and FLG together.
      {"compression method 9", with(ga, 2, 9), a,
       kPrefix + "corrupt gzip data at compressed byte offset 4: unknown compression method", 0},
      // RFC 1951 §3.2.3: BTYPE 11 is reserved. The first data byte 0x07 is BFINAL 1, BTYPE 11.
      {"a reserved block type", with(ga, 10, 0x07), a,
       kPrefix + "corrupt gzip data at compressed byte offset 11: invalid block type", 0},
      // The CRC-32 is checked once its four bytes are read; ISIZE after it.
      {"a wrong CRC-32", flipped(ga, ga.size() - 8), a,
       kPrefix + "corrupt gzip data at compressed byte offset " + std::to_string(ga.size() - 4) +
           ": incorrect data check",
       a.size()},
      {"a wrong length", flipped(ga, ga.size() - 1), a,
       kPrefix + "corrupt gzip data at compressed byte offset " + std::to_string(ga.size()) +
           ": incorrect length check",
       a.size()},
      {"a damaged byte in the data", flipped(ga, ga.size() / 2), a,
       kPrefix + "corrupt gzip data at compressed byte offset ...", kGarbled},
      {"text after the member", ga + "garbage\n", a, after(ga.size()), a.size()},
      {"zeros after the member (tape padding)", ga + std::string(512, '\0'), a, after(ga.size()), a.size()},
      {"one byte after the member", ga + "x", a, after(ga.size()), a.size()},
      {"a zstd frame after the member", ga + zstd("x"), a, after(ga.size()), a.size()},
  });
}

TEST_CASE("zstd: truncated input is an error naming where it ends", "[ingest][decompress]") {
  const std::string a = text(300000, 10), b = text(1000, 11);
  const std::string za = zstd(a), zb = zstd(b);
  auto cut = [](const std::string& s, size_t n) { return s.substr(0, n); };
  auto truncated = [](size_t n) {
    return kPrefix + "the zstd data ends inside a frame after " + std::to_string(n) + " compressed bytes (truncated?)";
  };
  check_failing({
      {"just the magic number", cut(za, 4), a, truncated(4), 0},
      {"inside the frame header", cut(za, 6), a, truncated(6), 0},
      {"inside the data", cut(za, za.size() / 2), a, truncated(za.size() / 2), kAnyPrefix},
      {"without the checksum", cut(za, za.size() - 4), a, truncated(za.size() - 4), kAnyPrefix},
      {"a second frame cut short", za + cut(zb, 20), a + b, truncated(za.size() + 20), kAnyPrefix},
      {"three magic bytes after a frame", za + cut(zb, 3), a, truncated(za.size() + 3), a.size()},
      {"a skippable frame cut short", za + cut(skippable("abc"), 9), a, truncated(za.size() + 9), a.size()},
  });
}

TEST_CASE("zstd: corrupt data, data after the last frame and an oversize window are errors",
          "[ingest][decompress]") {
  const std::string a = text(300000, 12);
  const std::string za = zstd(a);
  auto flipped = [](std::string s, size_t at) {
    s[at] = static_cast<char>(s[at] ^ 0x01);
    return s;
  };
  auto after = [](size_t n) {
    return kPrefix + "unexpected data after the last zstd frame at compressed byte offset " + std::to_string(n);
  };
  // RFC 8878 §3.1.1.1: a frame header without content size or checksum, with the window descriptor given
  // (Exponent in the high 5 bits, windowLog = 10 + Exponent), then one empty raw block, last.
  auto empty_frame = [](unsigned window_log) {
    return "\x28\xb5\x2f\xfd\x00"s + static_cast<char>((window_log - 10) << 3) + "\x01\x00\x00"s;
  };
  check_failing({
      {"a wrong checksum", flipped(za, za.size() - 1), a,
       kPrefix + "corrupt zstd data in the frame at compressed byte offset 0: Restored data doesn't match checksum",
       kAnyPrefix},
      {"a wrong checksum in the second frame", za + flipped(za, za.size() - 1), a + a,
       kPrefix + "corrupt zstd data in the frame at compressed byte offset " + std::to_string(za.size()) +
           ": Restored data doesn't match checksum",
       kAnyPrefix},
      {"a damaged byte in the data", flipped(za, za.size() / 2), a,
       kPrefix + "corrupt zstd data in the frame at compressed byte offset 0: ...", kGarbled},
      {"text after the frame", za + "garbage\n", a, after(za.size()), a.size()},
      {"two bytes after the frame", za + "ab", a, after(za.size()), a.size()},
      {"a gzip member after the frame", za + gzip("x"), a, after(za.size()), a.size()},
      {"a 256 MiB window after a good frame", za + empty_frame(28), a,
       kPrefix + "the zstd frame at compressed byte offset " + std::to_string(za.size()) +
           " needs a window over the limit of 128 MiB (written with --long=28 or more?)",
       a.size()},
  });
  // 2^27, the limit itself, is read.
  Decoded d = decode(za + empty_frame(27));
  CHECK(d.error.empty());
  CHECK(d.bytes == a);
}

TEST_CASE("open_byte_source passes the raw source's read errors on, after the bytes decoded before them",
          "[ingest][decompress]") {
  const std::string a = text(10000, 13);
  const std::string error = "read-failed: cannot read 'x' at byte offset ";
  for (const std::string& input : {a, gzip(a), zstd(a)}) {
    INFO(input.size() << " bytes");
    Decoded d = decode(std::make_unique<PieceSource>(input, std::vector<size_t>{1000}, true));
    CHECK(d.error == error + std::to_string(input.size()) + ": Input/output error");
    CHECK(d.bytes == a.substr(0, d.bytes.size()));
    CHECK(d.bytes.size() > a.size() - 2000);  // all but what the last pieces still held inside the decoder
  }
}

// Through LineReader on real descriptors: the lines of a compressed input are the lines of its plain text,
// with offsets in the decompressed stream.
struct Got {
  std::string bytes;
  uint64_t number, offset, length;
  bool oversize;
  bool operator==(const Got&) const = default;
};

std::vector<Got> lines_of(int fd, size_t max_line, std::string* error) {
  auto raw = std::make_unique<FdSource>(fd);
  raw->set_name("in");
  LineReader reader(open_byte_source(std::move(raw), "in"), max_line);
  std::vector<Got> out;
  for (;;) {
    auto next = reader.next();
    if (!next) {
      *error = next.errors()[0].message;
      break;
    }
    if (!*next) break;
    const Line& l = **next;
    out.push_back({std::string(l.bytes), l.number, l.offset, l.length, l.oversize});
  }
  return out;
}

std::vector<Got> lines_of_file(const std::string& data, size_t max_line, std::string* error) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "strictlog-decompress-XXXXXX").string();
  int fd = ::mkstemp(tmpl.data());
  REQUIRE(fd >= 0);
  ::unlink(tmpl.c_str());
  REQUIRE(::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()));
  REQUIRE(::lseek(fd, 0, SEEK_SET) == 0);
  auto lines = lines_of(fd, max_line, error);
  ::close(fd);
  return lines;
}

// A pipe fed by another thread in uneven pieces, the first bytes one at a time, so that even the magic number
// arrives split over several reads.
std::vector<Got> lines_of_pipe(const std::string& data, size_t max_line, std::string* error) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  std::thread writer([&data, w = fds[1]] {
    static constexpr size_t kPieces[] = {7, 4093, 65536, 3, 300000};
    size_t at = 0;
    for (size_t i = 0; at < data.size(); ++i) {
      size_t n = std::min(i < 4 ? 1 : kPieces[(i - 4) % std::size(kPieces)], data.size() - at);
      ssize_t put = ::write(w, data.data() + at, n);
      if (put <= 0) break;
      at += static_cast<size_t>(put);
      if (i < 4) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ::close(w);
  });
  auto lines = lines_of(fds[0], max_line, error);
  writer.join();
  ::close(fds[0]);
  return lines;
}

TEST_CASE("LineReader over compressed files and pipes gives the lines and offsets of the plain text",
          "[ingest][decompress]") {
  const std::string plain = text(1 << 20, 14) + "last line without newline";
  std::string error;
  const std::vector<Got> want = lines_of_file(plain, 2000, &error);
  REQUIRE(error.empty());
  REQUIRE(want.size() > 5000);
  const std::string half = plain.substr(0, plain.size() / 2), rest = plain.substr(plain.size() / 2);
  for (const std::string& input : {gzip(plain), gzip(half) + gzip(rest), zstd(plain), zstd(half) + zstd(rest)}) {
    INFO(input.size() << " compressed bytes");
    CHECK(lines_of_file(input, 2000, &error) == want);
    CHECK(error.empty());
    CHECK(lines_of_pipe(input, 2000, &error) == want);
    CHECK(error.empty());
  }
  CHECK(lines_of_pipe(plain, 2000, &error) == want);
}

TEST_CASE("LineReader reads a 20 MiB compressed line as OVERSIZE in its fixed buffer", "[ingest][decompress]") {
  const size_t big = 20u << 20;
  const std::string plain = std::string(big, 'a') + "\nnext\n";
  const std::vector<Got> want = {{std::string(kDefaultMaxLine, 'a'), 1, 0, big, true},
                                 {"next", 2, big + 1, 4, false}};
  std::string error;
  CHECK(lines_of_file(gzip(plain), kDefaultMaxLine, &error) == want);
  CHECK(lines_of_file(zstd(plain), kDefaultMaxLine, &error) == want);
  CHECK(error.empty());
}

TEST_CASE("LineReader returns the complete lines before a truncated compressed input's error", "[ingest][decompress]") {
  const std::string plain = "one\ntwo\nthree\n";
  const std::string g = gzip(plain);
  std::string error;
  std::vector<Got> got = lines_of_file(g.substr(0, g.size() - 8), kDefaultMaxLine, &error);
  CHECK(got == std::vector<Got>{{"one", 1, 0, 3, false}, {"two", 2, 4, 3, false}, {"three", 3, 8, 5, false}});
  CHECK(error == "cannot decompress 'in': the gzip data ends inside a member after " + std::to_string(g.size() - 8) +
                     " compressed bytes (truncated?)");
}

}  // namespace
}  // namespace strictlog
