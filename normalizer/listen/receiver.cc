#include "listen/receiver.h"

#include <fmt/format.h>
#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <system_error>
#include <thread>

#include "listen/internal/context.h"
#include "listen/internal/inherited_socket.h"
#include "listen/internal/connection.h"
#include "listen/internal/tcp_listener.h"
#include "listen/internal/tls_server.h"
#include "listen/internal/udp_listener.h"

namespace strictlog {

using listen_internal::ListenerSlot;
using listen_internal::TcpListener;
using listen_internal::UdpListener;

namespace {

// The queue's on_space, which runs on the consumer thread and may outlive the receiver: it posts to the
// network thread while the receiver exists (`post` set), and does nothing after.
struct Waker {
  std::mutex mutex;
  std::function<void()> post;

  void wake() {
    std::lock_guard lock(mutex);
    if (post) post();
  }
};

}  // namespace

struct Receiver::Impl {
  Impl(MessageQueue& queue, ReceiverLimits limits) : cx(queue, limits) {}
  ~Impl() {
    std::lock_guard lock(waker->mutex);
    waker->post = nullptr;
  }

  // On the network thread, after stop() or when the consumer closed the queue; once.
  void begin_shutdown() {
    if (cx.stopping) return;
    cx.stopping = true;
    cx.drain_deadline = std::chrono::steady_clock::now() + cx.limits.drain_timeout;
    for (auto& listener : tcp) listener->stop();
    for (auto& listener : udp) listener->stop();
    cx.limiter.stop();  // ends the episodes; the drain reads at full speed
    for (const auto& connection : cx.connections) connection->drain();
    cx.end_if_drained();
  }

  // The queue's on_space, on the network thread: room was made, or the consumer closed the queue, which
  // nothing can be delivered to any more: then the receiver stops at once, without draining.
  void on_space() {
    if (!cx.queue.closed()) {
      cx.resume_paused();
      return;
    }
    begin_shutdown();
    cx.paused.clear();
    std::vector<std::shared_ptr<listen_internal::Connection>> open(cx.connections.begin(), cx.connections.end());
    for (const auto& connection : open) connection->abandon();
    cx.end_if_drained();
  }

  listen_internal::Context cx;  // first: its io_context outlives every socket below
  std::vector<std::unique_ptr<ListenerSlot>> slots;  // per address, in the order given
  std::vector<ListenAddress> bound;
  std::unique_ptr<listen_internal::TlsServer> tls;  // with a TLS listener; before the listeners that use it
  std::vector<std::unique_ptr<TcpListener>> tcp;
  std::vector<std::unique_ptr<UdpListener>> udp;
  std::shared_ptr<Waker> waker = std::make_shared<Waker>();
  std::mutex thread_mutex;  // start(), join()
  std::thread thread;
  bool started = false;
  std::atomic<bool> stop_requested{false};
  std::string failure;  // set by the network thread before it ends; read after join()
};

Result<std::unique_ptr<Receiver>> Receiver::open(const std::vector<ListenAddress>& addresses, ReceiverLimits limits,
                                                 MessageQueue& queue, const TlsSettings& tls) {
  auto impl = std::make_unique<Impl>(queue, limits);
  Diagnostics errors;
  for (const ListenAddress& address : addresses) {
    if (address.protocol != ListenAddress::Protocol::kTls) continue;
    auto loaded = listen_internal::TlsServer::load(tls);
    if (!loaded) errors = loaded.errors();
    if (loaded) impl->tls = std::move(*loaded);
    break;
  }
  for (const ListenAddress& address : addresses) {
    auto& slot = *impl->slots.emplace_back(std::make_unique<ListenerSlot>());
    std::error_code ec;
    ListenAddress bound = address;
    if (address.fd >= 0) {  // checked first, to say exactly what is wrong with it
      if (std::string problem = inherited_socket_problem(address.fd, address.protocol); !problem.empty()) {
        ::close(address.fd);
        errors.push_back(
            plain_error("bad-socket", fmt::format("{}: it {}", listen_internal::adopting(address), problem)));
        continue;
      }
    }
    if (address.protocol != ListenAddress::Protocol::kUdp) {
      if (auto listener = TcpListener::open(impl->cx, slot, address, ec)) {
        bound = listener->bound();
        if (address.protocol == ListenAddress::Protocol::kTls && impl->tls) listener->serve_tls(*impl->tls);
        impl->tcp.push_back(std::move(listener));
      }
    } else if (auto listener = UdpListener::open(impl->cx, slot, address, ec)) {
      bound = listener->bound();
      impl->udp.push_back(std::move(listener));
    }
    if (ec) {
      std::string what =
          address.fd >= 0 ? listen_internal::adopting(address) : "cannot listen on " + to_string(address);
      errors.push_back(plain_error("bind-failed", fmt::format("{}: {}", what, ec.message())));
    }
    slot.update([&](ListenerStats& s) { s.address = to_string(bound); });
    impl->bound.push_back(std::move(bound));
  }
  if (!errors.empty()) return errors;
  queue.set_on_space([waker = impl->waker] { waker->wake(); });
  {
    std::lock_guard lock(impl->waker->mutex);
    impl->waker->post = [impl = impl.get()] { asio::post(impl->cx.io, [impl] { impl->on_space(); }); };
  }
  return std::unique_ptr<Receiver>(new Receiver(std::move(impl)));
}

Receiver::Receiver(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Receiver::~Receiver() {
  stop();
  join();
}

std::vector<ListenAddress> Receiver::addresses() const { return impl_->bound; }

void Receiver::set_event_hook(ListenerEventHook hook) { impl_->cx.hook = std::move(hook); }

Status Receiver::start() {
  std::lock_guard lock(impl_->thread_mutex);
  if (impl_->started) return kOk;
  impl_->started = true;
  impl_->cx.start = fmt::format(
      "{}", std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
                .count());
  for (auto& listener : impl_->tcp) listener->start();
  for (auto& listener : impl_->udp) listener->start();
  impl_->cx.limiter.start();
  // Threads inherit the mask of the thread that starts them: signals go to the main thread, as in
  // pipeline/parallel.cc. Faults stay deliverable.
  sigset_t blocked, previous;
  sigfillset(&blocked);
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT}) sigdelset(&blocked, sig);
  pthread_sigmask(SIG_BLOCK, &blocked, &previous);
  std::optional<Diagnostic> error;
  try {
    impl_->thread = std::thread([impl = impl_.get()] {
      // Nothing here is meant to throw; should it (std::bad_alloc), the queue is closed so that serve stops
      // through its failure path and reports what it kept, instead of std::terminate() losing it all.
      try {
        impl->cx.io.run();
      } catch (const std::exception& e) {
        impl->failure = fmt::format("the network thread failed: {}", e.what());
        impl->cx.queue.close();
      }
    });
  } catch (const std::system_error& e) {
    error = plain_error("thread-failed", fmt::format("cannot start the network thread: {}", e.code().message()));
  }
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  if (error) return *error;
  return kOk;
}

void Receiver::stop() {
  if (impl_->stop_requested.exchange(true)) return;
  asio::post(impl_->cx.io, [impl = impl_.get()] { impl->begin_shutdown(); });
}

void Receiver::join() {
  std::lock_guard lock(impl_->thread_mutex);
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::string Receiver::failure() const { return impl_->failure; }

std::vector<ListenerStats> Receiver::stats() const {
  std::vector<ListenerStats> stats;
  stats.reserve(impl_->slots.size());
  for (const auto& slot : impl_->slots) stats.push_back(slot->snapshot());
  return stats;
}

}  // namespace strictlog
