// Result<T>: a value or a list of diagnostics. Libraries return it; only the CLI prints.
// "No match" is never an error: functions that can fail to match return Result<std::optional<T>>.
#pragma once

#include <utility>
#include <variant>
#include <vector>

#include "common/diagnostic.h"

namespace strictlog {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}                       // NOLINT: implicit by design
  Result(Diagnostics errors) : v_(std::move(errors)) {}           // NOLINT
  Result(Diagnostic error) : v_(Diagnostics{std::move(error)}) {} // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // Precondition: ok().
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }

  // Precondition: !ok(). Never empty.
  const Diagnostics& errors() const { return std::get<1>(v_); }
  Diagnostics&& take_errors() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Diagnostics> v_;
};

// For operations that return nothing but may fail: `return Status{std::monostate{}};` or `return kOk;`.
using Status = Result<std::monostate>;
inline const std::monostate kOk{};

// An error that has no source position (I/O, system calls): renders as `message [code]`.
inline Diagnostic plain_error(std::string code, std::string message) {
  return Diagnostic{Position{}, std::move(code), std::move(message), {}};
}

}  // namespace strictlog
