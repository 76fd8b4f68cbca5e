// A token bucket: `rate` units per second, at most `burst` saved up. Sessions keep one for
// the messages and one for the bytes a client sends; the per-address table one for new
// connections. Plain data with the time passed in; broker thread only.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace smq {

class RateBudget {
 public:
  using Clock = std::chrono::steady_clock;

  RateBudget() = default;  // off: everything is allowed
  // Starts full. `rate` 0 turns the budget off.
  RateBudget(std::uint64_t rate, std::uint64_t burst, Clock::time_point now)
      : rate_(static_cast<double>(rate)),
        burst_(static_cast<double>(std::max(burst, rate))),
        tokens_(burst_),
        updated_(now) {}

  bool enabled() const { return rate_ > 0; }

  // Takes `amount` if the budget holds it; otherwise takes nothing and returns false.
  bool take(double amount, Clock::time_point now) {
    if (!enabled()) return true;
    refill(now);
    if (tokens_ < amount) return false;
    tokens_ -= amount;
    return true;
  }
  // Whether the budget is back to full at `now` (an idle entry that can be forgotten).
  bool full(Clock::time_point now) {
    refill(now);
    return tokens_ >= burst_;
  }

 private:
  void refill(Clock::time_point now) {
    if (now <= updated_) return;
    const double seconds = std::chrono::duration<double>(now - updated_).count();
    tokens_ = std::min(burst_, tokens_ + seconds * rate_);
    updated_ = now;
  }

  double rate_ = 0;
  double burst_ = 0;
  double tokens_ = 0;
  Clock::time_point updated_{};
};

}  // namespace smq
