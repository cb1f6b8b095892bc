// A minimal HTTP/1.1 client over libcurl for the clickhouse sink: POST a body held in memory, read a small
// answer. Internal to the sink stage.
//
// One connection, kept alive between requests and re-opened when the server closed it. Proxies from the
// environment (http_proxy, ...) are ignored: the sink talks to the database it names. Not thread-safe: one
// thread uses a client at a time.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <string_view>

namespace strictlog::sink_internal {

struct HttpResponse {
  long status = 0;         // the HTTP status; 0 when no answer came (`error` says why)
  std::string body;        // the answer's first kMaxBody bytes
  std::string error;       // libcurl's reason when status is 0: `Couldn't connect to server`, a timeout, ...

  static constexpr size_t kMaxBody = 64 * 1024;
};

class HttpClient {
 public:
  // `base` is `http://HOST:PORT`, requests append a path to it.
  explicit HttpClient(std::string base);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // POSTs `body` (not copied) to `base + path_and_query`. A connection that is not made within
  // `connect_timeout`, or a transfer that moves no byte for 30 s, ends the request with status 0.
  HttpResponse post(const std::string& path_and_query, std::string_view body,
                    std::chrono::milliseconds connect_timeout = std::chrono::milliseconds(2000));

  // While `*flag` is true, a request in progress ends within about a second (status 0, error `aborted`) and
  // new ones end at once: for a sink being destroyed mid-transfer. `flag` must outlive the client.
  void set_abort_flag(const std::atomic<bool>* flag) { abort_ = flag; }

  // `s` percent-encoded for a query string.
  static std::string escape(std::string_view s);

 private:
  std::string base_;
  void* curl_ = nullptr;  // CURL*
  const std::atomic<bool>* abort_ = nullptr;
};

}  // namespace strictlog::sink_internal
