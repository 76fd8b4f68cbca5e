// The broker's login decision (see authenticator.hpp). Broker thread.
#include "broker/auth/authenticator.hpp"

#include <asio/steady_timer.hpp>
#include <fmt/format.h>

#include <exception>
#include <stdexcept>

#include "broker/auth/hash_worker.hpp"
#include "broker/auth/password_file.hpp"
#include "broker/auth/secret.hpp"
#include "broker/net/listener.hpp"
#include "broker/net/net_context.hpp"

namespace smq::auth {
namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

std::optional<std::pair<std::string_view, std::string_view>> split_credentials(
    std::string_view credentials) {
  const auto colon = credentials.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  return std::pair{credentials.substr(0, colon), credentials.substr(colon + 1)};
}

std::vector<std::string> exposed_plain_listeners(const BrokerOptions& options) {
  std::vector<std::string> out;
  std::vector<std::string> plain = options.listen;
  if (plain.empty() && options.tls_listen.empty()) plain.emplace_back(default_listen_address);
  for (const std::string& text : plain) {
    try {
      if (!parse_listen_address(text).address().is_loopback()) out.push_back(text);
    } catch (const std::exception&) {
      out.push_back(text);  // not an address we can judge: warn rather than stay silent
    }
  }
  return out;
}

Authenticator::Authenticator(asio::io_context& io, Logger& log, NetCounters& counters)
    : io_(io), log_(log), counters_(counters), alive_(std::make_shared<Authenticator*>(this)) {}

Authenticator::~Authenticator() = default;

void Authenticator::configure(const AuthOptions& options) {
  std::shared_ptr<const PasswordFile> users;
  std::uint32_t dummy_iterations = pbkdf2_iterations;
  if (!options.password_file.empty()) {
    PasswordFile::Result loaded = PasswordFile::load(options.password_file);
    if (!loaded.ok()) throw std::runtime_error(loaded.error);
    // An unknown user's check costs what a real one's does: the file's first user's count.
    for (const PasswordFile::Line& line : loaded.file.lines()) {
      if (line.user.empty()) continue;
      dummy_iterations = hash_iterations(line.hash).value_or(pbkdf2_iterations);
      break;
    }
    users = std::make_shared<const PasswordFile>(std::move(loaded.file));
    if (!worker_) worker_ = std::make_unique<HashWorker>(io_, hash_thread_count());
  }
  JwtKeys keys = JwtKeys::load(options.jwt_secret_file, options.jwt_public_key_file);
  options_ = options;
  users_ = std::move(users);
  keys_ = std::move(keys);
  dummy_iterations_ = dummy_iterations;
}

std::size_t Authenticator::user_count() const { return users_ ? users_->user_count() : 0; }

void Authenticator::check(const LoginRequest& request, Done done) {
  if (!enabled()) {
    done({});
    return;
  }
  if (request.credentials.empty() && !request.request_token.empty() && !keys_.empty()) {
    check_token(request.request_token, request.address, done);
    return;
  }
  if (request.credentials.empty()) {
    if (options_.allows_anonymous()) {
      done({});
    } else {
      ++counters_.auth_failures;
      log_.info("{}: anonymous login refused (credentials required)", request.address);
      done({ConnackCode::bad_credentials, std::string(credentials_required_reason), {}, {}});
    }
    return;
  }
  const auto parts = split_credentials(request.credentials);
  if (!parts && !keys_.empty()) {
    // A token has no ':' (base64url and dots), "user:password" always has one.
    check_token(request.credentials, request.address, done);
    return;
  }
  if (!parts || !users_) {
    // Nothing this broker could check (a token, say, where no key is configured).
    ++counters_.auth_failures;
    log_.info("{}: login refused: credentials are not user:password", request.address);
    done({ConnackCode::bad_credentials, std::string(bad_login_reason), {}, {}});
    return;
  }
  std::string key = LoginThrottle::key_of(request.address);
  const Clock::time_point now = Clock::now();
  const Clock::duration max_wait =
      request.deadline > now ? request.deadline - now : Clock::duration::zero();
  const auto wait = throttle_.admit(key, now, max_wait);
  if (!wait) {
    ++counters_.auth_throttled;
    log_.info("{}: login refused: too many failed attempts from this address", request.address);
    done({ConnackCode::unavailable, std::string(try_later_reason), {}, {}});
    return;
  }
  std::string user(parts->first);
  Secret password(parts->second);
  if (*wait == Clock::duration::zero()) {
    start_check(std::move(key), std::string(request.address), std::move(user),
                std::move(password.text), std::move(done));
    return;
  }
  ++counters_.auth_delayed;
  auto timer = std::make_shared<asio::steady_timer>(io_, *wait);
  timer->async_wait([alive = std::weak_ptr(alive_), timer, key = std::move(key),
                     address = std::string(request.address), user = std::move(user),
                     password = std::move(password),
                     done = std::move(done)](const asio::error_code&) mutable {
    const auto self = alive.lock();
    if (!self) return;
    (*self)->start_check(std::move(key), std::move(address), std::move(user),
                         std::move(password.text), std::move(done));
  });
}

void Authenticator::check_token(std::string_view token, std::string_view address,
                                const Done& done) {
  const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  JwtResult result = verify_jwt(token, keys_, now);
  std::optional<TokenGrants> grants;
  if (result.ok() && result.claims->permissions) {
    const JwtClaims::Permissions& p = *result.claims->permissions;
    grants = TokenGrants{p.publish, p.subscribe, p.observe};
    for (const auto* list : {&grants->publish, &grants->subscribe, &grants->observe}) {
      for (const std::string& pattern : *list) {
        if (check_pattern(pattern)) result = {std::nullopt, "bad pattern in smq claim"};
      }
    }
  }
  if (!result.ok()) {
    ++counters_.auth_failures;
    log_.info("{}: token refused: {}", address, result.error);
    const std::string_view reason = result.error == "token expired" ? token_expired_reason
                                    : result.error == "token not yet valid"
                                        ? token_not_yet_valid_reason
                                        : bad_token_reason;
    done({ConnackCode::bad_credentials, std::string(reason), {}, {}});
    return;
  }
  ++counters_.auth_logins;
  done({ConnackCode::accepted, {}, std::move(result.claims->subject), std::move(grants)});
}

void Authenticator::start_check(std::string key, std::string address, std::string user,
                                std::string password, Done done) {
  const std::string* stored = users_ ? users_->find(user) : nullptr;
  std::optional<std::string> hash;
  if (stored != nullptr) hash = *stored;
  const std::string address_key = key;
  const bool queued = worker_->submit(
      std::move(password), std::move(hash), dummy_iterations_,
      [alive = std::weak_ptr(alive_), key = std::move(key), address = std::move(address),
       user = std::move(user), done](bool match) {
        const auto self = alive.lock();
        if (!self) return;
        Authenticator& a = **self;
        a.throttle_.settle(key, match, Clock::now());
        if (match) {
          ++a.counters_.auth_logins;
          done({ConnackCode::accepted, {}, user, {}});
        } else {
          ++a.counters_.auth_failures;
          a.log_.info("{}: login failed for user '{}'", address, printable(user));
          done({ConnackCode::bad_credentials, std::string(bad_login_reason), {}, {}});
        }
      });
  if (!queued) {
    // Every check thread is busy for longer than this login may wait: nothing was tried, so
    // the address gets its token back.
    throttle_.settle(address_key, true, Clock::now());
    ++counters_.auth_throttled;
    log_.warn("password checks are backlogged ({} queued); login refused, try again later",
              worker_->queued());
    done({ConnackCode::unavailable, std::string(try_later_reason), {}, {}});
  }
}

std::vector<std::string> Authenticator::revoked_since(const PasswordFile* before) const {
  std::vector<std::string> out;
  if (before == nullptr) return out;
  for (const PasswordFile::Line& line : before->lines()) {
    if (line.user.empty()) continue;
    const std::string* now = users_ ? users_->find(line.user) : nullptr;
    if (now == nullptr || *now != line.hash) out.push_back(line.user);
  }
  return out;
}

}  // namespace smq::auth
