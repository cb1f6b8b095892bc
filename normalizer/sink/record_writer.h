// Record formats: how events and quarantine records are laid out in an OutputStream, and the reader
// `strictlog cat` uses to turn an event stream back into messages.
//
// Event streams (`--format pb`, the fast path) are length-delimited protobuf: each record is a varint
// byte length followed by a serialized strictlog.v1.Event, byte-identical to what
// google::protobuf::util::SerializeDelimitedToOstream writes, so any protobuf runtime can read them.
// JSON lines (`--format jsonl`, events; always for quarantine) are proto3 JSON with the .proto field
// names (`preserve_proto_field_names`), one object per line. proto3 JSON prints uint64 as a string,
// bytes as base64, and omits zero values of fields without presence. The bytes are exactly what
// protobuf's util::MessageToJsonString prints, written by a faster encoder (sink/internal/json_encoder.h)
// that hands anything unusual to protobuf itself.
//
// Errors (Diagnostics without a position):
//   serialize-failed  `cannot serialize event (input 'a.log' line 3): String field
//                      'strictlog.v1.Envelope.hostname' contains invalid UTF-8 data ...`; nothing is written.
//   truncated-record  `cannot read 'e.pb': truncated record at byte offset 120 (57 bytes declared,
//                      12 present)`
//   bad-record        `cannot read 'e.pb': bad record at byte offset 120 (not a valid strictlog.v1.Event)`
//   read-failed       `cannot read 'e.pb': Is a directory`
// plus whatever the OutputStream reports (write-failed, ...).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include "common/result.h"
#include "sink/atomic_file.h"
#include "strictlog/v1/event.pb.h"
#include "strictlog/v1/quarantine.pb.h"

namespace google::protobuf::io {
class ZeroCopyInputStream;
class FileInputStream;
}  // namespace google::protobuf::io

namespace strictlog {

enum class EventFormat { kProtobuf, kJsonLines };

// Budget: the largest serialized record written or accepted. Events are a few hundred bytes; a length
// prefix beyond this is corruption, and reading it must not allocate gigabytes.
inline constexpr uint32_t kMaxRecordBytes = 64u << 20;

// Routes protobuf's own log output (by default: stderr) away from the terminal. protobuf 3.21 reports
// some data errors only by logging, e.g. an invalid-UTF-8 `string` field is serialized with a logged
// ERROR and JSON printing silently drops the bad bytes. Here such a message is captured and turned
// into an error by the writer or reader that caused it (serialize-failed, bad-record); anything
// logged outside them is dropped, so libraries never print behind the CLI's back. FATAL messages still
// go to stderr, because protobuf aborts right after them.
// Idempotent. The writers and the reader call it on construction; protobuf's SetLogHandler is not
// thread-safe, so the CLI should also call it first thing in main(), before starting threads.
void silence_protobuf_logging();

// The records the writers below write, appended to a buffer instead: for records collected in memory first
// (the batches of pipeline/parallel.h, encoded on worker threads and written in input order). The bytes are
// exactly those of EventWriter::write() and QuarantineWriter::write(). On serialize-failed `*out` is left
// as it was. Thread-safe.
Status append_event_record(const v1::Event& event, EventFormat format, std::string* out);
Status append_quarantine_record(const v1::QuarantineRecord& record, std::string* out);

// Writes events to `out` (not owned; must outlive the writer). Not thread-safe.
class EventWriter {
 public:
  EventWriter(OutputStream& out, EventFormat format);
  // Serializes `event` completely before writing any byte of it, so a serialize-failed event leaves
  // the stream unchanged.
  Status write(const v1::Event& event);

 private:
  OutputStream& out_;
  EventFormat format_;
  std::string buffer_;  // reused across records: no allocation per event once warm
};

// Writes quarantine records to `out` as JSON lines (quarantine is for people and grep, not speed).
class QuarantineWriter {
 public:
  explicit QuarantineWriter(OutputStream& out);
  Status write(const v1::QuarantineRecord& record);

 private:
  OutputStream& out_;
  std::string buffer_;
};

// Reads a length-delimited event stream. `name` is what errors call the input (a path, or `-`).
class EventReader {
 public:
  // Reads `fd` (not owned, not closed).
  EventReader(int fd, std::string name);
  // Reads `in` (not owned; must outlive the reader).
  EventReader(std::istream& in, std::string name);
  ~EventReader();
  EventReader(const EventReader&) = delete;
  EventReader& operator=(const EventReader&) = delete;

  // The next event; nullopt at a clean end of input (between records). Errors carry the byte offset of
  // the record's length prefix. After bad-record (a complete record that does not parse) the next call
  // continues with the following record; truncated-record, read-failed and a corrupt length prefix are
  // final: every later call returns the same error.
  Result<std::optional<v1::Event>> read();

  // Byte offset of the next record.
  uint64_t offset() const { return offset_; }

 private:
  Diagnostic error(const char* code, const std::string& detail) const;

  std::unique_ptr<google::protobuf::io::ZeroCopyInputStream> in_;
  google::protobuf::io::FileInputStream* file_ = nullptr;  // = in_ when reading an fd, for errno
  std::string name_;
  uint64_t offset_ = 0;
  std::string buffer_;
  std::optional<Diagnostic> final_error_;
};

}  // namespace strictlog
