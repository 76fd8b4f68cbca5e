// What each CloseReason means on the wire and in the log. Pure data, any thread.
#include "broker/close_reason.hpp"

namespace smq {

CloseWire close_wire(CloseReason reason) {
  switch (reason) {
    case CloseReason::corrupt_frame: return {true, "corrupt frame", 1008};
    case CloseReason::reconnect: return {true, "reconnect", 1000};
    case CloseReason::payload_too_large: return {true, "payload too large", 1009};
    case CloseReason::slow_consumer: return {false, {}, 1008};
    case CloseReason::write_timeout: return {false, {}, 0};  // the peer reads nothing
    case CloseReason::server_shutdown: return {true, "shutdown", 1001};
    case CloseReason::admin: return {true, {}, 1000};  // text supplied by the caller
    case CloseReason::protocol_error: return {false, {}, 1002};
    case CloseReason::malformed_packet: return {false, {}, 1002};
    case CloseReason::client_disconnect: return {false, {}, 1000};
    case CloseReason::connect_timeout: return {false, {}, 1000};
    case CloseReason::refused: return {false, {}, 1000};
    case CloseReason::ws_protocol: return {false, {}, 0};
    case CloseReason::ws_closed: return {false, {}, 0};
    case CloseReason::peer_closed: return {false, {}, 0};
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
    case CloseReason::admin: return "closed by server";
  }
  return "unknown";
}

}  // namespace smq
