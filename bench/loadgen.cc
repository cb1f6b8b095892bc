// strictlog-loadgen: sends N numbered syslog messages to a `strictlog serve` listener as fast as it can (or at
// --rate), so that a test or a benchmark can check that every one arrived exactly once.
//
//   strictlog-loadgen --tcp 127.0.0.1:5514 --messages 1000000 --connections 4 [--framing octet|lf]
//   strictlog-loadgen --udp 127.0.0.1:5514 --messages 1000 --rate 5000
//   strictlog-loadgen --tcp 127.0.0.1:6514 --tls --ca ca.pem --server-name server.example.org [--cert c.pem --key c.key]
//
// Messages: message `seq` (--first .. --first+N-1, by default 0..N-1) is line `seq mod L` of the --template
// file (L lines), every `{seq}` in it replaced by the decimal seq; so a template of 999 matching lines and one
// that no rule matches quarantines exactly every 1000th message. Every template line must hold `{seq}`: the
// numbers are what make each message unique and countable at the other end. Without --template,
// kBuiltinTemplate.
//
// Connections: connection c (0..K-1) sends the contiguous range --first + [c*N/K, (c+1)*N/K) in increasing
// order. TCP frames are RFC 6587 octet counting (`MSG-LEN SP MSG`, §3.4.1) or LF-terminated (§3.4.2), batched
// into writes of about kWriteBytes; a connection that sent its share shuts down its sending side and closes.
// With --tls, each TCP connection is TLS (RFC 5425, OpenSSL, TLS 1.2 at least): the handshake is done on every
// connection before the first message is sent (and before the clock starts), the server's certificate checked
// against --ca (and --server-name, also sent as SNI) when given, a client certificate shown with --cert/--key;
// the frames go into TLS records of up to 16 KiB, written kWriteBytes at a time, and a connection ends with
// close_notify. RFC 5425 §4.3 asks for octet counting, the default.
// UDP sends one datagram per message (RFC 5426 §3.1), no trailer, batched with sendmmsg(2); a connected
// socket, so that an ICMP port unreachable surfaces as ECONNREFUSED. All K connections are opened before the
// first byte is sent.
//
// Output: one line on stdout, `sent N messages (B bytes) over K tcp connections in S s` (`udp sockets` for
// UDP), B counting framing bytes too. "Sent" means handed to the kernel: whether the server read it is for the
// server's own counts to say.
//
// Bounds: each connect waits at most --connect-timeout, the whole run at most --timeout; sockets are
// non-blocking and every wait is a poll(2) against those deadlines.
// Exit codes: 0 sent everything; 1 bad command line or template; 3 a socket error or a timeout (each
// connection's first error is printed, naming the connection and how far it got).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kExitUsage = 1;
constexpr int kExitSocket = 3;

// A line the OpenVPN 2.6 grammar maps to an openvpn_tls_handshake_failed event (rule tls_handshake_failed of
// grammars/openvpn/2.6.grammar, and of the tests' openvpn-mini fixture), seq in the client's common name, which
// the event keeps: src_endpoint.common_name "c<seq>". PRI 30 = daemon.info, as a syslog client sends it.
constexpr std::string_view kBuiltinTemplate =
    "<30>Nov 22 10:41:07 vpn-gw1 openvpn[1187]: c{seq}/198.51.100.7:51234 TLS Error: TLS handshake failed";

// Budget: bytes per write(2). Large enough that the per-call cost vanishes against the server's per-message
// work, small enough that --rate pacing and the timeout checks stay fine-grained.
constexpr size_t kWriteBytes = 256 * 1024;
// Budget: datagrams per sendmmsg(2).
constexpr size_t kDatagramsPerCall = 64;
// RFC 768 over IPv4: 65535 - 8 (UDP header) - 20 (IP header).
constexpr size_t kMaxDatagram = 65507;

struct Template {
  // One line split at its `{seq}`s: pieces[0] seq pieces[1] seq ... pieces.back().
  std::vector<std::vector<std::string>> lines;
};

struct Options {
  std::string tcp, udp;
  uint64_t messages = 1000000;
  uint64_t first = 0;  // the first message's number: several runs can send distinct numbers
  unsigned connections = 4;
  std::string framing = "octet";
  std::string template_path;
  double rate = 0;  // messages per second over all connections; 0: as fast as possible
  double timeout = 120;
  double connect_timeout = 5;
  bool tls = false;
  std::string ca, cert, key, server_name;
};

struct Target {
  bool udp = false;
  sockaddr_storage addr{};
  socklen_t addr_len = 0;
  std::string text;  // as given, for messages
};

// `HOST:PORT` or `[V6]:PORT`, HOST an IP address (the server's listeners are bound to addresses, not names).
std::optional<Target> parse_target(const std::string& text, bool udp) {
  Target t;
  t.udp = udp;
  t.text = text;
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  std::string host = text.substr(0, colon);
  std::string port_text = text.substr(colon + 1);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 || port > 65535) {
    return std::nullopt;
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    auto* a6 = reinterpret_cast<sockaddr_in6*>(&t.addr);
    if (::inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &a6->sin6_addr) != 1) return std::nullopt;
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons(static_cast<uint16_t>(port));
    t.addr_len = sizeof(sockaddr_in6);
  } else {
    auto* a4 = reinterpret_cast<sockaddr_in*>(&t.addr);
    if (::inet_pton(AF_INET, host.c_str(), &a4->sin_addr) != 1) return std::nullopt;
    a4->sin_family = AF_INET;
    a4->sin_port = htons(static_cast<uint16_t>(port));
    t.addr_len = sizeof(sockaddr_in);
  }
  return t;
}

std::vector<std::string> split_at_seq(std::string_view line) {
  std::vector<std::string> pieces;
  for (size_t at; (at = line.find("{seq}")) != std::string_view::npos; line.remove_prefix(at + 5)) {
    pieces.emplace_back(line.substr(0, at));
  }
  pieces.emplace_back(line);
  return pieces;
}

// The template's lines; on error, prints `FILE:LINE: reason` and returns nullopt.
std::optional<Template> load_template(const std::string& path) {
  Template t;
  if (path.empty()) {
    t.lines.push_back(split_at_seq(kBuiltinTemplate));
    return t;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "strictlog-loadgen: cannot read template '%s': %s\n", path.c_str(), std::strerror(errno));
    return std::nullopt;
  }
  size_t number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    auto pieces = split_at_seq(line);
    if (pieces.size() < 2) {
      std::fprintf(stderr, "strictlog-loadgen: %s:%zu: no {seq} in the line; every message must carry its number\n",
                   path.c_str(), number);
      return std::nullopt;
    }
    t.lines.push_back(std::move(pieces));
  }
  if (t.lines.empty()) {
    std::fprintf(stderr, "strictlog-loadgen: %s: the template has no lines\n", path.c_str());
    return std::nullopt;
  }
  return t;
}

// Appends message `seq` to `out`, without framing.
void append_message(const Template& t, uint64_t seq, std::string* out) {
  const auto& pieces = t.lines[seq % t.lines.size()];
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, seq);
  (void)ec;  // 24 digits hold any uint64_t
  out->append(pieces[0]);
  for (size_t i = 1; i < pieces.size(); ++i) {
    out->append(digits, end);
    out->append(pieces[i]);
  }
}

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<int64_t>(left, 0, 60000));
}

// A non-blocking socket connected to `target`, or the reason it is not.
struct Connected {
  int fd = -1;
  std::string error;
};

Connected connect_to(const Target& target, Clock::time_point deadline) {
  int fd = ::socket(target.addr.ss_family, (target.udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return {-1, fmt::format("socket: {}", std::strerror(errno))};
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&target.addr), target.addr_len) != 0) {
    if (errno != EINPROGRESS) {
      std::string error = std::strerror(errno);
      ::close(fd);
      return {-1, error};
    }
    pollfd p{fd, POLLOUT, 0};
    int ready;
    while ((ready = ::poll(&p, 1, remaining_ms(deadline))) < 0 && errno == EINTR) {
    }
    int so_error = 0;
    socklen_t len = sizeof so_error;
    if (ready == 0)
      so_error = ETIMEDOUT;
    else if (ready < 0)
      so_error = errno;
    else if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) != 0)
      so_error = errno;
    if (so_error != 0) {
      ::close(fd);
      return {-1, std::strerror(so_error)};
    }
  }
  return {fd, ""};
}

struct Sender {
  int fd = -1;
  SSL* ssl = nullptr;  // --tls: the connection's TLS session over fd
  uint64_t first = 0, end = 0;  // the seq range [first, end)
  uint64_t sent = 0;            // messages handed to the kernel
  uint64_t bytes = 0;
  std::string error;  // the first error, empty when all was sent
};

// Waits until `fd` is writable; false (and `error` set) on timeout or a poll error.
bool wait_writable(int fd, Clock::time_point deadline, std::string* error) {
  pollfd p{fd, POLLOUT, 0};
  for (;;) {
    int ready = ::poll(&p, 1, remaining_ms(deadline));
    if (ready > 0) return true;
    if (ready == 0 && Clock::now() >= deadline) {
      *error = "timed out (--timeout)";
      return false;
    }
    if (ready < 0 && errno != EINTR) {
      *error = fmt::format("poll: {}", std::strerror(errno));
      return false;
    }
  }
}

// Writes all of `data` to the stream socket.
bool write_all(int fd, std::string_view data, Clock::time_point deadline, std::string* error) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_writable(fd, deadline, error)) return false;
    } else if (n < 0 && errno != EINTR) {
      *error = fmt::format("send: {}", std::strerror(errno));
      return false;
    }
  }
  return true;
}

// Sends one batch of datagrams, `ends[i]` the end of datagram i in `data`.
bool send_datagrams(int fd, const std::string& data, const std::vector<size_t>& ends, Clock::time_point deadline,
                    std::string* error) {
  std::vector<iovec> iov(ends.size());
  std::vector<mmsghdr> msgs(ends.size());
  for (size_t i = 0, start = 0; i < ends.size(); start = ends[i], ++i) {
    iov[i] = {const_cast<char*>(data.data()) + start, ends[i] - start};
    msgs[i] = {};
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  for (size_t done = 0; done < msgs.size();) {
    int n = ::sendmmsg(fd, msgs.data() + done, static_cast<unsigned>(msgs.size() - done), MSG_NOSIGNAL);
    if (n > 0) {
      done += static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
      if (!wait_writable(fd, deadline, error)) return false;
    } else if (n < 0 && errno != EINTR) {
      *error = fmt::format("sendmmsg: {}", std::strerror(errno));
      return false;
    }
  }
  return true;
}

// The last OpenSSL error of this thread as text, or `what` when the queue is empty.
std::string ssl_error(const char* what) {
  unsigned long e = ERR_get_error();
  if (e == 0) return what;
  char text[256];
  ERR_error_string_n(e, text, sizeof text);
  ERR_clear_error();
  return fmt::format("{}: {}", what, text);
}

// Waits for what a non-blocking OpenSSL call that returned `rc` wants (WANT_READ or WANT_WRITE); false (and
// `error` set) on any other outcome, a timeout or a poll error.
bool wait_tls(SSL* ssl, int rc, Clock::time_point deadline, const char* what, std::string* error) {
  int e = SSL_get_error(ssl, rc);
  if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
    *error = e == SSL_ERROR_SYSCALL && errno != 0 ? fmt::format("{}: {}", what, std::strerror(errno))
                                                  : ssl_error(what);
    return false;
  }
  pollfd p{SSL_get_fd(ssl), static_cast<short>(e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT), 0};
  int ready;
  while ((ready = ::poll(&p, 1, remaining_ms(deadline))) < 0 && errno == EINTR) {
  }
  if (ready == 0) *error = fmt::format("{}: timed out", what);
  if (ready < 0) *error = fmt::format("{}: poll: {}", what, std::strerror(errno));
  return ready > 0;
}

// A client context: TLS 1.2 or later; the server checked against `ca` when given; `cert`/`key` shown when given.
SSL_CTX* make_tls_context(const Options& o, std::string* error) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) {
    *error = ssl_error("SSL_CTX_new");
    return nullptr;
  }
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (!o.ca.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, o.ca.c_str(), nullptr) != 1) {
      *error = ssl_error(fmt::format("cannot load --ca '{}'", o.ca).c_str());
      SSL_CTX_free(ctx);
      return nullptr;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  }
  if (!o.cert.empty() && (SSL_CTX_use_certificate_chain_file(ctx, o.cert.c_str()) != 1 ||
                          SSL_CTX_use_PrivateKey_file(ctx, o.key.c_str(), SSL_FILETYPE_PEM) != 1)) {
    *error = ssl_error(fmt::format("cannot load --cert '{}' / --key '{}'", o.cert, o.key).c_str());
    SSL_CTX_free(ctx);
    return nullptr;
  }
  return ctx;
}

// Runs the TLS handshake on the sender's connected socket.
bool tls_handshake(Sender& s, SSL_CTX* ctx, const std::string& server_name, Clock::time_point deadline) {
  s.ssl = SSL_new(ctx);
  if (s.ssl == nullptr || SSL_set_fd(s.ssl, s.fd) != 1) {
    s.error = ssl_error("SSL_new");
    return false;
  }
  if (!server_name.empty() &&
      (SSL_set_tlsext_host_name(s.ssl, server_name.c_str()) != 1 || SSL_set1_host(s.ssl, server_name.c_str()) != 1)) {
    s.error = ssl_error("--server-name");
    return false;
  }
  for (;;) {
    ERR_clear_error();
    int rc = SSL_connect(s.ssl);
    if (rc == 1) return true;
    if (!wait_tls(s.ssl, rc, deadline, "TLS handshake", &s.error)) {
      if (SSL_get_verify_result(s.ssl) != X509_V_OK) {
        s.error += fmt::format(" (certificate: {})", X509_verify_cert_error_string(SSL_get_verify_result(s.ssl)));
      }
      return false;
    }
  }
}

// Writes all of `data` into TLS records.
bool tls_write_all(SSL* ssl, std::string_view data, Clock::time_point deadline, std::string* error) {
  while (!data.empty()) {
    ERR_clear_error();
    int n = SSL_write(ssl, data.data(), static_cast<int>(data.size()));
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
    } else if (!wait_tls(ssl, n, deadline, "TLS write", error)) {
      return false;
    }
  }
  return true;
}

// Sends close_notify (not waiting for the server's), then ends the sending side.
bool tls_close(SSL* ssl, Clock::time_point deadline, std::string* error) {
  for (;;) {
    ERR_clear_error();
    int rc = SSL_shutdown(ssl);
    if (rc >= 0) return true;
    if (!wait_tls(ssl, rc, deadline, "TLS close_notify", error)) return false;
  }
}

// Sends the sender's range. `per_second` (0: unpaced) is this connection's share of --rate.
void run_sender(Sender& s, const Template& t, const Target& target, bool octet, double per_second,
                Clock::time_point start, Clock::time_point deadline) {
  // Paced, a batch holds about 5 ms of messages, so that the rate holds over short spans too.
  const uint64_t paced_batch = per_second > 0 ? std::max<uint64_t>(1, static_cast<uint64_t>(per_second / 200)) : 0;
  std::string buffer, message;
  std::vector<size_t> ends;
  buffer.reserve(kWriteBytes + 2 * kMaxDatagram);
  for (uint64_t seq = s.first; seq < s.end;) {
    if (per_second > 0) {
      auto due = start + std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double>(static_cast<double>(s.sent) / per_second));
      if (due > deadline) {
        s.error = "timed out (--timeout) at the requested --rate";
        return;
      }
      std::this_thread::sleep_until(due);
    }
    buffer.clear();
    ends.clear();
    uint64_t batch_first = seq;
    while (seq < s.end && buffer.size() < kWriteBytes && (paced_batch == 0 || seq - batch_first < paced_batch) &&
           (!target.udp || ends.size() < kDatagramsPerCall)) {
      message.clear();
      append_message(t, seq, &message);
      if (target.udp) {
        if (message.size() > kMaxDatagram) {
          s.error = fmt::format("message {} is {} bytes, over the {} bytes of a UDP datagram", seq, message.size(),
                                kMaxDatagram);
          return;
        }
        buffer += message;
        ends.push_back(buffer.size());
      } else if (octet) {
        fmt::format_to(std::back_inserter(buffer), "{} ", message.size());
        buffer += message;
      } else {
        buffer += message;
        buffer += '\n';
      }
      ++seq;
    }
    bool ok = target.udp ? send_datagrams(s.fd, buffer, ends, deadline, &s.error)
              : s.ssl   ? tls_write_all(s.ssl, buffer, deadline, &s.error)
                        : write_all(s.fd, buffer, deadline, &s.error);
    if (!ok) return;
    s.sent += seq - batch_first;
    s.bytes += buffer.size();
  }
  if (s.ssl && !tls_close(s.ssl, deadline, &s.error)) return;
  if (!target.udp && ::shutdown(s.fd, SHUT_WR) != 0) s.error = fmt::format("shutdown: {}", std::strerror(errno));
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"strictlog-loadgen: sends N numbered syslog messages to a strictlog serve listener",
               "strictlog-loadgen"};
  auto* tcp = app.add_option("--tcp", o.tcp, "HOST:PORT of a TCP listener ([::1]:PORT for IPv6)");
  auto* udp = app.add_option("--udp", o.udp, "HOST:PORT of a UDP listener");
  tcp->excludes(udp);
  app.add_option("--messages,-n", o.messages, "Messages to send, numbered FIRST..FIRST+N-1")->capture_default_str();
  app.add_option("--first", o.first, "The first message's number")->capture_default_str();
  app.add_option("--connections,-k", o.connections, "TCP connections (UDP sockets), each sending a contiguous share")
      ->check(CLI::Range(1u, 4096u))
      ->capture_default_str();
  app.add_option("--framing", o.framing, "TCP framing: RFC 6587 octet counting or LF-terminated")
      ->check(CLI::IsMember({"octet", "lf"}))
      ->capture_default_str();
  app.add_option("--template", o.template_path,
                 "File of message lines, each with {seq}; message seq is line (seq mod lines). Default: an OpenVPN "
                 "line the bundled grammar maps to an event");
  app.add_option("--rate", o.rate, "Messages per second over all connections (0: as fast as possible)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--timeout", o.timeout, "Give up (exit 3) after this many seconds in all")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--connect-timeout", o.connect_timeout, "Seconds to wait for each connection (and its TLS handshake)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  auto* tls = app.add_flag("--tls", o.tls, "The --tcp listener speaks TLS (RFC 5425): handshake first on every connection");
  tls->needs(tcp);
  app.add_option("--ca", o.ca, "With --tls: check the server's certificate against these CA certificates (PEM)")
      ->needs(tls)
      ->check(CLI::ExistingFile);
  app.add_option("--server-name", o.server_name,
                 "With --tls: the name the server's certificate must carry (checked with --ca), also sent as SNI")
      ->needs(tls);
  auto* cert = app.add_option("--cert", o.cert, "With --tls: show this client certificate (PEM, with its chain)")
                   ->needs(tls)
                   ->check(CLI::ExistingFile);
  auto* key = app.add_option("--key", o.key, "The private key of --cert (PEM)")->check(CLI::ExistingFile);
  cert->needs(key);
  key->needs(cert);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "strictlog-loadgen: %s\nRun 'strictlog-loadgen --help' for usage.\n", e.what());
    return kExitUsage;
  }
  if (o.tcp.empty() == o.udp.empty()) {
    std::fprintf(stderr, "strictlog-loadgen: give exactly one of --tcp HOST:PORT or --udp HOST:PORT\n");
    return kExitUsage;
  }
  const bool is_udp = !o.udp.empty();
  auto target = parse_target(is_udp ? o.udp : o.tcp, is_udp);
  if (!target) {
    std::fprintf(stderr,
                 "strictlog-loadgen: '%s' is not HOST:PORT with HOST an IP address (e.g. 127.0.0.1:5514 or "
                 "[::1]:5514)\n",
                 (is_udp ? o.udp : o.tcp).c_str());
    return kExitUsage;
  }
  auto tmpl = load_template(o.template_path);
  if (!tmpl) return kExitUsage;
  SSL_CTX* tls_context = nullptr;
  if (o.tls) {
    std::string error;
    tls_context = make_tls_context(o, &error);
    if (tls_context == nullptr) {
      std::fprintf(stderr, "strictlog-loadgen: %s\n", error.c_str());
      return kExitUsage;
    }
  }

  const auto started = Clock::now();
  const auto deadline = started + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.timeout));
  const auto connect_wait =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.connect_timeout));
  std::vector<Sender> senders(o.connections);
  int failed = 0;
  for (unsigned c = 0; c < o.connections; ++c) {
    senders[c].first = o.first + o.messages * c / o.connections;
    senders[c].end = o.first + o.messages * (c + 1) / o.connections;
    const auto connect_deadline = std::min(deadline, Clock::now() + connect_wait);
    Connected conn = connect_to(*target, connect_deadline);
    if (conn.fd < 0) {
      std::fprintf(stderr, "strictlog-loadgen: connection %u: cannot connect to %s://%s: %s\n", c,
                   is_udp ? "udp" : "tcp", target->text.c_str(), conn.error.c_str());
      ++failed;
    }
    senders[c].fd = conn.fd;
    if (conn.fd >= 0 && tls_context != nullptr && !tls_handshake(senders[c], tls_context, o.server_name, connect_deadline)) {
      std::fprintf(stderr, "strictlog-loadgen: connection %u: %s with tls://%s\n", c, senders[c].error.c_str(),
                   target->text.c_str());
      ++failed;
    }
  }
  if (failed == 0) {
    const auto send_start = Clock::now();
    const double per_second = o.rate / o.connections;
    std::vector<std::thread> threads;
    for (auto& s : senders) {
      threads.emplace_back([&, octet = o.framing == "octet"] {
        run_sender(s, *tmpl, *target, octet, per_second, send_start, deadline);
      });
    }
    for (auto& t : threads) t.join();
    const double seconds = std::chrono::duration<double>(Clock::now() - send_start).count();
    uint64_t sent = 0, bytes = 0;
    for (unsigned c = 0; c < o.connections; ++c) {
      const Sender& s = senders[c];
      sent += s.sent;
      bytes += s.bytes;
      if (!s.error.empty()) {
        std::fprintf(stderr, "strictlog-loadgen: connection %u: %s after %llu of its %llu messages\n", c,
                     s.error.c_str(), static_cast<unsigned long long>(s.sent),
                     static_cast<unsigned long long>(s.end - s.first));
        ++failed;
      }
    }
    if (failed == 0) {
      std::printf("sent %llu messages (%llu bytes) over %u %s in %.3f s\n", static_cast<unsigned long long>(sent),
                  static_cast<unsigned long long>(bytes), o.connections,
                  is_udp ? "udp sockets" : o.tls ? "tls connections" : "tcp connections", seconds);
    }
  }
  for (auto& s : senders) {
    if (s.ssl != nullptr) SSL_free(s.ssl);
    if (s.fd >= 0) ::close(s.fd);
  }
  if (tls_context != nullptr) SSL_CTX_free(tls_context);
  return failed == 0 ? 0 : kExitSocket;
}
