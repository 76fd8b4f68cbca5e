// Latency histogram with log-linear buckets: values up to 2^40 ns (~18 min) with about 1.6%
// relative error, constant memory, O(1) record, mergeable across worker threads. Each
// worker owns one; they are merged after the run.
#pragma once

#include <array>
#include <cstdint>

namespace smq::bench {

class Histogram {
 public:
  void record(std::uint64_t value_ns);
  void merge(const Histogram& other);
  std::uint64_t count() const { return count_; }
  std::uint64_t max() const { return max_; }
  // The value at quantile q (0..1], as the upper edge of the bucket holding it; 0 when empty.
  std::uint64_t quantile(double q) const;

 private:
  static constexpr int sub_bits = 6;  // 64 linear sub-buckets per power of two
  static constexpr int groups = 40;
  static constexpr int sub_count = 1 << sub_bits;
  static std::size_t index_of(std::uint64_t v);
  static std::uint64_t upper_edge(std::size_t index);

  std::array<std::uint64_t, (groups + 1) * sub_count> buckets_{};
  std::uint64_t count_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace smq::bench
