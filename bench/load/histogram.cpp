// Log-linear latency histogram (see histogram.hpp).
#include "histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace smq::bench {

// Values below sub_count fall in group 0 exactly; above, group g holds [2^(g+5), 2^(g+6)) cut
// into 64 equal slices.
std::size_t Histogram::index_of(std::uint64_t v) {
  if (v < sub_count) return static_cast<std::size_t>(v);
  const int top = std::bit_width(v) - 1;  // >= sub_bits
  const int group = std::min(top - sub_bits + 1, groups);
  if (group == groups) return (groups + 1) * sub_count - 1;
  const std::uint64_t slice = (v >> (top - sub_bits)) & (sub_count - 1);
  return static_cast<std::size_t>(group) * sub_count + static_cast<std::size_t>(slice);
}

std::uint64_t Histogram::upper_edge(std::size_t index) {
  // The last bucket also holds every value past the last group: no finite edge (quantile()
  // then answers max()).
  if (index == (groups + 1) * sub_count - 1) return UINT64_MAX;
  const std::size_t group = index / sub_count;
  const std::uint64_t slice = index % sub_count;
  if (group == 0) return slice;
  const int shift = static_cast<int>(group) - 1;
  return ((sub_count + slice + 1) << shift) - 1;
}

void Histogram::record(std::uint64_t value_ns) {
  ++buckets_[index_of(value_ns)];
  ++count_;
  max_ = std::max(max_, value_ns);
}

void Histogram::merge(const Histogram& other) {
  for (std::size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
}

std::uint64_t Histogram::quantile(double q) const {
  if (count_ == 0) return 0;
  const auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_)));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (seen >= std::max<std::uint64_t>(rank, 1)) return std::min(upper_edge(i), max_);
  }
  return max_;
}

}  // namespace smq::bench
