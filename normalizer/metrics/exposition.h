// Exposition: metrics in the Prometheus text format, version 0.0.4 (what `serve --metrics` answers).
//
// A family is begun with its name, type and help (`# HELP` and `# TYPE` lines), then takes its samples, each
// with its labels. Names are checked (the format's grammar; a counter's name ends in `_total`), label values
// and help text are escaped, so no caller can break the format. Label values must come from bounded sets
// (listeners, rules, reasons, codes): never a peer address or a message, which would grow without end.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace strictlog {

class Exposition {
 public:
  enum class Type { kCounter, kGauge };
  using Labels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

  // Begins a family. Precondition (asserted by is_metric_name): `name` is a metric name, ending in `_total`
  // for a counter; each family is begun once.
  void family(std::string_view name, Type type, std::string_view help);
  // A sample of the family begun last.
  void sample(Labels labels, uint64_t value);
  void sample(Labels labels, double value);
  void sample(uint64_t value) { sample({}, value); }

  const std::string& text() const { return text_; }

 private:
  void begin_sample(Labels labels);
  std::string text_;
  std::string name_;
};

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool is_metric_name(std::string_view name);

}  // namespace strictlog
