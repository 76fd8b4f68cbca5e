// The dashboard's chart history (see stats_history.hpp). Broker thread.
#include "broker/stats_history.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace smq {

HistoryPoint load_between(const BrokerStats& now, const BrokerStats& previous, double seconds,
                          std::chrono::steady_clock::time_point at) {
  HistoryPoint p;
  p.at = at;
  const auto less = [](double a, double b) { return std::max(0.0, a - b); };
  p.messages_in = less(per_second(now.published, previous.published, seconds),
                       per_second(now.reserved_published, previous.reserved_published, seconds));
  p.messages_out = less(per_second(now.delivered, previous.delivered, seconds),
                        per_second(now.reserved_delivered, previous.reserved_delivered, seconds));
  p.bytes_in = per_second(now.bytes_in, previous.bytes_in, seconds);
  p.bytes_out = less(per_second(now.bytes_out, previous.bytes_out, seconds),
                     per_second(now.reserved_bytes_out, previous.reserved_bytes_out, seconds));
  return p;
}

void StatsHistory::add(const HistoryPoint& point) {
  points_.push_back(point);
  while (points_.size() > stats_history_points) points_.pop_front();
  stale_ = true;
}

const std::string& StatsHistory::json() {
  if (!stale_) return json_;
  json_ = R"({"points":[)";
  const auto newest = points_.empty() ? std::chrono::steady_clock::time_point{} : points_.back().at;
  bool first = true;
  for (const HistoryPoint& p : points_) {
    const double ago = std::chrono::duration<double>(newest - p.at).count();
    fmt::format_to(std::back_inserter(json_), "{}[{:.3f},{:.1f},{:.1f},{:.1f},{:.1f}]",
                   first ? "" : ",", ago, p.messages_in, p.messages_out, p.bytes_in, p.bytes_out);
    first = false;
  }
  json_ += "]}";
  stale_ = false;
  return json_;
}

}  // namespace smq
