// The server side of RFC 5425 shared by a receiver's TLS listeners: one OpenSSL context (TLS 1.2 at least,
// no compression, no renegotiation, no session resumption), its certificate, key and client CAs, and the
// client-certificate policy (TlsSettings). Internal to listen/.
#pragma once

#include <asio.hpp>
#include <asio/ssl.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "listen/internal/allowed_subject.h"
#include "listen/receiver.h"

namespace strictlog::listen_internal {

class TlsServer {
 public:
  // Reads the files of `settings`, every error collected (tls-config): `cannot read TLS certificate
  // '/etc/x.pem': No such file or directory`, `TLS certificate '/c.pem' holds no PEM certificate`, `TLS key
  // '/k.pem' holds no PEM private key (an encrypted key is not supported)`, `TLS key '/k.pem' does not match
  // certificate '/c.pem'`, `cannot read TLS CA file ...`, `TLS CA file '/ca.pem' holds no PEM certificate`.
  static Result<std::unique_ptr<TlsServer>> load(const TlsSettings& settings);

  asio::ssl::context& context() { return context_; }
  const TlsSettings& settings() const { return settings_; }

  // Where the handshake on `ssl` records why the allow-list refused its client's certificate: the string
  // stays the caller's and must outlive the handshake.
  static void set_refusal_slot(SSL* ssl, std::string* refusal);

  // Why a handshake failed, from its error: OpenSSL's reason (`unsupported protocol`, `peer did not return a
  // certificate`, `certificate verify failed: unable to get local issuer certificate`), or a closed or reset
  // connection in words.
  static std::string failure_reason(SSL* ssl, const std::error_code& ec);

 private:
  explicit TlsServer(TlsSettings settings);
  static int verify(int preverified, X509_STORE_CTX* store);

  asio::ssl::context context_;
  TlsSettings settings_;
};

}  // namespace strictlog::listen_internal
