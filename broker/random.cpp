// The default random source (see random.hpp). Any thread: OpenSSL's generator is thread-safe.
#include "broker/random.hpp"

#include <openssl/rand.h>

#include <climits>

namespace smq {

bool system_random(std::span<std::uint8_t> out) {
  if (out.size() > static_cast<std::size_t>(INT_MAX)) return false;
  return RAND_bytes(out.data(), static_cast<int>(out.size())) == 1;
}

}  // namespace smq
