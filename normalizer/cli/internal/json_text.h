// JSON text for the CLI's own output (diff's JSON report, serve's JSON log records).
#pragma once

#include <string>
#include <string_view>

namespace strictlog::cli {

// A JSON string of `s`, quotes included. JSON text must be UTF-8: bytes that are not part of well-formed UTF-8
// (a file name, say) become U+FFFD. Raw lines, which must stay exact, are written as base64 instead.
std::string json_string(std::string_view s);

}  // namespace strictlog::cli
