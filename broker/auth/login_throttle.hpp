// The per-address budget of password attempts, so that passwords cannot be tried at line
// rate. Each client address (IPv6: its /64, which one subscriber usually holds whole) has a
// bucket of `attempt_burst` tokens that refills at one token per `attempt_refill`. Every
// password attempt takes a token when it arrives, and a correct password gives it back: only
// failures, and attempts still being checked, use the budget. An attempt that finds the
// bucket empty waits until the token it took would have refilled, and one that would wait
// longer than the caller allows is refused ("try again later") without taking a token.
//
// So one address gets `attempt_burst` guesses at once and then one per `attempt_refill`,
// however many connections it opens, while clients that log in correctly are not slowed.
// Pure bookkeeping with the time passed in (unit-testable); broker thread only.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace smq::auth {

// Guesses an address may make at once before it is slowed down: room for a person who
// mistypes a few times and for a handful of devices behind one NAT logging in together.
inline constexpr double attempt_burst = 10;
// Then one guess per second per address: 86,400 a day instead of line rate (a 0.12 s hash on
// every core), and nothing a correct login ever notices.
inline constexpr std::chrono::milliseconds attempt_refill{1000};
// Addresses remembered at once (about 100 bytes each). Addresses whose bucket is full are
// forgotten first; beyond this with none to forget, a new address waits like a throttled one,
// so a flood from many addresses costs bounded memory and cannot open the gate.
inline constexpr std::size_t max_tracked_addresses = 100'000;

class LoginThrottle {
 public:
  using Clock = std::chrono::steady_clock;

  // The key an address is budgeted under: the address itself for IPv4 (and anything that
  // does not parse), the first 64 bits for IPv6.
  static std::string key_of(std::string_view address);

  // An attempt from `key` at `now` that may wait at most `max_wait`: how long it must wait
  // before it is checked (zero: at once), or nullopt when it would wait longer (refused, no
  // token taken). When a wait is returned the attempt holds a token until settle().
  std::optional<Clock::duration> admit(const std::string& key, Clock::time_point now,
                                       Clock::duration max_wait);
  // The outcome of an admitted attempt: a correct password gives its token back.
  void settle(const std::string& key, bool success, Clock::time_point now);

  // Tokens `key` has at `now` (negative: attempts are queued); attempt_burst when unknown.
  double tokens(const std::string& key, Clock::time_point now) const;
  std::size_t tracked() const { return buckets_.size(); }

 private:
  struct Bucket {
    double tokens = attempt_burst;
    Clock::time_point updated;
    std::size_t unsettled = 0;  // admitted attempts not yet settled: never forgotten
  };
  static void refill(Bucket& b, Clock::time_point now);
  // Forgets buckets that are full and idle; returns whether room was made.
  bool make_room(Clock::time_point now);

  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace smq::auth
