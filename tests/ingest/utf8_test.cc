#include "ingest/utf8.h"

#include <catch2/catch.hpp>

#include <cstdio>
#include <random>
#include <string>

namespace strictlog {
namespace {

using namespace std::string_literals;

// Sequences from Unicode Table 3-7 and the boundaries on either side of each of its rows.
TEST_CASE("check_encoding accepts well-formed UTF-8", "[ingest][utf8]") {
  const std::string good[] = {
      ""s,
      "OpenVPN 2.6.8 x86_64-pc-linux-gnu [SSL (OpenSSL)]"s,
      "\t\x01\x1F\x7F"s,                   // control characters are well-formed; NUL is the only one refused
      "\xC2\x80"s, "\xDF\xBF"s,            // U+0080, U+07FF
      "\xE0\xA0\x80"s, "\xEC\xBF\xBF"s,    // U+0800 (smallest non-overlong 3-byte), U+CFFF
      "\xED\x9F\xBF"s, "\xEE\x80\x80"s,    // U+D7FF and U+E000 around the surrogates
      "\xEF\xBF\xBF"s,                     // U+FFFF
      "\xF0\x90\x80\x80"s,                 // U+10000 (smallest non-overlong 4-byte)
      "\xF3\xBF\xBF\xBF"s, "\xF4\x8F\xBF\xBF"s,  // U+FFFFF, U+10FFFF
      "user caf\xC3\xA9 connected \xE2\x82\xAC \xF0\x9D\x84\x9E done."s,
  };
  for (const std::string& s : good) {
    INFO("input: " << s);
    CHECK_FALSE(check_encoding(s).has_value());
  }
}

struct Bad {
  std::string input;
  size_t offset;
  std::string_view what;
};

TEST_CASE("check_encoding reports the first problem with its offset", "[ingest][utf8]") {
  const Bad bad[] = {
      {"\0"s, 0, "NUL byte"},
      {"abcdefgh\0xyz"s, 8, "NUL byte"},       // first byte after an ASCII block of 8
      {"abcdefghij\0"s, 10, "NUL byte"},
      {"\xFF"s, 0, "invalid UTF-8 lead byte 0xFF"},
      {"\xFE"s, 0, "invalid UTF-8 lead byte 0xFE"},
      {"\xF5\x80\x80\x80"s, 0, "invalid UTF-8 lead byte 0xF5"},
      {"\x80"s, 0, "unexpected UTF-8 continuation byte 0x80"},
      {"abc\xBF"s, 3, "unexpected UTF-8 continuation byte 0xBF"},
      {"\xC3\xA9\xA9"s, 2, "unexpected UTF-8 continuation byte 0xA9"},
      {"\xC0\x80"s, 0, "overlong UTF-8 sequence"},
      {"\xC0\xAF"s, 0, "overlong UTF-8 sequence"},   // overlong '/'
      {"\xC1\xBF"s, 0, "overlong UTF-8 sequence"},
      {"\xE0\x80\x80"s, 0, "overlong UTF-8 sequence"},
      {"\xE0\x9F\xBF"s, 0, "overlong UTF-8 sequence"},  // one below U+0800
      {"\xF0\x80\x80\x80"s, 0, "overlong UTF-8 sequence"},
      {"\xF0\x8F\xBF\xBF"s, 0, "overlong UTF-8 sequence"},  // one below U+10000
      {"\xED\xA0\x80"s, 0, "UTF-16 surrogate in UTF-8"},    // U+D800
      {"x\xED\xBF\xBF"s, 1, "UTF-16 surrogate in UTF-8"},   // U+DFFF
      {"\xF4\x90\x80\x80"s, 0, "code point above U+10FFFF"},
      {"\xC3"s, 0, "truncated UTF-8 sequence"},
      {"ab\xE2\x82"s, 2, "truncated UTF-8 sequence"},
      {"\xF0\x9D\x84"s, 0, "truncated UTF-8 sequence"},
      {"\xE0"s, 0, "truncated UTF-8 sequence"},
      {"\xC3" "A"s, 0, "truncated UTF-8 sequence"},         // cut short by an ASCII byte, not by the end
      {"\xE2\x82" "A"s, 0, "truncated UTF-8 sequence"},
      {"\xF0\x9D\x84\xC3\xA9"s, 0, "truncated UTF-8 sequence"},
      {"caf\xC3\xA9 \xFF\x00"s, 6, "invalid UTF-8 lead byte 0xFF"},  // only the first problem
      {"0123456789abcdef\xC3\xA9xyz01234567\xFF"s, 29, "invalid UTF-8 lead byte 0xFF"},
  };
  for (const Bad& b : bad) {
    INFO("expected: " << b.what << " at " << b.offset);
    auto p = check_encoding(b.input);
    REQUIRE(p.has_value());
    CHECK(p->offset == b.offset);
    CHECK(p->what == b.what);
  }
}

TEST_CASE("check_encoding names every stray continuation byte and invalid lead byte", "[ingest][utf8]") {
  char expected[64];
  for (int b = 0x80; b <= 0xFF; ++b) {
    if (b >= 0xC0 && b <= 0xF4) continue;  // lead bytes
    std::snprintf(expected, sizeof expected, b < 0xC0 ? "unexpected UTF-8 continuation byte 0x%02X"
                                                      : "invalid UTF-8 lead byte 0x%02X", b);
    auto p = check_encoding(std::string("ok ") + static_cast<char>(b));
    REQUIRE(p.has_value());
    CHECK(p->offset == 3);
    CHECK(p->what == expected);
  }
}

// Differential test: the 8-bytes-at-a-time scanner against a plain code point decoder, on random input
// that is mostly ASCII with multi-byte sequences, stray bytes and NULs mixed in. Texts may differ in
// precedence (E0 80 at the end is "overlong" here, "truncated" to a decoder), so validity and offset are
// compared.
std::optional<size_t> reference_first_problem(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == 0) return i;
    size_t len = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
               : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return i;
    uint32_t cp = len == 1 ? c : len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
    for (size_t k = 1; k < len; ++k) {
      auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return i;
      cp = cp << 6 | (d & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return i;
    i += len;
  }
  return std::nullopt;
}

TEST_CASE("check_encoding agrees with a plain decoder on random input", "[ingest][utf8]") {
  std::mt19937 rng(20240229);
  const std::string pieces[] = {"\xC3\xA9"s, "\xE2\x82\xAC"s, "\xF0\x9D\x84\x9E"s, "\xED\xA0\x80"s,
                                "\xE0\x80\x80"s, "\xF4\x90\x80\x80"s, "\xC0\xAF"s, "\x80"s, "\xFF"s,
                                "\xE2\x82"s, "\0"s, "\xF4\x8F\xBF\xBF"s};
  int failures = 0;
  for (int round = 0; round < 20000 && failures < 5; ++round) {
    std::string s;
    size_t parts = rng() % 6;
    for (size_t p = 0; p < parts; ++p) {
      s.append(rng() % 24, static_cast<char>('a' + rng() % 26));
      if (rng() % 3 == 0) s += pieces[rng() % std::size(pieces)];
    }
    auto got = check_encoding(s);
    auto want = reference_first_problem(s);
    bool same = got.has_value() == want.has_value() && (!got || got->offset == *want);
    if (!same) {
      ++failures;
      FAIL_CHECK("mismatch on input of " << s.size() << " bytes");
    }
  }
  CHECK(failures == 0);
}

}  // namespace
}  // namespace strictlog
