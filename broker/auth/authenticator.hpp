// The broker's own login decision ([auth] in the configuration): anonymous clients, users of
// the password file (Connect credentials "user:password"), with the per-address attempt
// budget (login_throttle) and the password checks on worker threads (hash_worker). A session
// asks once per Connect and gets its verdict on the broker thread, at once or after the
// check. The embedder's authenticate hook runs after an accepted verdict. Broker thread.
#pragma once

#include <asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/auth/acl.hpp"
#include "broker/auth/jwt.hpp"
#include "broker/auth/login_throttle.hpp"
#include "broker/log.hpp"
#include "broker/options.hpp"
#include "protocol/smq_packet.hpp"

namespace smq {
struct NetCounters;
}

namespace smq::auth {

class HashWorker;
class PasswordFile;

// The one reason every refused password login gets, whether the user is unknown or the
// password wrong, so that a client cannot tell which user names exist.
inline constexpr std::string_view bad_login_reason = "bad user name or password";
// Anonymous Connect (empty credentials) when anonymous = false.
inline constexpr std::string_view credentials_required_reason = "credentials required";
// An address over its attempt budget, or every password-check thread busy: retry later.
inline constexpr std::string_view try_later_reason = "too many login attempts, try again later";
// Token refusals: expired and not-yet-valid tokens say so (the client should fetch a new one);
// every other flaw (signature, algorithm, format, claims) gets one reason.
inline constexpr std::string_view token_expired_reason = "token expired";
inline constexpr std::string_view token_not_yet_valid_reason = "token not yet valid";
inline constexpr std::string_view bad_token_reason = "bad token";

struct LoginRequest {
  std::string_view credentials;
  // A token from the opening HTTP request (request_token.hpp), used when `credentials` are
  // empty; empty when there is none.
  std::string_view request_token;
  std::string_view address;
  // The session's Connect deadline: a check that could not finish before it is refused now.
  std::chrono::steady_clock::time_point deadline;
};

struct LoginVerdict {
  ConnackCode code = ConnackCode::accepted;
  std::string reason;  // with refusals
  std::string user;    // accepted: the user name, empty for an anonymous client
  // Accepted with a token carrying an "smq" claim: the rights it grants, which replace the
  // [[acl]] rules for this client.
  std::optional<TokenGrants> grants;
};

class Authenticator {
 public:
  using Done = std::function<void(LoginVerdict)>;

  Authenticator(asio::io_context& io, Logger& log, NetCounters& counters);
  ~Authenticator();
  Authenticator(const Authenticator&) = delete;
  Authenticator& operator=(const Authenticator&) = delete;

  // Loads the password file and the token keys `options` names and makes them the ones
  // logins use. Throws std::runtime_error ("FILE:LINE: ...") and changes nothing when one
  // does not load.
  void configure(const AuthOptions& options);
  // Whether logins go through check() (else every Connect is accepted as anonymous).
  bool enabled() const { return options_.enabled(); }
  const AuthOptions& options() const { return options_; }
  std::size_t user_count() const;
  // The token algorithms the configured keys accept ("HS256", "RS256", "ES256").
  std::vector<std::string> token_algorithms() const { return keys_.algorithms(); }

  // Decides one Connect. `done` runs on the broker thread, possibly before check() returns;
  // never after this object is gone.
  void check(const LoginRequest& request, Done done);

  // The users whose sessions the file loaded by configure() no longer admits, compared with
  // the file before it: removed users and users whose password changed.
  std::vector<std::string> revoked_since(const PasswordFile* before) const;
  // The file in use (null without one); kept by a reload to compare.
  std::shared_ptr<const PasswordFile> users() const { return users_; }

 private:
  // Decides a login by token (cheap: on the broker thread).
  void check_token(std::string_view token, std::string_view address, const Done& done);
  // Queues the password check of an admitted attempt (`key`: its throttle bucket).
  void start_check(std::string key, std::string address, std::string user,
                   std::string password, Done done);

  asio::io_context& io_;
  Logger& log_;
  NetCounters& counters_;
  AuthOptions options_;
  std::shared_ptr<const PasswordFile> users_;
  JwtKeys keys_;
  std::uint32_t dummy_iterations_ = 0;
  LoginThrottle throttle_;
  std::unique_ptr<HashWorker> worker_;
  // Completions and throttle timers hold a weak copy: once this object is gone they do
  // nothing (the io_context may still run them while the broker shuts down).
  std::shared_ptr<Authenticator*> alive_;
};

// "user" and "password" from Connect credentials "user:password" (split at the first ':',
// which a user name cannot contain); nullopt without a ':'.
std::optional<std::pair<std::string_view, std::string_view>> split_credentials(
    std::string_view credentials);

// Plain (not TLS) listeners on other addresses than loopback: passwords sent there cross the
// network readable. For the start-up warning.
std::vector<std::string> exposed_plain_listeners(const BrokerOptions& options);

}  // namespace smq::auth
