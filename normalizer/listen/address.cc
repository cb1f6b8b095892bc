// to_string() and parse_listen_address() of listen/receiver.h: the listener addresses `serve` is given.
#include <asio/ip/address.hpp>
#include <fmt/format.h>

#include "listen/receiver.h"

namespace strictlog {
namespace {

// 0-65535 in decimal digits only (no sign, no space): "65536" and "" are not ports.
std::optional<uint16_t> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  uint32_t port = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    port = port * 10 + static_cast<uint32_t>(c - '0');
  }
  if (port > 65535) return std::nullopt;
  return static_cast<uint16_t>(port);
}

}  // namespace

std::string to_string(const ListenAddress& address) {
  std::string_view scheme = address.protocol == ListenAddress::Protocol::kTcp   ? "tcp"
                            : address.protocol == ListenAddress::Protocol::kTls ? "tls"
                                                                                : "udp";
  if (address.host.find(':') != std::string::npos) return fmt::format("{}://[{}]:{}", scheme, address.host, address.port);
  return fmt::format("{}://{}:{}", scheme, address.host, address.port);
}

Result<ListenAddress> parse_listen_address(ListenAddress::Protocol protocol, std::string_view text) {
  auto bad = [&] {
    return plain_error("bad-address", fmt::format("'{}' is not HOST:PORT with HOST an IP address "
                                                  "(e.g. 127.0.0.1:514 or [::1]:514)",
                                                  text));
  };
  ListenAddress address;
  address.protocol = protocol;
  std::string_view host, port;
  if (text.find(':') == std::string_view::npos) {
    port = text;  // a bare port: loopback, the safe default
  } else if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') return bad();
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    std::error_code ec;
    auto v6 = asio::ip::make_address_v6(std::string(host), ec);
    if (ec) return bad();
    address.host = v6.to_string();  // canonical: `[0:0::1]` is named `[::1]`
  } else {
    // An IPv6 address must be in brackets: in `::1:514` the port cannot be told from the address.
    size_t colon = text.find(':');
    if (text.find(':', colon + 1) != std::string_view::npos) return bad();
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    std::error_code ec;
    auto v4 = asio::ip::make_address_v4(std::string(host), ec);
    if (ec) return bad();
    address.host = v4.to_string();
  }
  std::optional<uint16_t> number = parse_port(port);
  if (!number) return bad();
  address.port = *number;
  return address;
}

}  // namespace strictlog
