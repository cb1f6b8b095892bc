// A readable dump of what a grammar compiled to, for `strictlog compile --dump` and the golden test
// (tests/compile/golden/): per rule its regex, its capture groups and its optional-group variants, so that
// a change to the compiler or to a field type shows up as a reviewable diff.
#pragma once

#include <string>

#include "compile/compile.h"

namespace strictlog {

// `rule <id>` (`drop <id>` for a drop rule), `  regex <regex>`, `  capture <group> <name> <type>[ optional]`
// for each RE2 group, then `  variant <regex>` for each variant, in the order extract() tries them; last,
// `prefer <winner> over <loser>` for each precedence. Rules are anchored by RE2::ANCHOR_BOTH, not by ^ and
// $, so each regex is shown exactly as compiled.
std::string dump_grammar(const CompiledGrammar& g);

}  // namespace strictlog
