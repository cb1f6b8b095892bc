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

}  // namespace strictlog::dsl
