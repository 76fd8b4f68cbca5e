// SMQ session: the Connect packet and the login, from the checks that need no credentials
// through the broker's own authentication (auth::Authenticator, possibly asynchronous) and
// the authenticate hook to the Connack (see session.hpp). Broker thread only.
#include <exception>

#include "broker/auth/request_token.hpp"
#include "broker/net/session.hpp"
#include "protocol/limits.hpp"

namespace smq {
namespace {

// Bytes a client may send after its Connect while the credentials are checked. Clients
// wait for the Connack; one that pipelines its first Subscribes fits easily, and a client
// that streams data at a login it does not know the outcome of is cut off.
constexpr std::size_t max_held_bytes = 64 * 1024;

}  // namespace

void Session::handle_connect(Bytes packet) {
  const ConnectDecode decoded = decode_connect(packet);
  if (decoded.error != ConnectError::none) {
    refuse(ConnackCode::bad_version,
           decoded.error == ConnectError::not_connect ? "expected Connect" : "bad Connect");
    return;
  }
  const ConnectPacket& c = decoded.packet;
  if (c.uid.size() < limits::min_uid) {
    refuse(ConnackCode::bad_version, "uid too short");
    return;
  }
  if (!admissible(c.uid)) return;
  const TlsPeer* tls = stream_->tls();
  if (tls && ctx_.tls && !ctx_.options.tls_client_ca_file.empty()) {
    if (tls->certificate && !tls->verified) {
      refuse(ConnackCode::cert_rejected, "certificate rejected");
      return;
    }
    if (!tls->certificate && ctx_.options.tls_require_client_cert) {
      refuse(ConnackCode::cert_required, "certificate required");
      return;
    }
  }
  if (ctx_.auth != nullptr && ctx_.auth->enabled()) {
    start_login(c);
    return;
  }
  complete_connect(c.uid, c.credentials, c.info, {});
}

bool Session::admissible(std::string_view connecting_uid) {
  if (ctx_.stopping) {
    refuse(ConnackCode::unavailable, "shutting down");
    return false;
  }
  // A login that replaces a connection with the same UID does not add a client.
  if (ctx_.hub.peer_count() >= ctx_.options.max_connections &&
      !ctx_.hub.has_uid(connecting_uid)) {
    log_.warn("{}: refused, {} clients connected (max_connections)", address,
              ctx_.hub.peer_count());
    refuse(ConnackCode::unavailable, "server busy");
    return false;
  }
  return true;
}

void Session::start_login(const ConnectPacket& c) {
  login_ = std::make_unique<PendingLogin>();
  login_->uid.assign(c.uid);
  login_->credentials.text.assign(c.credentials);
  login_->info.assign(c.info);
  // Browsers cannot set Connect credentials from a cookie: a token may come with the request.
  const std::string request_token =
      c.credentials.empty() && ctx_.options.auth.accepts_tokens()
          ? auth::token_from_request(http_.target, http_.headers, ctx_.options.auth.jwt_cookie)
          : std::string();
  const auth::LoginRequest request{c.credentials, request_token, address, connect_deadline_at_};
  // The verdict may come at once (anonymous, a refusal) or from a check thread later; by
  // then the session may have ended (deadline, peer gone), which on_login() notices.
  ctx_.auth->check(request, [weak = weak_from_this()](const auth::LoginVerdict& verdict) {
    if (const auto self = weak.lock()) self->on_login(verdict);
  });
}

void Session::on_login(const auth::LoginVerdict& verdict) {
  if (state_ != State::awaiting_connect || !login_) return;
  const std::unique_ptr<PendingLogin> login = std::move(login_);
  try {
    if (verdict.code != ConnackCode::accepted) {
      refuse(verdict.code, verdict.reason);
    } else if (admissible(login->uid)) {
      complete_connect(login->uid, login->credentials.text, login->info, verdict.user,
                       verdict.grants ? &*verdict.grants : nullptr);
    }
  } catch (const std::exception& e) {
    fail(e.what());
    return;
  } catch (...) {
    fail("unknown exception");
    return;
  }
  // What the client sent after its Connect, in order, now that it is connected (or
  // nothing, when it was refused).
  for (const std::vector<std::uint8_t>& packet : login->held) {
    if (!connected()) break;
    guarded_dispatch(packet);
  }
}

void Session::hold(Bytes packet) {
  if (login_->held_bytes + packet.size() > max_held_bytes) {
    log_.info("{}: over {} bytes sent before the Connack; connection closed", address,
              max_held_bytes);
    login_.reset();
    refuse(ConnackCode::unavailable, "too much data before Connack", CloseReason::protocol_error);
    return;
  }
  login_->held_bytes += packet.size();
  login_->held.emplace_back(packet.begin(), packet.end());
}

void Session::complete_connect(std::string_view connect_uid, std::string_view credentials,
                               std::string_view connect_info, std::string_view user,
                               const auth::TokenGrants* grants) {
  const TlsPeer* tls = stream_->tls();
  ConnectInfo info;
  info.tls = tls != nullptr;
  if (tls && tls->verified) info.certificate_subject = tls->subject;
  info.uid = connect_uid;
  info.credentials = credentials;
  info.user = user;
  info.info = connect_info;
  info.seed = seed;
  info.address = address;
  info.transport = transport;
  info.target = http_.target;
  info.headers = &http_.headers;
  const AuthResult auth = ctx_.hub.authenticate(info);
  if (auth.code != ConnackCode::accepted) {
    refuse(auth.code, auth.reason);
    return;
  }
  uid.assign(connect_uid);
  this->info.assign(connect_info);
  this->user.assign(user);
  permissions = grants ? auth::Permissions::from_token(*grants, this->user, uid)
                       : auth::Permissions::from_rules(ctx_.options.auth.acl, this->user, uid);
  http_ = {};  // only the authenticate hook reads the request; idle sessions keep no copy
  const std::uint32_t id = ctx_.hub.register_peer(*this);
  if (id == 0) {
    refuse(ConnackCode::unavailable, "internal error", CloseReason::internal_error);
    return;
  }
  timer_.cancel();
  start_budgets();
  state_ = State::connected;
  --ctx_.counters.pending;
  std::string connack;
  append_connack(connack, ConnackCode::accepted, id);
  send_packet(connack);
  log_.event(LogLevel::info, "connection opened",
             {{"etid", fmt::format("{:#x}", id)},
              {"uid", printable(uid, 255)},
              {"user", printable(user, 255)},
              {"address", address},
              {"transport", std::string(to_string(transport))},
              {"tls", stream_->tls() ? "true" : "false"}});
  ctx_.hub.connected(*this);
}

void Session::refuse(ConnackCode code, std::string_view reason, CloseReason why) {
  std::string connack;
  append_connack(connack, code, 0, reason);
  send_packet(connack);
  refused_ = true;
  log_.debug("{}: Connect refused with code {} ({})", address, static_cast<int>(code),
             printable(reason));
  end(why);
}

}  // namespace smq
