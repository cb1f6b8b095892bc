// Receiver: the syslog listeners of `strictlog serve`, on one network thread (Asio), feeding a MessageQueue.
//
// TCP (RFC 6587): each connection's framing is decided by its first byte (ingest/framing.h). Frames become
// messages; a framing error becomes a message with its text (a FRAMING quarantine record). A connection's
// frames go to the queue in the order received: while the queue refuses its batch the connection is paused
// (no read is pending, so TCP flow control holds the sender back); nothing is ever dropped.
// UDP (RFC 5426): one message per datagram; one trailing LF (or CR LF) is removed, as senders add it. A
// datagram longer than max_message (trailer removed) keeps its first max_message bytes and is OVERSIZE, its
// length the full one. Datagrams are read with recvmsg(2) and SO_RXQ_OVFL, which Asio does not expose, so that
// the kernel's drops are counted (udp_lost_kernel); as SO_RXQ_OVFL reports them only with a later datagram,
// the socket's count is also read (SO_MEMINFO) after each wakeup and at stop(), so the count is exact once
// stopped. A batch the full queue refuses is counted as lost (udp_lost_queue), never waited for: UDP has no
// way to slow a sender down.
//
// Inputs: InputSource.name is the listener (`tcp://127.0.0.1:5514`, `tls://127.0.0.1:6514`, `udp://[::1]:5514`,
// the port as bound),
// peer the sender (`127.0.0.1:40122`, `[::1]:40122`), connection `<start>.<n>` for the n-th TCP connection
// (from 1, over every TCP listener, counting the connections kept, not those refused) and `<start>.0` for
// UDP, where <start> is the receiver's start time (start()) in microseconds since the epoch: the triple names
// a message's stream uniquely across restarts. reference_time is the current time in seconds: an input keeps
// its InputSource pointer while the second is unchanged and gets a new one when it changes.
//
// TLS (RFC 5425): a TCP connection that first completes a TLS handshake (TLS 1.2 at least, no compression, no
// renegotiation, no session resumption), then is read as a TCP one: the same framing (octet counting, which
// RFC 5425 §4.3 prescribes, or LF framing), pausing, timeouts and drain. The handshake runs asynchronously on
// the network thread and is bounded by TlsSettings::handshake_timeout, after stop() also by the drain
// deadline; a connection in its handshake holds a connection slot. A handshake that fails (a protocol
// version below 1.2, a bad or missing client certificate, a subject not allowed, bytes that are not TLS, a
// peer that closes or does not finish in time) closes that connection only, is counted in
// tls_handshake_failures and reported (ListenerEvent::kTlsHandshakeFailed); other connections never wait
// for it. A handshake cut by the drain deadline is the shutdown, not a failure.
//
// Rate limit (ReceiverLimits::rate_limit, 0: off): a token bucket per peer IP address, shared by every
// listener (rate_limit messages per second, rate_limit_burst at most in a row). TCP and TLS: a connection
// whose peer is over it stops being read (TCP flow control holds the sender; nothing is lost) until the
// bucket has a token again, each pause counted in rate_limit_pauses; a read that brings many messages at once
// puts the bucket in debt, so the rate holds over time. UDP: a datagram that finds no token is dropped before
// it is accepted, counted in udp_lost_rate_limit (not in messages). A peer's episode over the limit is
// reported once when it begins and once when the peer's bucket is full again (kRateLimitBegins,
// kRateLimitEnds), the events' peer being the IP address alone. After stop() the limit is off, so that the
// drain reads what senders already sent. The table of peers is bounded (idle peers expire; past 16384 peers
// at once, newcomers share one bucket), so memory stays flat whatever the number of senders.
//
// Limits: max_message (MSG-LEN, LF frame, datagram); max_connections (the open TCP connections of all
// listeners together, TLS ones included; one over it is accepted and closed at once, counted in
// connections_refused and reported as kConnectionRefused);
// idle_timeout (a connection that sends nothing for that long is closed and counted in
// connections_idle_closed; a paused connection is never idle: the server is the one not reading).
//
// Shutdown: stop() takes the connections the kernel completed but nobody accepted yet, closes the listening
// sockets (no new connections; UDP sockets are read until empty first), then reads the open connections until
// each is closed by its peer or `drain_timeout` after stop() has passed, whichever comes first, then closes
// them (a frame cut there is a FRAMING message; bytes a sender wrote that were not read by then are not
// accepted), then closes the queue and ends the thread. Everything
// read from a socket is in the queue before the queue is closed. A paused connection is not timed out while
// it waits for room, so the consumer must keep popping until closed_and_empty(): join() (and the destructor)
// wait for it. A consumer that cannot go on closes the queue instead: the receiver then stops by itself and
// closes every connection at once, dropping what was read and not queued (TCP senders keep what they did not
// send), and UDP batches count as udp_lost_queue.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "ingest/framing.h"
#include "listen/message_queue.h"

namespace strictlog {

struct ListenAddress {
  enum class Protocol { kTcp, kUdp, kTls };  // kTls: RFC 5425, syslog over TLS (octet-counted frames)
  Protocol protocol = Protocol::kTcp;
  std::string host = "127.0.0.1";  // an IP address, v4 or v6 (no names: the address bound must be the one meant)
  uint16_t port = 0;               // 0: any free port (tests), see Receiver::addresses()
  // An open socket to use as it is instead of binding (systemd socket activation): bound, and listening for
  // TCP and TLS. The receiver owns it from open() on. host and port are then read from the socket.
  int fd = -1;
};

// `tcp://127.0.0.1:5514`, `udp://[::1]:514`.
std::string to_string(const ListenAddress& address);

// Parses `HOST:PORT` or `[V6]:PORT` (a bare `PORT` means 127.0.0.1). Errors: bad-address
//   `'localhost:514' is not HOST:PORT with HOST an IP address (e.g. 127.0.0.1:514 or [::1]:514)`
Result<ListenAddress> parse_listen_address(ListenAddress::Protocol protocol, std::string_view text);

// Why the open socket `fd` cannot be adopted as a `protocol` listener (ListenAddress::fd), as a predicate of
// "socket 3": `is a stream socket, not datagram`, `is a datagram socket, not stream`, `is a stream socket that
// is not listening` (a connection, e.g. systemd's Accept=yes), `is a datagram socket that is not bound`, `is a
// unix socket, not IPv4 or IPv6`, `is not a socket`, `is not an open file descriptor`; empty when it can.
// Receiver::open() checks it (bad-socket `cannot adopt socket 3 as udp: it is a stream socket, not datagram`); a
// caller that knows more about a socket (its systemd name) may check first to say so.
std::string inherited_socket_problem(int fd, ListenAddress::Protocol protocol);

struct ReceiverLimits {
  size_t max_message = kDefaultMaxMessage;
  size_t max_connections = 1024;
  std::chrono::milliseconds idle_timeout{0};  // 0: none
  std::chrono::milliseconds drain_timeout{5000};
  size_t udp_receive_buffer = 0;  // SO_RCVBUF for UDP sockets; 0: the system default
  uint64_t rate_limit = 0;        // messages per second per peer IP address; 0: no limit
  uint64_t rate_limit_burst = 0;  // messages a peer may send at once before the rate applies; 0: rate_limit
};

// The server side of the TLS listeners (ListenAddress::Protocol::kTls); unused without one. Files are PEM.
struct TlsSettings {
  std::string certificate;  // the server's certificate, then its chain
  std::string key;          // its private key, not encrypted
  std::string ca;           // the CAs that sign client certificates; needed by verify_client
  bool verify_client = false;  // a client must present a certificate signed by `ca`; else none is asked for
  // With verify_client: the client certificate's subjectAltName DNS names (its subject CNs when it has none)
  // must match one of these: a name, case-insensitively, or `*.example.org`, any one leftmost label there (as
  // rsyslog's PermittedPeer). Empty: any certificate `ca` signed.
  std::vector<std::string> allowed_subjects;
  std::chrono::milliseconds handshake_timeout{10000};
};

struct ListenerStats {
  std::string address;  // to_string() with the bound port
  uint64_t messages = 0;  // messages put in the queue (accepted), framing errors included
  uint64_t bytes = 0;     // bytes read (UDP: datagram bytes, trailers included; TLS: decrypted bytes)
  uint64_t udp_lost_queue = 0;   // datagrams the full queue refused
  uint64_t udp_lost_kernel = 0;  // datagrams the kernel dropped (SO_RXQ_OVFL)
  uint64_t connections_accepted = 0;  // connections kept (refused ones are not)
  uint64_t connections_refused = 0;   // over max_connections
  uint64_t connections_idle_closed = 0;
  uint64_t connections_open = 0;
  uint64_t tls_handshake_failures = 0;  // TLS: handshakes that failed, a refused client certificate included
  uint64_t rate_limit_pauses = 0;       // TCP and TLS: times a connection's reading was paused by --rate-limit
  uint64_t udp_lost_rate_limit = 0;     // UDP: datagrams dropped by --rate-limit (never accepted)
};

// Something an operator should hear about, reported on the network thread as it happens; the CLI logs it
// (cli/internal/log.h). The set of kinds is closed: each is a documented log code. A hook must be quick and
// must not call back into the receiver.
struct ListenerEvent {
  enum class Kind {
    kTlsHandshakeFailed,  // detail: OpenSSL's reason, or `client certificate subject 'CN=x' is not allowed`,
                          // or `no TLS handshake within 10 s`
    kConnectionRefused,   // over max_connections; detail `the maximum of 1024 open connections is reached`
    kRateLimitBegins,     // a peer went over --rate-limit: TCP reading pauses, UDP datagrams are dropped;
                          // detail `100 messages/s (burst 100)`, the limit
    kRateLimitEnds,       // detail: how many were dropped or how often reading paused, and for how long:
                          // `dropped 120 datagrams, paused reading 0 times in 1.2 s`
  };
  Kind kind;
  std::string listener;  // to_string() of the listener
  std::string peer;      // `127.0.0.1:40122`
  std::string detail;
};
using ListenerEventHook = std::function<void(const ListenerEvent&)>;

class Receiver {
 public:
  // Binds every address (errors: bind-failed `cannot listen on tcp://127.0.0.1:514: Permission denied`, all of
  // them collected); does not read yet. With a TLS address, also loads `tls`' files, their errors (tls-config,
  // e.g. `cannot read TLS certificate '/etc/x.pem': No such file or directory`, `TLS key '/k.pem' does not
  // match certificate '/c.pem'`) collected with the others.
  static Result<std::unique_ptr<Receiver>> open(const std::vector<ListenAddress>& addresses, ReceiverLimits limits,
                                                MessageQueue& queue, const TlsSettings& tls = {});
  ~Receiver();  // stop(), then join
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  // The addresses as bound (port 0 resolved), in the order given.
  std::vector<ListenAddress> addresses() const;

  // Where the ListenerEvents go (on the network thread); none by default. Before start().
  void set_event_hook(ListenerEventHook hook);

  // Starts the network thread (with every asynchronous signal blocked, so that signals reach the main thread).
  // Once; later calls do nothing. Error: thread-failed.
  Status start();
  // Begins the shutdown described above; returns at once. Thread-safe, idempotent.
  void stop();
  // Waits for the network thread to end (after stop(), once every connection is closed); at once if start()
  // was never called.
  void join();
  // After join(): why the network thread ended early (it closed the queue), e.g. `the network thread failed:
  // std::bad_alloc`; empty when it ended as described above.
  std::string failure() const;

  // Per listener, in the order given; thread-safe, a consistent snapshot per listener.
  std::vector<ListenerStats> stats() const;

 private:
  struct Impl;
  explicit Receiver(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace strictlog
