// SMQ over WebSocket: one SMQ packet per binary message each way. Decodes RFC 6455 frames
// (answers pings, completes the close handshake, fails the connection on framing errors)
// and writes every outgoing packet as one unmasked binary frame. Broker thread only.
#pragma once

#include "broker/net/session.hpp"
#include "protocol/ws_frame.hpp"

namespace smq {

class WsSession final : public Session {
 public:
  WsSession(NetContext& ctx, std::unique_ptr<Stream> stream, HttpContext http,
            std::string leftover);

 private:
  std::size_t decode_input(std::span<std::uint8_t> input) override;
  std::size_t max_read_buffer() const override;
  std::size_t frame_parts(const Outgoing& item, std::uint8_t* header,
                          std::span<const std::uint8_t>& body) const override;
  void queue_goodbye(const CloseWire& wire, std::string_view text) override;

  ws::FrameDecoder decoder_;
  // Set when the close code to send is already decided (peer's Close or a framing error).
  std::uint16_t close_code_ = 0;
  std::string close_text_;
};

}  // namespace smq
