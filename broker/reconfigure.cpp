// Broker::reconfigure: what a reload (SIGHUP with --config) may change while the broker runs,
// and the report of what changed. Loop thread: every reader of the options lives there, so
// fields are replaced in place and the next request sees them.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "broker/broker.hpp"

#include <algorithm>
#include <unordered_set>

#include "broker/auth/authenticator.hpp"
#include "broker/auth/password_file.hpp"
#include "broker/hub.hpp"
#include "broker/monitor/endpoints.hpp"
#include "broker/monitor/monitor_server.hpp"
#include "broker/net/net_context.hpp"
#include "broker/net/tls_context.hpp"
#include "broker/stats_publisher.hpp"

namespace smq {
namespace {

std::string text_of(const std::string& s) { return s.empty() ? "(none)" : fmt::format("'{}'", s); }
std::string text_of(const std::vector<std::string>& v) {
  return v.empty() ? "(none)" : fmt::format("[{}]", fmt::join(v, ", "));
}
std::string text_of(std::size_t n) { return std::to_string(n); }
std::string text_of(std::chrono::milliseconds ms) { return fmt::format("{} ms", ms.count()); }
std::string text_of(bool b) { return b ? "true" : "false"; }
std::string text_of(LogLevel level) { return std::string(to_string(level)); }
std::string text_of(LogFormat format) { return std::string(to_string(format)); }
std::string text_of(RateLimitAction a) { return std::string(to_string(a)); }
std::string text_of(std::optional<bool> b) { return b ? text_of(*b) : "(default)"; }

}  // namespace

void Broker::revoke_logins(const std::vector<std::string>& users, bool anonymous,
                           std::vector<std::string>& report) {
  if (users.empty() && !anonymous) return;
  const std::unordered_set<std::string> revoked(users.begin(), users.end());
  std::vector<std::uint32_t> etids;
  for (const Peer* peer : hub_->peers()) {
    if (peer->user.empty() ? anonymous : revoked.contains(peer->user)) etids.push_back(peer->etid);
  }
  for (const std::uint32_t etid : etids) hub_->disconnect(etid, revoked_text);
  if (!etids.empty()) {
    report.push_back(fmt::format("disconnected {} session(s) the new [auth] does not admit",
                                 etids.size()));
  }
}

void Broker::reapply_rules() {
  // New requests follow the new rules; what a client already holds (its subscriptions)
  // stays. Rights from a token are the token's and do not change with the rules.
  for (Peer* peer : hub_->peers()) {
    if (peer->permissions && peer->permissions->from_token()) continue;
    peer->permissions = auth::Permissions::from_rules(options_.auth.acl, peer->user, peer->uid);
  }
}

std::vector<std::string> Broker::reconfigure(const BrokerOptions& next) {
  std::vector<std::string> report;
  BrokerOptions& now = options_;
  const bool tls_changed = now.tls_cert_file != next.tls_cert_file ||
                           now.tls_key_file != next.tls_key_file ||
                           now.tls_client_ca_file != next.tls_client_ca_file ||
                           now.tls_require_client_cert != next.tls_require_client_cert;
  // Load first: a certificate, token or file that fails leaves everything as it was.
  std::string monitor_token = monitor_ ? read_monitor_token(next.monitor_token_file) : std::string();
  std::unique_ptr<asio::ssl::context> tls;
  if (tls_changed && net_->tls) tls = make_tls_context(next);
  // The password file is read again whether or not its name changed (users were added or
  // removed); one that fails to load leaves everything as it was, TLS included.
  const std::shared_ptr<const auth::PasswordFile> users_before = auth_->users();
  const bool anonymous_before = now.auth.allows_anonymous() || !now.auth.enabled();
  auth_->configure(next.auth);

  const auto fixed = [&](std::string_view key, const auto& old_value, const auto& new_value) {
    if (old_value != new_value) {
      report.push_back(fmt::format("{}: cannot change while running (restart to apply); stays {}",
                                   key, text_of(old_value)));
    }
  };
  fixed("listen", now.listen, next.listen);
  fixed("tls_listen", now.tls_listen, next.tls_listen);
  fixed("random_server_etid", now.random_server_etid, next.random_server_etid);
  fixed("monitor", now.monitor, next.monitor);
  if (monitor_) {
    if (now.monitor_token_file != next.monitor_token_file) {
      report.push_back(fmt::format("monitor_token_file: {} -> {}", text_of(now.monitor_token_file),
                                   text_of(next.monitor_token_file)));
      now.monitor_token_file = next.monitor_token_file;
    }
    monitor_token_ = std::move(monitor_token);
  }

  const auto change = [&](std::string_view key, auto& field, const auto& value) {
    if (field == value) return false;
    report.push_back(fmt::format("{}: {} -> {}", key, text_of(field), text_of(value)));
    field = value;
    return true;
  };
  if (tls_changed) {
    change("tls_cert", now.tls_cert_file, next.tls_cert_file);
    change("tls_key", now.tls_key_file, next.tls_key_file);
    change("tls_client_ca", now.tls_client_ca_file, next.tls_client_ca_file);
    change("tls_require_client_cert", now.tls_require_client_cert, next.tls_require_client_cert);
    if (tls) {
      net_->retired_tls.push_back(std::move(net_->tls));
      net_->tls = std::move(tls);
    }
  }
  change("password_file", now.auth.password_file, next.auth.password_file);
  change("jwt_secret_file", now.auth.jwt_secret_file, next.auth.jwt_secret_file);
  change("jwt_public_key_file", now.auth.jwt_public_key_file, next.auth.jwt_public_key_file);
  change("jwt_cookie", now.auth.jwt_cookie, next.auth.jwt_cookie);
  change("anonymous", now.auth.anonymous, next.auth.anonymous);
  const auto users_after = auth_->users();
  if (users_before && users_after && !(*users_before == *users_after)) {
    report.push_back(fmt::format("password_file: reloaded, {} users", users_after->user_count()));
  }
  revoke_logins(auth_->revoked_since(users_before.get()),
                anonymous_before && !(now.auth.allows_anonymous() || !now.auth.enabled()),
                report);
  if (now.auth.acl != next.auth.acl) {
    report.push_back(fmt::format("acl: {} rule(s) -> {} rule(s); applied to connected clients",
                                 now.auth.acl.size(), next.auth.acl.size()));
    now.auth.acl = next.auth.acl;
    reapply_rules();
  }
  change("web_root", now.web_root, next.web_root);
  change("smq_path", now.smq_path, next.smq_path);
  change("allowed_origins", now.allowed_origins, next.allowed_origins);
  if (change("log_level", now.log_level, next.log_level)) log_.set_level(now.log_level);
  if (change("log_format", now.log_format, next.log_format)) log_.set_format(now.log_format);
  change("max_connections", now.max_connections, next.max_connections);
  change("max_pending", now.max_pending_connections, next.max_pending_connections);
  change("queue_bytes", now.output_queue_bytes, next.output_queue_bytes);
  change("connect_timeout", now.connect_deadline, next.connect_deadline);
  change("write_deadline", now.write_deadline, next.write_deadline);
  change("max_messages_per_second", now.max_messages_per_second, next.max_messages_per_second);
  change("max_bytes_per_second", now.max_bytes_per_second, next.max_bytes_per_second);
  change("rate_limit_action", now.rate_limit_action, next.rate_limit_action);
  change("max_connections_per_address", now.max_connections_per_address,
         next.max_connections_per_address);
  change("max_new_connections_per_second", now.max_new_connections_per_second,
         next.max_new_connections_per_second);
  change("limit_loopback", now.limit_loopback, next.limit_loopback);
  const bool names = change("max_names_per_connection", now.hub.max_names_per_connection,
                            next.hub.max_names_per_connection);
  const bool subscriptions =
      change("max_subscriptions_per_connection", now.hub.max_subscriptions_per_connection,
             next.hub.max_subscriptions_per_connection);
  if (names || subscriptions) hub_->set_limits(now.hub);
  // A drain already under way keeps the duration it started with.
  change("lame_duck_duration", now.lame_duck_duration, next.lame_duck_duration);
  if (change("stats_interval", now.stats_interval, next.stats_interval)) {
    if (stats_publisher_) {
      stats_publisher_->set_interval(now.stats_interval);
    } else if (now.stats_interval.count() > 0 && !listeners_.empty()) {
      stats_publisher_ = std::make_unique<StatsPublisher>(*this, now.stats_interval);
      stats_publisher_->start();
    }
  }
  return report;
}

}  // namespace smq
