// MetricsEndpoint: a small HTTP/1.1 server for Prometheus scrapes, on its own thread (Asio).
//
// `GET /metrics` (a query string is ignored) answers 200 with the text the render function returns, as
// `text/plain; version=0.0.4`; `HEAD` the same without the body; any other path 404, any other method 405, a
// request that is not HTTP 400. Every answer closes the connection. Render runs on the endpoint's thread,
// one scrape at a time, so it must be thread-safe with respect to what it reads.
//
// Bounds, so that a bad client costs little and never touches the syslog listeners: a request's head is at
// most 8 KiB (else 431), it must arrive within 5 s of the connection (else the connection is closed), and at
// most 16 connections are open at once (more are closed at once).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/result.h"
#include "listen/receiver.h"

namespace strictlog {

class MetricsEndpoint {
 public:
  using Render = std::function<std::string()>;

  // Binds `address` (TCP; error bind-failed `cannot listen on http://127.0.0.1:9100: Address already in
  // use`); does not answer until start().
  static Result<std::unique_ptr<MetricsEndpoint>> open(const ListenAddress& address, Render render);
  ~MetricsEndpoint();  // stops and joins
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

  // `http://127.0.0.1:9100/metrics`, with the port bound.
  std::string url() const;
  // Starts the thread (every asynchronous signal blocked in it). Error: thread-failed.
  Status start();
  // Closes the listening socket and every connection, and joins the thread. Idempotent.
  void stop();

 private:
  struct Impl;
  explicit MetricsEndpoint(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace strictlog
