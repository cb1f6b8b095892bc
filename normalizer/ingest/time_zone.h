// Time zones for RFC 3164 timestamps, which carry no offset: `normalize --timezone Europe/Berlin` reads them as
// wall-clock times of that IANA zone (Debian's tzdata, through Howard Hinnant's date library; g++ 12's
// std::chrono has no time zones).
//
// Daylight saving time makes a wall-clock time either
//   - unique: one instant;
//   - in a gap (the clocks jumped forward over it, e.g. 02:30 on the spring-forward night): no instant at all.
//     The line cannot be placed; the pipeline quarantines it as HEADER, saying so;
//   - in a fold (the clocks went back over it, e.g. 01:30 on the fall-back night): two instants. The earlier one
//     is taken (before the clocks went back) and the event says the time was ambiguous (Envelope.time_ambiguous).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace date {
class time_zone;
}

namespace strictlog {

class TimeZone {
 public:
  // Error `unknown-time-zone`: "unknown time zone 'Europe/Berln' (names are IANA's, e.g. Europe/Berlin or UTC)".
  static Result<TimeZone> locate(std::string_view name);

  enum class Fit { kUnique, kGap, kFold };
  struct Instant {
    int64_t unix_seconds = 0;  // kGap: unset (0)
    Fit fit = Fit::kUnique;
  };

  // `wall` is a wall-clock time of this zone written as seconds since 1970-01-01T00:00:00 (what
  // infer_unix_time() returns for a header: the wall clock read as UTC).
  Instant to_unix(int64_t wall) const;

  // The wall-clock time of this zone at instant `unix_seconds`, in the same form.
  int64_t to_wall(int64_t unix_seconds) const;

  const std::string& name() const { return name_; }

 private:
  TimeZone(const date::time_zone* zone, std::string name) : zone_(zone), name_(std::move(name)) {}

  const date::time_zone* zone_;
  std::string name_;
};

}  // namespace strictlog
