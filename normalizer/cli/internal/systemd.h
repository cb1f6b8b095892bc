// `strictlog serve` under systemd, through libsystemd (sd-daemon(3)): the sockets a .socket unit passes, and
// the state serve reports to the service manager (Type=notify) with its watchdog. Without systemd (no
// LISTEN_FDS, no NOTIFY_SOCKET, no WATCHDOG_USEC in the environment) every function here is a no-op, so
// serve calls them unconditionally. tools/systemd/ holds the units; docs/SERVE.md (Running under systemd) explains them.
#pragma once

#include <chrono>
#include <string_view>
#include <vector>

#include "cli/internal/serve_listeners.h"
#include "common/result.h"
#include "listen/receiver.h"

namespace strictlog::cli {

// The listening sockets systemd passed (sd_listen_fds_with_names(3): LISTEN_FDS and LISTEN_PID naming this
// process, from fd 3 on), as ListenAddress with fd set, in the order passed; none without socket activation.
// Each socket's FileDescriptorName= (systemd-socket-activate: --fdname) says what it is: `tcp` and `tls` a
// listening stream socket, `udp` a bound datagram socket, IPv4 or IPv6. The LISTEN_* variables are unset, so
// that nothing serve might start inherits them. Every socket is checked and every problem collected
// (code `systemd`), e.g.
//   `socket 3 (name 'udp') is a stream socket, not datagram`
//   `socket 4 is named 'syslog', not tcp, udp or tls (FileDescriptorName= in the .socket unit)`
//   `socket 3 has no name: set FileDescriptorName=tcp, udp or tls in the .socket unit (systemd-socket-activate:
//   --fdname)`
Result<std::vector<ListenAddress>> systemd_sockets();

// listener_usage_problem() (cli/internal/serve_listeners.h) with the TLS sockets systemd passed counted as
// --tls listeners; one more problem: `socket 5 (name 'tls') needs --tls-cert and --tls-key`.
std::string listener_usage_problem(const ServeListenerArgs& args, const std::vector<ListenAddress>& passed);

// sd_notify(3) messages, for the service manager's view of serve (`systemctl status`). A failure to send is
// logged once (code notify_failed) and otherwise ignored: serve goes on, and systemd acts on the silence.
// READY=1 with STATUS=: every listener is bound and serve reads; also the end of a reload.
void notify_ready(std::string_view status);
// RELOADING=1 (with MONOTONIC_USEC=, which systemd 253's Type=notify-reload wants): a SIGHUP reload begins;
// notify_ready() ends it, whether the new rules loaded or not.
void notify_reloading(std::string_view status);
// STOPPING=1 with STATUS=: a stop signal began the drain.
void notify_stopping(std::string_view status);
// STATUS= alone.
void notify_status(std::string_view status);

// WATCHDOG=1 keep-alives when the service manager asked for them (WatchdogSec=, which sets WATCHDOG_USEC and
// WATCHDOG_PID; sd_watchdog_enabled(3)). Made on the thread that takes messages off the queue, so that a main
// loop that stops turning stops them too and systemd restarts serve (Restart=on-failure).
class Watchdog {
 public:
  // Reads and unsets WATCHDOG_USEC and WATCHDOG_PID.
  Watchdog();
  bool enabled() const { return interval_.count() > 0; }
  // The service manager's timeout, zero when none.
  std::chrono::microseconds timeout() const { return timeout_; }
  // Sends WATCHDOG=1 when half the timeout has passed since the last one (the first call always sends).
  // Cheap when not due: call it on every turn of a loop that turns more often than the timeout / 2.
  void tick();

 private:
  std::chrono::microseconds timeout_{0};
  std::chrono::microseconds interval_{0};  // timeout_ / 2
  std::chrono::steady_clock::time_point last_{};
  bool sent_ = false;
};

}  // namespace strictlog::cli
