// Publishes a stats snapshot (stats.hpp) as JSON on "$smq/stats" through the in-process
// client every interval, while anybody is subscribed, with the first topics and their
// message rates (the /topicz fields) under "topicz"; and the first connections (the /connz
// fields) on "$smq/connections" while anybody subscribes there. This is what the bundled
// dashboard shows: it is an ordinary SMQ client. Every tick also adds the load to the
// chart history (stats_history.hpp), which the publisher answers requests for. Broker thread.
#pragma once

#include <asio/steady_timer.hpp>

#include <chrono>

#include "broker/monitor/listings.hpp"
#include "broker/stats.hpp"
#include "broker/stats_history.hpp"

namespace smq {

class Broker;

// The dashboard's tables list this many topics (most subscribed first) and connections
// (lowest ETIDs first) with the totals: a report is one message of at most 0xFFF0 bytes,
// and a connection row takes up to about 600 bytes.
inline constexpr std::size_t dashboard_topics = 30;
inline constexpr std::size_t dashboard_connections = 50;

class StatsPublisher {
 public:
  StatsPublisher(Broker& broker, std::chrono::milliseconds interval);
  void start();
  void stop();
  // A reload's new interval (0 stops publishing). The object lives on: a tick already due
  // when the timer is cancelled still runs, and it must find the publisher there.
  void set_interval(std::chrono::milliseconds interval);
  std::size_t history_size() const { return history_.size(); }

 private:
  void tick();
  void publish_bounded(std::string json, std::uint32_t tid);

  Broker& broker_;
  std::chrono::milliseconds interval_;
  asio::steady_timer timer_;
  std::chrono::steady_clock::time_point last_time_;
  BrokerStats last_;
  TopicCounts topic_counts_;  // for the per-topic rates of "topicz"
  StatsHistory history_;
};

}  // namespace smq
