// What each CloseReason means on the wire and in the log. Pure data, any thread.
#include "broker/close_reason.hpp"

namespace smq {

using ws::CloseCode;

CloseWire close_wire(CloseReason reason) {
  switch (reason) {
    case CloseReason::corrupt_frame: return {true, "corrupt frame", CloseCode::policy_violation};
    case CloseReason::reconnect: return {true, "reconnect", CloseCode::normal};
    case CloseReason::payload_too_large: return {true, "payload too large", CloseCode::message_too_big};
    case CloseReason::slow_consumer: return {false, {}, CloseCode::policy_violation};
    case CloseReason::write_timeout: return {false, {}, {}};  // the peer reads nothing
    case CloseReason::server_shutdown: return {true, "shutdown", CloseCode::going_away};
    case CloseReason::admin: return {true, {}, CloseCode::normal};  // text supplied by the caller
    case CloseReason::internal_error: return {true, "internal error", CloseCode::internal_error};
    case CloseReason::rate_limited:
      return {true, "rate limit exceeded", CloseCode::policy_violation};
    case CloseReason::protocol_error: return {false, {}, CloseCode::protocol_error};
    case CloseReason::malformed_packet: return {false, {}, CloseCode::protocol_error};
    case CloseReason::client_disconnect: return {false, {}, CloseCode::normal};
    case CloseReason::connect_timeout: return {false, {}, CloseCode::normal};
    case CloseReason::refused: return {false, {}, CloseCode::normal};
    case CloseReason::ws_protocol: return {false, {}, {}};
    case CloseReason::ws_closed: return {false, {}, {}};
    case CloseReason::peer_closed: return {false, {}, {}};
  }
  return {};
}

std::string_view to_string(CloseReason reason) {
  switch (reason) {
    case CloseReason::client_disconnect: return "client disconnect";
    case CloseReason::peer_closed: return "peer closed";
    case CloseReason::protocol_error: return "protocol error";
    case CloseReason::malformed_packet: return "malformed packet";
    case CloseReason::corrupt_frame: return "corrupt frame";
    case CloseReason::reconnect: return "reconnect";
    case CloseReason::connect_timeout: return "connect timeout";
    case CloseReason::refused: return "refused";
    case CloseReason::payload_too_large: return "payload too large";
    case CloseReason::slow_consumer: return "slow consumer";
    case CloseReason::write_timeout: return "write timeout";
    case CloseReason::ws_protocol: return "websocket protocol error";
    case CloseReason::ws_closed: return "websocket closed";
    case CloseReason::server_shutdown: return "server shutdown";
    case CloseReason::internal_error: return "internal error";
    case CloseReason::rate_limited: return "rate limited";
    case CloseReason::admin: return "closed by server";
  }
  return "unknown";
}

}  // namespace smq
