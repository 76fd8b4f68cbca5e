// The 16 bytes at the front of every benchmark payload: send time, sequence number and
// publisher index. Latency is receive time minus send time, both read from one monotonic
// clock in this process. Any thread.
#pragma once

#include <time.h>

#include <cstdint>
#include <cstring>

namespace smq::bench {

inline constexpr std::size_t stamp_size = 16;

struct Stamp {
  std::uint64_t send_ns = 0;
  std::uint32_t seq = 0;     // per publisher, from 0
  std::uint32_t source = 0;  // publisher (or requester) index
};

// Native byte order: the same process writes and reads the stamp.
inline void write_stamp(std::uint8_t* p, const Stamp& s) {
  std::memcpy(p, &s.send_ns, 8);
  std::memcpy(p + 8, &s.seq, 4);
  std::memcpy(p + 12, &s.source, 4);
}

inline Stamp read_stamp(const std::uint8_t* p) {
  Stamp s;
  std::memcpy(&s.send_ns, p, 8);
  std::memcpy(&s.seq, p + 8, 4);
  std::memcpy(&s.source, p + 12, 4);
  return s;
}

inline std::uint64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

}  // namespace smq::bench
