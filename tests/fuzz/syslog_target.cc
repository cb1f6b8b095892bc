// fuzz_syslog: a TCP stream through FrameDecoder, then every frame through check_encoding and parse_header
// (every header format, and again as an OpenVPN log line).
#include <fmt/format.h>

#include <string>
#include <vector>

#include "ingest/framing.h"
#include "ingest/header.h"
#include "ingest/utf8.h"
#include "targets.h"

namespace strictlog::fuzz {
namespace {

struct Got {
  std::string bytes;
  uint64_t number, offset, length;
  std::optional<FramingErrorKind> kind;
  std::string detail;
  bool operator==(const Got&) const = default;
};

// The stream pushed in pieces of `piece` bytes (0: whole) or split once at `cut`, then finished.
std::vector<Got> decode(std::string_view stream, size_t max, size_t piece, size_t cut, Framing* framing = nullptr) {
  std::vector<Got> out;
  FrameDecoder decoder(
      [&](const Frame& f) {
        out.push_back({std::string(f.bytes), f.number, f.offset, f.length,
                       f.error ? std::optional(f.error->kind) : std::nullopt,
                       f.error ? std::string(f.error->detail) : std::string()});
      },
      max);
  if (piece == 0) {
    decoder.push(stream.substr(0, cut));
    decoder.push(stream.substr(cut));
  } else {
    for (size_t at = 0; at < stream.size(); at += piece) decoder.push(stream.substr(at, piece));
  }
  decoder.finish();
  if (framing) *framing = decoder.framing();
  return out;
}

// The value of a decimal count, or 0 when `digits` is not one (or is too long to be one).
uint64_t count_of(std::string_view digits) {
  if (digits.empty() || digits.size() > 18) return 0;
  uint64_t n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  return n;
}

// Every byte of `stream` is in exactly one frame or in framing overhead, and each frame shows the stream's own
// bytes at its offset.
Violation check_accounting(std::string_view stream, size_t max, Framing framing, const std::vector<Got>& frames) {
  uint64_t end = 0;  // first byte not accounted for
  for (size_t k = 0; k < frames.size(); ++k) {
    const Got& f = frames[k];
    std::string where = fmt::format("frame #{} (@{}+{})", f.number, f.offset, f.length);
    if (f.number != k + 1) return where + ": frames are not numbered 1, 2, ...";
    if (f.bytes.size() != std::min<uint64_t>(f.length, max)) return where + ": holds " + std::to_string(f.bytes.size()) + " bytes";
    if (f.offset + f.length > stream.size()) return where + ": reaches past the stream";
    if (stream.substr(f.offset, f.bytes.size()) != f.bytes) return where + ": bytes differ from the stream's";
    bool last = k + 1 == frames.size();
    bool failure = f.kind && *f.kind != FramingErrorKind::kFrameTooLong;
    if (failure && !last) return where + ": a frame follows a failed or truncated one";
    if (framing == Framing::kNonTransparent) {
      if (failure) return where + ": an octet-counting error on an LF connection";
      if (f.offset != end) return where + ": does not start where the previous frame's trailer ended";
      end = f.offset + f.length;
      if (end < stream.size() && stream[end] == '\r' && end + 1 < stream.size() && stream[end + 1] == '\n') ++end;
      if (end < stream.size()) {
        if (stream[end] != '\n') return where + ": not followed by its trailer";
        ++end;
      }
      if (f.bytes.find('\n') != std::string::npos) return where + ": holds an LF";
      continue;
    }
    if (f.kind == FramingErrorKind::kFrameTooLong) return where + ": frame-too-long on an octet-counted connection";
    if (!f.kind) {
      // MSG-LEN counts the frame and its trailer: the LF or CR LF that ended MSG (ingest/framing.h), never
      // part of the frame.
      std::string_view header = f.offset > end ? stream.substr(end, f.offset - end) : std::string_view();
      uint64_t count = header.size() >= 2 && header.back() == ' ' ? count_of(header.substr(0, header.size() - 1)) : 0;
      std::string_view trailer = count >= f.length ? stream.substr(f.offset + f.length, count - f.length) : "";
      if (count < f.length || (trailer != "" && trailer != "\n" && trailer != "\r\n") ||
          trailer.size() != count - f.length) {
        return where + ": not preceded by its count";
      }
      if (trailer.empty() && !f.bytes.empty() && f.bytes.back() == '\n') return where + ": ends with its trailer";
      if (trailer == "\n" && !f.bytes.empty() && f.bytes.back() == '\r') return where + ": ends with the CR of CR LF";
      end = f.offset + count;
      continue;
    } else if (*f.kind == FramingErrorKind::kTruncated && f.offset != end) {
      std::string_view header = stream.substr(end, f.offset - end);
      if (header.size() < 2 || header.back() != ' ' || count_of(header.substr(0, header.size() - 1)) <= f.length) {
        return where + ": a truncated message not preceded by a count larger than it";
      }
    } else if (f.offset != end) {
      return where + ": an error frame that does not start where the previous frame ended";
    }
    if (failure && f.offset + f.length != stream.size()) return where + ": does not run to the end of the stream";
    end = f.offset + f.length;
  }
  if (end != stream.size()) return fmt::format("bytes from {} on are in no frame", end);
  return std::nullopt;
}

Violation check_frame(const Got& f) {
  if (auto problem = check_encoding(f.bytes)) {
    if (problem->offset >= f.bytes.size() || problem->what.empty()) return "check_encoding: offset past the frame";
    return std::nullopt;
  }
  std::string_view line = f.bytes;
  // Syslog input (every header format), and the same bytes as an OpenVPN log line.
  for (std::string_view program : {std::string_view(), std::string_view("openvpn")}) {
    SyslogHeader h;
    HeaderError error;
    if (!parse_header(line, program, &h, &error)) {
      if (error.where > line.size() || error.why.empty()) return "parse_header: a failure without a reason or past the line";
      continue;
    }
    for (std::string_view part : {h.timestamp_text, h.hostname, h.program, h.tag_module, h.procid, h.msgid,
                                  h.structured_data, h.message}) {
      bool inside = part.data() >= line.data() && part.data() + part.size() <= line.data() + line.size();
      if (!part.empty() && !inside && part.data() != program.data()) return "parse_header: a header view outside the line";
    }
    bool dated = h.time_form != TimeForm::kNone;
    if (dated && (h.month < 1 || h.month > 12 || h.day < 1 || h.day > 31 || h.hour > 23 || h.minute > 59 ||
                  h.second > 59 || h.nanos > 999999999)) {
      return "parse_header: accepted a timestamp out of range";
    }
    if (h.program.empty() && !h.last_message_repeated) return "parse_header: accepted a line without a program";
    if (h.last_message_repeated && (!h.repeat_count || *h.repeat_count == 0)) {
      return "parse_header: a repeat notice without a count";
    }
  }
  return std::nullopt;
}

}  // namespace

Violation fuzz_syslog(std::string_view input) {
  if (input.empty()) return std::nullopt;
  auto b0 = static_cast<unsigned char>(input[0]);
  std::string_view stream = input.substr(1);
  size_t cut = b0 % (stream.size() + 1);
  for (size_t max : {kDefaultMaxMessage, size_t{1} + b0 % 31}) {
    Framing framing = Framing::kUndecided;
    std::vector<Got> whole = decode(stream, max, 0, stream.size(), &framing);
    if (auto v = check_accounting(stream, max, framing, whole)) return fmt::format("max {}: {}", max, *v);
    if (decode(stream, max, 0, cut) != whole) return fmt::format("max {}: split at {} changes the frames", max, cut);
    if (decode(stream, max, 1, 0) != whole) return fmt::format("max {}: byte by byte changes the frames", max);
    for (const Got& f : whole) {
      if (f.kind) continue;
      if (auto v = check_frame(f)) return fmt::format("frame #{}: {}", f.number, *v);
    }
  }
  return std::nullopt;
}

}  // namespace strictlog::fuzz
