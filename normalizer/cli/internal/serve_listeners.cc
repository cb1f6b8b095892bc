#include "cli/internal/serve_listeners.h"

#include <fmt/format.h>

#include <chrono>

#include "cli/internal/log.h"

namespace strictlog::cli {

void add_listener_options(CLI::App* serve, ServeListenerArgs* args) {
  serve->add_option("--tls", args->tls,
                    "Listen for syslog over TLS (RFC 5425: octet-counted frames in TLS 1.2 or later; LF framing is "
                    "accepted too) on HOST:PORT, as --tcp; repeatable. Needs --tls-cert and --tls-key");
  serve->add_option("--tls-cert", args->tls_cert,
                    "PEM file of the TLS listeners' certificate, followed by its chain (intermediate CAs)");
  serve->add_option("--tls-key", args->tls_key, "PEM file of that certificate's private key (not encrypted)");
  serve->add_option("--tls-ca", args->tls_ca,
                    "PEM file of the CAs that sign client certificates (for --tls-verify-client)");
  serve->add_flag("--tls-verify-client", args->tls_verify_client,
                  "A TLS client must present a certificate signed by a --tls-ca CA, or its handshake fails; "
                  "without this flag no client certificate is asked for");
  serve->add_option("--tls-allowed-subject", args->tls_allowed_subjects,
                    "With --tls-verify-client: allow only client certificates whose subjectAltName DNS names (or "
                    "subject CN, without any) match NAME, ignoring case; `*.example.org` matches one leftmost "
                    "label (as rsyslog's PermittedPeer); repeatable");
  serve->add_option("--tls-handshake-timeout", args->tls_handshake_timeout,
                    "Close a TLS connection whose handshake is not done within this many seconds (counted as a "
                    "failed handshake), so that it cannot hold a connection slot")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  serve->add_option("--rate-limit", args->rate_limit,
                    "Messages per second each peer IP address may send, over all listeners (0: no limit). Over "
                    "it, TCP and TLS connections are read more slowly (their senders wait; nothing is lost) and "
                    "UDP datagrams are dropped and counted; each episode is logged when it begins and ends")
      ->capture_default_str();
  serve->add_option("--rate-limit-burst", args->rate_limit_burst,
                    "Messages a peer may send at once before --rate-limit applies (default: the rate)");
}

std::string listener_usage_problem(const ServeListenerArgs& a) {
  if (!a.tls.empty() && (a.tls_cert.empty() || a.tls_key.empty())) return "--tls needs --tls-cert and --tls-key";
  if (a.tls_verify_client && a.tls_ca.empty()) return "--tls-verify-client needs --tls-ca";
  if (!a.tls_allowed_subjects.empty() && !a.tls_verify_client)
    return "--tls-allowed-subject needs --tls-verify-client";
  if (a.tls.empty()) {
    // A TLS setting without a TLS listener is a mistake, not a default: the operator meant to encrypt.
    for (auto [set, name] : {std::pair{!a.tls_cert.empty(), "--tls-cert"}, {!a.tls_key.empty(), "--tls-key"},
                             {!a.tls_ca.empty(), "--tls-ca"}, {a.tls_verify_client, "--tls-verify-client"}}) {
      if (set) return fmt::format("{} needs --tls", name);
    }
  }
  if (a.rate_limit_burst != 0 && a.rate_limit == 0) return "--rate-limit-burst needs --rate-limit";
  return "";
}

TlsSettings tls_settings(const ServeListenerArgs& a) {
  TlsSettings tls;
  tls.certificate = a.tls_cert;
  tls.key = a.tls_key;
  tls.ca = a.tls_ca;
  tls.verify_client = a.tls_verify_client;
  tls.allowed_subjects = a.tls_allowed_subjects;
  tls.handshake_timeout = std::chrono::milliseconds(static_cast<int64_t>(a.tls_handshake_timeout * 1000.0 + 0.5));
  return tls;
}

void set_rate_limit(const ServeListenerArgs& a, ReceiverLimits* limits) {
  limits->rate_limit = a.rate_limit;
  limits->rate_limit_burst = a.rate_limit_burst;
}

ListenerEventHook log_listener_events() {
  return [](const ListenerEvent& e) {
    switch (e.kind) {
      case ListenerEvent::Kind::kTlsHandshakeFailed:
        log_event("serve", LogLevel::kWarning, LogCode::kTlsHandshakeFailed,
                  fmt::format("TLS handshake failed on {} from {}: {}", e.listener, e.peer, e.detail),
                  {{"listener", e.listener}, {"peer", e.peer}, {"reason", e.detail}});
        return;
      case ListenerEvent::Kind::kConnectionRefused:
        log_event("serve", LogLevel::kWarning, LogCode::kConnectionRefused,
                  fmt::format("connection from {} to {} refused: {}", e.peer, e.listener, e.detail),
                  {{"listener", e.listener}, {"peer", e.peer}, {"reason", e.detail}});
        return;
      case ListenerEvent::Kind::kRateLimitBegins:
        log_event("serve", LogLevel::kWarning, LogCode::kRateLimitBegins,
                  fmt::format("peer {} went over the rate limit of {} on {}", e.peer, e.detail, e.listener),
                  {{"listener", e.listener}, {"peer", e.peer}, {"detail", e.detail}});
        return;
      case ListenerEvent::Kind::kRateLimitEnds:
        log_event("serve", LogLevel::kInfo, LogCode::kRateLimitEnds,
                  fmt::format("peer {} is back under the rate limit on {}: {}", e.peer, e.listener, e.detail),
                  {{"listener", e.listener}, {"peer", e.peer}, {"detail", e.detail}});
        return;
    }
  };
}

std::string listener_counts_suffix(const ListenerStats& s, bool rate_limited) {
  std::string suffix;
  if (s.address.rfind("tls://", 0) == 0) suffix += fmt::format(", tls handshake failures {}", s.tls_handshake_failures);
  if (rate_limited) {
    bool udp = s.address.rfind("udp://", 0) == 0;
    suffix += fmt::format(", rate-limited {}", udp ? s.udp_lost_rate_limit : s.rate_limit_pauses);
  }
  return suffix;
}

}  // namespace strictlog::cli
