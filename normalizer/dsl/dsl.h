// The grammar DSL: parses `*.grammar` files into a GrammarFile. Syntax (docs/GRAMMAR.md has the manual):
//
//   # comment
//   grammar openvpn 2.6;                         # name and source version; exactly once, first
//   programs "openvpn" "ovpn-*";                 # syslog TAG globs the grammar applies to
//   pattern peer = [ common_name:cn "/" ] ip:ipv4 ":" port:port;
//   rule tls_handshake_failed = peer:peer " TLS Error: TLS handshake failed"
//     example "198.51.100.7:51234 TLS Error: TLS handshake failed";
//
// Elements: "literal text" (escapes \" \\ \t), name:type captures (a field type or a pattern),
// and [ optional groups ].
//
// Parsing collects every syntax error: after an error it resynchronises at the next declaration
// keyword at the start of a line, so one run reports all broken declarations.
#pragma once

#include <string>

#include "common/result.h"
#include "dsl/grammar_ast.h"

namespace strictlog::dsl {

// Parses a whole grammar file. Semantic checks (unknown types, duplicate ids) belong to the compiler.
Result<GrammarFile> parse_grammar(SourceRef source);

// The grammar `extension` (`grammar openvpn 2.7 extends 2.6;`) with what it inherits from `base` (the 2.6
// grammar, itself already extended): base's patterns, rules and drop rules in base's order, with each
// `override` put in place of the declaration it replaces (so rules that use an overridden pattern use the new
// one), `remove`d rules left out, and the extension's new declarations after them; base's precedences except
// those naming a removed rule, then the extension's; base's programs unless the extension declares its own.
// Inherited declarations keep their positions in base's file. `default;` and `detect` are not inherited.
// Errors: an override of a name base lacks (`override-unknown`), a new declaration of a name base has
// (`inherited-name`, which says to write `override`), a removal of a rule base lacks (`remove-unknown`) or that
// the extension also declares (`remove-declared`).
Result<GrammarFile> extend_grammar(const GrammarFile& base, const GrammarFile& extension);

}  // namespace strictlog::dsl
