// Stats snapshot and its JSON form (see stats.hpp). Broker thread.
#include "broker/stats.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "broker/hub.hpp"
#include "broker/net/net_context.hpp"
#include "protocol/utf8.hpp"

namespace smq {

BrokerStats collect_stats(const Hub& hub, const NetCounters& counters, double uptime_seconds,
                          std::size_t max_topics) {
  BrokerStats s;
  s.uptime_seconds = uptime_seconds;
  for (const Peer* peer : hub.peers()) {
    ++s.clients;
    if (peer->transport == Transport::websocket) ++s.websocket_clients;
    if (peer->transport == Transport::raw) ++s.raw_clients;
  }
  s.pending_connections = counters.pending;
  s.topics = hub.topic_count();
  s.subtopics = hub.subtopic_count();
  s.name_bytes = hub.name_bytes();
  s.accepted = counters.accepted;
  s.published = hub.stats().published;
  s.delivered = hub.stats().delivered;
  s.dropped = hub.stats().dropped;
  s.reserved_published = hub.stats().reserved_published;
  s.reserved_delivered = hub.stats().reserved_delivered;
  s.reserved_bytes_out = hub.stats().reserved_bytes_out;
  s.bytes_in = counters.bytes_in;
  s.bytes_out = counters.bytes_out;
  s.packets_in = counters.packets_in;
  s.packets_out = counters.packets_out;
  s.closes = counters.closes;
  s.hook_errors = hub.stats().hook_errors;
  s.callback_errors = hub.stats().callback_errors;
  s.loop_exceptions = counters.loop_exceptions;
  s.origins_refused = counters.origins_refused;
  s.auth_logins = counters.auth_logins;
  s.auth_failures = counters.auth_failures;
  s.auth_delayed = counters.auth_delayed;
  s.auth_throttled = counters.auth_throttled;
  s.address_too_many = counters.address_too_many;
  s.address_too_fast = counters.address_too_fast;
  s.rate_limited_drops = counters.rate_limited_drops;
  s.denied_subscribes = hub.stats().denied_subscribes;
  s.denied_creates = hub.stats().denied_creates;
  s.denied_publishes = hub.stats().denied_publishes;
  s.denied_observes = hub.stats().denied_observes;
  s.random_failures = hub.stats().random_failures;
  const auto closes = [&](CloseReason r) { return s.closes[static_cast<std::size_t>(r)]; };
  s.slow_consumers = closes(CloseReason::slow_consumer);
  s.write_timeouts = closes(CloseReason::write_timeout);
  s.protocol_errors = closes(CloseReason::protocol_error) +
                      closes(CloseReason::malformed_packet) + closes(CloseReason::ws_protocol);

  // Keep the max_topics most subscribed topics with a bounded heap-like vector.
  const auto more_subscribed = [](const TopicStats& a, const TopicStats& b) {
    return a.subscribers != b.subscribers ? a.subscribers > b.subscribers : a.name < b.name;
  };
  hub.for_each_topic([&](std::uint32_t tid, std::string_view name, std::size_t subscribers) {
    s.top_topics.push_back({tid, std::string(name), subscribers});
    if (s.top_topics.size() > 2 * max_topics) {
      std::partial_sort(s.top_topics.begin(), s.top_topics.begin() + static_cast<long>(max_topics),
                        s.top_topics.end(), more_subscribed);
      s.top_topics.resize(max_topics);
    }
  });
  std::sort(s.top_topics.begin(), s.top_topics.end(), more_subscribed);
  if (s.top_topics.size() > max_topics) s.top_topics.resize(max_topics);
  return s;
}

std::string json_string(std::string_view text) {
  std::string out = "\"";
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(text.data());
  const bool valid = is_valid_utf8({bytes, text.size()});
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20) {
      out += fmt::format("\\u{:04x}", u);
    } else if (u >= 0x80 && !valid) {
      out += "\\ufffd";  // names are bytes; JSON needs text
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

double per_second(std::uint64_t now, std::uint64_t before, double seconds) {
  return seconds > 0 && now >= before ? static_cast<double>(now - before) / seconds : 0.0;
}

std::string stats_json(const BrokerStats& now, const BrokerStats& previous, double seconds) {
  const auto rate = [&](std::uint64_t a, std::uint64_t b) { return per_second(a, b, seconds); };
  std::string out = fmt::format(
      R"({{"uptime":{:.1f},"clients":{{"total":{},"websocket":{},"raw":{},"pending":{}}},)"
      R"("topics":{},"subtopics":{},"name_bytes":{},)"
      R"("totals":{{"accepted":{},"published":{},"delivered":{},"dropped":{},"bytes_in":{},)"
      R"("bytes_out":{},"packets_in":{},"packets_out":{},"slow_consumers":{},"write_timeouts":{},"protocol_errors":{},"origins_refused":{}}},)"
      R"("rates":{{"messages_in":{:.1f},"messages_out":{:.1f},"bytes_in":{:.1f},"bytes_out":{:.1f}}},)"
      R"("closes":{{)",
      now.uptime_seconds, now.clients, now.websocket_clients, now.raw_clients,
      now.pending_connections, now.topics, now.subtopics, now.name_bytes, now.accepted, now.published,
      now.delivered, now.dropped, now.bytes_in, now.bytes_out, now.packets_in, now.packets_out,
      now.slow_consumers, now.write_timeouts, now.protocol_errors, now.origins_refused, rate(now.published, previous.published),
      rate(now.delivered, previous.delivered), rate(now.bytes_in, previous.bytes_in),
      rate(now.bytes_out, previous.bytes_out));
  for (std::size_t i = 0; i < close_reason_count; ++i) {
    out += fmt::format(R"({}{}:{})", i ? "," : "",
                       json_string(to_string(static_cast<CloseReason>(i))), now.closes[i]);
  }
  out += fmt::format(R"(}},"errors":{{"hooks":{},"callbacks":{},"loop":{},"random":{}}})",
                     now.hook_errors, now.callback_errors, now.loop_exceptions,
                     now.random_failures);
  out += fmt::format(R"(,"auth":{{"logins":{},"failures":{},"delayed":{},"throttled":{}}})",
                     now.auth_logins, now.auth_failures, now.auth_delayed, now.auth_throttled);
  out += fmt::format(R"(,"denied":{{"subscribe":{},"create":{},"publish":{},"observe":{}}})",
                     now.denied_subscribes, now.denied_creates, now.denied_publishes,
                     now.denied_observes);
  out += fmt::format(
      R"(,"limits":{{"too_many_per_address":{},"too_fast_per_address":{},"rate_dropped":{}}})",
      now.address_too_many, now.address_too_fast, now.rate_limited_drops);
  // The broker's own reports on "$smq/..." (already counted in totals and rates above), so
  // that a dashboard can show the clients' load without its own subscription's traffic.
  out += fmt::format(
      R"(,"reserved":{{"published":{},"delivered":{},"bytes_out":{},)"
      R"("rates":{{"messages_in":{:.1f},"messages_out":{:.1f},"bytes_out":{:.1f}}}}})",
      now.reserved_published, now.reserved_delivered, now.reserved_bytes_out,
      rate(now.reserved_published, previous.reserved_published),
      rate(now.reserved_delivered, previous.reserved_delivered),
      rate(now.reserved_bytes_out, previous.reserved_bytes_out));
  out += R"(,"top_topics":[)";
  for (std::size_t i = 0; i < now.top_topics.size(); ++i) {
    const TopicStats& t = now.top_topics[i];
    out += fmt::format(R"({}{{"name":{},"tid":{},"subscribers":{}}})", i ? "," : "",
                       json_string(t.name), t.tid, t.subscribers);
  }
  out += "]}";
  return out;
}

}  // namespace smq
