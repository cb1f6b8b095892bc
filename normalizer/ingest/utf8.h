// Encoding check for input lines: every line that reaches parsing is NUL-free, well-formed UTF-8.
//
// Well-formed means exactly the byte sequences of Unicode Table 3-7 (RFC 3629 §4): no overlong forms
// (C0 AF, E0 80 80), no UTF-16 surrogates (ED A0 80), nothing above U+10FFFF (F4 90 80 80, F5..FF), no
// stray continuation bytes and no sequence cut short. NUL is rejected although it is valid UTF-8, because
// it cannot pass through C strings, regexes and terminals unharmed.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace strictlog {

struct EncodingProblem {
  // Offset of the first byte of the offending sequence: the NUL, the bad lead byte, the stray continuation
  // byte, or the lead byte of a sequence that is overlong, a surrogate, too large or cut short.
  size_t offset = 0;
  // A static text (no allocation), one of:
  //   "NUL byte"
  //   "invalid UTF-8 lead byte 0xF5" .. "0xFF"     (bytes that never occur in UTF-8)
  //   "unexpected UTF-8 continuation byte 0x80" .. "0xBF"
  //   "overlong UTF-8 sequence"                     (C0, C1 leads; E0 80..9F; F0 80..8F)
  //   "UTF-16 surrogate in UTF-8"                   (ED A0..BF)
  //   "code point above U+10FFFF"                   (F4 90..BF)
  //   "truncated UTF-8 sequence"                    (a lead byte not followed by enough continuation
  //                                                  bytes, at the end of the input or before other bytes)
  std::string_view what;
};

// The first problem in `bytes`, or std::nullopt when all of it is NUL-free, well-formed UTF-8.
// ASCII runs are checked 8 bytes at a time.
std::optional<EncodingProblem> check_encoding(std::string_view bytes);

// The length of the well-formed UTF-8 sequence (ASCII, NUL included) starting at bytes[i], or 0 if none does.
size_t utf8_sequence_length(std::string_view bytes, size_t i);

}  // namespace strictlog
