// The last minutes of the dashboard's chart figures (the clients' load: messages and bytes
// per second in and out, the broker's own "$smq/" reports left out), sampled by the stats
// publisher every interval whether or not anybody watches, so that a dashboard opened now
// starts with history. A page asks with a one-to-one message to the server client on the
// sub-topic history_subtopic and gets the points back the same way. Broker thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <string>
#include <string_view>

#include "broker/stats.hpp"

namespace smq {

// 10 minutes at the default 1 s interval. As JSON about 30 KB, well inside one SMQ message
// (0xFFF0 bytes) even with every figure at its longest.
inline constexpr std::size_t stats_history_points = 600;
// The sub-topic a dashboard asks on, and gets its answer on.
inline constexpr std::string_view history_subtopic = "stats-history";

struct HistoryPoint {
  std::chrono::steady_clock::time_point at;
  double messages_in = 0;
  double messages_out = 0;
  double bytes_in = 0;
  double bytes_out = 0;
};

// The load between two snapshots `seconds` apart (stats.hpp), as a dashboard charts it.
HistoryPoint load_between(const BrokerStats& now, const BrokerStats& previous, double seconds,
                          std::chrono::steady_clock::time_point at);

class StatsHistory {
 public:
  void add(const HistoryPoint& point);
  std::size_t size() const { return points_.size(); }
  // {"points":[[seconds_ago, messages_in, messages_out, bytes_in, bytes_out], ...]}, oldest
  // first, ages counted from the newest point. Built at most once per added point, so
  // repeated requests cost a copy.
  const std::string& json();

 private:
  std::deque<HistoryPoint> points_;
  std::string json_;
  bool stale_ = true;
};

}  // namespace smq
