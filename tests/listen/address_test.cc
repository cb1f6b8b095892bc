#include <catch2/catch.hpp>

#include <string>

#include "listen/receiver.h"

namespace strictlog {
namespace {

std::string parsed(ListenAddress::Protocol protocol, std::string_view text) {
  auto address = parse_listen_address(protocol, text);
  if (!address.ok()) return address.errors()[0].code + ": " + address.errors()[0].message;
  return to_string(*address);
}

TEST_CASE("listen address: accepted forms", "[listen][address]") {
  using P = ListenAddress::Protocol;
  CHECK(parsed(P::kTcp, "127.0.0.1:5514") == "tcp://127.0.0.1:5514");
  CHECK(parsed(P::kUdp, "0.0.0.0:514") == "udp://0.0.0.0:514");
  CHECK(parsed(P::kTcp, "5514") == "tcp://127.0.0.1:5514");  // a bare port: loopback
  CHECK(parsed(P::kUdp, "0") == "udp://127.0.0.1:0");
  CHECK(parsed(P::kTcp, "[::1]:514") == "tcp://[::1]:514");
  CHECK(parsed(P::kTcp, "[::]:65535") == "tcp://[::]:65535");
  CHECK(parsed(P::kUdp, "[0:0:0:0:0:0:0:1]:514") == "udp://[::1]:514");  // canonical
  CHECK(parsed(P::kTcp, "10.1.2.3:00514") == "tcp://10.1.2.3:514");
  auto address = parse_listen_address(P::kUdp, "[::1]:6514");
  REQUIRE(address.ok());
  CHECK(address->protocol == P::kUdp);
  CHECK(address->host == "::1");
  CHECK(address->port == 6514);
}

TEST_CASE("listen address: rejected forms with the exact text", "[listen][address]") {
  auto bad = [](std::string_view text) {
    return "bad-address: '" + std::string(text) +
           "' is not HOST:PORT with HOST an IP address (e.g. 127.0.0.1:514 or [::1]:514)";
  };
  using P = ListenAddress::Protocol;
  for (std::string_view text : {
           "localhost:514",     // a name, not an address
           "127.0.0.1:65536",   // one past the largest port
           "127.0.0.1:",        // no port
           "127.0.0.1",         // no port, and not a port
           ":514",              // no host
           "127.0.0.1:-1",      // a sign
           "127.0.0.1: 514",    // a space
           "127.0.0.1:514x",    // trailing junk
           "127.0.0.1:100000",  // six digits
           "192.168.1huhuhu:514",
           "1.2.3:514",         // three parts
           "256.1.1.1:514",     // a part over 255
           "::1:514",           // IPv6 without brackets
           "[::1]514",          // no colon after the bracket
           "[::1]:",            // no port
           "[::1",              // no closing bracket
           "[127.0.0.1]:514",   // IPv4 in brackets
           "[1::2::3]:514",     // two `::`
           "",                  // nothing
           "abc",               // not a port
       }) {
    INFO(text);
    CHECK(parsed(P::kTcp, text) == bad(text));
  }
}

}  // namespace
}  // namespace strictlog
