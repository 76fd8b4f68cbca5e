// Everything an operator or an embedding program can set, with safe defaults (loopback
// only, bounded queues and deadlines). Plain data; read on the broker thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/auth/acl.hpp"
#include "broker/hub.hpp"
#include "broker/log.hpp"
#include "protocol/limits.hpp"

namespace smq {

// The plain listener Broker::start() opens when neither `listen` nor `tls_listen` names one.
inline constexpr const char* default_listen_address = "127.0.0.1:9700";

// The broker's own authentication (the [auth] table of the configuration file). Without a
// password file every Connect is accepted as before and the authenticate hook alone decides.
struct AuthOptions {
  // Users and their password hashes (smq-passwd writes it). Clients log in with the Connect
  // credentials "user:password".
  std::string password_file;
  // JSON Web Tokens (auth/jwt.hpp): an HS256 secret (at least 32 bytes; one trailing newline
  // is ignored) and/or a PEM public key (RSA >= 2048 bits: RS256; P-256: ES256). A token is
  // accepted as the Connect credentials or, when those are empty, from the opening HTTP
  // request (Authorization: Bearer, the cookie `jwt_cookie`, a `token` query parameter).
  std::string jwt_secret_file;
  std::string jwt_public_key_file;
  std::string jwt_cookie;  // cookie name; empty: cookies are not read
  // Whether a Connect with empty credentials (and no token in its request) is accepted, as
  // an anonymous client. Unset: yes unless a password file or token key is configured.
  std::optional<bool> anonymous;
  // Topic permissions ([[acl]] tables). Empty: every client may do everything; otherwise
  // what no rule allows is denied. Independent of logins: without a password file every
  // client is anonymous and the "anonymous" rules apply.
  std::vector<auth::AclRule> acl;

  // True when the broker checks credentials itself.
  bool enabled() const { return checks_credentials() || anonymous == false; }
  bool checks_credentials() const { return !password_file.empty() || accepts_tokens(); }
  bool accepts_tokens() const { return !jwt_secret_file.empty() || !jwt_public_key_file.empty(); }
  bool allows_anonymous() const { return anonymous.value_or(!checks_credentials()); }
  bool operator==(const AuthOptions&) const = default;
};

// Per-client limits (defaults; 0 turns each off). They keep one client from taking the
// broker's single loop for itself, and are far above what an application client sends: a
// browser or a device publishes a few messages per second, a busy gateway thousands.
// Messages (Publish) and bytes (every packet) one connection may send per second, with one
// second's worth as burst (for bytes at least one largest packet).
inline constexpr std::uint64_t default_max_messages_per_second = 100'000;
inline constexpr std::uint64_t default_max_bytes_per_second = 64 * 1024 * 1024;
// Sockets one address (an IPv6 /64) may hold open at once, and open per second: room for an
// office behind one NAT, not for one host taking every slot of max_connections or
// max_pending. Loopback is exempt unless limit_loopback is set (a reverse proxy on the same
// host carries every client on one address).
inline constexpr std::size_t default_max_connections_per_address = 1'000;
inline constexpr std::uint64_t default_max_new_connections_per_second = 100;

// Lame-duck drains take 30 s, as long as a load balancer's health checks typically need to
// notice (a few 10 s intervals) and short enough for a rolling restart.
inline constexpr std::chrono::milliseconds default_lame_duck_duration{30'000};

// What happens to a connection over max_messages_per_second or max_bytes_per_second.
enum class RateLimitAction : std::uint8_t {
  disconnect,  // SMQ Disconnect "rate limit exceeded" (CloseReason::rate_limited)
  drop,        // the Publish over the budget is dropped and counted; other packets pass
};

// The config file's spelling ("disconnect", "drop"), for reports and /varz.
constexpr std::string_view to_string(RateLimitAction action) {
  return action == RateLimitAction::drop ? "drop" : "disconnect";
}

struct BrokerOptions {
  // "HOST:PORT" or "[V6]:PORT"; port 0 picks a free port (see Broker::endpoints()).
  // Empty: default_listen_address, unless tls_listen is set (then the broker is TLS-only).
  std::vector<std::string> listen;
  // TLS listeners: same three kinds of request as `listen`, over TLS 1.2+ (wss://, the
  // https:// raw bootstrap, static files). Need tls_cert_file and tls_key_file.
  std::vector<std::string> tls_listen;
  std::string tls_cert_file;  // PEM certificate chain
  std::string tls_key_file;   // PEM private key
  // PEM CA bundle for client certificates. When set, clients are asked for a certificate;
  // one that does not verify is refused with Connack 0x05 (certificate rejected).
  std::string tls_client_ca_file;
  // With tls_client_ca_file: a client without a certificate gets Connack 0x04.
  bool tls_require_client_cert = false;

  // Directory of static files served to plain GET requests; empty = the bundled page.
  std::string web_root;
  // Accept SMQ (WebSocket or raw) only on this request path; empty = any path.
  std::string smq_path;
  // Web pages that may open a WebSocket besides those served from the host the upgrade was
  // sent to ("https://app.example", "http://host:8080", "*" for any; "null" admits file://
  // pages and sandboxed frames of any site). Upgrades without Origin (devices, tools) are
  // always accepted; others get 403.
  std::vector<std::string> allowed_origins;

  // The monitoring listener (/healthz, /varz) for operators' tools, "HOST:PORT"; empty: off.
  // Keep it on loopback or a management network; monitor_token_file adds a bearer token.
  std::string monitor;
  // A file whose first line is the token every monitoring request must send as
  // "Authorization: Bearer TOKEN" (at least 16 bytes); empty: no token asked for.
  std::string monitor_token_file;

  LogLevel log_level = LogLevel::info;
  LogFormat log_format = LogFormat::text;
  // Embedding programs: where log lines go instead of stderr (called from any thread that
  // logs, one whole line per call). Not an operator setting.
  Logger::Sink log_sink;

  // The in-process client's ETID is 1 unless this is set (then it is random).
  bool random_server_etid = false;

  // Established SMQ clients; beyond this Connect is answered with Connack 0x02.
  std::size_t max_connections = limits::default_max_connections;
  // Sockets still in their HTTP head or Connect phase; beyond this new sockets are closed
  // at once, so a flood of idle sockets cannot starve real clients.
  std::size_t max_pending_connections = 1024;
  // Per-client limits (see the defaults above; 0 turns each off).
  std::uint64_t max_messages_per_second = default_max_messages_per_second;
  std::uint64_t max_bytes_per_second = default_max_bytes_per_second;
  RateLimitAction rate_limit_action = RateLimitAction::disconnect;
  std::size_t max_connections_per_address = default_max_connections_per_address;
  std::uint64_t max_new_connections_per_second = default_max_new_connections_per_second;
  bool limit_loopback = false;  // apply the per-address limits to loopback clients too
  // Bytes queued for one client before it is disconnected as a slow consumer.
  std::size_t output_queue_bytes = limits::default_output_queue_bytes;

  std::chrono::milliseconds http_head_deadline = limits::http_head_deadline;
  std::chrono::milliseconds connect_deadline = limits::connect_deadline;
  // A write that waits for the client may make no progress for this long; then the session
  // ends (CloseReason::write_timeout). Also set as TCP_USER_TIMEOUT on accepted sockets, so
  // the kernel gives up on unacknowledged data as soon (its own default is ~15 minutes).
  std::chrono::milliseconds write_deadline = limits::write_deadline;
  // TCP keepalive as the reference broker sets it: probes after 230 s idle, every 23 s.
  std::chrono::seconds keepalive_idle{230};
  std::chrono::seconds keepalive_interval{23};

  // How often the in-process client publishes stats on "$smq/stats" (while somebody is
  // subscribed there); 0 turns it off.
  std::chrono::milliseconds stats_interval{1000};

  // How long a lame-duck drain (Broker::lame_duck, SIGUSR2) spreads its disconnects over:
  // long enough for a group's other brokers to take the clients a few at a time.
  std::chrono::milliseconds lame_duck_duration = default_lame_duck_duration;

  HubLimits hub;
  AuthOptions auth;
};

}  // namespace smq
