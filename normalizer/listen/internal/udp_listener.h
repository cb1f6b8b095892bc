// One UDP socket (RFC 5426): one message per datagram, read with recvmsg(2) so that the kernel's drop count
// (SO_RXQ_OVFL, SO_MEMINFO) can be read, which Asio does not expose. With the rate limit on, a datagram whose
// peer has no token left is dropped as it is read (udp_lost_rate_limit). Internal to listen/.
#pragma once

#include <asio.hpp>

#include <sys/socket.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "listen/internal/context.h"

namespace strictlog::listen_internal {

class UdpListener {
 public:
  // Binds, or adopts address.fd (which inherited_socket_problem() found bound), with SO_RXQ_OVFL and, when
  // limits.udp_receive_buffer is set, SO_RCVBUF. The kernel queues datagrams from here on, before start().
  // Error: why not.
  static std::unique_ptr<UdpListener> open(Context& cx, ListenerSlot& slot, const ListenAddress& address,
                                           std::error_code& ec);

  ListenAddress bound() const { return bound_; }
  void start() { wait(); }
  // Reads what the socket holds (until EAGAIN), takes the kernel's final drop count, and closes the socket.
  void stop();

 private:
  UdpListener(Context& cx, ListenerSlot& slot, asio::ip::udp::socket socket, ListenAddress bound);
  void wait();
  // Reads up to `limit` datagrams into one batch and pushes it (or counts it lost). True: the socket is empty.
  bool receive(size_t limit);
  std::shared_ptr<const InputSource> input_for(const sockaddr_storage& peer, socklen_t size);

  Context& cx_;
  ListenerSlot& slot_;
  asio::ip::udp::socket socket_;
  ListenAddress bound_;
  std::string name_;          // InputSource.name
  std::string connection_;    // `<start>.0`
  std::vector<char> buffer_;  // a whole datagram (64 KiB at least), so that its trailer can be seen
  uint64_t number_ = 0;       // datagrams received
  uint64_t offset_ = 0;       // their bytes
  uint32_t kernel_drops_ = 0;
  // The inputs of recent peers, by their socket address bytes; emptied when the second changes (a new
  // reference_time) and when it grows past a bound, so a spray of source addresses costs no memory.
  std::unordered_map<std::string, std::shared_ptr<const InputSource>> inputs_;
  int64_t inputs_second_ = 0;
};

}  // namespace strictlog::listen_internal
