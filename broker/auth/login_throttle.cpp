// Per-address budget of password attempts (see login_throttle.hpp). Broker thread only.
#include "broker/auth/login_throttle.hpp"

#include <asio/ip/address.hpp>

#include <algorithm>
#include <iterator>

namespace smq::auth {
namespace {

using Duration = LoginThrottle::Clock::duration;

constexpr double per_token_ns =
    static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(attempt_refill).count());

Duration time_for(double tokens) {
  return std::chrono::duration_cast<Duration>(
      std::chrono::nanoseconds(static_cast<std::int64_t>(tokens * per_token_ns)));
}

}  // namespace

std::string LoginThrottle::key_of(std::string_view address) {
  asio::error_code ec;
  const asio::ip::address parsed = asio::ip::make_address(std::string(address), ec);
  if (ec || !parsed.is_v6()) return std::string(address);
  asio::ip::address_v6::bytes_type bytes = parsed.to_v6().to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return asio::ip::address_v6(bytes).to_string() + "/64";
}

void LoginThrottle::refill(Bucket& b, Clock::time_point now) {
  if (now <= b.updated) return;
  const double ns = static_cast<double>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(now - b.updated).count());
  b.tokens = std::min(attempt_burst, b.tokens + ns / per_token_ns);
  b.updated = now;
}

bool LoginThrottle::make_room(Clock::time_point now) {
  const std::size_t before = buckets_.size();
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    Bucket& b = it->second;
    refill(b, now);
    it = b.unsettled == 0 && b.tokens >= attempt_burst ? buckets_.erase(it) : std::next(it);
  }
  return buckets_.size() < before;
}

std::optional<Duration> LoginThrottle::admit(const std::string& key, Clock::time_point now,
                                             Duration max_wait) {
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_tracked_addresses && !make_room(now)) {
      // No room to remember this address: it gets the throttled rate, not a free pass.
      if (time_for(1) > max_wait) return std::nullopt;
      return time_for(1);
    }
    it = buckets_.emplace(key, Bucket{attempt_burst, now, 0}).first;
  }
  Bucket& b = it->second;
  refill(b, now);
  // The token this attempt takes is there once tokens - 1 has refilled back to 0.
  const double after = b.tokens - 1;
  const Duration wait = after >= 0 ? Duration::zero() : time_for(-after);
  if (wait > max_wait) return std::nullopt;
  b.tokens = after;
  ++b.unsettled;
  return wait;
}

void LoginThrottle::settle(const std::string& key, bool success, Clock::time_point now) {
  const auto it = buckets_.find(key);
  if (it == buckets_.end()) return;  // admitted while the table was full: nothing was taken
  Bucket& b = it->second;
  refill(b, now);
  if (b.unsettled > 0) --b.unsettled;
  if (success) b.tokens = std::min(attempt_burst, b.tokens + 1);
  if (b.unsettled == 0 && b.tokens >= attempt_burst) buckets_.erase(it);
}

double LoginThrottle::tokens(const std::string& key, Clock::time_point now) const {
  const auto it = buckets_.find(key);
  if (it == buckets_.end()) return attempt_burst;
  Bucket b = it->second;
  refill(b, now);
  return b.tokens;
}

}  // namespace smq::auth
