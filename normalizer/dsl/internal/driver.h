// Runs a PEGTL declaration grammar over a whole file and collects every syntax error, for the grammar DSL
// and the mapping language alike. PEGTL stops at the first must<> failure, so the driver parses one
// declaration at a time and, after an error, resumes at the next line whose first word is one of
// `keywords`.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

#include <tao/pegtl.hpp>

#include "common/diagnostic.h"
#include "common/source_files.h"
#include "ingest/utf8.h"
#include "dsl/internal/peg.h"

namespace strictlog::dsl::internal {

// The text of a matched `string_lit` (quotes included) with its escapes resolved: \" \\ \t.
std::string unescape_string_lit(std::string_view quoted);

// Byte offset of the next line after `from` whose first word is one of `keywords`; text.size() if none.
size_t resync_offset(std::string_view text, size_t from, std::initializer_list<std::string_view> keywords);

// Where to report a parse error found at `byte` in the declaration that starts at `start`. PEGTL reports the
// start of the token it expected, which after blank lines and comments is often the next declaration; unless
// only spaces and tabs separate it from the declaration's last token, the error moves back to just after
// that token ("expected ';'" then points at the end of the unfinished line, not at a comment or the next
// line). An error at `start` itself (no declaration begins there) stays where it was found.
Position error_position(const SourceRef& source, size_t start, size_t byte, size_t line, size_t column);

// Position (line, column) of byte `to`, counted onward from a known position at byte `from`.
void advance_position(std::string_view text, size_t from, size_t to, size_t* line, size_t* column);

// NextDeclaration must match blanks (peg::ws, which the grammar DSL and the mapping language share) then either
// the end of input or one declaration (raising on error).
template <typename NextDeclaration, template <typename...> class Action, template <typename...> class Control,
          typename State>
void parse_declarations(const SourceRef& source, std::initializer_list<std::string_view> keywords, State& st,
                        Diagnostics* errors) {
  namespace p = tao::pegtl;
  const std::string& text = source->text;
  // Grammar and mapping files are UTF-8 text: a stray byte would otherwise reach an event's string field
  // through a literal, which protobuf then cannot serialize (found by fuzz_grammar).
  if (auto bad = check_encoding(text)) {
    errors->push_back(Diagnostic{position_at(source, bad->offset), "encoding",
                                 std::string(bad->what) + ": grammar and mapping files must be UTF-8 text", {}});
    return;
  }
  size_t byte = 0, line = 1, column = 1;
  while (byte < text.size()) {
    // Where the declaration begins, after blanks and comments.
    p::memory_input<> blanks(text.data() + byte, text.data() + text.size(), source->path, byte, line, column);
    p::parse<peg::ws>(blanks);
    const size_t start = blanks.position().byte;
    p::memory_input<> in(text.data() + byte, text.data() + text.size(), source->path, byte, line, column);
    try {
      p::parse<NextDeclaration, Action, Control>(in, st);
      auto pos = in.position();
      byte = pos.byte;
      line = pos.line;
      column = pos.column;
    } catch (const p::parse_error& e) {
      const auto& pos = e.positions().front();
      errors->push_back(Diagnostic{error_position(source, start, pos.byte, pos.line, pos.column), "syntax-error",
                                   std::string(e.message()), {}});
      // Resume at the first keyword line after the broken declaration's start, not after the error: an
      // unfinished declaration is often noticed only at the first token of the next one.
      size_t next = resync_offset(text, start, keywords);
      advance_position(text, byte, next, &line, &column);
      byte = next;
    }
  }
}

}  // namespace strictlog::dsl::internal
