// The broker as a library: listeners, sessions, hub and in-process client on one
// io_context thread. An embedding program constructs a Broker, sets hooks, calls start()
// (binds; throws on failure) and then run() on the thread that should own the broker, or
// start_thread() to get one. stop() may be called from any thread.
#pragma once

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "broker/hooks.hpp"
#include "broker/options.hpp"
#include "broker/stats.hpp"

namespace smq {

class Hub;
class LocalClient;
namespace auth {
class Authenticator;
}
class LameDuck;
class Listener;
class MonitorServer;
class StatsPublisher;
struct NetContext;

// The Disconnect text of sessions a reload no longer admits.
inline constexpr std::string_view revoked_text = "credentials revoked";

class Broker {
 public:
  explicit Broker(BrokerOptions options = {}, Hooks hooks = {});
  ~Broker();
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  // Binds every listen address and starts accepting. Throws std::runtime_error on failure.
  void start();
  // Runs the broker on the calling thread until stop().
  void run();
  // Runs the broker on an internal thread; stop() or the destructor joins it.
  void start_thread();
  // Stops accepting, closes every client (Disconnect "shutdown" / WebSocket 1001) and lets
  // run() return. Safe from any thread and from signal-handling code posted to the loop.
  void stop();
  // Lame-duck drain, for taking a broker out of a group without a thundering herd: stops
  // accepting, turns /healthz to 503, ends the open connections with Disconnect "shutdown"
  // spread evenly over options().lame_duck_duration (each after what it had queued), then
  // stop()s. Safe from any thread; a second call, or one after stop(), does nothing.
  void lame_duck();

  // Applies the settings that can change while running (limits, deadlines, log level, web
  // root, SMQ path, allowed origins, stats interval, TLS certificate and key for new
  // connections, the password file, which is read again, and anonymous logins) and returns
  // one line per difference: "max_connections: 10000 -> 5", or for
  // what cannot change (listeners, the server client's ETID) "listen: cannot change while
  // running (restart to apply)". Connected clients stay; new requests see the new values.
  // New [[acl]] rules apply to connected clients' next requests.
  // Sessions the new [auth] no longer admits (a user removed from the password file or with a
  // new password, anonymous clients when anonymous logins are switched off) are closed with
  // Disconnect "credentials revoked". Loop thread. Throws std::runtime_error, applying
  // nothing, when new TLS files or the password file do not load.
  std::vector<std::string> reconfigure(const BrokerOptions& next);

  // Bound addresses: options.listen in order, then options.tls_listen (useful with port 0).
  std::vector<asio::ip::tcp::endpoint> endpoints() const;
  // The monitoring listener's address (options.monitor); nullopt when it is off.
  std::optional<asio::ip::tcp::endpoint> monitor_endpoint() const;
  // True once stop() began. Loop thread.
  bool stopping() const;
  // True once lame_duck() began (and until the process ends). Loop thread.
  bool draining() const;
  // The bearer token monitoring requests need (empty: none). Loop thread.
  const std::string& monitor_token() const { return monitor_token_; }

  // Counters and the most subscribed topics. Broker thread only (or before run()).
  BrokerStats stats() const;

  // The in-process client (server code's peer, ETID 1 by default).
  LocalClient& server();
  Hub& hub();
  Logger& logger();
  asio::io_context& context() { return io_; }
  const BrokerOptions& options() const { return options_; }
  bool running_in_this_thread() const;
  // True while run() owns the loop (or start_thread() is about to).
  bool loop_running() const;

 private:
  // Closes the network sessions of `users`, and of anonymous clients when `anonymous`, with
  // Disconnect revoked_text; reports how many.
  void revoke_logins(const std::vector<std::string>& users, bool anonymous,
                     std::vector<std::string>& report);

  // Gives every network client the rights the current [[acl]] rules grant it (not those
  // whose rights came with a token).
  void reapply_rules();
  // Opens the monitoring listener (options.monitor). Throws std::runtime_error.
  void start_monitor();

  BrokerOptions options_;
  Logger log_;
  asio::io_context io_;
  std::unique_ptr<Hub> hub_;
  std::unique_ptr<NetContext> net_;
  // Declared after io_: its check threads post to io_ and are joined before io_ goes.
  std::unique_ptr<auth::Authenticator> auth_;
  std::unique_ptr<LocalClient> server_;
  std::vector<std::shared_ptr<Listener>> listeners_;
  std::unique_ptr<StatsPublisher> stats_publisher_;
  std::unique_ptr<LameDuck> lame_duck_;  // set once lame_duck() began
  std::shared_ptr<MonitorServer> monitor_;
  std::string monitor_token_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::thread thread_;
  std::atomic<bool> running_{false};
  std::atomic<std::thread::id> loop_thread_{};
};

}  // namespace smq
