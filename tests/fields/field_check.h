// Test helper: runs a registered field type the way a compiled rule does, through a real RE2 match and
// then `convert`, and says at which of the two steps a text was rejected.
#pragma once

#include <re2/re2.h>

#include <memory>
#include <ostream>
#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "compile/compile.h"
#include "fields/field_type.h"

namespace strictlog::testing {

enum class Step { kAccepted, kRegex, kConvert };

inline std::ostream& operator<<(std::ostream& os, Step s) {
  switch (s) {
    case Step::kAccepted: return os << "accepted";
    case Step::kRegex: return os << "rejected by the regex";
    case Step::kConvert: return os << "rejected by convert";
  }
  return os << "?";
}

struct Outcome {
  Step step = Step::kRegex;
  Value value;
  std::string error;  // set when step is kConvert
};

// The options rule regexes are compiled with (bytes, quiet), minus the rule around the field.
inline RE2::Options quiet_options() { return rule_regex_options(); }

class FieldCheck {
 public:
  // Fails the current test case when `name` is not registered or its regex does not compile.
  explicit FieldCheck(std::string_view name) : type_(find_field_type(name)) {
    REQUIRE(type_ != nullptr);
    re_ = std::make_unique<RE2>("(?:" + std::string(type_->regex) + ")", quiet_options());
    INFO(re_->error());
    REQUIRE(re_->ok());
  }

  const FieldType& type() const { return *type_; }

  Outcome run(std::string_view text) const {
    Outcome o;
    if (!RE2::FullMatch(text, *re_)) return o;
    o.step = type_->convert(text, &o.value, &o.error) ? Step::kAccepted : Step::kConvert;
    return o;
  }

 private:
  const FieldType* type_;
  std::unique_ptr<RE2> re_;
};

}  // namespace strictlog::testing
