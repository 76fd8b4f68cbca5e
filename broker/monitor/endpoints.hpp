// What the monitoring listener answers for one broker: /healthz (200 while serving, 503
// while stopping), /varz (version, uptime, the effective configuration without secrets,
// the counters), /connz (connections, paged), /topicz (topics with subscribers and message
// rates, paged) and /metrics (metrics.hpp), behind the optional bearer token. Broker thread.
#pragma once

#include <cstddef>
#include <string>

#include "broker/monitor/monitor_server.hpp"

namespace smq {

class Broker;
struct BrokerOptions;

// /connz and /topicz list this many entries per page unless ?limit= says otherwise, and
// never more than max_monitor_page (a million topics must not become one response).
inline constexpr std::size_t default_monitor_page = 100;
inline constexpr std::size_t max_monitor_page = 1000;

// A monitor token shorter than this is refused: it must not be guessable by trying.
inline constexpr std::size_t min_monitor_token_bytes = 16;

// The first line of `path` (empty path: no token, ""). Throws std::runtime_error naming the
// file when it cannot be read or the token is too short.
std::string read_monitor_token(const std::string& path);

// The version the broker reports (/varz "version").
std::string broker_version();

// The handler for `broker`'s monitoring listener. With Broker::monitor_token() non-empty every
// request needs "Authorization: Bearer TOKEN" (else 401).
MonitorServer::Handler monitor_endpoints(Broker& broker);

// The effective configuration as JSON, without secrets (file names only, never contents).
std::string configuration_json(const BrokerOptions& options);

}  // namespace smq
