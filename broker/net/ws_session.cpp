// WebSocket framing for an SMQ session (see ws_session.hpp). Broker thread only.
#include "broker/net/ws_session.hpp"

#include "protocol/limits.hpp"

namespace smq {

WsSession::WsSession(NetContext& ctx, std::unique_ptr<Stream> stream, HttpContext http,
                     std::string leftover)
    : Session(ctx, std::move(stream), std::move(http), std::move(leftover),
              Transport::websocket) {}

std::size_t WsSession::max_read_buffer() const { return decoder_.max_frame_bytes(); }

std::size_t WsSession::decode_input(std::span<std::uint8_t> input) {
  std::size_t used = 0;
  while (open()) {
    const ws::Event event = decoder_.decode(input.subspan(used));
    used += event.consumed;
    switch (event.kind) {
      case ws::Event::Kind::need_more:
        return used;
      case ws::Event::Kind::consumed:
      case ws::Event::Kind::pong:
        break;
      case ws::Event::Kind::message:
        // One SMQ packet per message; text messages are accepted too (some clients send
        // them), but an empty message carries no packet type.
        if (event.payload.empty()) {
          close_code_ = static_cast<std::uint16_t>(ws::CloseCode::protocol_error);
          close_text_ = "empty message";
          end(CloseReason::protocol_error);
        } else if (connected() &&
                   event.payload[0] == static_cast<std::uint8_t>(PacketType::pubfrag)) {
          // PubFrag exists for the raw transport only, as in the reference broker. (Before
          // Connect it is just a wrong first packet, answered like any other.)
          end(CloseReason::protocol_error);
        } else {
          handle_packet(event.payload);
        }
        break;
      case ws::Event::Kind::ping:
        send(Frame::copy_of(ws::encode_frame(ws::Opcode::pong, event.payload)), true);
        break;
      case ws::Event::Kind::close:
        // Echo the peer's code (1000 when it sent none) and close.
        close_code_ = event.close_code == static_cast<std::uint16_t>(ws::CloseCode::no_status)
                          ? static_cast<std::uint16_t>(ws::CloseCode::normal)
                          : event.close_code;
        end(CloseReason::ws_closed);
        return used;
      case ws::Event::Kind::error:
        close_code_ = static_cast<std::uint16_t>(event.error_code);
        close_text_ = std::string(event.error);
        log_.debug("etid {:#x} ({}): websocket error {}: {}", etid, address, close_code_,
                   close_text_);
        end(CloseReason::ws_protocol);
        return used;
    }
  }
  return used;
}

std::size_t WsSession::frame_parts(const Outgoing& item, std::uint8_t* header,
                                   std::span<const std::uint8_t>& body) const {
  if (item.verbatim) {
    body = item.frame.bytes();
    return 0;
  }
  // Server frames are unmasked, so the header depends on the length only.
  body = item.frame.packet();
  return ws::encode_header(header, ws::Opcode::binary, body.size());
}

void WsSession::queue_goodbye(const CloseWire& wire, std::string_view text) {
  if (wire.send_disconnect) {
    std::string disconnect;
    append_disconnect(disconnect, text.empty() ? wire.disconnect_text : text);
    push_goodbye(Frame::copy_of(disconnect));
  }
  std::uint16_t code = close_code_ ? close_code_ : static_cast<std::uint16_t>(wire.ws_code);
  if (code == 0) code = static_cast<std::uint16_t>(ws::CloseCode::normal);
  push_goodbye(Frame::copy_of(ws::encode_close(static_cast<ws::CloseCode>(code), close_text_)),
               true);
}

}  // namespace smq
