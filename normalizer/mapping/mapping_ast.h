// The parsed form of one mapping file (`mappings/<source>/<version>.mapping`).
#pragma once

#include <string>
#include <vector>

#include "common/diagnostic.h"

namespace strictlog::mapping {

// In `enum(capture, "text" = VALUE)`: a log text and the enum value it stands for.
struct EnumOverride {
  Position pos;
  std::string text;   // unescaped
  std::string value;  // the enum value's full name, e.g. SIGNAL_HARDNESS_CONNECTION_FAILED
  Position value_pos;
};

// The right-hand side of `field = ...;`.
struct ValueExpr {
  enum class Kind { kCapture, kString, kNumber, kConversion };
  Kind kind = Kind::kCapture;
  Position pos;
  std::string text;        // kCapture: dotted capture name; kString: unescaped text; kNumber: digits;
                           // kConversion: the conversion's name
  std::string argument;    // kConversion: the capture it converts
  Position argument_pos;
  std::vector<EnumOverride> overrides;  // kConversion `enum`: texts named explicitly
};

struct FieldAssignment {
  Position pos;            // the field path
  std::string field;       // dotted path from the payload message, e.g. `src_endpoint.ip`
  ValueExpr value;
};

struct Discard {
  Position pos;
  std::string capture;
};

// `rule ID -> package.Message { ... }`
struct RuleMappingDecl {
  Position pos;
  std::string rule_id;
  std::string message;     // fully qualified payload message name
  Position message_pos;
  std::vector<FieldAssignment> fields;
  std::vector<Discard> discards;
};

struct MappingFile {
  SourceRef source;
  Position header_pos;
  std::string grammar;     // the grammar it maps: `mapping openvpn 2.6;`
  std::string version;
  std::vector<RuleMappingDecl> rules;
};

}  // namespace strictlog::mapping
