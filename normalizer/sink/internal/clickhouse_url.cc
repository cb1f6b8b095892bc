#include "sink/internal/clickhouse_url.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "schema/table.h"

namespace strictlog::sink_internal {

namespace {

constexpr std::string_view kScheme = "clickhouse://";

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

bool is_host_name(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_alnum(c) && c != '.' && c != '-') return false;
  }
  return true;
}

}  // namespace

std::string_view format_name(schema::RowFormat format) {
  return format == schema::RowFormat::kRowBinary ? "RowBinary" : "JSONEachRow";
}

std::string ClickHouseUrl::http_base() const {
  bool v6 = host.find(':') != std::string::npos;
  return fmt::format("http://{}{}{}:{}", v6 ? "[" : "", host, v6 ? "]" : "", port);
}

std::string ClickHouseUrl::describe() const {
  bool v6 = host.find(':') != std::string::npos;
  return fmt::format("clickhouse://{}{}{}:{}/{} ({})", v6 ? "[" : "", host, v6 ? "]" : "", port, database,
                     format_name(format));
}

std::string ClickHouseUrl::spool_name() const {
  std::string name;
  for (char c : host) name.push_back(is_alnum(c) || c == '.' || c == '-' ? c : '_');
  return fmt::format("{}_{}_{}", name, port, database);
}

Result<ClickHouseUrl> parse_clickhouse_url(std::string_view url) {
  auto fail = [&](std::string_view what) {
    return plain_error("sink-url", fmt::format("--sink '{}': {}", url, what));
  };
  if (!url.starts_with(kScheme)) return fail("not a clickhouse:// URL");
  std::string_view rest = url.substr(kScheme.size());
  size_t authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  rest = authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);

  ClickHouseUrl out;
  if (authority.find('@') != std::string_view::npos) {
    return fail("a user name or password in the URL is not supported (the sink connects as user 'default')");
  }
  std::string_view port_text;
  bool has_port = false;
  if (authority.starts_with("[")) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return fail("'[' opens an IPv6 address that no ']' closes");
    out.host = std::string(authority.substr(1, close - 1));
    in6_addr ignored;
    if (inet_pton(AF_INET6, out.host.c_str(), &ignored) != 1) {
      return fail(fmt::format("'[{}]' is not an IPv6 address", out.host));
    }
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return fail(fmt::format("'{}' after the IPv6 address is not ':PORT'", after));
      has_port = true;
      port_text = after.substr(1);
    }
  } else {
    if (std::count(authority.begin(), authority.end(), ':') > 1) {
      return fail(fmt::format("'{}' has several ':': an IPv6 address goes in brackets, e.g. [::1]:8123", authority));
    }
    size_t colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (out.host.empty()) return fail("no host (clickhouse://HOST:PORT/DB)");
    if (!is_host_name(out.host)) {
      return fail(fmt::format("'{}' is not a host name or IPv4 address (an IPv6 address goes in brackets: "
                              "[::1])", out.host));
    }
    if (colon != std::string_view::npos) {
      has_port = true;
      port_text = authority.substr(colon + 1);
    }
  }
  if (has_port) {
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535 || port_text[0] == '+') {
      return fail(fmt::format("port '{}' is not a number from 1 to 65535", port_text));
    }
    out.port = static_cast<uint16_t>(port);
  }

  size_t query_start = rest.find('?');
  std::string_view path = rest.substr(0, query_start);
  std::string_view query = query_start == std::string_view::npos ? std::string_view{} : rest.substr(query_start + 1);
  if (path.size() <= 1) return fail("no database (clickhouse://HOST:PORT/DB)");
  out.database = std::string(path.substr(1));
  if (!schema::is_sql_name(out.database)) {
    return fail(fmt::format("database '{}' is not a name of letters, digits and '_' that starts with a letter or '_'",
                            out.database));
  }
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view param = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    size_t eq = param.find('=');
    std::string_view key = param.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view{} : param.substr(eq + 1);
    if (key != "format") return fail(fmt::format("unknown parameter '{}' (the only one is format)", param));
    if (value == "RowBinary") {
      out.format = schema::RowFormat::kRowBinary;
    } else if (value == "JSONEachRow") {
      out.format = schema::RowFormat::kJsonEachRow;
    } else {
      return fail(fmt::format("format '{}' is not RowBinary or JSONEachRow", value));
    }
  }
  return out;
}

}  // namespace strictlog::sink_internal
