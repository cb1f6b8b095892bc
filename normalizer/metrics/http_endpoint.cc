#include "metrics/http_endpoint.h"

#include <asio.hpp>
#include <fmt/format.h>
#include <pthread.h>

#include <csignal>
#include <string_view>
#include <thread>

namespace strictlog {
namespace {

constexpr size_t kMaxHead = 8 * 1024;
constexpr auto kRequestTimeout = std::chrono::seconds(5);
constexpr size_t kMaxConnections = 16;

// `extra` is more header lines, each ending in CR LF.
std::string response(std::string_view status, std::string_view content_type, const std::string& body,
                     bool with_body, std::string_view extra = "") {
  std::string r = fmt::format(
      "HTTP/1.1 {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n{}Connection: close\r\nCache-Control: "
      "no-store\r\n\r\n",
      status, content_type, body.size(), extra);
  if (with_body) r += body;
  return r;
}

}  // namespace

struct MetricsEndpoint::Impl {
  Impl(Render r) : render(std::move(r)) {}

  // One scrape: reads the head, answers, closes. Lives as long as one of its handlers is pending.
  struct Connection : std::enable_shared_from_this<Connection> {
    Connection(Impl& o, asio::ip::tcp::socket s) : owner(o), socket(std::move(s)), timer(owner.io) {}

    void start() {
      timer.expires_after(kRequestTimeout);
      timer.async_wait([self = shared_from_this()](std::error_code ec) {
        if (!ec) self->close();
      });
      read();
    }

    void read() {
      socket.async_read_some(asio::buffer(buffer), [self = shared_from_this()](std::error_code ec, size_t n) {
        if (ec) return self->close();
        self->head.append(self->buffer.data(), n);
        if (self->head.find("\r\n\r\n") != std::string::npos || self->head.find("\n\n") != std::string::npos) {
          return self->answer();
        }
        if (self->head.size() > kMaxHead) {
          return self->send(response("431 Request Header Fields Too Large", "text/plain; charset=utf-8",
                                     "request head over 8 KiB\n", true));
        }
        self->read();
      });
    }

    void answer() {
      std::string_view h = head;
      std::string_view line = h.substr(0, h.find_first_of("\r\n"));
      size_t sp1 = line.find(' ');
      size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
      if (sp2 == std::string_view::npos || line.substr(sp2 + 1).substr(0, 5) != "HTTP/") {
        return send(response("400 Bad Request", "text/plain; charset=utf-8", "not an HTTP request\n", true));
      }
      std::string_view method = line.substr(0, sp1);
      std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
      std::string_view path = target.substr(0, target.find('?'));
      if (path != "/metrics") {
        return send(response("404 Not Found", "text/plain; charset=utf-8", "not found: the metrics are at /metrics\n",
                             method != "HEAD"));
      }
      if (method != "GET" && method != "HEAD") {
        return send(response("405 Method Not Allowed", "text/plain; charset=utf-8", "only GET and HEAD\n", true,
                             "Allow: GET, HEAD\r\n"));
      }
      send(response("200 OK", "text/plain; version=0.0.4; charset=utf-8", owner.render(), method == "GET"));
    }

    void send(std::string text) {
      out = std::move(text);
      asio::async_write(socket, asio::buffer(out), [self = shared_from_this()](std::error_code, size_t) {
        std::error_code ignored;
        self->socket.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
        self->close();
      });
    }

    void close() {
      if (closed) return;
      closed = true;
      std::error_code ignored;
      timer.cancel();
      socket.close(ignored);
      owner.connections.erase(this);
    }

    Impl& owner;
    asio::ip::tcp::socket socket;
    asio::steady_timer timer;
    std::array<char, 4096> buffer{};
    std::string head, out;
    bool closed = false;
  };

  void accept() {
    acceptor->async_accept([this](std::error_code ec, asio::ip::tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor->is_open()) return;
      if (ec) {
        // Out of descriptors (EMFILE) and the like: the connection stays in the backlog, so accepting again at
        // once would spin. Try again after a pause, as the syslog listeners do.
        retry.expires_after(std::chrono::milliseconds(100));
        retry.async_wait([this](std::error_code wait_ec) {
          if (!wait_ec && acceptor->is_open()) accept();
        });
        return;
      }
      if (connections.size() >= kMaxConnections) {
        std::error_code ignored;
        socket.close(ignored);
      } else {
        auto c = std::make_shared<Connection>(*this, std::move(socket));
        connections.emplace(c.get(), c);
        c->start();
      }
      accept();
    });
  }

  asio::io_context io;
  std::optional<asio::ip::tcp::acceptor> acceptor;
  asio::steady_timer retry{io};  // the next accept after an accept error
  Render render;
  std::string url;
  std::unordered_map<Connection*, std::shared_ptr<Connection>> connections;
  std::thread thread;
  bool stopped = false;
};

MetricsEndpoint::MetricsEndpoint(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MetricsEndpoint::~MetricsEndpoint() { stop(); }

Result<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::open(const ListenAddress& address, Render render) {
  auto impl = std::make_unique<Impl>(std::move(render));
  std::string where = address.host.find(':') != std::string::npos ? fmt::format("[{}]:{}", address.host, address.port)
                                                                  : fmt::format("{}:{}", address.host, address.port);
  std::error_code ec;
  asio::ip::tcp::endpoint endpoint(asio::ip::make_address(address.host, ec), address.port);
  if (!ec) {
    impl->acceptor.emplace(impl->io);
    impl->acceptor->open(endpoint.protocol(), ec);
    if (!ec) impl->acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) impl->acceptor->bind(endpoint, ec);
    if (!ec) impl->acceptor->listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    return plain_error("bind-failed", fmt::format("cannot listen on http://{}: {}", where, ec.message()));
  }
  auto bound = impl->acceptor->local_endpoint();
  impl->url = bound.address().is_v6() ? fmt::format("http://[{}]:{}/metrics", bound.address().to_string(), bound.port())
                                      : fmt::format("http://{}:{}/metrics", bound.address().to_string(), bound.port());
  return std::unique_ptr<MetricsEndpoint>(new MetricsEndpoint(std::move(impl)));
}

std::string MetricsEndpoint::url() const { return impl_->url; }

Status MetricsEndpoint::start() {
  if (impl_->thread.joinable() || impl_->stopped) return kOk;
  impl_->accept();
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &previous);
  try {
    impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
  } catch (const std::system_error& e) {
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    return plain_error("thread-failed", fmt::format("cannot start the metrics thread: {}", e.what()));
  }
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  return kOk;
}

void MetricsEndpoint::stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  asio::post(impl_->io, [impl = impl_.get()] {
    std::error_code ignored;
    impl->acceptor->close(ignored);
    impl->retry.cancel();
    auto connections = impl->connections;
    for (auto& [raw, c] : connections) c->close();
  });
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace strictlog
