// LLVMFuzzerTestOneInput for the target named by STRICTLOG_FUZZ_TARGET (one executable per target, see
// CMakeLists.txt). A broken invariant aborts, so that libFuzzer reports it and saves the input like a crash.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "targets.h"

namespace {

const strictlog::fuzz::Target& this_target() {
  for (const auto& t : strictlog::fuzz::kTargets) {
    if (t.name == STRICTLOG_FUZZ_TARGET) return t;
  }
  std::fprintf(stderr, "no fuzz target named %s in targets.h\n", STRICTLOG_FUZZ_TARGET);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const strictlog::fuzz::Target& target = this_target();
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (auto violation = target.run(input)) {
    std::fprintf(stderr, "%s: invariant broken: %s\n", STRICTLOG_FUZZ_TARGET, violation->c_str());
    std::abort();
  }
  return 0;
}
