// Reconnect backoff and random helpers (see backoff.hpp). Pure code, any thread.
#include "src/backoff.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <random>
#include <stdexcept>

namespace smq::detail {

std::chrono::milliseconds backoff_delay(unsigned attempt, std::chrono::milliseconds initial,
                                        std::chrono::milliseconds max, double unit) {
  double cap = static_cast<double>(std::max<long long>(initial.count(), 1));
  for (unsigned i = 0; i < attempt && cap < static_cast<double>(max.count()); ++i) cap *= 2;
  cap = std::min(cap, static_cast<double>(max.count()));
  unit = std::clamp(unit, 0.0, 1.0);
  auto ms = static_cast<long long>(unit * cap);
  if (ms >= static_cast<long long>(cap) && ms > 0) ms = static_cast<long long>(cap) - 1;
  return std::chrono::milliseconds(ms);
}

double random_unit() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

std::string random_uid() {
  unsigned char raw[8];
  if (RAND_bytes(raw, sizeof(raw)) != 1) throw std::runtime_error("RAND_bytes failed");
  static constexpr char hex[] = "0123456789abcdef";
  std::string uid = "cpp-";
  for (unsigned char b : raw) {
    uid += hex[b >> 4];
    uid += hex[b & 15];
  }
  return uid;
}

}  // namespace smq::detail
