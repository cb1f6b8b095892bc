#include "listen/internal/rate_limiter.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <string_view>

namespace strictlog::listen_internal {
namespace {

std::array<unsigned char, 16> key_of(const asio::ip::address& address) {
  asio::ip::address_v6 v6 = address.is_v4() ? asio::ip::make_address_v6(asio::ip::v4_mapped, address.to_v4())
                                            : address.to_v6();
  std::array<unsigned char, 16> key;
  auto bytes = v6.to_bytes();
  std::memcpy(key.data(), bytes.data(), key.size());
  return key;
}

std::string name_of(const asio::ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_string();
  return address.to_string();
}

double seconds(RateLimiter::Clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

size_t RateLimiter::KeyHash::operator()(const std::array<unsigned char, 16>& k) const {
  uint64_t a, b;
  std::memcpy(&a, k.data(), 8);
  std::memcpy(&b, k.data() + 8, 8);
  return std::hash<uint64_t>()(a * 0x9E3779B97F4A7C15ull ^ b);
}

RateLimiter::RateLimiter(asio::io_context& io, uint64_t rate, uint64_t burst,
                         std::function<void(const ListenerEvent&)> report)
    : timer_(io),
      rate_(static_cast<double>(rate)),
      burst_(static_cast<double>(burst != 0 ? burst : rate)),
      report_(std::move(report)) {}

std::shared_ptr<RateLimiter::Peer> RateLimiter::peer(const asio::ip::address& address, Clock::time_point now) {
  auto key = key_of(address);
  if (auto it = peers_.find(key); it != peers_.end()) return it->second;
  auto fresh = [&](std::string name) {
    auto p = std::make_shared<Peer>();
    p->name = std::move(name);
    p->tokens = burst_;
    p->refilled = now;
    return p;
  };
  if (peers_.size() >= kMaxPeers) {
    if (!others_) others_ = fresh("other peers");
    return others_;
  }
  return peers_.emplace(key, fresh(name_of(address))).first->second;
}

void RateLimiter::refill(Peer& peer, Clock::time_point now) const {
  if (now <= peer.refilled) return;
  peer.tokens = std::min(burst_, peer.tokens + rate_ * seconds(now - peer.refilled));
  peer.refilled = now;
}

bool RateLimiter::admit(Peer& peer, const std::string& listener, Clock::time_point now) {
  if (!enabled() || stopped_) return true;
  refill(peer, now);
  if (peer.tokens >= 1) {
    peer.tokens -= 1;
    return true;
  }
  if (!peer.over) begin(peer, listener, now);
  ++peer.dropped;
  return false;
}

void RateLimiter::take(Peer& peer, uint64_t messages, const std::string& listener, Clock::time_point now) {
  if (!enabled() || stopped_ || messages == 0) return;
  refill(peer, now);
  // The debt is at most one burst: a read brings up to 64 KiB of messages at once, and an unbounded debt would
  // pause the peer's connections for minutes (holding their connection slots, as a paused connection does not
  // see its peer close). So the limit is exact over time up to one read per pause.
  peer.tokens = std::max(peer.tokens - static_cast<double>(messages), -burst_);
  if (peer.tokens < 0 && !peer.over) begin(peer, listener, now);
}

// Until the bucket is back at one token: a connection that resumes then can read at least one message's
// worth without going straight back into debt.
RateLimiter::Clock::duration RateLimiter::wait(Peer& peer, Clock::time_point now) {
  if (!enabled() || stopped_) return Clock::duration::zero();
  refill(peer, now);
  if (peer.tokens >= 0) return Clock::duration::zero();
  double missing = 1 - peer.tokens;
  return std::chrono::ceil<Clock::duration>(std::chrono::duration<double>(missing / rate_));
}

void RateLimiter::begin(Peer& peer, const std::string& listener, Clock::time_point now) {
  peer.over = true;
  peer.listener = listener;
  peer.began = now;
  peer.dropped = 0;
  peer.pauses = 0;
  report_(ListenerEvent{ListenerEvent::Kind::kRateLimitBegins, listener, peer.name,
                        fmt::format("{} messages/s (burst {})", rate_, burst_)});
}

void RateLimiter::end(Peer& peer, Clock::time_point now) {
  peer.over = false;
  report_(ListenerEvent{ListenerEvent::Kind::kRateLimitEnds, peer.listener, peer.name,
                        fmt::format("dropped {} datagrams, paused reading {} times in {:.1f} s", peer.dropped,
                                    peer.pauses, seconds(now - peer.began))});
}

void RateLimiter::start() {
  if (enabled()) schedule();
}

void RateLimiter::schedule() {
  timer_.expires_after(kSweepEvery);
  timer_.async_wait([this](std::error_code ec) {
    if (ec || stopped_) return;
    sweep();
    schedule();
  });
}

void RateLimiter::sweep() {
  auto now = Clock::now();
  auto settle = [&](Peer& p) {
    refill(p, now);
    if (p.over && p.tokens >= burst_) end(p, now);
  };
  for (auto it = peers_.begin(); it != peers_.end();) {
    Peer& p = *it->second;
    settle(p);
    if (!p.over && p.tokens >= burst_ && it->second.use_count() == 1) {
      it = peers_.erase(it);
    } else {
      ++it;
    }
  }
  if (others_) {
    settle(*others_);
    if (!others_->over && others_->tokens >= burst_ && others_.use_count() == 1) others_.reset();
  }
}

void RateLimiter::stop() {
  if (stopped_) return;
  stopped_ = true;
  timer_.cancel();
  auto now = Clock::now();
  for (auto& [key, p] : peers_) {
    if (p->over) end(*p, now);
  }
  if (others_ && others_->over) end(*others_, now);
}

}  // namespace strictlog::listen_internal
