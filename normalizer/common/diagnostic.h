// Diagnostics: positioned, coded errors about grammar and mapping files (and any other text a user wrote).
//
// Every diagnostic points: `file:line:col: message [code]`, then the source line, then a caret under the
// column. Loading collects all diagnostics before failing, so one run shows every mistake.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace strictlog {

// A loaded text file that diagnostics point into. Shared, so diagnostics stay printable after the loader
// that produced them is gone.
struct SourceFile {
  std::string path;  // as the user should see it, e.g. `grammars/openvpn/2.6.grammar`
  std::string text;

  // The text of 1-based line `line`, without its terminator; empty past the end.
  std::string_view line_text(uint32_t line) const;
};
using SourceRef = std::shared_ptr<const SourceFile>;

// 1-based line; 1-based column counted in bytes (as PEGTL counts). Rendering converts to display columns.
struct Position {
  SourceRef source;
  uint32_t line = 0;
  uint32_t column = 0;

  bool operator==(const Position&) const = default;  // same file object, line and column
};

// `path:line:col`, the form every message that points into a file uses.
std::string to_string(const Position& p);

struct Diagnostic {
  Position where;
  // Stable, kebab-case code, e.g. `unknown-field-type`. Tests and scripts may key on it.
  std::string code;
  std::string message;
  // Secondary positions, e.g. the first definition in a duplicate-definition error.
  struct Note {
    Position where;
    std::string message;
  };
  std::vector<Note> notes;
};
using Diagnostics = std::vector<Diagnostic>;

// `path:line:col: message [code]`, the source line, a caret line; then each note the same way.
// Tabs in the echoed line are expanded and the caret counts UTF-8 code points, so it stays under the
// right character. A diagnostic without a source prints `message [code]` alone.
std::string render(const Diagnostic& d);
std::string render(const Diagnostics& ds);

}  // namespace strictlog
