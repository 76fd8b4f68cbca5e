// Lame-duck drain: after the listeners stop, the connections that were open are ended with
// Disconnect "shutdown" a few at a time, evenly over the drain's duration, so that clients
// reconnect to other brokers gradually instead of all at once; then `done` runs (the broker
// stops). Each session flushes what it had queued before its goodbye. Broker thread.
#pragma once

#include <asio/steady_timer.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <vector>

namespace smq {

class Connection;
struct NetContext;

// How often the drain wakes to end its next share of connections. Short enough that a
// 30-second drain of a busy broker sends its goodbyes in 300 small batches, long enough that
// the timer costs nothing.
inline constexpr std::chrono::milliseconds lame_duck_tick{100};

class LameDuck {
 public:
  LameDuck(NetContext& net, std::chrono::milliseconds duration, std::function<void()> done);
  // Takes the connections open now and starts the timer. Call once, after the listeners
  // stopped accepting.
  void start();
  // Ends the drain early (the broker is stopping for another reason).
  void cancel();
  std::size_t total() const { return targets_.size(); }

 private:
  void tick();
  // Ends connections until `count` of the targets were told (or gone on their own).
  void end_up_to(std::size_t count);

  NetContext& net_;
  std::chrono::milliseconds duration_;
  std::function<void()> done_;
  asio::steady_timer timer_;
  std::chrono::steady_clock::time_point started_;
  // The connections open when the drain began. Pointers are only used after checking they
  // are still in NetContext::connections; no new ones arrive, as nothing accepts any more.
  std::vector<Connection*> targets_;
  std::size_t next_ = 0;
  bool cancelled_ = false;
};

}  // namespace smq
