// Raw SMQ framing for a session (see raw_session.hpp). Broker thread only.
#include "broker/net/raw_session.hpp"

#include <cstring>

#include "protocol/limits.hpp"
#include "protocol/raw_stream_decoder.hpp"

namespace smq {

RawSession::RawSession(NetContext& ctx, std::unique_ptr<Stream> stream, HttpContext http,
                       std::string leftover)
    : Session(ctx, std::move(stream), std::move(http), std::move(leftover), Transport::raw) {}

std::size_t RawSession::max_read_buffer() const { return limits::max_raw_frame + 1; }

std::size_t RawSession::decode_input(std::span<std::uint8_t> input) {
  std::size_t used = 0;
  while (open()) {
    const RawFrame frame = next_raw_frame(input.subspan(used));
    if (frame.kind == RawFrame::Kind::need_more) return used;
    if (frame.kind == RawFrame::Kind::error) {
      log_.debug("etid {:#x} ({}): raw frame length below 3", etid, address);
      end(CloseReason::protocol_error);
      return used;
    }
    used += frame.consumed;
    if (frame.packet[0] != static_cast<std::uint8_t>(PacketType::pubfrag) ||
        !connected()) {
      // Before Connect a PubFrag is just a wrong first packet: the state machine says so.
      handle_packet(frame.packet);
      continue;
    }
    switch (fragments_.add(frame.packet)) {
      case PubFragAssembler::Result::pending:
        break;
      case PubFragAssembler::Result::complete: {
        // Re-encode as an ordinary Publish: receivers never see fragments.
        const PublishView& m = fragments_.message();
        std::string packet;
        append_publish(packet, m.tid, m.ptid, m.subtid, m.payload);
        handle_packet({reinterpret_cast<const std::uint8_t*>(packet.data()) + 2,
                       packet.size() - 2});
        break;
      }
      case PubFragAssembler::Result::overflow:
        end(CloseReason::payload_too_large);
        break;
      case PubFragAssembler::Result::malformed:
        end(CloseReason::malformed_packet);
        break;
    }
  }
  return used;
}

std::size_t RawSession::frame_parts(const Outgoing& item, std::uint8_t*,
                                    std::span<const std::uint8_t>& body) const {
  body = item.frame.bytes();
  return 0;
}

void RawSession::queue_goodbye(const CloseWire& wire, std::string_view text) {
  if (!wire.send_disconnect) return;
  std::string disconnect;
  append_disconnect(disconnect, text.empty() ? wire.disconnect_text : text);
  push_goodbye(Frame::copy_of(disconnect));
}

}  // namespace smq
