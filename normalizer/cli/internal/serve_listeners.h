// What `strictlog serve` adds to its listeners for production: the TLS options (RFC 5425 listeners, their
// certificate, key and client-certificate policy), the per-peer rate limit, the log records of the
// listeners' events, and the counts these add to a listener's summary line. Options are serve's long ones,
// so its --config file sets them too (`tls = ["0.0.0.0:6514"]`, `tls-cert = "/etc/strictlog/server.pem"`).
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "listen/receiver.h"

namespace strictlog::cli {

struct ServeListenerArgs {
  std::vector<std::string> tls;  // --tls HOST:PORT, repeatable
  std::string tls_cert, tls_key, tls_ca;
  bool tls_verify_client = false;
  std::vector<std::string> tls_allowed_subjects;
  double tls_handshake_timeout = 10;
  uint64_t rate_limit = 0, rate_limit_burst = 0;
};

// Registers --tls, --tls-cert, --tls-key, --tls-ca, --tls-verify-client, --tls-allowed-subject,
// --tls-handshake-timeout, --rate-limit and --rate-limit-burst on `serve`.
void add_listener_options(CLI::App* serve, ServeListenerArgs* args);

// The first option that cannot go with the others, as a usage error's message: `--tls needs --tls-cert and
// --tls-key`, `--tls-verify-client needs --tls-ca`, `--tls-allowed-subject needs --tls-verify-client`,
// `--tls-cert needs --tls` (so do the other TLS options), `--rate-limit-burst needs --rate-limit`. Empty: none.
std::string listener_usage_problem(const ServeListenerArgs& args);

TlsSettings tls_settings(const ServeListenerArgs& args);
void set_rate_limit(const ServeListenerArgs& args, ReceiverLimits* limits);

// The receiver's event hook: each event a log record (cli/internal/log.h), `tls_handshake_failed`,
// `connection_refused` and `rate_limit_begins` warnings and `rate_limit_ends` information, with the fields
// listener, peer, and reason (or detail for the rate limit).
ListenerEventHook log_listener_events();

// What a listener's summary line adds: `, tls handshake failures 3` for a TLS listener, `, rate-limited 12`
// (the pauses of TCP and TLS connections, the datagrams dropped by UDP) when the rate limit is on. Empty for
// a TCP or UDP listener without a rate limit, whose lines stay as they were.
std::string listener_counts_suffix(const ListenerStats& stats, bool rate_limited);

}  // namespace strictlog::cli
