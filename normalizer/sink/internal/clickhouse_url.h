// The URL of the clickhouse sink, `clickhouse://HOST[:PORT]/DB[?format=RowBinary|JSONEachRow]` (sink/database.h).
// Internal to the sink stage.
//
//   HOST    a host name or IPv4 address, or an IPv6 address in brackets: `[::1]`
//   PORT    ClickHouse's HTTP port, 1 to 65535; 8123 when left out
//   DB      the database, an identifier (letters, digits, `_`, not starting with a digit), so that it can be
//           written into SQL as it is
//   format  the insert format, exactly `RowBinary` (the default) or `JSONEachRow`
//
// No user name or password: the sink connects as ClickHouse's `default` user. Every error is a `sink-url`
// diagnostic that starts with `--sink 'URL': `, e.g.
//   `--sink 'clickhouse://db1:99999/logs': port '99999' is not a number from 1 to 65535`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "schema/row.h"

namespace strictlog::sink_internal {

struct ClickHouseUrl {
  std::string host;  // without brackets: `::1`
  uint16_t port = 8123;
  std::string database;
  schema::RowFormat format = schema::RowFormat::kRowBinary;

  // `http://127.0.0.1:8123`, `http://[::1]:8123`.
  std::string http_base() const;
  // `clickhouse://127.0.0.1:8123/strictlog (RowBinary)`.
  std::string describe() const;
  // The default spool directory's last component, `<host>_<port>_<db>`, with every byte of the host other
  // than a letter, digit, `.` or `-` replaced by `_` (`::1` gives `__1`).
  std::string spool_name() const;
};

// `RowBinary` or `JSONEachRow`: the name in ClickHouse's `FORMAT` clause.
std::string_view format_name(schema::RowFormat format);

Result<ClickHouseUrl> parse_clickhouse_url(std::string_view url);

}  // namespace strictlog::sink_internal
