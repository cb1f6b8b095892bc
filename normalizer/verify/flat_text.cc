#include "verify/flat_text.h"

#include <fmt/format.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/timestamp.pb.h>

#include <algorithm>
#include <charconv>
#include <chrono>

#include "ingest/utf8.h"

namespace strictlog {
namespace {

namespace pb = google::protobuf;
using FD = pb::FieldDescriptor;

bool is_timestamp(const pb::Descriptor* d) { return d->full_name() == "google.protobuf.Timestamp"; }

std::string format_timestamp(const pb::Message& m) {
  const pb::Reflection* r = m.GetReflection();
  const pb::Descriptor* d = m.GetDescriptor();
  int64_t seconds = r->GetInt64(m, d->FindFieldByName("seconds"));
  int32_t nanos = r->GetInt32(m, d->FindFieldByName("nanos"));
  using namespace std::chrono;
  sys_seconds t{std::chrono::seconds{seconds}};
  auto day = floor<days>(t);
  year_month_day ymd{day};
  hh_mm_ss hms{t - day};
  std::string out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", static_cast<int>(ymd.year()),
                                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                                hms.hours().count(), hms.minutes().count(), hms.seconds().count());
  if (nanos != 0) out += fmt::format(".{:09}", nanos);
  return out + "Z";
}

// Exactly `n` ASCII digits at `text[at]`, as a number; -1 otherwise.
long fixed_digits(std::string_view text, size_t at, size_t n) {
  if (at + n > text.size()) return -1;
  long v = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    v = v * 10 + (text[i] - '0');
  }
  return v;
}

// Exactly the form format_timestamp() writes: YYYY-MM-DDTHH:MM:SS, then nine digits of nanoseconds after a
// '.' or none, then Z. No signs, spaces or short fields, so every accepted text has one meaning.
bool parse_timestamp(std::string_view text, int64_t* seconds, int32_t* nanos) {
  if (text.size() != 20 && text.size() != 30) return false;
  if (text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':' ||
      text.back() != 'Z') {
    return false;
  }
  long y = fixed_digits(text, 0, 4), mo = fixed_digits(text, 5, 2), d = fixed_digits(text, 8, 2);
  long h = fixed_digits(text, 11, 2), mi = fixed_digits(text, 14, 2), s = fixed_digits(text, 17, 2);
  long ns = 0;
  if (text.size() == 30 && (text[19] != '.' || (ns = fixed_digits(text, 20, 9)) < 0)) return false;
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || s < 0) return false;
  using namespace std::chrono;
  year_month_day ymd{year{static_cast<int>(y)}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || s > 59) return false;
  *seconds = (sys_days{ymd}.time_since_epoch() + hours{h} + minutes{mi} + std::chrono::seconds{s}) / std::chrono::seconds{1};
  *nanos = static_cast<int32_t>(ns);
  return true;
}

// The length of the well-formed UTF-8 sequence (ASCII included) starting at bytes[i], or 0 if none does.
size_t utf8_sequence_length(std::string_view bytes, size_t i) {
  unsigned char lead = static_cast<unsigned char>(bytes[i]);
  size_t n = lead < 0x80 ? 1 : lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3
           : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
  if (n == 0 || i + n > bytes.size() || check_encoding(bytes.substr(i, n))) return 0;
  return n;
}

bool skipped(const std::string& path, const std::vector<std::string>& skip) {
  return std::find(skip.begin(), skip.end(), path) != skip.end();
}

std::string scalar_text(const pb::Message& m, const FD* f) {
  const pb::Reflection* r = m.GetReflection();
  switch (f->cpp_type()) {
    case FD::CPPTYPE_INT32: return std::to_string(r->GetInt32(m, f));
    case FD::CPPTYPE_INT64: return std::to_string(r->GetInt64(m, f));
    case FD::CPPTYPE_UINT32: return std::to_string(r->GetUInt32(m, f));
    case FD::CPPTYPE_UINT64: return std::to_string(r->GetUInt64(m, f));
    case FD::CPPTYPE_BOOL: return r->GetBool(m, f) ? "true" : "false";
    case FD::CPPTYPE_ENUM: {
      const auto* v = f->enum_type()->FindValueByNumber(r->GetEnumValue(m, f));
      return v ? std::string(v->name()) : std::to_string(r->GetEnumValue(m, f));
    }
    case FD::CPPTYPE_STRING: {
      std::string s = r->GetString(m, f);
      return (f->type() == FD::TYPE_BYTES ? "b" : "") + quote(s);
    }
    case FD::CPPTYPE_FLOAT: return fmt::format("{}", r->GetFloat(m, f));
    case FD::CPPTYPE_DOUBLE: return fmt::format("{}", r->GetDouble(m, f));
    case FD::CPPTYPE_MESSAGE: break;
  }
  return "?";
}

// Element `i` of a repeated scalar field, written as scalar_text() writes a single one.
std::string repeated_text(const pb::Message& m, const FD* f, int i) {
  const pb::Reflection* r = m.GetReflection();
  switch (f->cpp_type()) {
    case FD::CPPTYPE_INT32: return std::to_string(r->GetRepeatedInt32(m, f, i));
    case FD::CPPTYPE_INT64: return std::to_string(r->GetRepeatedInt64(m, f, i));
    case FD::CPPTYPE_UINT32: return std::to_string(r->GetRepeatedUInt32(m, f, i));
    case FD::CPPTYPE_UINT64: return std::to_string(r->GetRepeatedUInt64(m, f, i));
    case FD::CPPTYPE_BOOL: return r->GetRepeatedBool(m, f, i) ? "true" : "false";
    case FD::CPPTYPE_ENUM: {
      const auto* v = f->enum_type()->FindValueByNumber(r->GetRepeatedEnumValue(m, f, i));
      return v ? std::string(v->name()) : std::to_string(r->GetRepeatedEnumValue(m, f, i));
    }
    case FD::CPPTYPE_STRING:
      return (f->type() == FD::TYPE_BYTES ? "b" : "") + quote(r->GetRepeatedString(m, f, i));
    default: return "?";
  }
}

void flatten_into(const pb::Message& m, const std::string& prefix, const std::vector<std::string>& skip,
                  std::vector<FlatField>* out) {
  std::vector<const FD*> fields;
  m.GetReflection()->ListFields(m, &fields);  // set fields, in field-number order
  for (const FD* f : fields) {
    std::string path = prefix + std::string(f->name());
    if (skipped(path, skip)) continue;
    if (f->is_repeated()) {  // `path.0`, `path.1`, ...: scalars only; no schema has a repeated message yet
      if (f->cpp_type() == FD::CPPTYPE_MESSAGE) continue;
      for (int i = 0; i < m.GetReflection()->FieldSize(m, f); ++i) {
        out->emplace_back(path + "." + std::to_string(i), repeated_text(m, f, i));
      }
      continue;
    }
    if (f->cpp_type() != FD::CPPTYPE_MESSAGE) {
      out->emplace_back(path, scalar_text(m, f));
      continue;
    }
    const pb::Message& sub = m.GetReflection()->GetMessage(m, f);
    if (is_timestamp(f->message_type())) {
      out->emplace_back(path, format_timestamp(sub));
      continue;
    }
    size_t before = out->size();
    flatten_into(sub, path + ".", skip, out);
    if (out->size() == before) out->emplace_back(path, "{}");
  }
}

bool parse_integer(std::string_view text, uint64_t max, bool allow_negative, int64_t* out_signed,
                   uint64_t* out_unsigned) {
  if (text.empty()) return false;
  if (text.front() == '-') {
    if (!allow_negative) return false;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), *out_signed);
    return ec == std::errc() && p == text.data() + text.size();
  }
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), *out_unsigned);
  if (ec != std::errc() || p != text.data() + text.size() || *out_unsigned > max) return false;
  *out_signed = static_cast<int64_t>(*out_unsigned);
  return true;
}

// Appends `value` to repeated scalar field `f` when `index` is the next position (`.0`, then `.1`, ...).
std::string add_repeated(pb::Message* m, const FD* f, const std::string& path, std::string_view index,
                         std::string_view value) {
  const pb::Reflection* r = m->GetReflection();
  std::string next = std::to_string(r->FieldSize(*m, f));
  if (f->cpp_type() == FD::CPPTYPE_MESSAGE) return fmt::format("field '{}' is a repeated message, which expectations cannot set", path);
  if (index != next) {
    return fmt::format("field '{}' is repeated: write its values in order as '{}.0', '{}.1', ... (expected '{}.{}')",
                       path, path, path, path, next);
  }
  std::string element_path = path + "." + next;
  switch (f->cpp_type()) {
    case FD::CPPTYPE_STRING: {
      bool bytes = f->type() == FD::TYPE_BYTES;
      std::string text;
      if (bytes ? !(value.starts_with("b\"") && unquote(value.substr(1), &text)) : !unquote(value, &text)) {
        return fmt::format("field '{}' is {}: expected {}, got {}", element_path, f->type_name(),
                           bytes ? "b\"...\"" : "a \"quoted string\"", value);
      }
      r->AddString(m, f, std::move(text));
      return {};
    }
    case FD::CPPTYPE_ENUM: {
      const auto* v = f->enum_type()->FindValueByName(std::string(value));
      if (!v) return fmt::format("field '{}' is {}: it has no value {}", element_path, f->enum_type()->full_name(), value);
      r->AddEnumValue(m, f, v->number());
      return {};
    }
    default:
      return fmt::format("field '{}' is a repeated {}, which expectations cannot set yet", path, f->type_name());
  }
}

std::string set_scalar(pb::Message* m, const FD* f, const std::string& path, std::string_view value) {
  const pb::Reflection* r = m->GetReflection();
  auto wrong = [&](std::string_view expected) {
    return fmt::format("field '{}' is {}: expected {}, got {}", path, f->type_name(), expected, value);
  };
  int64_t s = 0;
  uint64_t u = 0;
  switch (f->cpp_type()) {
    // The range is part of the message: "expected a number, got 4294967296" would be a puzzle.
    case FD::CPPTYPE_INT32:
      if (!parse_integer(value, INT32_MAX, true, &s, &u) || s < INT32_MIN || s > INT32_MAX) {
        return wrong(fmt::format("a number from {} to {}", INT32_MIN, INT32_MAX));
      }
      r->SetInt32(m, f, static_cast<int32_t>(s));
      return {};
    case FD::CPPTYPE_INT64:
      if (!parse_integer(value, INT64_MAX, true, &s, &u)) {
        return wrong(fmt::format("a number from {} to {}", INT64_MIN, INT64_MAX));
      }
      r->SetInt64(m, f, s);
      return {};
    case FD::CPPTYPE_UINT32:
      if (!parse_integer(value, UINT32_MAX, false, &s, &u)) return wrong(fmt::format("a number from 0 to {}", UINT32_MAX));
      r->SetUInt32(m, f, static_cast<uint32_t>(u));
      return {};
    case FD::CPPTYPE_UINT64:
      if (!parse_integer(value, UINT64_MAX, false, &s, &u)) return wrong(fmt::format("a number from 0 to {}", UINT64_MAX));
      r->SetUInt64(m, f, u);
      return {};
    case FD::CPPTYPE_BOOL:
      if (value != "true" && value != "false") return wrong("true or false");
      r->SetBool(m, f, value == "true");
      return {};
    case FD::CPPTYPE_ENUM: {
      const auto* v = f->enum_type()->FindValueByName(std::string(value));
      if (!v) return fmt::format("field '{}' is {}: it has no value {}", path, f->enum_type()->full_name(), value);
      r->SetEnumValue(m, f, v->number());
      return {};
    }
    case FD::CPPTYPE_STRING: {
      bool bytes = f->type() == FD::TYPE_BYTES;
      std::string text;
      if (bytes ? !(value.starts_with("b\"") && unquote(value.substr(1), &text)) : !unquote(value, &text)) {
        return wrong(bytes ? "b\"...\"" : "a \"quoted string\"");
      }
      r->SetString(m, f, std::move(text));
      return {};
    }
    default:
      return fmt::format("field '{}' is {}, which expectations cannot set", path, f->type_name());
  }
}

}  // namespace

std::string quote(std::string_view bytes) {
  std::string out = "\"";
  for (size_t i = 0; i < bytes.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(bytes[i]);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += fmt::format("\\x{:02x}", c);
        } else if (size_t n = utf8_sequence_length(bytes, i); n > 0) {
          out.append(bytes.substr(i, n));
          i += n - 1;
        } else {
          out += fmt::format("\\x{:02x}", c);  // not part of well-formed UTF-8: a raw byte would hide it
        }
    }
  }
  return out + "\"";
}

bool unquote(std::string_view q, std::string* out) {
  if (q.size() < 2 || q.front() != '"' || q.back() != '"') return false;
  std::string_view body = q.substr(1, q.size() - 2);
  out->clear();
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c == '"') return false;
    if (c != '\\') {
      out->push_back(c);
      continue;
    }
    if (++i == body.size()) return false;
    switch (body[i]) {
      case '"': out->push_back('"'); break;
      case '\\': out->push_back('\\'); break;
      case 'n': out->push_back('\n'); break;
      case 'r': out->push_back('\r'); break;
      case 't': out->push_back('\t'); break;
      case 'x': {
        unsigned v = 0;
        if (i + 2 >= body.size()) return false;
        auto [p, ec] = std::from_chars(body.data() + i + 1, body.data() + i + 3, v, 16);
        if (ec != std::errc() || p != body.data() + i + 3) return false;
        out->push_back(static_cast<char>(v));
        i += 2;
        break;
      }
      default: return false;
    }
  }
  return true;
}

std::vector<FlatField> flatten(const pb::Message& m, const std::vector<std::string>& skip) {
  std::vector<FlatField> out;
  flatten_into(m, "", skip, &out);
  return out;
}

std::string set_flat_field(pb::Message* m, std::string_view path, std::string_view value) {
  std::string walked;
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    std::string name(path.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    const FD* f = m->GetDescriptor()->FindFieldByName(name);
    if (!f) return fmt::format("message {} has no field '{}'", m->GetDescriptor()->full_name(), name);
    walked += name;
    const pb::Reflection* r = m->GetReflection();
    if (f->is_repeated()) return add_repeated(m, f, walked, dot == std::string_view::npos ? "" : path.substr(dot + 1), value);
    // Setting one member of a oneof clears another: two payloads in one expectation would lose the first
    // silently, and a stale line would pass unchecked.
    if (const pb::OneofDescriptor* o = f->real_containing_oneof(); o && r->HasOneof(*m, o)) {
      if (const FD* set = r->GetOneofFieldDescriptor(*m, o); set != f) {
        return fmt::format("fields '{}{}' and '{}' are both in oneof '{}': only one can be set",
                           walked.substr(0, walked.size() - name.size()), set->name(), walked, o->name());
      }
    }
    if (dot == std::string_view::npos) {
      if (f->cpp_type() != FD::CPPTYPE_MESSAGE) return set_scalar(m, f, walked, value);
      pb::Message* sub = r->MutableMessage(m, f);
      if (is_timestamp(f->message_type())) {
        int64_t seconds = 0;
        int32_t nanos = 0;
        if (!parse_timestamp(value, &seconds, &nanos)) {
          return fmt::format("field '{}' is a timestamp: expected e.g. 2026-11-22T09:15:02Z, got {}", walked, value);
        }
        sub->GetReflection()->SetInt64(sub, sub->GetDescriptor()->FindFieldByName("seconds"), seconds);
        sub->GetReflection()->SetInt32(sub, sub->GetDescriptor()->FindFieldByName("nanos"), nanos);
        return {};
      }
      if (value != "{}") return fmt::format("field '{}' is a message: set its fields, or write {{}}", walked);
      return {};
    }
    if (f->cpp_type() != FD::CPPTYPE_MESSAGE) return fmt::format("field '{}' is {}, not a message", walked, f->type_name());
    if (is_timestamp(f->message_type())) {
      return fmt::format("field '{}' is a timestamp, written whole (e.g. 2026-11-22T09:15:02Z), not by its fields",
                         walked);
    }
    m = r->MutableMessage(m, f);
    walked += ".";
    start = dot + 1;
  }
}

}  // namespace strictlog
