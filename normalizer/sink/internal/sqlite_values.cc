#include "sink/internal/sqlite_values.h"

#include <cstring>
#include <type_traits>
#include <variant>

namespace strictlog::sink_internal {

namespace {

template <class T>
void put_fixed(T value, std::string* out) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));  // x86-64 and aarch64: little-endian, as the layout says
  out->append(bytes, sizeof(T));
}

void put_bytes(PackedValue::Kind kind, std::string_view bytes, std::string* out) {
  out->push_back(static_cast<char>(kind));
  uint64_t n = bytes.size();
  while (n >= 0x80) {
    out->push_back(static_cast<char>((n & 0x7f) | 0x80));
    n >>= 7;
  }
  out->push_back(static_cast<char>(n));
  out->append(bytes);
}

}  // namespace

void pack_sqlite_row(const std::vector<schema::SqlValue>& values, std::string* out) {
  for (const schema::SqlValue& v : values) {
    std::visit(
        [out](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, schema::SqlNull>) {
            out->push_back(static_cast<char>(PackedValue::kNull));
          } else if constexpr (std::is_same_v<T, int64_t>) {
            out->push_back(static_cast<char>(PackedValue::kInteger));
            put_fixed(x, out);
          } else if constexpr (std::is_same_v<T, double>) {
            out->push_back(static_cast<char>(PackedValue::kReal));
            put_fixed(x, out);
          } else if constexpr (std::is_same_v<T, std::string>) {
            put_bytes(PackedValue::kText, x, out);
          } else {
            put_bytes(PackedValue::kBlob, x.bytes, out);
          }
        },
        v);
  }
}

bool PackedReader::next(PackedValue* value) {
  if (p_ == end_) return false;
  auto kind = static_cast<PackedValue::Kind>(static_cast<unsigned char>(*p_++));
  value->kind = kind;
  switch (kind) {
    case PackedValue::kNull: return true;
    case PackedValue::kInteger:
    case PackedValue::kReal:
      if (end_ - p_ < 8) break;
      if (kind == PackedValue::kInteger) {
        std::memcpy(&value->integer, p_, 8);
      } else {
        std::memcpy(&value->real, p_, 8);
      }
      p_ += 8;
      return true;
    case PackedValue::kText:
    case PackedValue::kBlob: {
      uint64_t n = 0;
      for (int shift = 0; p_ != end_ && shift < 64; shift += 7) {
        auto byte = static_cast<unsigned char>(*p_++);
        n |= uint64_t{byte & 0x7fu} << shift;
        if (byte < 0x80) {
          if (static_cast<uint64_t>(end_ - p_) < n) break;
          value->text = std::string_view(p_, n);
          p_ += n;
          return true;
        }
      }
      break;
    }
  }
  p_ = end_ = nullptr;
  return false;
}

}  // namespace strictlog::sink_internal
