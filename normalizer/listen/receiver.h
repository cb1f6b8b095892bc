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
// Inputs: InputSource.name is the listener (`tcp://127.0.0.1:5514`, `udp://[::1]:5514`, the port as bound),
// peer the sender (`127.0.0.1:40122`, `[::1]:40122`), connection `<start>.<n>` for the n-th TCP connection
// (from 1, over every TCP listener, counting the connections kept, not those refused) and `<start>.0` for
// UDP, where <start> is the receiver's start time (start()) in microseconds since the epoch: the triple names
// a message's stream uniquely across restarts. reference_time is the current time in seconds: an input keeps
// its InputSource pointer while the second is unchanged and gets a new one when it changes.
//
// Limits: max_message (MSG-LEN, LF frame, datagram); max_connections (the open TCP connections of all
// listeners together; one over it is accepted and closed at once, counted in connections_refused);
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

struct ReceiverLimits {
  size_t max_message = kDefaultMaxMessage;
  size_t max_connections = 1024;
  std::chrono::milliseconds idle_timeout{0};  // 0: none
  std::chrono::milliseconds drain_timeout{5000};
  size_t udp_receive_buffer = 0;  // SO_RCVBUF for UDP sockets; 0: the system default
};

struct ListenerStats {
  std::string address;  // to_string() with the bound port
  uint64_t messages = 0;  // messages put in the queue (accepted), framing errors included
  uint64_t bytes = 0;     // bytes read (UDP: datagram bytes, trailers included)
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
    kTlsHandshakeFailed,  // detail: OpenSSL's reason, or `client certificate subject 'CN=x' is not allowed`
    kConnectionRefused,   // over max_connections
    kRateLimitBegins,     // a peer went over --rate-limit: TCP reading pauses, UDP datagrams are dropped
    kRateLimitEnds,       // detail: how many were dropped or how long reading paused, for that peer
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
  // them collected); does not read yet.
  static Result<std::unique_ptr<Receiver>> open(const std::vector<ListenAddress>& addresses, ReceiverLimits limits,
                                                MessageQueue& queue);
  ~Receiver();  // stop(), then join
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  // The addresses as bound (port 0 resolved), in the order given.
  std::vector<ListenAddress> addresses() const;

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
