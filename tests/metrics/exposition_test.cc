// metrics/exposition.h: the exact Prometheus text, escapes included.
#include "metrics/exposition.h"

#include <catch2/catch.hpp>

#include <limits>

namespace strictlog {
namespace {

TEST_CASE("a counter and a gauge in the text format", "[metrics]") {
  Exposition e;
  e.family("strictlog_events_total", Exposition::Type::kCounter, "Events, by rule.");
  e.sample({{"grammar", "openvpn"}, {"rule", "tls_handshake_failed"}}, uint64_t{42});
  e.sample({{"grammar", "openssh"}, {"rule", "accepted"}}, uint64_t{0});
  e.family("strictlog_queue_depth_messages", Exposition::Type::kGauge, "Waiting.");
  e.sample(uint64_t{7});
  CHECK(e.text() ==
        "# HELP strictlog_events_total Events, by rule.\n"
        "# TYPE strictlog_events_total counter\n"
        "strictlog_events_total{grammar=\"openvpn\",rule=\"tls_handshake_failed\"} 42\n"
        "strictlog_events_total{grammar=\"openssh\",rule=\"accepted\"} 0\n"
        "# HELP strictlog_queue_depth_messages Waiting.\n"
        "# TYPE strictlog_queue_depth_messages gauge\n"
        "strictlog_queue_depth_messages 7\n");
}

TEST_CASE("label values and help text are escaped", "[metrics]") {
  Exposition e;
  e.family("x_total", Exposition::Type::kCounter, "a \\ b\nc \"d\"");
  e.sample({{"path", "C:\\dir\n\"q\""}}, uint64_t{1});
  CHECK(e.text() ==
        "# HELP x_total a \\\\ b\\nc \"d\"\n"
        "# TYPE x_total counter\n"
        "x_total{path=\"C:\\\\dir\\n\\\"q\\\"\"} 1\n");
}

TEST_CASE("the largest counter and special floating values print exactly", "[metrics]") {
  Exposition e;
  e.family("g", Exposition::Type::kGauge, "h");
  e.sample({}, std::numeric_limits<uint64_t>::max());
  e.sample({{"k", "nan"}}, std::numeric_limits<double>::quiet_NaN());
  e.sample({{"k", "inf"}}, std::numeric_limits<double>::infinity());
  e.sample({{"k", "half"}}, 0.5);
  CHECK(e.text() ==
        "# HELP g h\n# TYPE g gauge\n"
        "g 18446744073709551615\n"
        "g{k=\"nan\"} NaN\n"
        "g{k=\"inf\"} +Inf\n"
        "g{k=\"half\"} 0.5\n");
}

TEST_CASE("metric names follow the format's grammar", "[metrics]") {
  CHECK(is_metric_name("strictlog_events_total"));
  CHECK(is_metric_name("a:b_c9"));
  CHECK_FALSE(is_metric_name(""));
  CHECK_FALSE(is_metric_name("9lives"));
  CHECK_FALSE(is_metric_name("with-dash"));
  CHECK_FALSE(is_metric_name("with space"));
}

}  // namespace
}  // namespace strictlog
