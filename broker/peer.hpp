// What the hub delivers to: one Peer per connected client (network sessions) plus the
// in-process server client. The hub owns the bookkeeping fields; implementations only queue
// bytes and close. Everything here lives on the broker (hub) thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "broker/auth/acl.hpp"
#include "broker/close_reason.hpp"
#include "broker/frame.hpp"

namespace smq {

enum class Transport : std::uint8_t { websocket, raw, local };

std::string_view to_string(Transport transport);

// What the monitoring /connz shows of a client besides its identity.
struct PeerTraffic {
  std::uint64_t messages_in = 0;   // Publish packets received from it
  std::uint64_t bytes_in = 0;      // bytes read from its socket
  std::uint64_t messages_out = 0;  // Publish packets queued to it
  std::uint64_t bytes_out = 0;     // bytes written to its socket
  std::size_t queued_bytes = 0;    // output waiting to be written
  bool tls = false;
};

class Peer {
 public:
  virtual ~Peer() = default;

  // Its counters (the in-process client has none).
  virtual PeerTraffic traffic() const { return {}; }

  // Queues one raw-framed packet. Must not call back into the hub (it may run inside a
  // fan-out loop). Returns false when the copy could not be queued (peer closing, or its
  // output queue overflowed, in which case the peer schedules its own close).
  virtual bool deliver(const Frame& frame) = 0;

  // Identity, set before the hub registers the peer.
  std::uint32_t etid = 0;
  std::string uid;
  std::string info;
  std::string address;  // peer IP as text (IPv4-mapped prefix removed)
  // The user the broker's own authentication logged in ([auth]); empty for anonymous
  // clients, when it is off, and for the in-process client.
  std::string user;
  std::uint32_t seed = 0;
  Transport transport = Transport::local;
  // What the [[acl]] rules or the client's token allow; null: everything (no rules, and the
  // in-process client). Set at login, replaced when a reload changes the rules.
  std::unique_ptr<auth::Permissions> permissions;

  // Hub bookkeeping.
  bool registered = false;
  std::chrono::system_clock::time_point connected_at{};  // when the hub registered it
  // Subscribed topic TIDs, each with this peer's slot in the topic's subscriber vector
  // (kept so that leaving a topic with thousands of subscribers is O(1)).
  std::vector<std::pair<std::uint32_t, std::uint32_t>> subscriptions;
  std::vector<std::uint32_t> observing;  // ids this peer observes
  std::size_t names_created = 0;         // against HubLimits::max_names_per_connection

 protected:
  // Only the hub ends a peer from outside (same-UID eviction, Hub::disconnect), after it has
  // removed the peer from every table; the peer then only closes its transport. Not public
  // so that embedding code cannot close a peer the hub still lists (use Hub::disconnect).
  friend class Hub;
  virtual void close(CloseReason reason, std::string_view text = {}) = 0;
};

}  // namespace smq
