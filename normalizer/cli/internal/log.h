// What `strictlog serve` says while it runs: one record per event, each with a level and a code from a closed
// set (LogCode), so that an operator can alert on a code rather than on wording. Written to stderr, which
// systemd's journal or a supervisor collects.
//
// Formats (--log-format):
//   text  `strictlog serve: <message>`, the message naming its facts in words (the default; one line each);
//   json  one JSON object per line: {"time":"2026-11-23T08:01:02.123456Z","level":"warning",
//         "code":"tls_handshake_failed","message":"...", then each field as a string: "listener":"...",...}.
// Thread-safe: records are written whole (one fputs per record).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace strictlog::cli {

enum class LogFormat { kText, kJson };
enum class LogLevel { kInfo, kWarning, kError };

// The codes serve logs; docs/SERVE.md lists each with its meaning. Add one there when adding one here.
enum class LogCode {
  kListening,           // every listener is bound; serve reads
  kStopping,            // a stop signal: draining
  kStopped,             // the run's summary
  kTlsHandshakeFailed,  // a TLS client failed its handshake (or its certificate was refused)
  kConnectionRefused,   // over --max-connections
  kRateLimitBegins,     // a peer went over --rate-limit
  kRateLimitEnds,       // ... and is back under it
  kReloaded,            // SIGHUP: the new grammars and mappings are in use
  kReloadFailed,        // SIGHUP: they did not load; the old set goes on
  kRotated,             // SIGUSR1 or a rotation limit: a segment was published
  kOutputPaused,        // an output cannot be written (disk full): reading paused
  kOutputResumed,
  kFailed,              // serve cannot go on and stops
  kPrivilegesDropped,   // --user: serve runs as that user from now on
  kNotifyFailed,        // systemd (NOTIFY_SOCKET) could not be told serve's state
  kCount,               // not a code: the number of codes (keep it last)
};

// The code's name in logs and docs: `tls_handshake_failed`.
std::string_view to_string(LogCode code);
std::string_view to_string(LogLevel level);

struct LogField {
  std::string_view key;  // a constant, snake_case
  std::string value;
};

// How many records of `code` were written since the process started (the metric
// strictlog_log_records_total{code=...}). Thread-safe.
uint64_t log_records(LogCode code);

// Process-wide; set once, before serve starts its threads.
void set_log_format(LogFormat format);
LogFormat log_format();

// Writes one record for `command` (`serve`): in text, `strictlog <command>: <message>`; in JSON, the
// message and every field.
void log_event(std::string_view command, LogLevel level, LogCode code, std::string_view message,
               std::initializer_list<LogField> fields = {});

}  // namespace strictlog::cli
