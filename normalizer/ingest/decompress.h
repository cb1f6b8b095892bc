// Compressed input: gzip (RFC 1952, through zlib) and zstd (RFC 8878, through libzstd), recognised by their
// first bytes, never by a file name, so compressed stdin is read too.
//
// open_byte_source() wraps the raw bytes of an input. The first read sniffs up to kSniffBytes bytes; input
// that does not start with a magic number (or is shorter than one) then passes through unchanged, with no copy
// beyond those few bytes. Otherwise the source delivers the decompressed bytes:
//   - every gzip member of the input in turn (`cat a.gz b.gz > ab.gz` reads as a then b), and every zstd
//     frame in turn (skippable frames are skipped), to the end of the input;
//   - anything else fails with the code `decompress-failed`, naming the input and the offset in the
//     compressed input:
//       "cannot decompress 'x.log.gz': the gzip data ends inside a member after 1234 compressed bytes (truncated?)"
//       "cannot decompress 'x.log.gz': corrupt gzip data at compressed byte offset 1234: invalid block type"
//       "cannot decompress 'x.log.gz': unexpected data after the last gzip member at compressed byte offset 1234"
//       "cannot decompress 'x.log.zst': corrupt zstd data in the frame at compressed byte offset 0: Data
//        corruption detected"
//     and the other two with "zstd" and "frame". The offset of corrupt gzip data is where zlib stopped, which
//     may lie a few bytes past the damage (a wrong CRC-32 is found at the member's end); libzstd reads ahead
//     of what it decodes, so for zstd the frame is named. Read errors of the raw source are passed on as they
//     are (their offsets count compressed bytes).
// The bytes decoded before a failure are delivered first, like those read before a read error. Offsets of the
// lines LineReader cuts from this source are offsets in the decompressed stream.
//
// Memory is fixed whatever the input: a 128 KiB input buffer and the decoder's window, which zlib keeps at
// 32 KiB and libzstd at the frame's window size, at most 2^kZstdWindowLogMax bytes (128 MiB, libzstd's own
// default limit: every compression level and `zstd --long` fit). A frame that asks for more is refused:
//       "cannot decompress 'x.log.zst': the zstd frame at compressed byte offset 0 needs a window over the limit
//        of 128 MiB (written with --long=28 or more?)"
// Output is decoded straight into the caller's buffer, so a zip bomb costs time, never memory.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "ingest/byte_source.h"

namespace strictlog {

enum class Compression { kNone, kGzip, kZstd };

// The most bytes sniff_compression() looks at.
inline constexpr size_t kSniffBytes = 4;
inline constexpr int kZstdWindowLogMax = 27;

// What the first bytes of an input say it is: gzip `1f 8b`, zstd `28 b5 2f fd` (a frame) or `5? 2a 4d 18` (a
// skippable frame, as pzstd writes first); anything else, or fewer bytes than the magic number, is kNone.
Compression sniff_compression(std::string_view head);

// `raw`, decompressed when its first bytes say so (see above). `name` is what errors call the input ('-' for
// stdin); give `raw` the same name for its own read errors.
std::unique_ptr<ByteSource> open_byte_source(std::unique_ptr<ByteSource> raw, std::string name);

}  // namespace strictlog
