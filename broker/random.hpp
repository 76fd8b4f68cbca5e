// Where the broker's random bytes come from: client ETIDs, topic and sub-topic ids, and the
// seed each connection's Init carries (the nonce of challenge/response authentication).
// Embedding code may supply its own source (Hooks::random_bytes), for example a hardware
// generator; tests use one that fails on demand. Any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <span>

namespace smq {

// Fills `out` completely and returns true, or returns false when no random bytes can be had
// (the caller then refuses what needed them rather than use predictable ones).
using RandomSource = std::function<bool(std::span<std::uint8_t> out)>;

// OpenSSL's RAND_bytes: a CSPRNG seeded from the operating system.
bool system_random(std::span<std::uint8_t> out);

}  // namespace smq
