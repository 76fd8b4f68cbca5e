// A snapshot of the broker's counters (connections, topics, messages, bytes) and its JSON
// form, which the stats publisher sends on the reserved topic "$smq/stats" for dashboards.
// Built and used on the broker thread.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "broker/close_reason.hpp"

namespace smq {

class Hub;
struct NetCounters;

// The topic on which the in-process client publishes a stats snapshot every interval.
inline constexpr std::string_view stats_topic = "$smq/stats";
// The connection listing (the /connz fields) for the dashboard, on its own topic because it
// names users and addresses: an [[acl]] can refuse it while leaving the figures open.
inline constexpr std::string_view connections_topic = "$smq/connections";

struct TopicStats {
  std::uint32_t tid = 0;
  std::string name;
  std::size_t subscribers = 0;
};

struct BrokerStats {
  double uptime_seconds = 0;
  std::size_t clients = 0;
  std::size_t websocket_clients = 0;
  std::size_t raw_clients = 0;
  std::size_t pending_connections = 0;
  std::size_t topics = 0;
  std::size_t subtopics = 0;
  std::size_t name_bytes = 0;  // estimated memory of the name tables (Hub::name_bytes)
  std::uint64_t accepted = 0;
  std::uint64_t published = 0;  // approved publishes into the hub
  std::uint64_t delivered = 0;  // copies queued to recipients
  std::uint64_t dropped = 0;    // publishes nobody received
  // The broker's own publishes on reserved topics, included above (HubStats::reserved_*).
  std::uint64_t reserved_published = 0;
  std::uint64_t reserved_delivered = 0;
  std::uint64_t reserved_bytes_out = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  std::uint64_t packets_in = 0;
  std::uint64_t packets_out = 0;
  // Derived from `closes`: slow_consumer; protocol_error + malformed_packet + ws_protocol.
  std::uint64_t slow_consumers = 0;
  std::uint64_t write_timeouts = 0;  // sessions whose writes stalled past the deadline
  std::uint64_t protocol_errors = 0;
  std::uint64_t origins_refused = 0;  // WebSocket upgrades refused for their Origin
  // The broker's own logins (JSON: "auth": {"logins": n, ...}): password logins accepted,
  // refusals for bad credentials, attempts that waited for their address's budget, and
  // attempts refused with "try again later".
  std::uint64_t auth_logins = 0;
  std::uint64_t auth_failures = 0;
  std::uint64_t auth_delayed = 0;
  std::uint64_t auth_throttled = 0;
  // Requests the topic permissions refused (JSON: "denied": {"subscribe": n, "create": n,
  // "publish": n, "observe": n}); see HubStats.
  std::uint64_t denied_subscribes = 0;
  std::uint64_t denied_creates = 0;
  std::uint64_t denied_publishes = 0;
  std::uint64_t denied_observes = 0;
  // Per-client limits (JSON: "limits": {"too_many_per_address": n, "too_fast_per_address": n,
  // "rate_dropped": n}); disconnections for rate are in `closes` ("rate limited").
  std::uint64_t address_too_many = 0;
  std::uint64_t address_too_fast = 0;
  std::uint64_t rate_limited_drops = 0;
  // Exceptions caught at the boundaries (JSON: "errors": {"hooks": n, ...}): hooks,
  // in-process client callbacks, handlers that reached the event loop; and failures of the
  // random source.
  std::uint64_t hook_errors = 0;
  std::uint64_t callback_errors = 0;
  std::uint64_t loop_exceptions = 0;
  std::uint64_t random_failures = 0;
  // Sessions ended, indexed by CloseReason (JSON: "closes": {"slow consumer": n, ...}).
  std::array<std::uint64_t, close_reason_count> closes{};
  std::vector<TopicStats> top_topics;  // most subscribed first
};

// `max_topics` bounds the per-topic list (brokers may hold a million topics).
BrokerStats collect_stats(const Hub& hub, const NetCounters& counters, double uptime_seconds,
                          std::size_t max_topics = 50);

// JSON object with the snapshot plus per-second rates computed against `previous` over
// `seconds` (rates are 0 when seconds <= 0).
// How fast a counter grew between two snapshots `seconds` apart, per second; 0 for a zero
// interval or a counter that went back (a restart of what it counts).
double per_second(std::uint64_t now, std::uint64_t before, double seconds);

std::string stats_json(const BrokerStats& now, const BrokerStats& previous, double seconds);

// JSON string literal (with quotes) for arbitrary bytes; invalid UTF-8 becomes U+FFFD.
std::string json_string(std::string_view text);

}  // namespace smq
