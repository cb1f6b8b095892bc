// Mappings: from a rule's captures to the fields of one payload message of `strictlog.v1.Event`.
//
//   # mappings/openvpn/2.6.mapping
//   mapping openvpn 2.6;                       # the grammar (name and source version) this file maps
//   rule tls_handshake_failed -> strictlog.openvpn.v1.TlsHandshakeFailed {
//     src_endpoint.ip = client.ip;             # field path = capture
//     src_endpoint = client;                   # message = pattern capture: client.X sets src_endpoint.X
//     hardness = enum(hardness);               # field = conversion(capture)
//     action = "SIGNAL_ACTION_RESTARTING";     # field = constant: "string", number, or an enum value's name
//     discard client.common_name;              # a capture deliberately not mapped
//   }
//
// Binding checks every mapping against the compiled-in protobuf descriptors and the compiled grammars and
// collects every error, each at its position: unknown grammar, rule, message, field or capture; a type that
// does not fit the field; a capture neither mapped nor discarded; a rule without a mapping; a rule mapped
// twice. A bound MappingSet is immutable and shared between threads.
#pragma once

#include <re2/stringpiece.h>

#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "compile/compile.h"
#include "mapping/mapping_ast.h"
#include "strictlog/v1/event.pb.h"

namespace strictlog {

namespace mapping {
Result<MappingFile> parse_mapping(SourceRef source);
}  // namespace mapping

// One field assignment, resolved against the descriptors.
struct FieldOp {
  enum class Source { kCapture, kConstant, kEnumFromText };
  Source source = Source::kCapture;
  // Message fields from the payload down to the leaf; all but the last are singular message fields.
  std::vector<const google::protobuf::FieldDescriptor*> path;
  // reflections[i] is the reflection of the message that holds path[i], looked up when binding: asking each
  // message for it per line goes through its descriptor table's once-flag every time. Empty (an op made by
  // hand) or null: each message is asked.
  std::vector<const google::protobuf::Reflection*> reflections;
  std::string field_name;  // dotted, for error texts
  int capture = -1;        // kCapture, kEnumFromText: index into CompiledRule::captures
  // Further captures of the same name (alternatives, at most one present in a match): the first present
  // of `capture` and these sets the field.
  std::vector<int> alternatives;
  // kConstant: the value, already checked against the leaf's type.
  std::string string_value;
  uint64_t number_value = 0;
  // kEnumFromText: lowercase text form ('-' for '_') of each value without the enum's prefix, and its number,
  // then the texts the mapping names explicitly (`enum(c, "text" = VALUE)`).
  std::vector<std::pair<std::string, int>> enum_values;
};

struct RuleMapping {
  // The Event oneof member to set; null for a drop rule, which has no mapping.
  const google::protobuf::FieldDescriptor* payload = nullptr;
  std::vector<FieldOp> ops;
  // True when the rule takes the mapping of the version its grammar extends (no mapping of its own).
  bool inherited = false;
};

// mappings[g][r] maps grammars[g].rules[r]; every rule has exactly one (a drop rule's is empty).
struct MappingSet {
  std::vector<std::vector<RuleMapping>> mappings;
};

Result<MappingSet> bind_mappings(const std::vector<mapping::MappingFile>& files,
                                 const std::vector<CompiledGrammar>& grammars);

// Converts every present capture to its type's value into `values` (scratch with room for
// rule.captures.size() entries). On failure returns false and sets `*error`, e.g. "capture 'client.port':
// cannot convert '65536' to port: 65536 is greater than 65535".
bool convert_captures(const CompiledRule& rule, const re2::StringPiece* groups, Value* values, std::string* error);

// Converts every present capture and sets the payload of `event` (whose payload must be unset); for a drop
// rule's empty mapping it only converts.
// On a conversion failure returns false, sets `*error` (e.g. "capture 'client.port': cannot convert '65536'
// to port: 65536 is greater than 65535") and leaves the payload in an unspecified state: the caller must
// discard the event. `values` is scratch with room for rule.captures.size() entries.
bool apply_mapping(const RuleMapping& mapping, const CompiledRule& rule, const re2::StringPiece* groups,
                   Value* values, v1::Event* event, std::string* error);

}  // namespace strictlog
