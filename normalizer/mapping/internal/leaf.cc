#include "mapping/internal/leaf.h"

#include <fmt/format.h>

#include <cstdint>
#include <limits>

namespace strictlog::mapping::leaf {
namespace {

namespace pb = google::protobuf;
using FD = pb::FieldDescriptor;

bool is_timestamp(const FD* f) {
  return f->type() == FD::TYPE_MESSAGE && !f->is_repeated() &&
         f->message_type()->full_name() == "google.protobuf.Timestamp";
}

bool is_string_map(const FD* f) {
  return f->is_map() && f->message_type()->map_key()->type() == FD::TYPE_STRING &&
         f->message_type()->map_value()->type() == FD::TYPE_STRING;
}

// The number set() writes into a signed field: a kInt64 capture, or a number constant. False when it is
// beyond [min, max].
bool signed_value(const Value& v, int64_t min, int64_t max, int64_t* out) {
  if (v.kind == ValueKind::kInt64) {
    *out = v.integer;
    return v.integer >= min && v.integer <= max;
  }
  *out = static_cast<int64_t>(v.number);
  return v.number <= static_cast<uint64_t>(max);
}

}  // namespace

bool is_set_whole(const FD* f) { return f->is_map() || is_timestamp(f); }

std::string type_name(const FD* f) {
  if (f->is_map()) {
    return fmt::format("map<{}, {}>", type_name(f->message_type()->map_key()),
                       type_name(f->message_type()->map_value()));
  }
  if (f->type() == FD::TYPE_ENUM) return std::string(f->enum_type()->full_name());
  if (f->type() == FD::TYPE_MESSAGE) return std::string(f->message_type()->full_name());
  return f->type_name();
}

bool fits(ValueKind k, const FD* f) {
  if (f->is_repeated() && !f->is_map()) return false;  // a leaf holds one value
  switch (k) {
    case ValueKind::kString: return f->cpp_type() == FD::CPPTYPE_STRING && f->type() == FD::TYPE_STRING;
    case ValueKind::kUint32: return f->cpp_type() == FD::CPPTYPE_UINT32 || f->cpp_type() == FD::CPPTYPE_UINT64;
    case ValueKind::kUint64: return f->cpp_type() == FD::CPPTYPE_UINT32 || f->cpp_type() == FD::CPPTYPE_UINT64;
    case ValueKind::kInt64: return f->cpp_type() == FD::CPPTYPE_INT32 || f->cpp_type() == FD::CPPTYPE_INT64;
    case ValueKind::kDouble: return f->cpp_type() == FD::CPPTYPE_DOUBLE || f->cpp_type() == FD::CPPTYPE_FLOAT;
    case ValueKind::kTimestamp: return is_timestamp(f) || f->type() == FD::TYPE_STRING;
    case ValueKind::kMap: return is_string_map(f);
  }
  return false;
}

uint64_t max_number_constant(const FD* f) {
  switch (f->cpp_type()) {
    case FD::CPPTYPE_UINT32: return std::numeric_limits<uint32_t>::max();
    case FD::CPPTYPE_UINT64: return std::numeric_limits<uint64_t>::max();
    case FD::CPPTYPE_INT32: return std::numeric_limits<int32_t>::max();
    case FD::CPPTYPE_INT64: return std::numeric_limits<int64_t>::max();
    default: return 0;
  }
}

Value constant_value(const FieldOp& op) {
  Value v;
  v.kind = op.path.back()->cpp_type() == FD::CPPTYPE_STRING ? ValueKind::kString : ValueKind::kUint64;
  v.text = op.string_value;
  v.number = op.number_value;
  return v;
}

bool set(pb::Message* m, const FD* leaf, const Value& v, std::string* range) {
  return set(m->GetReflection(), m, leaf, v, range);
}

bool set(const pb::Reflection* r, pb::Message* m, const FD* leaf, const Value& v, std::string* range) {
  int64_t n = 0;
  switch (leaf->cpp_type()) {
    case FD::CPPTYPE_STRING: r->SetString(m, leaf, std::string(v.text)); return true;
    case FD::CPPTYPE_UINT32:
      // A uint capture (uint64) into a uint32 field: checked per line, never truncated.
      if (v.number > std::numeric_limits<uint32_t>::max()) {
        *range = fmt::format("{}, 0 to {}", leaf->type_name(), std::numeric_limits<uint32_t>::max());
        return false;
      }
      r->SetUInt32(m, leaf, static_cast<uint32_t>(v.number));
      return true;
    case FD::CPPTYPE_UINT64: r->SetUInt64(m, leaf, v.number); return true;
    case FD::CPPTYPE_ENUM: r->SetEnumValue(m, leaf, static_cast<int>(v.number)); return true;
    case FD::CPPTYPE_INT32:
      if (!signed_value(v, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max(), &n)) {
        *range = fmt::format("{}, {} to {}", leaf->type_name(), std::numeric_limits<int32_t>::min(),
                             std::numeric_limits<int32_t>::max());
        return false;
      }
      r->SetInt32(m, leaf, static_cast<int32_t>(n));
      return true;
    case FD::CPPTYPE_INT64:
      if (!signed_value(v, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), &n)) {
        *range = fmt::format("{}, {} to {}", leaf->type_name(), std::numeric_limits<int64_t>::min(),
                             std::numeric_limits<int64_t>::max());
        return false;
      }
      r->SetInt64(m, leaf, n);
      return true;
    case FD::CPPTYPE_DOUBLE: r->SetDouble(m, leaf, v.real); return true;
    case FD::CPPTYPE_FLOAT: {
      // Rounded to the nearest float; a double beyond the largest float would become infinity.
      constexpr double kMax = std::numeric_limits<float>::max();
      if (v.real > kMax || v.real < -kMax) {
        *range = fmt::format("float, {} to {}", -std::numeric_limits<float>::max(), std::numeric_limits<float>::max());
        return false;
      }
      r->SetFloat(m, leaf, static_cast<float>(v.real));
      return true;
    }
    case FD::CPPTYPE_MESSAGE: {
      if (leaf->is_map()) {
        const FD* key_field = leaf->message_type()->map_key();
        const FD* value_field = leaf->message_type()->map_value();
        std::string_view key, value;
        // kv's convert() has refused duplicate keys, so each Add is a new key.
        for (std::string_view rest = v.text; next_map_entry(&rest, &key, &value);) {
          pb::Message* entry = r->AddMessage(m, leaf);
          entry->GetReflection()->SetString(entry, key_field, std::string(key));
          entry->GetReflection()->SetString(entry, value_field, std::string(value));
        }
        return true;
      }
      // google.protobuf.Timestamp: field numbers 1 (seconds) and 2 (nanos) are fixed by timestamp.proto.
      pb::Message* ts = r->MutableMessage(m, leaf);
      ts->GetReflection()->SetInt64(ts, ts->GetDescriptor()->FindFieldByNumber(1), v.integer);
      ts->GetReflection()->SetInt32(ts, ts->GetDescriptor()->FindFieldByNumber(2), 0);
      return true;
    }
    case FD::CPPTYPE_BOOL: break;  // no value kind fits a bool field
  }
  return true;
}

}  // namespace strictlog::mapping::leaf
