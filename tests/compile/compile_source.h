// Test helper: grammar text → compile_grammar() result, for texts that parse. A parse error fails the test
// with the rendered diagnostics, so a broken fixture is never mistaken for a compile error.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "compile/compile.h"
#include "dsl/dsl.h"

namespace strictlog::testing {

inline SourceRef grammar_source(std::string_view text) {
  return std::make_shared<const SourceFile>(SourceFile{"g/t.grammar", std::string(text)});
}

inline Result<CompiledGrammar> compile_text(std::string_view text, const CompileLimits& limits = {}) {
  auto parsed = dsl::parse_grammar(grammar_source(text));
  INFO((parsed.ok() ? std::string() : render(parsed.errors())));
  REQUIRE(parsed.ok());
  return compile_grammar(parsed.value(), limits);
}

}  // namespace strictlog::testing
