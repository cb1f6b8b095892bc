#include "generate/internal/plugin.h"

namespace strictlog::generate {

std::string plugin_error(const Diagnostics& errors) {
  std::string out;
  for (const Diagnostic& e : errors) {
    if (!out.empty()) out += '\n';
    out += e.message;
  }
  return out;
}

}  // namespace strictlog::generate
