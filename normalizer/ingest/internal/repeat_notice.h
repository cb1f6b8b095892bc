// The untagged repeat notice (form 4 of ingest/repeats.h), for the parsers that read HOSTNAME and then, in
// its place, would read a TAG. Internal to ingest; defined in repeats.cc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace strictlog::ingest_internal {

enum class RepeatNotice {
  kNone,       // `text` does not start with "last message repeated " or "last message buffered "
  kNotice,     // exactly "last message repeated N times" or "last message buffered N times"; *count = N
  kMalformed,  // it starts like one but is not: a repeat_reason text in *why, its offset in `text` in *where
};

// `text`: the line after HOSTNAME and its space.
RepeatNotice parse_untagged_repeat_notice(std::string_view text, uint32_t* count, std::string_view* why,
                                          size_t* where);

}  // namespace strictlog::ingest_internal
