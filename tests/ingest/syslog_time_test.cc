#include "ingest/syslog_time.h"

#include "ingest/rfc3164.h"

#include <catch2/catch.hpp>

#include <string>

namespace strictlog {
namespace {

struct Case {
  const char* why;
  int month, day, hour, minute, second;
  int64_t reference;  // UTC
  int year;
  int64_t unix_seconds;  // expected, computed independently (Python datetime, UTC)
};

TEST_CASE("infer_unix_time picks the year from the reference", "[ingest][syslog_time]") {
  const Case cases[] = {
      {"same day, an hour earlier", 6, 15, 11, 0, 0, 1718452800 /*2024-06-15 12:00*/, 2024, 1718449200},
      {"Dec 31 line read on Jan 1 is last year", 12, 31, 23, 59, 59, 1704067200 /*2024-01-01*/, 2023,
       1704067199},
      {"exactly 31 days ahead stays this year", 2, 1, 0, 0, 0, 1704067200 /*2024-01-01*/, 2024, 1706745600},
      {"one second more is last year", 2, 1, 0, 0, 1, 1704067200 /*2024-01-01*/, 2023, 1675209601},
      {"31 days ahead in summer", 8, 16, 0, 0, 0, 1721088000 /*2024-07-16*/, 2024, 1723766400},
      {"31 days and a second ahead in summer", 8, 16, 0, 0, 1, 1721088000 /*2024-07-16*/, 2023, 1692144001},
      {"before the epoch", 12, 31, 23, 59, 59, 0 /*1970-01-01*/, 1969, -1},
      {"Feb 29 in a leap reference year", 2, 29, 6, 30, 0, 1710028800 /*2024-03-10*/, 2024, 1709188200},
      {"Feb 29 19 days ahead in a leap year", 2, 29, 6, 30, 0, 1707523200 /*2024-02-10*/, 2024, 1709188200},
      {"Feb 29 in the year after a leap year", 2, 29, 6, 30, 0, 1741564800 /*2025-03-10*/, 2024, 1709188200},
      {"Feb 29 three years after a leap year", 2, 29, 6, 30, 0, 1685577600 /*2023-06-01*/, 2020, 1582957800},
      {"Feb 29 too far ahead in a leap year goes back to the previous leap year", 2, 29, 6, 30, 0,
       1705276800 /*2024-01-15*/, 2020, 1582957800},
      {"Feb 29 skips 2100, which is not a leap year", 2, 29, 6, 30, 0, 4139078400 /*2101-03-01*/, 2096,
       3981335400},
  };
  for (const Case& c : cases) {
    INFO(c.why);
    SyslogHeader h;
    h.month = c.month;
    h.day = c.day;
    h.hour = c.hour;
    h.minute = c.minute;
    h.second = c.second;
    InferredTime t = infer_unix_time(h, c.reference);
    CHECK(t.year == c.year);
    CHECK(t.unix_seconds == c.unix_seconds);
  }
}

TEST_CASE("infer_unix_time takes a header straight from parse_rfc3164", "[ingest][syslog_time]") {
  SyslogHeader h;
  std::string_view why;
  REQUIRE(parse_rfc3164("Nov 22 12:21:12 vpn1 openvpn[1234]: x", &h, &why));
  InferredTime t = infer_unix_time(h, 1732278072 /*2024-11-22 12:21:12*/);
  CHECK(t.year == 2024);
  CHECK(t.unix_seconds == 1732278072);
}

}  // namespace
}  // namespace strictlog
