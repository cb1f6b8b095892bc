#include "listen/internal/context.h"

#include <fmt/format.h>

#include <chrono>

#include "listen/internal/connection.h"

namespace strictlog::listen_internal {

void Context::resume_paused() {
  while (!paused.empty()) {
    std::shared_ptr<Connection> connection = paused.front();
    paused.pop_front();  // first: resume() may end the connection
    if (!connection->resume()) {
      paused.push_front(std::move(connection));  // refused again: the next pop brings on_space back
      return;
    }
  }
}

void Context::end_if_drained() {
  if (!stopping || ended || !connections.empty() || pending_accepts != 0) return;
  ended = true;
  queue.close();
  work.reset();  // the io_context returns once the last handlers (cancelled waits) have run
}

int64_t unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string peer_name(const asio::ip::address& address, uint16_t port) {
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    return fmt::format("{}:{}", asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_string(), port);
  if (address.is_v6()) return fmt::format("[{}]:{}", address.to_string(), port);
  return fmt::format("{}:{}", address.to_string(), port);
}

}  // namespace strictlog::listen_internal
