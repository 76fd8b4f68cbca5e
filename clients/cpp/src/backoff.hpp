// Reconnect timing: exponential backoff with full jitter, and the random sources the client
// needs (default UID, jitter). Pure code, any thread.
#pragma once

#include <chrono>
#include <string>

namespace smq::detail {

// Uniform in [0, min(max, initial * 2^attempt)) given `unit` in [0, 1).
std::chrono::milliseconds backoff_delay(unsigned attempt, std::chrono::milliseconds initial,
                                        std::chrono::milliseconds max, double unit);

// A uniformly distributed number in [0, 1) (per-thread PRNG seeded from std::random_device).
double random_unit();

// "cpp-" + 16 hex digits from RAND_bytes.
std::string random_uid();

}  // namespace smq::detail
