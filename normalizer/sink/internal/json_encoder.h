// Fast proto3 JSON for the jsonl writers: the bytes protobuf 3.21 prints, without its round trip.
// Internal to the sink stage.
//
// `util::MessageToJsonString` serializes the message to binary and walks the wire format through a
// TypeResolver (about 18 µs for an Event). append_json() walks the message by reflection instead and
// writes the same bytes directly. The reference is MessageToJsonString with JsonPrintOptions
// `preserve_proto_field_names = true` and every other option at its default, which is what the writers
// always used; tests/sink/json_encoder_test.cc checks the two against each other.
//
// What it renders itself (messages of proto3 files):
//   string        JSON-escaped like protobuf's JsonEscaping: `"` and `\` as \" and \\; \b \t \n \f \r;
//                 other C0 controls, `<`, `>`, U+007F-U+009F, U+00AD, U+0600-0603, U+06DD, U+070F,
//                 U+17B4-17B5, U+200B-200F, U+2028-202E, U+2060-2064, U+206A-206F, U+FEFF, U+FFF9-FFFB as
//                 \uxxxx with lowercase hex; U+1D173-1D17A, U+E0001, U+E0020-E007F as a surrogate pair
//                 \udxxx\udxxx. Everything else (including `&`, `'`, `=`, emoji) as raw UTF-8.
//   bytes         standard base64 with padding
//   bool, int32, sint32, sfixed32, uint32, fixed32          bare numbers
//   int64, sint64, sfixed64, uint64, fixed64                quoted decimal
//   enum          quoted value name; the bare number when the value has no name
//   message       nested object; repeated fields as arrays
//   google.protobuf.Timestamp   "YYYY-MM-DDTHH:MM:SS[.fff|.ffffff|.fffffffff]Z" (UTC; no fraction when
//                 nanos is 0, else the shortest of 3, 6 or 9 digits that is exact)
// Fields come in field-number order, which is the order of protobuf's wire-format walk. A field without
// presence is left out when it holds its zero value; `optional` fields, oneof members and message fields are
// printed whenever they are set, zero or not.
//
// Everything else is handed to MessageToJsonString itself, for the whole message, so the output is the same
// either way: a type that has, or reaches through its message fields, a float, double, map or group field,
// or any other type of package google.protobuf (Any, Struct, Duration, wrappers, the NullValue enum, ...);
// such a type as the top-level message, Timestamp included; proto2 files; nesting deeper than 32 levels; a
// Timestamp outside 0001-01-01..9999-12-31 or with nanos outside 0..999999999 (protobuf reports it); and
// a string field that is not well-formed UTF-8 (RFC 3629: no overlong forms, surrogates or code points
// above U+10FFFF), which is what protobuf's serializer rejects.
#pragma once

#include <optional>
#include <string>

namespace google::protobuf {
class Message;
}

namespace strictlog::sink_internal {

// Appends the proto3 JSON of `message` to `*out`, exactly as MessageToJsonString with
// preserve_proto_field_names would produce it, and returns std::nullopt.
//
// When protobuf would fail or complain instead, returns the text it reports and leaves `*out` as it was:
// the error status message (e.g. `Timestamp seconds exceeds limit for field: time`), or the first
// warning/error it logs; for a string field holding invalid UTF-8 that is
//   String field 'strictlog.v1.Envelope.hostname' contains invalid UTF-8 data when serializing a
//   protocol buffer. Use the 'bytes' type if you intend to send raw bytes.
// (protobuf itself would print the field with the bad bytes silently dropped and report success).
//
// Thread-safe. For the generated pool (compiled-in types) the first message of each type builds a plan
// under a lock, kept for the life of the process; later calls only read it and allocate nothing once
// `*out` has the capacity. A message of another pool (DynamicMessage) gets a plan built per call, since
// its pool may be destroyed afterwards: correct, but slower. The fallback path allocates.
[[nodiscard]] std::optional<std::string> append_json(const google::protobuf::Message& message, std::string* out);

// The fast path alone: appends what append_json() would and returns true, or returns false with `*out`
// unchanged when the message is one of the cases above that only protobuf's printer handles. Exposed so
// that tests can tell which path printed a message.
[[nodiscard]] bool try_append_json(const google::protobuf::Message& message, std::string* out);

}  // namespace strictlog::sink_internal
