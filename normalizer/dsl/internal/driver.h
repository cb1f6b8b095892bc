// Runs a PEGTL declaration grammar over a whole file and collects every syntax error, for the grammar DSL
// and the mapping language alike. PEGTL stops at the first must<> failure, so the driver parses one
// declaration at a time and, after an error, resumes at the next line whose first word is one of
// `keywords`.
#pragma once

#include <initializer_list>
#include <string_view>

#include <tao/pegtl.hpp>

#include "common/diagnostic.h"

namespace strictlog::dsl::internal {

// Byte offset of the next line after `from` whose first word is one of `keywords`; text.size() if none.
size_t resync_offset(std::string_view text, size_t from, std::initializer_list<std::string_view> keywords);

// Where to report a parse error found at `byte`: PEGTL reports the start of the token it expected, which
// after blank lines is the next declaration; when the gap holds a line break the error moves back to just
// after the last non-blank byte ("expected ';'" then points at the end of the unfinished line).
Position error_position(const SourceRef& source, size_t byte, size_t line, size_t column);

// Position (line, column) of byte `to`, counted onward from a known position at byte `from`.
void advance_position(std::string_view text, size_t from, size_t to, size_t* line, size_t* column);

// NextDeclaration must match blanks then either the end of input or one declaration (raising on error).
template <typename NextDeclaration, template <typename...> class Action, template <typename...> class Control,
          typename State>
void parse_declarations(const SourceRef& source, std::initializer_list<std::string_view> keywords, State& st,
                        Diagnostics* errors) {
  namespace p = tao::pegtl;
  const std::string& text = source->text;
  size_t byte = 0, line = 1, column = 1;
  while (byte < text.size()) {
    p::memory_input<> in(text.data() + byte, text.data() + text.size(), source->path, byte, line, column);
    try {
      p::parse<NextDeclaration, Action, Control>(in, st);
      auto pos = in.position();
      byte = pos.byte;
      line = pos.line;
      column = pos.column;
    } catch (const p::parse_error& e) {
      const auto& pos = e.positions().front();
      errors->push_back(Diagnostic{error_position(source, pos.byte, pos.line, pos.column), "syntax-error",
                                   std::string(e.message()), {}});
      size_t next = resync_offset(text, pos.byte, keywords);
      line = pos.line;
      column = pos.column;
      advance_position(text, pos.byte, next, &line, &column);
      byte = next;
    }
  }
}

}  // namespace strictlog::dsl::internal
