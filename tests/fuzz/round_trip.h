// A check both targets that produce protobuf messages share.
#pragma once

#include <google/protobuf/message.h>

#include "targets.h"

namespace strictlog::fuzz {

// Serializes `m`, parses the bytes into a fresh message of its type, and compares the two field by field. Fails
// on anything protobuf logs meanwhile: protobuf 3.21 serializes an invalid-UTF-8 proto3 `string` with nothing
// but a logged ERROR, then refuses to parse it, so an event or record holding one would be unreadable.
Violation round_trip(const google::protobuf::Message& m);

}  // namespace strictlog::fuzz
