// Steps of the RFC 3164 parser that other header formats with the RFC 3164 layout reuse, so that they read
// HOSTNAME and TAG exactly as parse_rfc3164 does, with the same reasons (rfc3164_reason). Internal to ingest.
#pragma once

#include <cstddef>
#include <string_view>

#include "ingest/header.h"

namespace strictlog::ingest_internal {

// Reads `HOSTNAME SP TAG[pid]: message` from line[pos] on, as parse_rfc3164 does after its TIMESTAMP and the
// SP that follows it, into the fields parse_rfc3164 fills from HOSTNAME on (hostname, program, pid, message,
// ...). On failure returns false with an rfc3164_reason text in *why and its offset in `line` (not from
// `pos`) in *where; *h may then be partly filled. Defined in rfc3164.cc.
bool parse_rfc3164_host_tag(std::string_view line, size_t pos, SyslogHeader* h, std::string_view* why,
                            size_t* where);

}  // namespace strictlog::ingest_internal
