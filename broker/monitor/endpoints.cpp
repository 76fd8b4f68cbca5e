// Monitoring endpoints (see endpoints.hpp). Broker thread only.
#include "broker/monitor/endpoints.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <fstream>
#include <memory>
#include <vector>
#include <stdexcept>

#include "broker/broker.hpp"
#include "broker/hub.hpp"
#include "broker/monitor/listings.hpp"
#include "broker/monitor/metrics.hpp"
#include "protocol/http_request.hpp"

namespace smq {
namespace {

using json = nlohmann::ordered_json;

bool token_matches(std::string_view authorization, const std::string& token) {
  constexpr std::string_view scheme = "Bearer ";
  if (authorization.size() != scheme.size() + token.size()) return false;
  if (!http::iequals(authorization.substr(0, scheme.size()), scheme)) return false;
  // Constant time: the comparison must not tell how much of a guess was right.
  return CRYPTO_memcmp(authorization.data() + scheme.size(), token.data(), token.size()) == 0;
}

// The unsigned integer value of query parameter `key` in `target`, or `fallback`.
std::size_t query_number(std::string_view target, std::string_view key, std::size_t fallback) {
  const std::optional<std::string_view> digits = http::query_parameter(target, key);
  if (!digits) return fallback;
  std::size_t n = 0;
  const auto [end, ec] = std::from_chars(digits->data(), digits->data() + digits->size(), n);
  return ec == std::errc() && end == digits->data() + digits->size() ? n : fallback;
}

struct Page {
  std::size_t offset;
  std::size_t limit;
};

Page page_of(std::string_view target) {
  return {query_number(target, "offset", 0),
          std::min(query_number(target, "limit", default_monitor_page), max_monitor_page)};
}

std::string connz_json(Broker& broker, std::string_view target) {
  const Page page = page_of(target);
  return connections_listing(broker.hub(), page.offset, page.limit)
             .dump(-1, ' ', false, json::error_handler_t::replace) +
         "\n";
}

std::string topicz_json(Broker& broker, std::string_view target, TopicCounts& previous) {
  const Page page = page_of(target);
  return topics_listing(broker.hub(), page.offset, page.limit, previous)
             .dump(-1, ' ', false, json::error_handler_t::replace) +
         "\n";
}

}  // namespace

std::string broker_version() { return SMQ_VERSION; }

std::string read_monitor_token(const std::string& path) {
  if (path.empty()) return {};
  std::ifstream in(path);
  std::string token;
  if (!in || !std::getline(in, token)) {
    throw std::runtime_error(path + ": cannot read the monitor token");
  }
  if (!token.empty() && token.back() == '\r') token.pop_back();
  if (token.size() < min_monitor_token_bytes) {
    throw std::runtime_error(fmt::format("{}: the monitor token must be at least {} bytes", path,
                                         min_monitor_token_bytes));
  }
  return token;
}


std::string configuration_json(const BrokerOptions& o) {
  json acl = json::array();
  for (const auto& rule : o.auth.acl) {
    json r{{"user", rule.user},
           {"subscribe", rule.subscribe},
           {"publish", rule.publish},
           {"observe", rule.observe},
           {"deny_subscribe", rule.deny_subscribe},
           {"deny_publish", rule.deny_publish}};
    if (rule.direct) r["direct"] = *rule.direct;
    acl.push_back(std::move(r));
  }
  const json config{
      {"listen", o.listen},
      {"tls_listen", o.tls_listen},
      {"tls_cert", o.tls_cert_file},
      {"tls_key", o.tls_key_file},
      {"tls_client_ca", o.tls_client_ca_file},
      {"tls_require_client_cert", o.tls_require_client_cert},
      {"web_root", o.web_root},
      {"smq_path", o.smq_path},
      {"allowed_origins", o.allowed_origins},
      {"log_level", std::string(to_string(o.log_level))},
      {"log_format", std::string(to_string(o.log_format))},
      {"monitor", o.monitor},
      {"max_connections", o.max_connections},
      {"max_pending", o.max_pending_connections},
      {"queue_bytes", o.output_queue_bytes},
      {"connect_timeout", o.connect_deadline.count()},
      {"write_deadline", o.write_deadline.count()},
      {"max_names_per_connection", o.hub.max_names_per_connection},
      {"max_subscriptions_per_connection", o.hub.max_subscriptions_per_connection},
      {"max_messages_per_second", o.max_messages_per_second},
      {"max_bytes_per_second", o.max_bytes_per_second},
      {"rate_limit_action", to_string(o.rate_limit_action)},
      {"max_connections_per_address", o.max_connections_per_address},
      {"max_new_connections_per_second", o.max_new_connections_per_second},
      {"limit_loopback", o.limit_loopback},
      {"stats_interval", o.stats_interval.count()},
      {"lame_duck_duration", o.lame_duck_duration.count()},
      {"auth",
       {{"password_file", o.auth.password_file},
        {"jwt_secret_file", o.auth.jwt_secret_file},
        {"jwt_public_key_file", o.auth.jwt_public_key_file},
        {"jwt_cookie", o.auth.jwt_cookie},
        {"anonymous", o.auth.allows_anonymous()}}},
      {"acl", std::move(acl)},
  };
  return config.dump(-1, ' ', false, json::error_handler_t::replace);
}

MonitorServer::Handler monitor_endpoints(Broker& broker) {
  auto topic_counts = std::make_shared<TopicCounts>();
  return [&broker, topic_counts](const MonitorRequest& request) -> MonitorResponse {
    const std::string& token = broker.monitor_token();
    if (!token.empty() && !token_matches(request.authorization, token)) {
      return {401, "text/plain", "unauthorized\n", {"WWW-Authenticate: Bearer realm=\"smq\""}};
    }
    if (request.path == "/healthz") {
      // A drain ends in a stop, so "stopping" wins when both are under way.
      if (broker.stopping()) return {503, "application/json", "{\"status\":\"stopping\"}\n", {}};
      if (broker.draining()) return {503, "application/json", "{\"status\":\"draining\"}\n", {}};
      return {200, "application/json", "{\"status\":\"ok\"}\n", {}};
    }
    if (request.path == "/varz") {
      const BrokerStats now = broker.stats();
      std::string body = fmt::format(
          R"({{"version":"{}","uptime":{:.3f},"serving":{},"config":{},"stats":{}}})",
          broker_version(), now.uptime_seconds, broker.stopping() || broker.draining() ? "false" : "true",
          configuration_json(broker.options()), stats_json(now, now, 0));
      body += '\n';
      return {200, "application/json", std::move(body), {}};
    }
    if (request.path == "/connz") return {200, "application/json", connz_json(broker, request.target), {}};
    if (request.path == "/topicz") {
      return {200, "application/json", topicz_json(broker, request.target, *topic_counts), {}};
    }
    if (request.path == "/metrics") {
      return {200, "text/plain; version=0.0.4; charset=utf-8", metrics_text(broker), {}};
    }
    return {404, "text/plain", "not found: try /healthz, /varz, /connz, /topicz or /metrics\n", {}};
  };
}

}  // namespace smq
