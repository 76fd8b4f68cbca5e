// State shared by the listeners and every connection of one broker: options, logger, hub,
// the bundled web page and connection counters. Broker thread only.
#pragma once

#include <asio/io_context.hpp>
#include <asio/ssl/context.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_set>
#include <vector>

#include "broker/close_reason.hpp"
#include "broker/net/address_limits.hpp"
#include "broker/hub.hpp"
#include "broker/log.hpp"
#include "broker/options.hpp"

namespace smq {

class Session;
namespace auth {
class Authenticator;
}

// Anything holding a socket that stop() must end: HTTP connections and SMQ sessions.
class Connection {
 public:
  virtual ~Connection() = default;
  virtual void stop_for_shutdown() = 0;
};

struct NetCounters {
  std::size_t sockets = 0;          // open sockets of every kind
  std::size_t pending = 0;          // sockets before a successful Connack (or HTTP only)
  std::uint64_t accepted = 0;
  // Sessions ended, per CloseReason; counted once per session where it stops being open
  // (Session::leave_open), whoever decided the close.
  std::array<std::uint64_t, close_reason_count> closes{};
  std::uint64_t bytes_in = 0;     // read from SMQ sessions (all framing included)
  std::uint64_t bytes_out = 0;    // written to SMQ sessions
  std::uint64_t packets_in = 0;   // SMQ packets received
  std::uint64_t packets_out = 0;  // SMQ packets and WebSocket control frames written
  std::uint64_t origins_refused = 0;  // WebSocket upgrades refused for their Origin (403)
  std::uint64_t loop_exceptions = 0;  // handlers that threw out of the loop (Broker::run)
  // The broker's own authentication (auth::Authenticator).
  std::uint64_t auth_logins = 0;     // password logins accepted
  std::uint64_t auth_failures = 0;   // refused: bad user or password, credentials required
  std::uint64_t auth_delayed = 0;    // attempts that waited for their address's budget
  std::uint64_t auth_throttled = 0;  // refused with "try again later" (budget or backlog)
  // Per-client limits: sockets closed at accept for their address (too many open, opened too
  // fast), and Publish messages dropped over the connection's rate (rate_limit_action drop;
  // with disconnect the sessions are counted in `closes` as "rate limited").
  std::uint64_t address_too_many = 0;
  std::uint64_t address_too_fast = 0;
  std::uint64_t rate_limited_drops = 0;
};

struct NetContext {
  NetContext(asio::io_context& io, const BrokerOptions& options, Logger& log, Hub& hub)
      : io(io), options(options), log(log), hub(hub) {}

  asio::io_context& io;
  const BrokerOptions& options;
  Logger& log;
  Hub& hub;
  NetCounters counters;
  bool stopping = false;
  std::unique_ptr<asio::ssl::context> tls;  // set when TLS listeners are configured
  auth::Authenticator* auth = nullptr;       // the broker's own logins (owned by Broker)
  // Sockets per address and new sockets per second per address (shared: slots outlive
  // nothing but must never point at a destroyed table).
  std::shared_ptr<AddressLimits> address_limits = std::make_shared<AddressLimits>();
  // Contexts a reload replaced. Kept: streams accepted with them still use their callbacks
  // (a reload is an operator's action, so these stay few).
  std::vector<std::unique_ptr<asio::ssl::context>> retired_tls;
  // Live connections, so stop() can end them all. Raw pointers: each removes itself when it
  // closes its socket, and then calls on_drained if the broker is stopping and none is left.
  std::unordered_set<Connection*> connections;
  std::function<void()> on_drained;
  // Plain TCP sessions read into this one buffer and keep only an unfinished unit in their
  // own, so an idle connection holds no read buffer at all (Session::on_readable).
  std::vector<std::uint8_t> shared_input = std::vector<std::uint8_t>(256 * 1024);
  // Sessions with output queued this loop turn, flushed together by one posted handler.
  std::vector<std::shared_ptr<Session>> flush_queue;
  std::vector<std::shared_ptr<Session>> flushing;  // the batch Session::flush_queued() runs

  void add(Connection* c) {
    connections.insert(c);
    ++counters.sockets;
  }
  void remove(Connection* c) {
    if (connections.erase(c) == 0) return;
    --counters.sockets;
    if (stopping && connections.empty() && on_drained) on_drained();
  }
};

}  // namespace smq
