// Per-address connection limits: how many sockets one client address may hold open
// (max_connections_per_address) and how many it may open per second
// (max_new_connections_per_second, a token bucket per address). IPv6 addresses count per
// /64, which one subscriber usually holds whole. Checked when a socket is accepted, before
// it costs a TLS handshake; the socket then carries a Slot that gives its place back when it
// closes, whichever object (HTTP connection, session) holds it by then. Broker thread only.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "broker/net/rate_budget.hpp"

namespace smq {

// Addresses tracked at once. An address is kept while it has sockets open, which the
// connection limits bound, and until its bucket has refilled (at most a second by default)
// after that; beyond this with nothing to forget, new addresses are refused until buckets
// refill, so a flood from many addresses costs bounded memory.
inline constexpr std::size_t max_tracked_connection_addresses = 100'000;

struct AddressLimitOptions {
  std::size_t max_connections = 0;  // per address at once; 0: no limit
  std::uint64_t new_per_second = 0;  // per address; 0: no limit
  bool loopback = false;             // whether loopback addresses are limited too
};

class AddressLimits : public std::enable_shared_from_this<AddressLimits> {
 public:
  using Clock = RateBudget::Clock;
  enum class Verdict { admitted, too_many, too_fast };

  // A socket's place in its address's count; released when destroyed.
  class Slot {
   public:
    Slot(std::shared_ptr<AddressLimits> owner, std::string key)
        : owner_(std::move(owner)), key_(std::move(key)) {}
    ~Slot() { owner_->release(key_); }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;

   private:
    std::shared_ptr<AddressLimits> owner_;
    std::string key_;
  };

  struct Admission {
    Verdict verdict = Verdict::admitted;
    std::unique_ptr<Slot> slot;  // set when admitted and the address is tracked
  };

  // Decides a socket from `address` (text, as in Peer::address) accepted at `now`.
  Admission admit(std::string_view address, Clock::time_point now,
                  const AddressLimitOptions& options);

  std::size_t tracked() const { return entries_.size(); }
  // Open sockets counted for this address (0 when not tracked).
  std::size_t open_count(std::string_view address) const;

 private:
  struct Entry {
    std::size_t open = 0;
    RateBudget budget;
    std::uint64_t rate = 0;  // the rate `budget` was made with (a reload may change it)
  };
  void release(const std::string& key);
  // Forgets addresses without sockets whose bucket is full; returns whether room was made.
  bool make_room(Clock::time_point now);

  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace smq
