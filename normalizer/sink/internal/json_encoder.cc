// append_json(): a plan per message type (fields by number, keys pre-rendered), then a reflection walk
// that appends straight into the output. Anything the plan cannot promise to render exactly like
// protobuf 3.21's printer goes to MessageToJsonString (see json_encoder.h for the list).
#include "sink/internal/json_encoder.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sink/internal/protobuf_log.h"
#include "sink/record_writer.h"

namespace strictlog::sink_internal {

namespace {

using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Budget: deeper messages go to protobuf, whose own limit (64) then decides.
constexpr int kMaxDepth = 32;

// protobuf's Timestamp range: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z.
constexpr int64_t kTimestampMinSeconds = -62135596800;
constexpr int64_t kTimestampMaxSeconds = 253402300799;

// ---------------------------------------------------------------------------------------------------
// Plans

enum class Kind : uint8_t { kString, kBytes, kBool, kInt32, kUint32, kInt64, kUint64, kEnum, kMessage, kTimestamp };

struct MessagePlan;

struct FieldPlan {
  const FieldDescriptor* field;
  Kind kind;
  bool repeated;
  // Printed whenever set (message, oneof member, proto3 `optional`); otherwise only when not zero.
  bool has_presence;
  std::string key;                                // `"name":`
  const MessagePlan* message = nullptr;           // Kind::kMessage
  const FieldDescriptor* ts_seconds = nullptr;    // Kind::kTimestamp
  const FieldDescriptor* ts_nanos = nullptr;
};

struct MessagePlan {
  std::vector<FieldPlan> fields;  // by field number, the order of protobuf's wire-format walk
};

// protobuf's printer picks its special renderings by type name (Any, Struct, Duration, wrappers, the
// NullValue enum as `null`, ...): any type of this package is left to it, except Timestamp.
bool is_protobuf_type(const FileDescriptor* file) { return file->package() == "google.protobuf"; }

bool is_timestamp(const Descriptor* d) {
  if (d->full_name() != "google.protobuf.Timestamp") return false;
  const FieldDescriptor* seconds = d->FindFieldByNumber(1);
  const FieldDescriptor* nanos = d->FindFieldByNumber(2);
  return seconds != nullptr && nanos != nullptr && seconds->type() == FieldDescriptor::TYPE_INT64 &&
         nanos->type() == FieldDescriptor::TYPE_INT32 && !seconds->is_repeated() && !nanos->is_repeated();
}

// The kind `field` is rendered as, or nullopt when only protobuf's printer may render it. For kMessage
// the caller checks the field's type.
std::optional<Kind> kind_of(const FieldDescriptor* field) {
  switch (field->type()) {
    case FieldDescriptor::TYPE_STRING: return Kind::kString;
    case FieldDescriptor::TYPE_BYTES: return Kind::kBytes;
    case FieldDescriptor::TYPE_BOOL: return Kind::kBool;
    case FieldDescriptor::TYPE_INT32:
    case FieldDescriptor::TYPE_SINT32:
    case FieldDescriptor::TYPE_SFIXED32: return Kind::kInt32;
    case FieldDescriptor::TYPE_UINT32:
    case FieldDescriptor::TYPE_FIXED32: return Kind::kUint32;
    case FieldDescriptor::TYPE_INT64:
    case FieldDescriptor::TYPE_SINT64:
    case FieldDescriptor::TYPE_SFIXED64: return Kind::kInt64;
    case FieldDescriptor::TYPE_UINT64:
    case FieldDescriptor::TYPE_FIXED64: return Kind::kUint64;
    case FieldDescriptor::TYPE_ENUM:
      if (is_protobuf_type(field->enum_type()->file())) return std::nullopt;
      return Kind::kEnum;
    case FieldDescriptor::TYPE_MESSAGE:
      if (field->is_map()) return std::nullopt;
      if (is_timestamp(field->message_type())) return Kind::kTimestamp;
      if (is_protobuf_type(field->message_type()->file())) return std::nullopt;
      return Kind::kMessage;
    case FieldDescriptor::TYPE_FLOAT:   // protobuf's shortest-round-trip float text: not worth copying
    case FieldDescriptor::TYPE_DOUBLE:  // while no schema of ours has one
    case FieldDescriptor::TYPE_GROUP: return std::nullopt;
  }
  return std::nullopt;
}

// Collects `d` and every message type reachable from it (Timestamp excluded) into `seen`; false when
// any of them has something append_json does not render.
bool collect_types(const Descriptor* d, std::vector<const Descriptor*>& seen) {
  if (std::find(seen.begin(), seen.end(), d) != seen.end()) return true;
  if (d->file()->syntax() != FileDescriptor::SYNTAX_PROTO3 || is_protobuf_type(d->file())) return false;
  seen.push_back(d);
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* field = d->field(i);
    std::optional<Kind> kind = kind_of(field);
    if (!kind) return false;
    if (*kind == Kind::kMessage && !collect_types(field->message_type(), seen)) return false;
  }
  return true;
}

// Plans for the message types of one pool. They point at each other, so they live and die together.
class PlanSet {
 public:
  // The plan for `root`, built along with those of every type it reaches; nullptr when messages of this
  // type go to protobuf's printer.
  const MessagePlan* get(const Descriptor* root) {
    if (auto it = plans_.find(root); it != plans_.end()) return it->second.get();
    std::vector<const Descriptor*> types;
    if (!collect_types(root, types)) {
      plans_[root] = nullptr;
      return nullptr;
    }
    // Create every missing plan first, so that fields can point at the plans of (possibly recursive)
    // types. An existing plan is complete, and no type reaching an unsupported one is supported.
    std::vector<const Descriptor*> missing;
    for (const Descriptor* d : types) {
      std::unique_ptr<MessagePlan>& slot = plans_[d];
      if (slot) continue;
      slot = std::make_unique<MessagePlan>();
      missing.push_back(d);
    }
    for (const Descriptor* d : missing) build(d, *plans_.at(d));
    return plans_.at(root).get();
  }

 private:
  void build(const Descriptor* d, MessagePlan& plan) {
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* field = d->field(i);
      FieldPlan f{field, *kind_of(field), field->is_repeated(), field->has_presence(),
                  "\"" + field->name() + "\":"};
      if (f.kind == Kind::kMessage) f.message = plans_.at(field->message_type()).get();
      if (f.kind == Kind::kTimestamp) {
        f.ts_seconds = field->message_type()->FindFieldByNumber(1);
        f.ts_nanos = field->message_type()->FindFieldByNumber(2);
      }
      plan.fields.push_back(std::move(f));
    }
    std::sort(plan.fields.begin(), plan.fields.end(),
              [](const FieldPlan& a, const FieldPlan& b) { return a.field->number() < b.field->number(); });
  }

  std::unordered_map<const Descriptor*, std::unique_ptr<MessagePlan>> plans_;
};

// Plans for the generated pool, built once per type and kept: its descriptors live as long as the process.
const MessagePlan* generated_plan(const Descriptor* d) {
  static std::mutex mu;
  static PlanSet* plans = new PlanSet;  // never destroyed: other threads may still print at exit
  // A few recently used types per thread (events and quarantine records), so the lock is taken once.
  struct Entry {
    const Descriptor* descriptor = nullptr;
    const MessagePlan* plan = nullptr;
  };
  thread_local std::array<Entry, 4> recent;
  thread_local size_t next = 0;
  for (const Entry& e : recent) {
    if (e.descriptor == d) return e.plan;
  }
  const MessagePlan* plan;
  {
    std::lock_guard<std::mutex> lock(mu);
    plan = plans->get(d);
  }
  recent[next] = Entry{d, plan};
  next = (next + 1) % recent.size();
  return plan;
}

// ---------------------------------------------------------------------------------------------------
// Scalars

constexpr char kHex[] = "0123456789abcdef";

void append_u_escape(uint32_t unit, std::string* out) {
  char buf[6] = {'\\', 'u', kHex[(unit >> 12) & 0xf], kHex[(unit >> 8) & 0xf], kHex[(unit >> 4) & 0xf],
                 kHex[unit & 0xf]};
  out->append(buf, sizeof buf);
}

// ASCII bytes protobuf copies as they are: printable, except `"`, `\`, `<`, `>`.
constexpr std::array<bool, 128> kPlainAscii = [] {
  std::array<bool, 128> t{};
  for (int c = 0x20; c < 0x7f; ++c) t[c] = c != '"' && c != '\\' && c != '<' && c != '>';
  return t;
}();

// Code points of two or more UTF-8 bytes that protobuf's JsonEscaping writes as \u escapes
// (json_escaping.cc EscapeCodePoint; the differential test covers every code point).
bool needs_escape(uint32_t cp) {
  if (cp < 0xa0) return true;  // U+0080..U+009F: C1 controls
  if (cp < 0x0600) return cp == 0x00ad;
  if (cp < 0x2000) return cp <= 0x0603 || cp == 0x06dd || cp == 0x070f || cp == 0x17b4 || cp == 0x17b5;
  if (cp < 0x10000) {
    return (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) ||
           (cp >= 0x2060 && cp <= 0x2064) || (cp >= 0x206a && cp <= 0x206f) || cp == 0xfeff ||
           (cp >= 0xfff9 && cp <= 0xfffb);
  }
  return (cp >= 0x1d173 && cp <= 0x1d17a) || cp == 0xe0001 || (cp >= 0xe0020 && cp <= 0xe007f);
}

bool is_continuation(unsigned char c) { return (c & 0xc0) == 0x80; }

// Decodes the multi-byte UTF-8 sequence at s[i] (s[i] >= 0x80) strictly after RFC 3629 §4. Returns its
// length, or 0 when it is malformed, overlong, a surrogate, above U+10FFFF or cut short.
size_t decode_utf8(std::string_view s, size_t i, uint32_t* cp) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char lead = byte(0);
  const size_t left = s.size() - i;
  if (lead >= 0xc2 && lead <= 0xdf) {
    if (left < 2 || !is_continuation(byte(1))) return 0;
    *cp = (uint32_t{lead} & 0x1f) << 6 | (byte(1) & 0x3f);
    return 2;
  }
  if (lead >= 0xe0 && lead <= 0xef) {
    if (left < 3 || !is_continuation(byte(1)) || !is_continuation(byte(2))) return 0;
    *cp = (uint32_t{lead} & 0x0f) << 12 | (byte(1) & 0x3fu) << 6 | (byte(2) & 0x3f);
    if (*cp < 0x800 || (*cp >= 0xd800 && *cp <= 0xdfff)) return 0;
    return 3;
  }
  if (lead >= 0xf0 && lead <= 0xf4) {
    if (left < 4 || !is_continuation(byte(1)) || !is_continuation(byte(2)) || !is_continuation(byte(3))) {
      return 0;
    }
    *cp = (uint32_t{lead} & 0x07) << 18 | (byte(1) & 0x3fu) << 12 | (byte(2) & 0x3fu) << 6 | (byte(3) & 0x3f);
    if (*cp < 0x10000 || *cp > 0x10ffff) return 0;
    return 4;
  }
  return 0;  // continuation byte, C0/C1 (always overlong) or F5..FF
}

// Appends `s` as a quoted JSON string. Returns false when `s` is not well-formed UTF-8.
bool append_string(std::string_view s, std::string* out) {
  out->push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    size_t run = i;
    while (run < s.size() && static_cast<unsigned char>(s[run]) < 0x80 &&
           kPlainAscii[static_cast<unsigned char>(s[run])]) {
      ++run;
    }
    out->append(s.data() + i, run - i);
    i = run;
    if (i == s.size()) break;
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out->append("\\\""); break;
        case '\\': out->append("\\\\"); break;
        case '\b': out->append("\\b"); break;
        case '\t': out->append("\\t"); break;
        case '\n': out->append("\\n"); break;
        case '\f': out->append("\\f"); break;
        case '\r': out->append("\\r"); break;
        default: append_u_escape(c, out);  // other controls, DEL, '<', '>'
      }
      ++i;
      continue;
    }
    uint32_t cp = 0;
    const size_t len = decode_utf8(s, i, &cp);
    if (len == 0) return false;
    if (!needs_escape(cp)) {
      out->append(s.data() + i, len);
    } else if (cp < 0x10000) {
      append_u_escape(cp, out);
    } else {
      append_u_escape(0xd800 + ((cp - 0x10000) >> 10), out);
      append_u_escape(0xdc00 + (cp & 0x3ff), out);
    }
    i += len;
  }
  out->push_back('"');
  return true;
}

void append_base64(std::string_view s, std::string* out) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const size_t start = out->size();
  out->resize(start + 2 + (s.size() + 2) / 3 * 4);
  char* p = out->data() + start;
  *p++ = '"';
  auto byte = [&](size_t k) { return uint32_t{static_cast<unsigned char>(s[k])}; };
  size_t i = 0;
  for (; i + 3 <= s.size(); i += 3) {
    const uint32_t v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    *p++ = kAlphabet[v >> 18];
    *p++ = kAlphabet[(v >> 12) & 0x3f];
    *p++ = kAlphabet[(v >> 6) & 0x3f];
    *p++ = kAlphabet[v & 0x3f];
  }
  if (const size_t rest = s.size() - i; rest > 0) {
    const uint32_t v = byte(i) << 16 | (rest == 2 ? byte(i + 1) << 8 : 0);
    *p++ = kAlphabet[v >> 18];
    *p++ = kAlphabet[(v >> 12) & 0x3f];
    *p++ = rest == 2 ? kAlphabet[(v >> 6) & 0x3f] : '=';
    *p++ = '=';
  }
  *p = '"';
}

template <typename Int>
void append_int(Int value, bool quoted, std::string* out) {
  char buf[24];
  char* p = buf;
  if (quoted) *p++ = '"';
  p = std::to_chars(p, buf + sizeof buf, value).ptr;
  if (quoted) *p++ = '"';
  out->append(buf, static_cast<size_t>(p - buf));
}

// Writes `value` as `width` decimal digits with leading zeros.
char* put_digits(char* p, uint32_t value, int width) {
  for (int k = width - 1; k >= 0; --k) {
    p[k] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return p + width;
}

// protobuf's FormatTime (stubs/time.cc). Returns false outside its range: protobuf reports those.
bool append_timestamp(int64_t seconds, int32_t nanos, std::string* out) {
  if (seconds < kTimestampMinSeconds || seconds > kTimestampMaxSeconds || nanos < 0 || nanos > 999999999) {
    return false;
  }
  // Days since 1970-01-01 to a civil date: H. Hinnant, "chrono-Compatible Low-Level Date Algorithms",
  // civil_from_days (http://howardhinnant.github.io/date_algorithms.html).
  int64_t days = seconds / 86400;
  int64_t second_of_day = seconds % 86400;
  if (second_of_day < 0) {
    second_of_day += 86400;
    --days;
  }
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);

  char buf[40];
  char* p = buf;
  *p++ = '"';
  p = put_digits(p, static_cast<uint32_t>(year), 4);
  *p++ = '-';
  p = put_digits(p, static_cast<uint32_t>(month), 2);
  *p++ = '-';
  p = put_digits(p, static_cast<uint32_t>(day), 2);
  *p++ = 'T';
  p = put_digits(p, static_cast<uint32_t>(second_of_day / 3600), 2);
  *p++ = ':';
  p = put_digits(p, static_cast<uint32_t>(second_of_day / 60 % 60), 2);
  *p++ = ':';
  p = put_digits(p, static_cast<uint32_t>(second_of_day % 60), 2);
  if (nanos != 0) {
    *p++ = '.';
    const auto n = static_cast<uint32_t>(nanos);
    if (n % 1000000 == 0) {
      p = put_digits(p, n / 1000000, 3);
    } else if (n % 1000 == 0) {
      p = put_digits(p, n / 1000, 6);
    } else {
      p = put_digits(p, n, 9);
    }
  }
  *p++ = 'Z';
  *p++ = '"';
  out->append(buf, static_cast<size_t>(p - buf));
  return true;
}

// ---------------------------------------------------------------------------------------------------
// The walk. Every function returns false when protobuf's printer must take over.

bool append_message(const Message& m, const MessagePlan& plan, int depth, std::string* out);

bool append_timestamp_message(const FieldPlan& f, const Message& ts, std::string* out) {
  const Reflection* r = ts.GetReflection();
  return append_timestamp(r->GetInt64(ts, f.ts_seconds), r->GetInt32(ts, f.ts_nanos), out);
}

void append_enum(const FieldPlan& f, int value, std::string* out) {
  if (const auto* named = f.field->enum_type()->FindValueByNumber(value)) {
    out->push_back('"');
    out->append(named->name());  // an identifier: nothing to escape
    out->push_back('"');
  } else {
    append_int(value, false, out);
  }
}

// Appends `"key":value` for singular field `f` (preceded by a comma unless *first), or nothing when it is
// unset, or zero without presence.
bool append_singular(const Message& m, const Reflection* r, const FieldPlan& f, int depth, bool* first,
                     std::string* out) {
  if (f.has_presence && !r->HasField(m, f.field)) return true;
  auto key = [&] {
    if (!*first) out->push_back(',');
    *first = false;
    out->append(f.key);
  };
  switch (f.kind) {
    case Kind::kString:
    case Kind::kBytes: {
      std::string scratch;
      const std::string& value = r->GetStringReference(m, f.field, &scratch);
      if (!f.has_presence && value.empty()) return true;
      key();
      if (f.kind == Kind::kBytes) {
        append_base64(value, out);
        return true;
      }
      return append_string(value, out);
    }
    case Kind::kBool: {
      const bool value = r->GetBool(m, f.field);
      if (!f.has_presence && !value) return true;
      key();
      out->append(value ? "true" : "false");
      return true;
    }
    case Kind::kInt32: {
      const int32_t value = r->GetInt32(m, f.field);
      if (!f.has_presence && value == 0) return true;
      key();
      append_int(value, false, out);
      return true;
    }
    case Kind::kUint32: {
      const uint32_t value = r->GetUInt32(m, f.field);
      if (!f.has_presence && value == 0) return true;
      key();
      append_int(value, false, out);
      return true;
    }
    case Kind::kInt64: {
      const int64_t value = r->GetInt64(m, f.field);
      if (!f.has_presence && value == 0) return true;
      key();
      append_int(value, true, out);
      return true;
    }
    case Kind::kUint64: {
      const uint64_t value = r->GetUInt64(m, f.field);
      if (!f.has_presence && value == 0) return true;
      key();
      append_int(value, true, out);
      return true;
    }
    case Kind::kEnum: {
      const int value = r->GetEnumValue(m, f.field);
      if (!f.has_presence && value == 0) return true;
      key();
      append_enum(f, value, out);
      return true;
    }
    case Kind::kMessage:
      key();
      return append_message(r->GetMessage(m, f.field), *f.message, depth + 1, out);
    case Kind::kTimestamp:
      key();
      return append_timestamp_message(f, r->GetMessage(m, f.field), out);
  }
  return false;
}

bool append_repeated(const Message& m, const Reflection* r, const FieldPlan& f, int depth, bool* first,
                     std::string* out) {
  const int n = r->FieldSize(m, f.field);
  if (n == 0) return true;
  if (!*first) out->push_back(',');
  *first = false;
  out->append(f.key);
  out->push_back('[');
  for (int i = 0; i < n; ++i) {
    if (i > 0) out->push_back(',');
    switch (f.kind) {
      case Kind::kString:
      case Kind::kBytes: {
        std::string scratch;
        const std::string& value = r->GetRepeatedStringReference(m, f.field, i, &scratch);
        if (f.kind == Kind::kBytes) {
          append_base64(value, out);
        } else if (!append_string(value, out)) {
          return false;
        }
        break;
      }
      case Kind::kBool: out->append(r->GetRepeatedBool(m, f.field, i) ? "true" : "false"); break;
      case Kind::kInt32: append_int(r->GetRepeatedInt32(m, f.field, i), false, out); break;
      case Kind::kUint32: append_int(r->GetRepeatedUInt32(m, f.field, i), false, out); break;
      case Kind::kInt64: append_int(r->GetRepeatedInt64(m, f.field, i), true, out); break;
      case Kind::kUint64: append_int(r->GetRepeatedUInt64(m, f.field, i), true, out); break;
      case Kind::kEnum: append_enum(f, r->GetRepeatedEnumValue(m, f.field, i), out); break;
      case Kind::kMessage:
        if (!append_message(r->GetRepeatedMessage(m, f.field, i), *f.message, depth + 1, out)) return false;
        break;
      case Kind::kTimestamp:
        if (!append_timestamp_message(f, r->GetRepeatedMessage(m, f.field, i), out)) return false;
        break;
    }
  }
  out->push_back(']');
  return true;
}

bool append_message(const Message& m, const MessagePlan& plan, int depth, std::string* out) {
  if (depth > kMaxDepth) return false;
  const Reflection* r = m.GetReflection();
  out->push_back('{');
  bool first = true;
  for (const FieldPlan& f : plan.fields) {
    const bool ok = f.repeated ? append_repeated(m, r, f, depth, &first, out)
                               : append_singular(m, r, f, depth, &first, out);
    if (!ok) return false;
  }
  out->push_back('}');
  return true;
}

// The reference printer, with its failures turned into values (see silence_protobuf_logging()).
std::optional<std::string> append_with_protobuf(const Message& message, std::string* out) {
  silence_protobuf_logging();
  ProtobufLogCapture capture;
  const size_t start = out->size();
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  auto status = google::protobuf::util::MessageToJsonString(message, out, options);
  if (!status.ok()) {
    out->resize(start);
    return std::string(status.message());
  }
  if (!capture.empty()) {
    out->resize(start);
    return capture.first();
  }
  return std::nullopt;
}

}  // namespace

bool try_append_json(const Message& message, std::string* out) {
  const Descriptor* d = message.GetDescriptor();
  std::optional<PlanSet> local;  // for another pool, which may be gone (its addresses reused) after this call
  const MessagePlan* plan =
      d->file()->pool() == DescriptorPool::generated_pool() ? generated_plan(d) : local.emplace().get(d);
  if (plan == nullptr) return false;
  const size_t start = out->size();
  if (append_message(message, *plan, 0, out)) return true;
  out->resize(start);
  return false;
}

std::optional<std::string> append_json(const Message& message, std::string* out) {
  if (try_append_json(message, out)) return std::nullopt;
  return append_with_protobuf(message, out);
}

}  // namespace strictlog::sink_internal
