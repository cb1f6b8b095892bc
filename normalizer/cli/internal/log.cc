#include "cli/internal/log.h"

#include <fmt/format.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "cli/internal/json_text.h"

namespace strictlog::cli {
namespace {

std::atomic<LogFormat> g_format{LogFormat::kText};
std::array<std::atomic<uint64_t>, static_cast<size_t>(LogCode::kCount)> g_records{};

std::string utc_now() {
  auto now = std::chrono::system_clock::now();
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(micros / 1000000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, micros % 1000000);
}

}  // namespace

std::string_view to_string(LogCode code) {
  switch (code) {
    case LogCode::kListening: return "listening";
    case LogCode::kStopping: return "stopping";
    case LogCode::kStopped: return "stopped";
    case LogCode::kTlsHandshakeFailed: return "tls_handshake_failed";
    case LogCode::kConnectionRefused: return "connection_refused";
    case LogCode::kRateLimitBegins: return "rate_limit_begins";
    case LogCode::kRateLimitEnds: return "rate_limit_ends";
    case LogCode::kReloaded: return "reloaded";
    case LogCode::kReloadFailed: return "reload_failed";
    case LogCode::kRotated: return "rotated";
    case LogCode::kOutputPaused: return "output_paused";
    case LogCode::kOutputResumed: return "output_resumed";
    case LogCode::kFailed: return "failed";
    case LogCode::kPrivilegesDropped: return "privileges_dropped";
    case LogCode::kNotifyFailed: return "notify_failed";
    case LogCode::kCount: break;
  }
  return "unknown";
}

std::string_view to_string(LogLevel level) {
  switch (level) {
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kError: return "error";
  }
  return "unknown";
}

uint64_t log_records(LogCode code) {
  auto i = static_cast<size_t>(code);
  return i < g_records.size() ? g_records[i].load(std::memory_order_relaxed) : 0;
}

void set_log_format(LogFormat format) { g_format = format; }
LogFormat log_format() { return g_format; }

void log_event(std::string_view command, LogLevel level, LogCode code, std::string_view message,
               std::initializer_list<LogField> fields) {
  if (auto i = static_cast<size_t>(code); i < g_records.size()) g_records[i].fetch_add(1, std::memory_order_relaxed);
  std::string record;
  if (g_format == LogFormat::kText) {
    record = fmt::format("strictlog {}: {}\n", command, message);
  } else {
    record = fmt::format("{{\"time\":\"{}\",\"level\":\"{}\",\"code\":\"{}\",\"command\":{},\"message\":{}",
                         utc_now(), to_string(level), to_string(code), json_string(command), json_string(message));
    for (const LogField& f : fields) record += fmt::format(",{}:{}", json_string(f.key), json_string(f.value));
    record += "}\n";
  }
  std::fputs(record.c_str(), stderr);
}

}  // namespace strictlog::cli
