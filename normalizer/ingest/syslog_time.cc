#include "ingest/syslog_time.h"

#include <chrono>

namespace strictlog {

namespace {

namespace chr = std::chrono;

// `year`, or for Feb 29 the most recent leap year not after it.
int valid_year(const SyslogHeader& h, int year) {
  if (h.month == 2 && h.day == 29) {
    while (!chr::year{year}.is_leap()) --year;
  }
  return year;
}

int64_t unix_seconds(const SyslogHeader& h, int year) {
  chr::year_month_day date{chr::year{year}, chr::month{static_cast<unsigned>(h.month)},
                           chr::day{static_cast<unsigned>(h.day)}};
  int64_t days = chr::sys_days{date}.time_since_epoch().count();
  return days * 86400 + h.hour * 3600 + h.minute * 60 + h.second;
}

}  // namespace

InferredTime infer_unix_time(const SyslogHeader& header, int64_t reference_unix_seconds) {
  chr::sys_seconds reference{chr::seconds{reference_unix_seconds}};
  chr::year_month_day reference_date{chr::floor<chr::days>(reference)};
  int year = valid_year(header, static_cast<int>(reference_date.year()));
  int64_t t = unix_seconds(header, year);
  if (t - reference_unix_seconds > kMaxFutureSeconds) {
    year = valid_year(header, year - 1);
    t = unix_seconds(header, year);
  }
  return InferredTime{t, year};
}

int64_t written_seconds(const SyslogHeader& header) { return unix_seconds(header, header.year); }

int64_t end_of_year(int year) {
  using namespace std::chrono;
  return duration_cast<seconds>(sys_days{std::chrono::year{year + 1} / January / 1}.time_since_epoch()).count() - 1;
}

int year_of(int64_t unix_seconds) {
  using namespace std::chrono;
  return static_cast<int>(year_month_day{floor<days>(sys_seconds{seconds{unix_seconds}})}.year());
}

}  // namespace strictlog
