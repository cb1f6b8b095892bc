#include "ingest/framing.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <random>
#include <string>
#include <vector>

namespace strictlog {
namespace {

using namespace std::string_literals;

// A frame as one line of text, so that whole decodings compare (and print) as vectors of strings:
//   `#2 @7+6 "abcd" frame-too-long: frame of 6 bytes exceeds the maximum message size of 4 bytes`
// number, offset, length, the bytes (escaped), and the error's code and exact text.
std::string render(const Frame& f) {
  std::string shown;
  for (char c : f.bytes) {
    auto u = static_cast<unsigned char>(c);
    if (c == '\n') {
      shown += "\\n";
    } else if (c == '\r') {
      shown += "\\r";
    } else if (c == '"' || c == '\\') {
      shown += '\\';
      shown += c;
    } else if (u < 0x20 || u > 0x7E) {
      shown += fmt::format("\\x{:02X}", u);
    } else {
      shown += c;
    }
  }
  std::string out = fmt::format("#{} @{}+{} \"{}\"", f.number, f.offset, f.length, shown);
  if (f.error) out += fmt::format(" {}: {}", f.error->code, f.error->detail);
  return out;
}

struct Decoded {
  std::vector<std::string> frames;
  bool failed = false;
  Framing framing = Framing::kUndecided;
};

// Decodes `stream` pushed in pieces that end at each of `cuts` (ascending), then finishes.
Decoded decode(std::string_view stream, const std::vector<size_t>& cuts, size_t max) {
  Decoded d;
  size_t longest = 0;
  FrameDecoder decoder(
      [&](const Frame& f) {
        d.frames.push_back(render(f));
        longest = std::max(longest, f.bytes.size());
      },
      max);
  size_t at = 0;
  for (size_t cut : cuts) {
    decoder.push(stream.substr(at, cut - at));
    at = cut;
  }
  decoder.push(stream.substr(at));
  CHECK(decoder.bytes_pushed() == stream.size());
  d.failed = decoder.failed();
  d.framing = decoder.framing();
  decoder.finish();
  CHECK(longest <= max);
  return d;
}

struct Case {
  std::string stream;
  size_t max;
  std::vector<std::string> frames;
  bool failed = false;
};

// The frames of every case, fed whole, then byte by byte and in every split into two and three pieces: a
// count, a CR LF or a message cut between two reads must not change a single frame.
void check_cases(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    INFO("stream: " << render(Frame{c.stream, 0, 0, c.stream.size(), std::nullopt}) << " max " << c.max);
    Decoded whole = decode(c.stream, {}, c.max);
    CHECK(whole.frames == c.frames);
    CHECK(whole.failed == c.failed);
    std::vector<size_t> bytewise;
    for (size_t i = 1; i < c.stream.size(); ++i) bytewise.push_back(i);
    CHECK(decode(c.stream, bytewise, c.max).frames == c.frames);
    for (size_t i = 0; i <= c.stream.size(); ++i) {
      INFO("split at " << i);
      CHECK(decode(c.stream, {i}, c.max).frames == c.frames);
      for (size_t j = i; j <= c.stream.size(); ++j) {
        INFO("and at " << j);
        Decoded three = decode(c.stream, {i, j}, c.max);
        CHECK(three.frames == c.frames);
        CHECK(three.failed == c.failed);
      }
    }
  }
}

TEST_CASE("LF framing: frames, CR LF, the last frame at close", "[ingest][framing]") {
  check_cases({
      {"", 64, {}},
      {"a\nb\n", 64, {"#1 @0+1 \"a\"", "#2 @2+1 \"b\""}},
      // RFC 6587 §3.4.2: the trailer is LF; a CR before it goes with it. A last frame without LF is a frame.
      {"a\r\nbc", 64, {"#1 @0+1 \"a\"", "#2 @3+2 \"bc\""}},
      {"\n\n", 64, {"#1 @0+0 \"\"", "#2 @1+0 \"\""}},
      {"\r\n", 64, {"#1 @0+0 \"\""}},
      // Only the CR right before the LF is a trailer: one at close, or one before another CR, is kept.
      {"x\r", 64, {"#1 @0+2 \"x\\r\""}},
      {"abc\r\r\n", 64, {"#1 @0+4 \"abc\\r\""}},
      {"a\rb\n", 64, {"#1 @0+3 \"a\\rb\""}},
      // A NUL is no trailer here (a deviation from §3.4.2's note): the encoding check quarantines it.
      {"a\0b\n"s, 64, {"#1 @0+3 \"a\\x00b\""}},
      // Anything but 1-9 first chooses LF framing, '0' and '<' included.
      {"0 a\n", 64, {"#1 @0+3 \"0 a\""}},
      {"<34>Oct 11 22:14:15 mymachine su: 'su root' failed\n", 64,
       {"#1 @0+50 \"<34>Oct 11 22:14:15 mymachine su: 'su root' failed\""}},
      {" 5 hello\n", 64, {"#1 @0+8 \" 5 hello\""}},
  });
}

TEST_CASE("LF framing: a frame over the maximum is cut, and decoding goes on", "[ingest][framing]") {
  check_cases({
      {"abcd\nxy\n", 4, {"#1 @0+4 \"abcd\"", "#2 @5+2 \"xy\""}},
      {"abcd\r\nxy", 4, {"#1 @0+4 \"abcd\"", "#2 @6+2 \"xy\""}},  // the CR is the trailer's, not a 5th byte
      {"abcde\nxy\n", 4,
       {"#1 @0+5 \"abcd\" frame-too-long: frame of 5 bytes exceeds the maximum message size of 4 bytes",
        "#2 @6+2 \"xy\""}},
      {"abcde\r\n\n", 4,
       {"#1 @0+5 \"abcd\" frame-too-long: frame of 5 bytes exceeds the maximum message size of 4 bytes",
        "#2 @7+0 \"\""}},
      {"abcdefghij\r\r\n", 4,
       {"#1 @0+11 \"abcd\" frame-too-long: frame of 11 bytes exceeds the maximum message size of 4 bytes"}},
      // At close a CR is part of the frame, so "abcd\r" is 5 bytes.
      {"abcd\r", 4,
       {"#1 @0+5 \"abcd\" frame-too-long: frame of 5 bytes exceeds the maximum message size of 4 bytes"}},
      {"ab\nabcdefg", 4,
       {"#1 @0+2 \"ab\"",
        "#2 @3+7 \"abcd\" frame-too-long: frame of 7 bytes exceeds the maximum message size of 4 bytes"}},
  });
}

TEST_CASE("octet counting: frames", "[ingest][framing]") {
  check_cases({
      // RFC 6587 §3.4.1: MSG-LEN SP MSG, with no delimiter between frames.
      {"5 hello5 world", 64, {"#1 @2+5 \"hello\"", "#2 @9+5 \"world\""}},
      // Anything goes inside MSG: LF, CR, digits, spaces, NUL.
      {"8 a\nb\r\n5 x1  10 0123456789", 64,
       {"#1 @2+8 \"a\\nb\\r\\n5 x\"", "#2 @12+1 \" \"", "#3 @16+10 \"0123456789\""}},
      {"3 a\0b"s, 64, {"#1 @2+3 \"a\\x00b\""}},
      // An LF ending MSG (CR LF too) is a trailer, as rsyslog's RSYSLOG_SyslogProtocol23Format and syslog-ng's
      // syslog() destination send it: one only, and not one in the middle.
      {"4 abc\n4 ab\r\n1 \n3 a\n\n", 64,
       {"#1 @2+3 \"abc\"", "#2 @8+2 \"ab\"", "#3 @14+0 \"\"", "#4 @17+2 \"a\\n\""}},
      // The maximum itself is accepted.
      {"4 abcd", 4, {"#1 @2+4 \"abcd\""}},
      {"10 0123456789", 10, {"#1 @3+10 \"0123456789\""}},
  });
}

TEST_CASE("octet counting: a bad count fails the connection, the rest is one error frame", "[ingest][framing]") {
  check_cases({
      // Count 0 and leading zeros (NONZERO-DIGIT *DIGIT). A first '0' chose LF framing, so they follow a frame.
      {"1 a0 x", 64, {"#1 @2+1 \"a\"", "#2 @3+3 \"0 x\" octet-count-zero: the octet count is 0"}, true},
      {"1 a0x", 64, {"#1 @2+1 \"a\"", "#2 @3+2 \"0x\" octet-count-zero: the octet count is 0"}, true},
      {"1 a01 b", 64,
       {"#1 @2+1 \"a\"", "#2 @3+4 \"01 b\" octet-count-leading-zero: the octet count has a leading zero"}, true},
      {"1 a00", 64,
       {"#1 @2+1 \"a\"", "#2 @3+2 \"00\" octet-count-leading-zero: the octet count has a leading zero"}, true},
      // A non-digit where a count starts: a sender that adds LF after each frame, a space, a PRI.
      {"1 a\n1 b", 64,
       {"#1 @2+1 \"a\"", "#2 @3+4 \"\\n1 b\" octet-count-missing: expected an octet count, found byte 0x0A"},
       true},
      {"1 a 1 b", 64,
       {"#1 @2+1 \"a\"", "#2 @3+4 \" 1 b\" octet-count-missing: expected an octet count, found byte 0x20"},
       true},
      {"2 ab<34>x", 64,
       {"#1 @2+2 \"ab\"", "#2 @4+5 \"<34>x\" octet-count-missing: expected an octet count, found '<'"}, true},
      {"1 a\xFF"s, 64,
       {"#1 @2+1 \"a\"", "#2 @3+1 \"\\xFF\" octet-count-missing: expected an octet count, found byte 0xFF"},
       true},
      // A non-digit where the space after the count should be.
      {"12x", 64,
       {"#1 @0+3 \"12x\" octet-count-no-space: expected a space after the octet count 12, found 'x'"}, true},
      {"5\thello", 64,
       {"#1 @0+7 \"5\\x09hello\" octet-count-no-space: expected a space after the octet count 5, found byte 0x09"},
       true},
      {"1 a7\r\n", 64,
       {"#1 @2+1 \"a\"",
        "#2 @3+3 \"7\\r\\n\" octet-count-no-space: expected a space after the octet count 7, found byte 0x0D"},
       true},
      // A count over the maximum, seen at its first digit past it; what follows is kept up to the maximum.
      {"11 0123456789x", 10,
       {"#1 @0+14 \"11 0123456\" octet-count-too-large: the octet count exceeds the maximum message size of 10 "
        "bytes"},
       true},
      {"5 hello", 4,
       {"#1 @0+7 \"5 he\" octet-count-too-large: the octet count exceeds the maximum message size of 4 bytes"},
       true},
      {"1 a99999999999999999999999 x", 64,
       {"#1 @2+1 \"a\"",
        "#2 @3+25 \"99999999999999999999999 x\" octet-count-too-large: the octet count exceeds the maximum "
        "message size of 64 bytes"},
       true},
      // After the failure, nothing is a frame any more: valid-looking frames included.
      {"1 a0 bbb\n2 cc", 64,
       {"#1 @2+1 \"a\"", "#2 @3+10 \"0 bbb\\n2 cc\" octet-count-zero: the octet count is 0"}, true},
  });
}

TEST_CASE("octet counting: a close inside a frame is a truncated frame", "[ingest][framing]") {
  check_cases({
      {"5 hel", 64,
       {"#1 @2+3 \"hel\" frame-truncated: connection closed after 3 of 5 bytes of an octet-counted message"}},
      {"1 a5 ", 64,
       {"#1 @2+1 \"a\"",
        "#2 @5+0 \"\" frame-truncated: connection closed after 0 of 5 bytes of an octet-counted message"}},
      {"1 a12", 64, {"#1 @2+1 \"a\"", "#2 @3+2 \"12\" frame-truncated: connection closed inside an octet count"}},
      {"9", 64, {"#1 @0+1 \"9\" frame-truncated: connection closed inside an octet count"}},
      // A lone '0' at close is a count of 0 already.
      {"1 a0", 64, {"#1 @2+1 \"a\"", "#2 @3+1 \"0\" octet-count-zero: the octet count is 0"}},
  });
}

TEST_CASE("FrameDecoder: the decision, failed(), and calls after finish()", "[ingest][framing]") {
  CHECK(decode("", {}, 64).framing == Framing::kUndecided);
  CHECK(decode("1 a", {}, 64).framing == Framing::kOctetCounting);
  CHECK(decode("9", {}, 64).framing == Framing::kOctetCounting);
  CHECK(decode("0", {}, 64).framing == Framing::kNonTransparent);
  CHECK(decode("a", {}, 64).framing == Framing::kNonTransparent);
  CHECK(decode("\n", {}, 64).framing == Framing::kNonTransparent);

  std::vector<std::string> got;
  FrameDecoder d([&](const Frame& f) { got.push_back(render(f)); });
  CHECK(d.max_message() == kDefaultMaxMessage);
  d.push("");
  CHECK(d.framing() == Framing::kUndecided);
  d.push("3 abc");
  CHECK_FALSE(d.failed());
  d.push("x");
  CHECK(d.failed());  // at once, before the close: a server can stop reading
  CHECK(got == std::vector<std::string>{"#1 @2+3 \"abc\""});
  d.finish();
  d.finish();
  d.push("1 a");
  CHECK(d.failed());
  CHECK(got == std::vector<std::string>{
                   "#1 @2+3 \"abc\"", "#2 @5+1 \"x\" octet-count-missing: expected an octet count, found 'x'"});
  CHECK(d.bytes_pushed() == 6);
}

TEST_CASE("FrameDecoder: a frame within one push is not copied", "[ingest][framing]") {
  const std::pair<std::string, std::vector<size_t>> cases[] = {{"2 ab3 cde", {2, 6}}, {"ab\ncde\n", {0, 3}}};
  for (const auto& [stream, offsets] : cases) {
    std::vector<const char*> starts;
    FrameDecoder d([&](const Frame& f) { starts.push_back(f.bytes.data()); });
    d.push(stream);
    d.finish();
    CHECK(starts == std::vector<const char*>{stream.data() + offsets[0], stream.data() + offsets[1]});
  }
}

TEST_CASE("FrameDecoder: memory stays at the maximum whatever the stream", "[ingest][framing]") {
  const std::string chunk(4096, 'z');
  const size_t total = 10 << 20;  // 10 MiB
  for (const std::string& head : {""s, "1 a0"s}) {
    INFO("head: " << head);
    std::vector<std::string> got;
    std::vector<size_t> sizes;
    FrameDecoder d(
        [&](const Frame& f) {
          got.push_back(f.error ? std::string(f.error->code) + " +" + std::to_string(f.length) : "ok");
          sizes.push_back(f.bytes.size());
        },
        1024);
    d.push(head);
    for (size_t n = 0; n < total; n += chunk.size()) d.push(chunk);
    d.push("\nz\n");
    d.finish();
    if (head.empty()) {
      CHECK(got == std::vector<std::string>{"frame-too-long +" + std::to_string(total), "ok"});
      CHECK(sizes == std::vector<size_t>{1024, 1});
    } else {
      CHECK(got == std::vector<std::string>{"ok", "octet-count-zero +" + std::to_string(total + 4)});
      CHECK(sizes == std::vector<size_t>{1, 1024});
    }
  }
}

// Random streams of valid frames (both framings) in random splits: every frame comes out as it went in, and
// all bytes are accounted for.
TEST_CASE("FrameDecoder: random valid streams in random splits", "[ingest][framing]") {
  std::mt19937 rng(8);
  for (int round = 0; round < 300; ++round) {
    bool counted = round % 2 == 0;
    std::vector<std::string> sent;
    std::string stream;
    int frames = static_cast<int>(rng() % 6);
    for (int k = 0; k < frames; ++k) {
      std::string msg;
      size_t len = rng() % 40;
      for (size_t i = 0; i < len; ++i) {
        char c = static_cast<char>(rng() % 256);
        if (!counted && (c == '\n' || c == '\r')) c = 'n';
        if (!counted && k == 0 && i == 0 && c >= '1' && c <= '9') c = 'd';  // would choose octet counting
        msg += c;
      }
      if (counted && msg.empty()) msg = "x";
      if (counted && msg.back() == '\n') msg.back() = 'n';  // a trailer: not part of the frame
      sent.push_back(msg);
      stream += counted ? std::to_string(msg.size()) + " " + msg : msg + (rng() % 2 ? "\r\n" : "\n");
    }
    std::vector<std::string> received;
    uint64_t accounted = 0;
    FrameDecoder d([&](const Frame& f) {
      CHECK_FALSE(f.error);
      received.emplace_back(f.bytes);
      accounted = f.offset + f.length;
    });
    for (size_t at = 0; at < stream.size();) {
      size_t n = std::min<size_t>(stream.size() - at, rng() % 50);
      d.push(std::string_view(stream).substr(at, n));
      at += n;
    }
    d.finish();
    CHECK(received == sent);
    if (!sent.empty() && counted) CHECK(accounted == stream.size());
  }
}

}  // namespace
}  // namespace strictlog
