// The per-peer rate limit of listen/receiver.h (ReceiverLimits::rate_limit): one token bucket per peer IP
// address, shared by every listener of a receiver, and the episodes over the limit that are reported.
// Internal to listen/; on the network thread only.
//
// A bucket holds at most `burst` tokens and gains `rate` per second. UDP takes one token per datagram and
// drops the datagram when there is none. TCP takes one per message after a read, which may leave the bucket
// in debt (a read cannot be taken back); the connection then waits until the debt is paid. An episode begins
// at the first drop or pause and ends when the peer's bucket is full again (seen by sweep(), every 250 ms),
// so a peer that stays over the limit makes one begin and one end, not one per message.
//
// Bounded: a peer no connection holds, with a full bucket and no episode, is forgotten by sweep(); past
// kMaxPeers peers at once, newcomers share one bucket (`other peers`) until sweep() makes room.
#pragma once

#include <asio.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "listen/receiver.h"

namespace strictlog::listen_internal {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr size_t kMaxPeers = 16384;
  static constexpr auto kSweepEvery = std::chrono::milliseconds(250);

  // One peer IP address's bucket and episode.
  struct Peer {
    std::string name;  // the IP address as events name it: `127.0.0.1`, `::1`
    double tokens = 0;
    Clock::time_point refilled;
    bool over = false;             // in an episode
    std::string listener;          // where the episode began
    Clock::time_point began;
    uint64_t dropped = 0, pauses = 0;  // in this episode
  };

  // rate 0: disabled (every call is then cheap and admits everything). `report` receives the events.
  RateLimiter(asio::io_context& io, uint64_t rate, uint64_t burst, std::function<void(const ListenerEvent&)> report);

  bool enabled() const { return rate_ > 0; }

  // The bucket of `address` (an IPv4-mapped IPv6 address is the IPv4 one), created full. A connection keeps
  // it for its lifetime, which keeps it in the table.
  std::shared_ptr<Peer> peer(const asio::ip::address& address, Clock::time_point now);

  // UDP: takes a token for one datagram. False: none left, the datagram is to be dropped (counted here for
  // the episode; the caller counts udp_lost_rate_limit).
  bool admit(Peer& peer, const std::string& listener, Clock::time_point now);

  // TCP: takes `messages` tokens after a read, which may leave the bucket in debt (an episode begins).
  void take(Peer& peer, uint64_t messages, const std::string& listener, Clock::time_point now);
  // How long a connection of `peer` must wait before it reads again: until the bucket has a token, zero
  // when it has one (or the limit is off). The caller counts its pauses (Peer::pauses).
  Clock::duration wait(Peer& peer, Clock::time_point now);

  // Starts the sweep timer (start()); stop() ends every episode (its end is reported) and cancels it.
  void start();
  void stop();

 private:
  void refill(Peer& peer, Clock::time_point now) const;
  void begin(Peer& peer, const std::string& listener, Clock::time_point now);
  void end(Peer& peer, Clock::time_point now);
  void sweep();
  void schedule();

  asio::steady_timer timer_;
  const double rate_, burst_;
  std::function<void(const ListenerEvent&)> report_;
  bool stopped_ = false;
  // By the address's 16 bytes (IPv4 as IPv4-mapped IPv6).
  struct KeyHash {
    size_t operator()(const std::array<unsigned char, 16>& k) const;
  };
  std::unordered_map<std::array<unsigned char, 16>, std::shared_ptr<Peer>, KeyHash> peers_;
  std::shared_ptr<Peer> others_;  // the shared bucket past kMaxPeers
};

}  // namespace strictlog::listen_internal
