#include "ingest/utf8.h"

#include <array>
#include <cstdint>
#include <cstring>

namespace strictlog {

namespace {

constexpr std::string_view kNul = "NUL byte";
constexpr std::string_view kTruncated = "truncated UTF-8 sequence";
constexpr std::string_view kOverlong = "overlong UTF-8 sequence";
constexpr std::string_view kSurrogate = "UTF-16 surrogate in UTF-8";
constexpr std::string_view kTooLarge = "code point above U+10FFFF";

// "<prefix>0xHH" for every byte value, built at compile time so that problems naming a byte stay static.
template <size_t N>
struct ByteTexts {
  static constexpr size_t kLength = N - 1 + 4;
  std::array<std::array<char, kLength>, 256> text{};

  constexpr explicit ByteTexts(const char (&prefix)[N]) {
    constexpr char kHex[] = "0123456789ABCDEF";
    for (size_t b = 0; b < 256; ++b) {
      for (size_t i = 0; i + 1 < N; ++i) text[b][i] = prefix[i];
      text[b][N - 1] = '0';
      text[b][N] = 'x';
      text[b][N + 1] = kHex[b >> 4];
      text[b][N + 2] = kHex[b & 0xF];
    }
  }
  std::string_view operator[](unsigned char b) const { return {text[b].data(), kLength}; }
};

constexpr ByteTexts kBadLead("invalid UTF-8 lead byte ");
constexpr ByteTexts kStrayContinuation("unexpected UTF-8 continuation byte ");

bool is_continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// True when none of the 8 bytes at `p` is NUL or has its high bit set.
bool plain_ascii8(const char* p) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHighs = 0x8080808080808080ULL;
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  bool has_zero = ((v - kOnes) & ~v & kHighs) != 0;
  return (v & kHighs) == 0 && !has_zero;
}

}  // namespace

std::optional<EncodingProblem> check_encoding(std::string_view bytes) {
  const auto* s = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  size_t i = 0;
  while (i < n) {
    if (n - i >= 8 && plain_ascii8(bytes.data() + i)) {
      i += 8;
      continue;
    }
    const unsigned char c = s[i];
    if (c < 0x80) {
      if (c == 0) return EncodingProblem{i, kNul};
      ++i;
      continue;
    }
    if (is_continuation(c)) return EncodingProblem{i, kStrayContinuation[c]};
    if (c == 0xC0 || c == 0xC1) return EncodingProblem{i, kOverlong};
    if (c > 0xF4) return EncodingProblem{i, kBadLead[c]};

    // Table 3-7: the second byte's range depends on the lead; later bytes are plain continuations.
    const size_t length = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    unsigned char lo = 0x80, hi = 0xBF;
    std::string_view out_of_range;
    switch (c) {
      case 0xE0: lo = 0xA0; out_of_range = kOverlong; break;
      case 0xED: hi = 0x9F; out_of_range = kSurrogate; break;
      case 0xF0: lo = 0x90; out_of_range = kOverlong; break;
      case 0xF4: hi = 0x8F; out_of_range = kTooLarge; break;
      default: break;
    }

    if (i + 1 >= n || !is_continuation(s[i + 1])) return EncodingProblem{i, kTruncated};
    if (s[i + 1] < lo || s[i + 1] > hi) return EncodingProblem{i, out_of_range};
    for (size_t k = 2; k < length; ++k) {
      if (i + k >= n || !is_continuation(s[i + k])) return EncodingProblem{i, kTruncated};
    }
    i += length;
  }
  return std::nullopt;
}

size_t utf8_sequence_length(std::string_view bytes, size_t i) {
  unsigned char lead = static_cast<unsigned char>(bytes[i]);
  if (lead == 0) return 1;
  size_t n = lead < 0x80 ? 1 : lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3
           : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
  if (n == 0 || i + n > bytes.size() || check_encoding(bytes.substr(i, n))) return 0;
  return n;
}

}  // namespace strictlog
