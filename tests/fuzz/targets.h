// The fuzz targets' bodies. libfuzzer_main.cc wraps each in LLVMFuzzerTestOneInput (clang, STRICTLOG_FUZZ), and
// regressions_test.cc replays every committed input through exactly the same function in the normal build.
//
// A body runs one input through a stage and checks what the stage promises beyond "does not crash": frames
// that are the stream's own bytes, split-independent framing, counters that balance, records that serialize,
// dispatch and extraction that agree. It returns the first promise the input broke, as text, or std::nullopt.
// Crashes, leaks and sanitizer reports are the fuzzer's to see.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace strictlog::fuzz {

using Violation = std::optional<std::string>;

// Input: a grammar file's text, optionally followed by kMappingSeparator and a mapping file's text.
// dsl::parse_grammar, then compile_grammar and dump_grammar; every example of every rule goes through dispatch()
// and each rule's extract(), which must agree. The mapping (without a separator: the same text again) is parsed
// and bound against the grammar when it compiled, else against the bundled grammars; bound to the grammar, every
// example is mapped to an event that must serialize.
inline constexpr std::string_view kMappingSeparator = "\n%%\n";
Violation fuzz_grammar(std::string_view input);

// Input: byte 0 chooses a split point and a small maximum message size, the rest is a TCP stream. The stream
// goes through FrameDecoder whole, split in two at that point, and byte by byte, with the default and the small
// maximum; every frame is then read by check_encoding and parse_header.
Violation fuzz_syslog(std::string_view input);

// Input: one line. LineNormalizer::normalize with the bundled grammars/ and mappings/ (loaded once), and a
// second normalizer with `explain` on, which must reach the same outcome.
Violation fuzz_line(std::string_view input);

struct Target {
  std::string_view name;  // also the directory of its seeds (corpus/NAME) and crashers (regressions/NAME)
  Violation (*run)(std::string_view input);
};

inline constexpr Target kTargets[] = {
    {"fuzz_grammar", fuzz_grammar},
    {"fuzz_syslog", fuzz_syslog},
    {"fuzz_line", fuzz_line},
};

}  // namespace strictlog::fuzz
