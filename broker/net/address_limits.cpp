// Per-address connection limits (see address_limits.hpp). Broker thread only.
#include "broker/net/address_limits.hpp"

#include <asio/ip/address.hpp>

#include <iterator>

#include "broker/auth/login_throttle.hpp"

namespace smq {
namespace {

bool is_loopback(std::string_view address) {
  asio::error_code ec;
  const asio::ip::address parsed = asio::ip::make_address(std::string(address), ec);
  return !ec && parsed.is_loopback();
}

}  // namespace

AddressLimits::Admission AddressLimits::admit(std::string_view address, Clock::time_point now,
                                              const AddressLimitOptions& options) {
  Admission out;
  if (options.max_connections == 0 && options.new_per_second == 0) return out;
  // Behind a reverse proxy on the same host every client has the proxy's address.
  if (!options.loopback && is_loopback(address)) return out;
  std::string key = auth::LoginThrottle::key_of(address);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= max_tracked_connection_addresses && !make_room(now)) {
      out.verdict = Verdict::too_fast;
      return out;
    }
    it = entries_.emplace(key, Entry{}).first;
  }
  Entry& entry = it->second;
  if (entry.rate != options.new_per_second) {
    entry.rate = options.new_per_second;
    entry.budget = RateBudget(entry.rate, entry.rate, now);
  }
  if (options.max_connections != 0 && entry.open >= options.max_connections) {
    out.verdict = Verdict::too_many;
  } else if (!entry.budget.take(1, now)) {
    out.verdict = Verdict::too_fast;
  } else {
    ++entry.open;
    out.slot = std::make_unique<Slot>(shared_from_this(), std::move(key));
    return out;
  }
  if (entry.open == 0 && entry.budget.full(now)) entries_.erase(it);
  return out;
}

void AddressLimits::release(const std::string& key) {
  const auto it = entries_.find(key);
  if (it == entries_.end()) return;
  if (it->second.open > 0) --it->second.open;
  // Kept while its bucket refills, else closing and reopening would reset the rate.
  if (it->second.open == 0 && it->second.budget.full(Clock::now())) entries_.erase(it);
}

bool AddressLimits::make_room(Clock::time_point now) {
  const std::size_t before = entries_.size();
  for (auto it = entries_.begin(); it != entries_.end();) {
    it = it->second.open == 0 && it->second.budget.full(now) ? entries_.erase(it) : std::next(it);
  }
  return entries_.size() < before;
}

std::size_t AddressLimits::open_count(std::string_view address) const {
  const auto it = entries_.find(auth::LoginThrottle::key_of(address));
  return it == entries_.end() ? 0 : it->second.open;
}

}  // namespace smq
