// Publishes a stats snapshot (stats.hpp) as JSON on "$smq/stats" through the in-process
// client every interval, while anybody is subscribed. This is what the bundled dashboard
// shows: it is an ordinary SMQ client. Broker thread.
#pragma once

#include <asio/steady_timer.hpp>

#include <chrono>

#include "broker/stats.hpp"

namespace smq {

class Broker;

class StatsPublisher {
 public:
  StatsPublisher(Broker& broker, std::chrono::milliseconds interval);
  void start();
  void stop();
  // A reload's new interval (0 stops publishing). The object lives on: a tick already due
  // when the timer is cancelled still runs, and it must find the publisher there.
  void set_interval(std::chrono::milliseconds interval);

 private:
  void tick();

  Broker& broker_;
  std::chrono::milliseconds interval_;
  asio::steady_timer timer_;
  std::chrono::steady_clock::time_point last_time_;
  BrokerStats last_;
};

}  // namespace smq
