// Flat text: a protobuf message as one `path: value` pair per set field, the form corpus expectations are
// written and diffed in. Values carry their type:
//
//   envelope.hostname: "vpn-gw1"                       string: double-quoted, escapes \" \\ \n \r \t \xHH
//                                                      (\xHH for other control bytes and for bytes that are
//                                                      not well-formed UTF-8; other UTF-8 stays as it is)
//   envelope.pid: 1187                                 integers: decimal, '-' for negative ones
//   payload.ratio: 0.25                                double, float: the shortest text that reads back as the
//                                                      same value (1.5, 1e+300, inf, nan); any decimal is read
//   envelope.time_year_inferred: true                  bool
//   openvpn_client_instance_signal.hardness: SIGNAL_HARDNESS_SOFT     enum: the value's name
//   envelope.time: 2026-11-22T09:15:02Z                google.protobuf.Timestamp: RFC 3339, UTC
//   raw_bytes: b"\xff\x00"                             bytes: b"..." with the same escapes
//   openvpn_tls_handshake_failed.src_endpoint: {}      a set message with no field set
//   candidate_rule_ids.0: "openvpn/2.6/x"              a repeated field: one line per element, in order
//   envelope.structured_data.0.id: "origin"            a repeated message: each element's fields under its
//                                                      index (`{}` for an element with no field set)
//   payload.attrs.uid: "0"                             a map: one line per entry, sorted by key (strings
//   payload.attrs."two words": "x"                     bytewise, numbers by value). The key is everything
//                                                      after the map's name and '.'; a string key is written
//                                                      bare when it is one or more of [A-Za-z0-9_.-] (every
//                                                      `kv` key is), else quoted, with ':' as \x3a so that a
//                                                      path never holds ": ". Maps of messages are left out.
//
// (`payload` stands for a payload field of strictlog.v1.Event, e.g. `openvpn_tls_handshake_failed`.)
//
// A field is listed when it is present: proto3 `optional` fields and messages by their has-bit, plain
// scalars when not zero/empty (proto3 cannot tell those from unset). So comparing two flat lists compares
// values, types and presence.
#pragma once

#include <google/protobuf/message.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strictlog {

using FlatField = std::pair<std::string, std::string>;  // path, value text

// Set fields in field-number order, depth first. Paths listed in `skip` (e.g. `envelope.uid`), and
// everything below them, are left out.
std::vector<FlatField> flatten(const google::protobuf::Message& m, const std::vector<std::string>& skip = {});

// Sets the field at `path` (dotted, from `m`) to `value` written as flatten() writes it. Returns an empty
// string on success, else why not, e.g. "message strictlog.v1.Envelope has no field 'hostnme'" or
// "field 'envelope.pid' is uint32: expected a number from 0 to 4294967295, got \"1187\"". Fails rather than
// clear another member of the same oneof that an earlier call set, or than set a map's key twice.
std::string set_flat_field(google::protobuf::Message* m, std::string_view path, std::string_view value);

// The quoted form of `bytes` as flatten() writes strings (without the `b` prefix), and its inverse;
// unquote() returns false on malformed text.
std::string quote(std::string_view bytes);
bool unquote(std::string_view quoted, std::string* out);

}  // namespace strictlog
