// Callbacks through which embedding code decides policy (smq-wire.md 6.1/6.2). Every hook is
// optional and runs on the broker thread; keep them short, they block routing.
//
// A hook that throws does not stop the broker. The exception is logged with the hook's
// name and counted (stats "errors"."hooks"). When the hook ran for a network client's own
// packet, that connection ends with CloseReason::internal_error (SMQ Disconnect "internal
// error", WebSocket 1011; before the Connack: Connack 0x02 "internal error"); everyone else
// carries on. For the in-process client the request fails safe (denied, message dropped);
// a throwing on_close is logged and the teardown completes.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "broker/close_reason.hpp"
#include "broker/peer.hpp"
#include "broker/random.hpp"
#include "protocol/smq_packet.hpp"

namespace smq {

// What authenticate() learns about a connecting client.
struct ConnectInfo {
  std::string_view uid;
  std::string_view credentials;
  // The user the broker's own authentication ([auth] password file) accepted; empty for an
  // anonymous client or when it is off. The hook runs only after that check accepted.
  std::string_view user;
  std::string_view info;
  std::uint32_t seed = 0;       // the Init seed sent to this client (for challenge/response)
  std::string_view address;     // client IP text
  Transport transport = Transport::raw;
  std::string_view target;      // HTTP request target of the bootstrap or upgrade
  const std::vector<std::pair<std::string, std::string>>* headers = nullptr;  // request headers
  bool tls = false;                       // the connection came through a TLS listener
  std::string_view certificate_subject;   // verified client certificate's subject, if any
};

struct AuthResult {
  ConnackCode code = ConnackCode::accepted;
  std::string reason;  // sent with refusals only
};

// A Publish as the hooks see it.
struct Message {
  std::span<const std::uint8_t> payload;
  std::uint32_t ptid = 0;
  std::uint32_t tid = 0;
  std::uint32_t subtid = 0;
};

struct Hooks {
  // Decides the Connack code. Default: accept everyone.
  std::function<AuthResult(const ConnectInfo&)> authenticate;
  // Gate for Subscribe (is_subscribe true) and Create (false). Not consulted for duplicate
  // subscribes. Default: allow.
  std::function<bool(std::string_view name, bool is_subscribe, const Peer&)> permit_topic;
  // Gate for creating NEW sub-topic names. Default: allow.
  std::function<bool(std::string_view name, const Peer&)> permit_subtopic;
  // Runs before routing; returning false drops the message silently (on_drop not called).
  std::function<bool(const Message&, const Peer&)> on_publish;
  // Nobody received an approved message.
  std::function<void(const Message&, const Peer&)> on_drop;
  // After a successful Connack.
  std::function<void(const Peer&)> on_connect;
  // First step of teardown, while the peer's ETID and subscriptions still exist.
  std::function<void(const Peer&, CloseReason)> on_close;
  // Source of ids and Init seeds. Default: system_random (OpenSSL). When it fails (returns
  // false or throws), the connection that needed a seed or ETID is refused and a new topic
  // name is denied (ack status 1); logged and counted (stats "errors"."random").
  RandomSource random_bytes;
};

// What a hook's exception becomes on its way to the session that ends the connection: the
// original message prefixed with the hook's name.
class HookError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace smq
