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

// A string map key written bare, as a path segment: one or more of these characters (what `kv` keys are).
bool is_bare_key(std::string_view key) {
  return !key.empty() && key.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") ==
                             std::string_view::npos;
}

// A map entry's key as its path segment: a string bare when is_bare_key(), else quoted with ':' as \x3a (a
// path never holds ": ", which ends it in a corpus file); other key types as scalar_text() writes them.
std::string key_text(const pb::Message& entry) {
  const FD* key = entry.GetDescriptor()->map_key();
  if (key->cpp_type() != FD::CPPTYPE_STRING) return scalar_text(entry, key);
  std::string k = entry.GetReflection()->GetString(entry, key);
  if (is_bare_key(k)) return k;
  std::string quoted;
  for (char c : quote(k)) quoted += c == ':' ? std::string("\\x3a") : std::string(1, c);
  return quoted;
}

// Orders map entries by key: strings bytewise, numbers by value.
bool key_less(const pb::Message* a, const pb::Message* b) {
  const FD* key = a->GetDescriptor()->map_key();
  const pb::Reflection* r = a->GetReflection();
  switch (key->cpp_type()) {
    case FD::CPPTYPE_STRING: return r->GetString(*a, key) < r->GetString(*b, key);
    case FD::CPPTYPE_INT32: return r->GetInt32(*a, key) < r->GetInt32(*b, key);
    case FD::CPPTYPE_INT64: return r->GetInt64(*a, key) < r->GetInt64(*b, key);
    case FD::CPPTYPE_UINT32: return r->GetUInt32(*a, key) < r->GetUInt32(*b, key);
    case FD::CPPTYPE_UINT64: return r->GetUInt64(*a, key) < r->GetUInt64(*b, key);
    case FD::CPPTYPE_BOOL: return r->GetBool(*a, key) < r->GetBool(*b, key);
    default: return false;  // proto allows no other key types
  }
}

// `path.KEY: value`, one per entry, sorted by key: a map's order under reflection is unspecified, and two
// flat lists must compare equal whenever the maps do. Maps of messages are left out, like repeated messages.
void flatten_map(const pb::Message& m, const FD* f, const std::string& path, std::vector<FlatField>* out) {
  const FD* value = f->message_type()->map_value();
  if (value->cpp_type() == FD::CPPTYPE_MESSAGE) return;
  std::vector<const pb::Message*> entries;
  for (int i = 0; i < m.GetReflection()->FieldSize(m, f); ++i) {
    entries.push_back(&m.GetReflection()->GetRepeatedMessage(m, f, i));
  }
  std::sort(entries.begin(), entries.end(), key_less);
  for (const pb::Message* e : entries) out->emplace_back(path + "." + key_text(*e), scalar_text(*e, value));
}

void flatten_into(const pb::Message& m, const std::string& prefix, const std::vector<std::string>& skip,
                  std::vector<FlatField>* out) {
  std::vector<const FD*> fields;
  m.GetReflection()->ListFields(m, &fields);  // set fields, in field-number order
  for (const FD* f : fields) {
    std::string path = prefix + std::string(f->name());
    if (skipped(path, skip)) continue;
    if (f->is_map()) {
      flatten_map(m, f, path, out);
      continue;
    }
    if (f->is_repeated()) {  // `path.0`, `path.1`, ...; an element that is a message lists its fields
      for (int i = 0; i < m.GetReflection()->FieldSize(m, f); ++i) {
        std::string element = path + "." + std::to_string(i);
        if (f->cpp_type() != FD::CPPTYPE_MESSAGE) {
          out->emplace_back(element, repeated_text(m, f, i));
          continue;
        }
        size_t before = out->size();
        flatten_into(m.GetReflection()->GetRepeatedMessage(m, f, i), element + ".", skip, out);
        if (out->size() == before) out->emplace_back(element, "{}");
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
    case FD::CPPTYPE_DOUBLE:
    case FD::CPPTYPE_FLOAT: {
      // What flatten() writes (fmt's shortest form that reads back the same: 1.5, 1e+300, inf, nan) and any
      // other decimal spelling of the same number.
      double d = 0;
      float x = 0;
      const char* end = value.data() + value.size();
      auto [p, ec] = f->cpp_type() == FD::CPPTYPE_DOUBLE ? std::from_chars(value.data(), end, d)
                                                          : std::from_chars(value.data(), end, x);
      if (value.empty() || ec != std::errc() || p != end) return wrong("a number such as 1.5, -2.5e+30 or inf");
      if (f->cpp_type() == FD::CPPTYPE_DOUBLE) r->SetDouble(m, f, d);
      if (f->cpp_type() == FD::CPPTYPE_FLOAT) r->SetFloat(m, f, x);
      return {};
    }
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

// Adds the entry `key: value` to map field `f`, `key` written as flatten() writes it (key_text()).
std::string add_map_entry(pb::Message* m, const FD* f, const std::string& path, std::string_view key,
                          std::string_view value) {
  const FD* key_field = f->message_type()->map_key();
  const FD* value_field = f->message_type()->map_value();
  if (value_field->cpp_type() == FD::CPPTYPE_MESSAGE) {
    return fmt::format("field '{}' is a map of messages, which expectations cannot set", path);
  }
  if (key.empty()) return fmt::format("field '{}' is a map: write each entry as '{}.<key>: <value>'", path, path);
  const pb::Reflection* r = m->GetReflection();
  pb::Message* entry = r->AddMessage(m, f);
  std::string error;
  if (key_field->cpp_type() != FD::CPPTYPE_STRING) {
    error = set_scalar(entry, key_field, path + "." + std::string(key), key);
  } else if (std::string text; is_bare_key(key) || (key.front() == '"' && unquote(key, &text))) {
    entry->GetReflection()->SetString(entry, key_field, is_bare_key(key) ? std::string(key) : text);
  } else {
    error = fmt::format("field '{}' is a map with string keys: write a key bare (letters, digits, '_', '.', '-') or "
                        "as a \"quoted string\", got {}", path, key);
  }
  const std::string written = error.empty() ? key_text(*entry) : "";
  for (int i = 0; error.empty() && i + 1 < r->FieldSize(*m, f); ++i) {
    if (key_text(r->GetRepeatedMessage(*m, f, i)) == written) {
      error = fmt::format("field '{}' has key {} twice", path, written);
    }
  }
  if (error.empty()) error = set_scalar(entry, value_field, path + "." + written, value);
  if (!error.empty()) r->RemoveLast(m, f);
  return error;
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
    if (f->is_map()) return add_map_entry(m, f, walked, dot == std::string_view::npos ? "" : path.substr(dot + 1), value);
    if (f->is_repeated() && f->cpp_type() == FD::CPPTYPE_MESSAGE) {
      // `path.N.field`: N is the last element (another of its fields) or the next one (a new element).
      const int size = r->FieldSize(*m, f);
      const std::string next = std::to_string(size);
      const size_t end = dot == std::string_view::npos ? dot : path.find('.', dot + 1);
      std::string_view index =
          dot == std::string_view::npos ? "" : path.substr(dot + 1, end == std::string_view::npos ? end : end - dot - 1);
      pb::Message* element = nullptr;
      if (index == next) {
        element = r->AddMessage(m, f);
      } else if (size > 0 && index == std::to_string(size - 1)) {
        element = r->MutableRepeatedMessage(m, f, size - 1);
      } else {
        return fmt::format("field '{}' is repeated: write its elements in order as '{}.0.<field>', '{}.1.<field>', "
                           "... (expected '{}.{}')", walked, walked, walked, walked, next);
      }
      walked += "." + std::string(index);
      if (end == std::string_view::npos) {
        if (value != "{}") return fmt::format("field '{}' is a message: set its fields, or write {{}}", walked);
        return {};
      }
      m = element;
      walked += ".";
      start = end + 1;
      continue;
    }
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
