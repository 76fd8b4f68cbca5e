// Periodic stats publishing (see stats_publisher.hpp). Broker thread.
#include "broker/stats_publisher.hpp"

#include "broker/broker.hpp"
#include "broker/hub.hpp"
#include "broker/local_client.hpp"
#include "broker/log.hpp"

#include <stdexcept>
#include <string>

namespace smq {

StatsPublisher::StatsPublisher(Broker& broker, std::chrono::milliseconds interval)
    : broker_(broker), interval_(interval), timer_(broker.context()) {
  // A dashboard asks for the history with a one-to-one message to the server client, and
  // gets it back on its own ETID, both on history_subtopic.
  broker_.server().subscribe("self", std::string(history_subtopic), [this](const Delivery& d) {
    if (d.ptid == 0) return;
    broker_.server().publish(history_.json(), d.ptid, std::string(history_subtopic));
  });
}

void StatsPublisher::start() {
  last_time_ = std::chrono::steady_clock::now();
  last_ = broker_.stats();
  timer_.expires_after(interval_);
  timer_.async_wait([this](const asio::error_code& ec) {
    if (!ec) tick();
  });
}

void StatsPublisher::stop() { timer_.cancel(); }

void StatsPublisher::set_interval(std::chrono::milliseconds interval) {
  interval_ = interval;
  timer_.cancel();
  if (interval_.count() > 0) start();
}

void StatsPublisher::publish_bounded(std::string json, std::uint32_t tid) {
  try {
    broker_.server().publish(json, tid);
  } catch (const std::length_error&) {
    // Long names can exceed one message despite the row bounds; skip this report rather
    // than stop the timer.
    broker_.logger().warn("stats report of {} bytes too long for one message, skipped", json.size());
  }
}

void StatsPublisher::tick() {
  const auto now_time = std::chrono::steady_clock::now();
  const BrokerStats now = broker_.stats();
  const double seconds = std::chrono::duration<double>(now_time - last_time_).count();
  history_.add(load_between(now, last_, seconds, now_time));
  Hub& hub = broker_.hub();
  const std::uint32_t tid = hub.topic_id(stats_topic);
  // Nobody watching: skip the JSON work (and a dropped publish every second).
  if (tid != 0 && hub.subscriber_count(tid) > 0) {
    std::string json = stats_json(now, last_, seconds);
    json.pop_back();  // the closing brace: the topic listing goes inside
    json += ",\"topicz\":";
    json += topics_listing(hub, 0, dashboard_topics, topic_counts_)
                .dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    json += '}';
    publish_bounded(std::move(json), tid);
  }
  const std::uint32_t connections = hub.topic_id(connections_topic);
  if (connections != 0 && hub.subscriber_count(connections) > 0) {
    publish_bounded(connections_listing(hub, 0, dashboard_connections)
                        .dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace),
                    connections);
  }
  last_ = now;
  last_time_ = now_time;
  if (interval_.count() == 0) return;  // stopped by a reload while this tick was due
  timer_.expires_after(interval_);
  timer_.async_wait([this](const asio::error_code& ec) {
    if (!ec) tick();
  });
}

}  // namespace smq
