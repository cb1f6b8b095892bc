#include "ingest/time_zone.h"

#include <date/tz.h>
#include <fmt/format.h>

#include <chrono>
#include <exception>

namespace strictlog {

Result<TimeZone> TimeZone::locate(std::string_view name) {
  try {
    return TimeZone(date::locate_zone(name), std::string(name));
  } catch (const std::exception&) {
    // date reports an unknown name, and a missing or unreadable tzdata, as runtime_error.
    return plain_error("unknown-time-zone",
                       fmt::format("unknown time zone '{}' (names are IANA's, e.g. Europe/Berlin or UTC)", name));
  }
}

TimeZone::Instant TimeZone::to_unix(int64_t wall) const {
  using namespace std::chrono;
  date::local_seconds local{seconds{wall}};
  date::local_info info = zone_->get_info(local);
  switch (info.result) {
    case date::local_info::unique:
      return {(local.time_since_epoch() - info.first.offset).count(), Fit::kUnique};
    case date::local_info::nonexistent:
      return {0, Fit::kGap};
    case date::local_info::ambiguous:
      // `first` is the period before the transition: the wall time's first occurrence.
      return {(local.time_since_epoch() - info.first.offset).count(), Fit::kFold};
  }
  return {0, Fit::kGap};
}

int64_t TimeZone::to_wall(int64_t unix_seconds) const {
  using namespace std::chrono;
  date::sys_seconds sys{seconds{unix_seconds}};
  return (sys.time_since_epoch() + zone_->get_info(sys).offset).count();
}

}  // namespace strictlog
