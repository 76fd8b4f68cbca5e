// Every way a connection can end, as one enum. Each value decides what goes on the wire
// (SMQ Disconnect text or nothing, WebSocket close code) and how it is logged and counted.
// Plain data; any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocol/ws_frame.hpp"

namespace smq {

enum class CloseReason : std::uint8_t {
  client_disconnect,  // client sent Disconnect: no reply, just close (as the reference)
  peer_closed,        // EOF or a socket error
  protocol_error,     // unknown/out-of-state packet: close without Disconnect
  malformed_packet,   // packet too short for its type: close without Disconnect
  corrupt_frame,      // Publish with a publisher ETID that is not the sender's
  reconnect,          // another connection logged in with the same UID
  connect_timeout,    // no Connect within the deadline: Connack 0x02 "timeout" written
  refused,            // Connack refusal already written
  payload_too_large,  // Publish payload over 0xFFF0 or PubFrag overflow
  slow_consumer,      // output queue over its cap
  write_timeout,      // a write made no progress within the write deadline
  ws_protocol,        // WebSocket framing violation: close frame with the decoder's code
  ws_closed,          // WebSocket Close handshake from the client
  server_shutdown,    // broker stopping
  internal_error,     // an exception while handling this client's packet (a hook threw,
                      // no random bytes for an id): SMQ Disconnect "internal error", WS 1011
  rate_limited,       // over max_messages_per_second / max_bytes_per_second: SMQ Disconnect
                      // "rate limit exceeded", WS 1008
  admin,              // closed by server code (Hub::disconnect), with a text; keep it last
};

// Number of CloseReason values (for per-reason counters indexed by the enum).
inline constexpr std::size_t close_reason_count = static_cast<std::size_t>(CloseReason::admin) + 1;

struct CloseWire {
  // SMQ Disconnect reason to send first, or empty view with send_disconnect false.
  bool send_disconnect = false;
  std::string_view disconnect_text;
  // WebSocket close code to send (value 0 = none beyond what the session decides).
  ws::CloseCode ws_code{};
};

CloseWire close_wire(CloseReason reason);
std::string_view to_string(CloseReason reason);

}  // namespace smq
