// Test helpers for TLS listeners: the certificates of tests/tls/make-certs.sh (ctest's fixture `tls_certs`
// writes them; a test binary run by hand writes them on first use), and a blocking OpenSSL client on a real
// loopback socket that writes each send() as its own TLS record(s). Every wait is bounded (socket timeouts).
#pragma once

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <csignal>
#include <cstdlib>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "listen/loopback.h"

namespace strictlog::testing {

// The directory of the test certificates: ca.pem, server.pem/.key, client.pem/.key (DNS:client.example.org),
// other.pem/.key (DNS:other.example.net), stranger.pem/.key (signed by stranger-ca.pem, which the server
// does not know).
inline const std::string& tls_certs() {
  static const std::string dir = [] {
    std::string d = STRICTLOG_BINARY_DIR "/tests/tls-certs";
    struct stat st {};
    if (::stat((d + "/stranger.key").c_str(), &st) != 0) {
      std::string command = fmt::format("'{}/tests/tls/make-certs.sh' '{}'", STRICTLOG_SOURCE_DIR, d);
      REQUIRE(std::system(command.c_str()) == 0);
    }
    return d;
  }();
  return dir;
}
inline std::string cert_file(const std::string& name) { return tls_certs() + "/" + name; }

// The server settings of the tests: server.pem and server.key, client certificates signed by ca.pem.
inline TlsSettings server_tls(bool verify_client = false, std::vector<std::string> allowed = {}) {
  TlsSettings tls;
  tls.certificate = cert_file("server.pem");
  tls.key = cert_file("server.key");
  tls.ca = cert_file("ca.pem");
  tls.verify_client = verify_client;
  tls.allowed_subjects = std::move(allowed);
  return tls;
}

struct TlsClientOptions {
  std::string certificate, key;  // the client certificate, if any: `client`, `other`, `stranger`
  int max_version = 0;           // e.g. TLS1_1_VERSION: an old client (security level 0 so that it may try)
};

// A TLS client connected to `address` (a TLS listener). handshake() says whether the client's side of the
// handshake completed: with TLS 1.3 the server may still refuse the client's certificate afterwards.
class TlsClient {
 public:
  TlsClient(const ListenAddress& address, const TlsClientOptions& options = {}) : fd_(connect_tcp(address)) {
    // OpenSSL writes with write(2): a server that closed first (a refused connection) must fail the write, not
    // kill the test with SIGPIPE.
    std::signal(SIGPIPE, SIG_IGN);
    timeval timeout{5, 0};  // bounds every blocking read and write below
    setsockopt(fd_.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    setsockopt(fd_.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
    ctx_ = SSL_CTX_new(TLS_client_method());
    REQUIRE(ctx_ != nullptr);
    REQUIRE(SSL_CTX_load_verify_locations(ctx_, cert_file("ca.pem").c_str(), nullptr) == 1);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    if (options.max_version != 0) {
      SSL_CTX_set_security_level(ctx_, 0);
      SSL_CTX_set_cipher_list(ctx_, "DEFAULT:@SECLEVEL=0");
      SSL_CTX_set_min_proto_version(ctx_, TLS1_VERSION);
      SSL_CTX_set_max_proto_version(ctx_, options.max_version);
    }
    if (!options.certificate.empty()) {
      REQUIRE(SSL_CTX_use_certificate_chain_file(ctx_, cert_file(options.certificate).c_str()) == 1);
      REQUIRE(SSL_CTX_use_PrivateKey_file(ctx_, cert_file(options.key).c_str(), SSL_FILETYPE_PEM) == 1);
    }
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_.get());
    SSL_set_tlsext_host_name(ssl_, "localhost");
    ERR_clear_error();
    handshake_ = SSL_connect(ssl_) == 1;
    if (!handshake_)
      error_ = ERR_reason_error_string(ERR_peek_last_error()) ? ERR_reason_error_string(ERR_peek_last_error()) : "";
    ERR_clear_error();
  }
  ~TlsClient() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
  }
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;

  bool handshake() const { return handshake_; }
  const std::string& error() const { return error_; }
  int fd() const { return fd_.get(); }

  // Writes `bytes` as TLS records (one record per 16 KiB); false if the connection failed.
  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      int n = SSL_write(ssl_, bytes.data(), static_cast<int>(std::min<size_t>(bytes.size(), 1 << 20)));
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  // Sends close_notify, then closes the socket.
  void close() {
    SSL_shutdown(ssl_);
    fd_.reset();
  }
  // What the server's side did within `timeout`, as peer_state(): "closed" once it closed the connection.
  std::string server_state(std::chrono::milliseconds timeout) {
    pollfd p{fd_.get(), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) == 0) return "open";
    char buf[256];
    int n = SSL_read(ssl_, buf, sizeof(buf));
    ERR_clear_error();
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "closed";
  }

 private:
  Fd fd_;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  bool handshake_ = false;
  std::string error_;
};

// The events a receiver reported, collected from its network thread.
struct EventLog {
  ListenerEventHook hook() {
    return [this](const ListenerEvent& e) {
      std::lock_guard lock(mutex);
      events.push_back(e);
    };
  }
  // `tls_handshake_failed tls://127.0.0.1:40000 127.0.0.1:51234: unsupported protocol`, one per event.
  std::vector<std::string> lines() {
    std::lock_guard lock(mutex);
    std::vector<std::string> out;
    for (const auto& e : events) {
      const char* kind = e.kind == ListenerEvent::Kind::kTlsHandshakeFailed ? "tls_handshake_failed"
                         : e.kind == ListenerEvent::Kind::kConnectionRefused ? "connection_refused"
                         : e.kind == ListenerEvent::Kind::kRateLimitBegins   ? "rate_limit_begins"
                                                                             : "rate_limit_ends";
      out.push_back(fmt::format("{} {} {}: {}", kind, e.listener, e.peer, e.detail));
    }
    return out;
  }
  size_t size() {
    std::lock_guard lock(mutex);
    return events.size();
  }

  std::mutex mutex;
  std::vector<ListenerEvent> events;
};

inline ListenAddress tls_loopback() { return ListenAddress{ListenAddress::Protocol::kTls, "127.0.0.1", 0}; }

}  // namespace strictlog::testing
