#include "metrics/exposition.h"

#include <fmt/format.h>

#include <cassert>
#include <cmath>

namespace strictlog {
namespace {

[[maybe_unused]] bool is_label_name(std::string_view name) {
  if (name.empty() || name.substr(0, 2) == "__") return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

// The format's escapes: in label values `\`, `"` and line feed; in help text `\` and line feed.
void append_escaped(std::string_view s, bool quote, std::string* out) {
  for (char c : s) {
    if (c == '\\') {
      *out += "\\\\";
    } else if (c == '\n') {
      *out += "\\n";
    } else if (c == '"' && quote) {
      *out += "\\\"";
    } else {
      out->push_back(c);
    }
  }
}

}  // namespace

bool is_metric_name(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

void Exposition::family(std::string_view name, Type type, std::string_view help) {
  assert(is_metric_name(name));
  assert(type != Type::kCounter || (name.size() > 6 && name.substr(name.size() - 6) == "_total"));
  name_ = name;
  text_ += fmt::format("# HELP {} ", name);
  append_escaped(help, false, &text_);
  text_ += fmt::format("\n# TYPE {} {}\n", name, type == Type::kCounter ? "counter" : "gauge");
}

void Exposition::begin_sample(Labels labels) {
  text_ += name_;
  if (labels.size() != 0) {
    text_ += '{';
    bool first = true;
    for (const auto& [key, value] : labels) {
      assert(is_label_name(key));
      if (!first) text_ += ',';
      first = false;
      text_ += key;
      text_ += "=\"";
      append_escaped(value, true, &text_);
      text_ += '"';
    }
    text_ += '}';
  }
  text_ += ' ';
}

void Exposition::sample(Labels labels, uint64_t value) {
  begin_sample(labels);
  text_ += fmt::format("{}\n", value);
}

void Exposition::sample(Labels labels, double value) {
  begin_sample(labels);
  if (std::isnan(value)) {
    text_ += "NaN\n";
  } else if (std::isinf(value)) {
    text_ += value > 0 ? "+Inf\n" : "-Inf\n";
  } else {
    text_ += fmt::format("{}\n", value);
  }
}

}  // namespace strictlog
