// The connection and topic listings that /connz and /topicz answer and that the stats
// publisher adds to "$smq/stats" for the dashboard: one builder each, so both show the same
// fields. Broker thread.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <unordered_map>

namespace smq {

class Hub;

// {"total": n, "offset": o, "limit": l, "connections": [...]}: connections ordered by ETID
// (stable pages while connections come and go), with identity, transport, TLS, since,
// subscriptions, queued bytes and messages and bytes in and out.
nlohmann::ordered_json connections_listing(const Hub& hub, std::size_t offset, std::size_t limit);

// Per-topic message counts at the previous listing, for the rates of the next one. Each
// consumer (the monitor listener, the stats publisher) keeps its own.
struct TopicCounts {
  std::unordered_map<std::uint32_t, std::uint64_t> messages;
  std::chrono::steady_clock::time_point at = std::chrono::steady_clock::now();
};

// {"total", "offset", "limit", "interval_seconds", "topics": [{tid, name, subscribers,
// messages, messages_per_second}]}: topics most subscribed first, rates since `previous`,
// which is updated.
nlohmann::ordered_json topics_listing(const Hub& hub, std::size_t offset, std::size_t limit,
                                      TopicCounts& previous);

}  // namespace smq
