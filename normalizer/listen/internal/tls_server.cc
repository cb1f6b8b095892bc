#include "listen/internal/tls_server.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace strictlog::listen_internal {
namespace {

// The whole file, or why not (strerror). Read here rather than by OpenSSL so that the error names the
// file and the system's reason exactly.
bool read_file(const std::string& path, std::string* text, std::string* error) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    *error = std::strerror(errno);
    return false;
  }
  char chunk[8192];
  size_t n;
  while ((n = std::fread(chunk, 1, sizeof(chunk), f)) > 0) text->append(chunk, n);
  bool failed = std::ferror(f) != 0;
  int saved = errno;
  std::fclose(f);
  if (failed) *error = std::strerror(saved);
  return !failed;
}

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using Bio = std::unique_ptr<BIO, BioFree>;

Bio memory_bio(const std::string& text) { return Bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size()))); }

// Never asks for a pass phrase (OpenSSL's default would prompt on the terminal): an encrypted key fails.
int no_passphrase(char*, int, int, void*) { return 0; }

int refusal_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}
int server_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

bool iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string asn1_text(const ASN1_STRING* s) {
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<size_t>(ASN1_STRING_length(s)));
}

// The names the allow-list is checked against: the DNS subjectAltNames, or the subject CNs without any.
std::vector<std::string> certificate_names(X509* cert, bool* from_san) {
  std::vector<std::string> names;
  auto* sans = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (sans != nullptr) {
    for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
      const GENERAL_NAME* name = sk_GENERAL_NAME_value(sans, i);
      if (name->type == GEN_DNS) names.push_back(asn1_text(name->d.dNSName));
    }
    GENERAL_NAMES_free(sans);
  }
  *from_san = !names.empty();
  if (!names.empty()) return names;
  X509_NAME* subject = X509_get_subject_name(cert);
  for (int i = X509_NAME_get_index_by_NID(subject, NID_commonName, -1); i >= 0;
       i = X509_NAME_get_index_by_NID(subject, NID_commonName, i)) {
    names.push_back(asn1_text(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, i))));
  }
  return names;
}

std::string subject_text(X509* cert) {
  Bio bio(BIO_new(BIO_s_mem()));
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

}  // namespace

bool subject_allowed(const std::vector<std::string>& patterns, const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    for (const std::string& pattern : patterns) {
      if (iequal(name, pattern)) return true;
      if (pattern.size() > 2 && pattern[0] == '*' && pattern[1] == '.') {
        size_t dot = name.find('.');
        std::string_view rest = std::string_view(pattern).substr(1);  // `.example.org`
        if (dot != std::string::npos && dot > 0 && iequal(std::string_view(name).substr(dot), rest)) return true;
      }
    }
  }
  return false;
}

TlsServer::TlsServer(TlsSettings settings)
    : context_(asio::ssl::context::tls_server), settings_(std::move(settings)) {}

Result<std::unique_ptr<TlsServer>> TlsServer::load(const TlsSettings& settings) {
  auto server = std::unique_ptr<TlsServer>(new TlsServer(settings));
  SSL_CTX* ctx = server->context_.native_handle();
  Diagnostics errors;
  auto error = [&](std::string message) { errors.push_back(plain_error("tls-config", std::move(message))); };
  ERR_clear_error();

  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // No compression (CRIME), no renegotiation (a client cannot restart the handshake to spend our CPU), no
  // resumption: nothing to keep per client, and no ticket written after the handshake, so the stream is
  // only ever read.
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET |
                               SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_num_tickets(ctx, 0);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_default_passwd_cb(ctx, no_passphrase);
  SSL_CTX_set_ex_data(ctx, server_index(), server.get());

  std::string text, why;
  bool have_certificate = false;
  if (!read_file(settings.certificate, &text, &why)) {
    error(fmt::format("cannot read TLS certificate '{}': {}", settings.certificate, why));
  } else {
    Bio bio = memory_bio(text);
    X509* cert = PEM_read_bio_X509_AUX(bio.get(), nullptr, no_passphrase, nullptr);
    if (cert == nullptr || SSL_CTX_use_certificate(ctx, cert) != 1) {
      error(fmt::format("TLS certificate '{}' holds no PEM certificate", settings.certificate));
    } else {
      have_certificate = true;
      while (X509* chain = PEM_read_bio_X509(bio.get(), nullptr, no_passphrase, nullptr)) {
        SSL_CTX_add0_chain_cert(ctx, chain);  // takes it
      }
    }
    X509_free(cert);
  }
  text.clear();
  if (!read_file(settings.key, &text, &why)) {
    error(fmt::format("cannot read TLS key '{}': {}", settings.key, why));
  } else {
    Bio bio = memory_bio(text);
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr);
    if (key == nullptr) {
      error(fmt::format("TLS key '{}' holds no PEM private key (an encrypted key is not supported)", settings.key));
    } else if (have_certificate && (SSL_CTX_use_PrivateKey(ctx, key) != 1 || SSL_CTX_check_private_key(ctx) != 1)) {
      error(fmt::format("TLS key '{}' does not match certificate '{}'", settings.key, settings.certificate));
    }
    EVP_PKEY_free(key);
  }
  if (!settings.ca.empty()) {
    text.clear();
    if (!read_file(settings.ca, &text, &why)) {
      error(fmt::format("cannot read TLS CA file '{}': {}", settings.ca, why));
    } else {
      Bio bio = memory_bio(text);
      X509_STORE* store = SSL_CTX_get_cert_store(ctx);
      int count = 0;
      while (X509* ca = PEM_read_bio_X509(bio.get(), nullptr, no_passphrase, nullptr)) {
        X509_STORE_add_cert(store, ca);
        SSL_CTX_add_client_CA(ctx, ca);  // the CAs a client is told to choose its certificate by
        X509_free(ca);
        ++count;
      }
      if (count == 0) error(fmt::format("TLS CA file '{}' holds no PEM certificate", settings.ca));
    }
  }
  ERR_clear_error();  // the end of each PEM sequence leaves an error in the queue; nothing there is ours
  if (settings.verify_client) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify);
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  }
  if (!errors.empty()) return errors;
  return server;
}

void TlsServer::set_refusal_slot(SSL* ssl, std::string* refusal) { SSL_set_ex_data(ssl, refusal_index(), refusal); }

// OpenSSL's chain verification first; then, for the client's own certificate (depth 0), the allow-list. A
// refusal fails the handshake with an alert, so the client learns it at once.
int TlsServer::verify(int preverified, X509_STORE_CTX* store) {
  if (preverified != 1 || X509_STORE_CTX_get_error_depth(store) != 0) return preverified;
  auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* server = static_cast<TlsServer*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), server_index()));
  if (server == nullptr || server->settings_.allowed_subjects.empty()) return 1;
  X509* cert = X509_STORE_CTX_get_current_cert(store);
  bool from_san = false;
  std::vector<std::string> names = certificate_names(cert, &from_san);
  if (subject_allowed(server->settings_.allowed_subjects, names)) return 1;
  if (auto* refusal = static_cast<std::string*>(SSL_get_ex_data(ssl, refusal_index()))) {
    *refusal = fmt::format("client certificate subject '{}' is not allowed", subject_text(cert));
    if (from_san) *refusal = fmt::format("client certificate subject '{}' (DNS names: {}) is not allowed",
                                         subject_text(cert), fmt::join(names, ", "));
  }
  X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
  return 0;
}

std::string TlsServer::failure_reason(SSL* ssl, const std::error_code& ec) {
  if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated)
    return "the client closed the connection during the handshake";
  if (ec.category() == asio::error::get_ssl_category()) {
    const char* reason = ERR_reason_error_string(static_cast<unsigned long>(ec.value()));
    std::string text = reason != nullptr ? reason : ec.message();
    long verified = ssl != nullptr ? SSL_get_verify_result(ssl) : X509_V_OK;
    if (verified != X509_V_OK && verified != X509_V_ERR_APPLICATION_VERIFICATION)
      text += fmt::format(": {}", X509_verify_cert_error_string(verified));
    return text;
  }
  return ec.message();
}

}  // namespace strictlog::listen_internal
