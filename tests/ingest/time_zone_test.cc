// Time zones: wall-clock times of IANA zones to instants, with the DST gap and fold policy of time_zone.h,
// checked on dates whose transitions are known (tzdata: US rules since 2007, EU rules since 1996).
#include "ingest/time_zone.h"

#include <catch2/catch.hpp>

#include "ingest/syslog_time.h"

namespace strictlog {
namespace {

// Seconds since 1970 of a UTC (or wall-clock) date and time.
int64_t at(int y, unsigned m, unsigned d, int hh, int mm, int ss) {
  using namespace std::chrono;
  return (sys_days{year{y} / month{m} / day{d}}.time_since_epoch() / seconds{1}) + hh * 3600 + mm * 60 + ss;
}

TimeZone zone(std::string_view name) {
  auto z = TimeZone::locate(name);
  INFO((z.ok() ? std::string() : z.errors().front().message));
  REQUIRE(z.ok());
  return *z;
}

TEST_CASE("time zone: a unique wall time is one instant", "[ingest]") {
  TimeZone ny = zone("America/New_York");
  auto summer = ny.to_unix(at(2026, 7, 1, 12, 0, 0));  // EDT, UTC-4
  CHECK(summer.fit == TimeZone::Fit::kUnique);
  CHECK(summer.unix_seconds == at(2026, 7, 1, 16, 0, 0));
  auto winter = ny.to_unix(at(2026, 1, 15, 12, 0, 0));  // EST, UTC-5
  CHECK(winter.unix_seconds == at(2026, 1, 15, 17, 0, 0));
  CHECK(ny.name() == "America/New_York");
  CHECK(ny.to_wall(at(2026, 7, 1, 16, 0, 0)) == at(2026, 7, 1, 12, 0, 0));
}

TEST_CASE("time zone: a wall time the clocks skipped is a gap", "[ingest]") {
  // 2026-03-08 02:00 EST: clocks go to 03:00 EDT.
  TimeZone ny = zone("America/New_York");
  CHECK(ny.to_unix(at(2026, 3, 8, 2, 30, 0)).fit == TimeZone::Fit::kGap);
  CHECK(ny.to_unix(at(2026, 3, 8, 1, 59, 59)).unix_seconds == at(2026, 3, 8, 6, 59, 59));
  CHECK(ny.to_unix(at(2026, 3, 8, 3, 0, 0)).unix_seconds == at(2026, 3, 8, 7, 0, 0));
  // 2026-03-29 02:00 CET: clocks go to 03:00 CEST.
  CHECK(zone("Europe/Berlin").to_unix(at(2026, 3, 29, 2, 15, 0)).fit == TimeZone::Fit::kGap);
}

TEST_CASE("time zone: a wall time the clocks repeated takes its first occurrence", "[ingest]") {
  // 2026-11-01 02:00 EDT: clocks go back to 01:00 EST, so 01:30 happens at 05:30Z and again at 06:30Z.
  TimeZone ny = zone("America/New_York");
  auto fold = ny.to_unix(at(2026, 11, 1, 1, 30, 0));
  CHECK(fold.fit == TimeZone::Fit::kFold);
  CHECK(fold.unix_seconds == at(2026, 11, 1, 5, 30, 0));
  // 2026-10-25 03:00 CEST: back to 02:00 CET; 02:30 is first 00:30Z.
  auto berlin = zone("Europe/Berlin").to_unix(at(2026, 10, 25, 2, 30, 0));
  CHECK(berlin.fit == TimeZone::Fit::kFold);
  CHECK(berlin.unix_seconds == at(2026, 10, 25, 0, 30, 0));
}

TEST_CASE("time zone: UTC is the identity and an unknown name is an error", "[ingest]") {
  TimeZone utc = zone("UTC");
  CHECK(utc.to_unix(at(2026, 3, 8, 2, 30, 0)).unix_seconds == at(2026, 3, 8, 2, 30, 0));
  auto bad = TimeZone::locate("Europe/Berln");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.errors().front().code == "unknown-time-zone");
  CHECK(bad.errors().front().message ==
        "unknown time zone 'Europe/Berln' (names are IANA's, e.g. Europe/Berlin or UTC)");
}

}  // namespace
}  // namespace strictlog
