// Broker-to-client packet decoders (see broker_packets.hpp). Pure code.
#include "src/broker_packets.hpp"

#include "protocol/byte_order.hpp"

namespace smq::detail {

std::optional<InitView> decode_init(Bytes packet) {
  if (packet.size() < 6 || packet[0] != static_cast<std::uint8_t>(PacketType::init)) {
    return std::nullopt;
  }
  return InitView{packet[1], load_u32(packet.data() + 2), as_text(packet.subspan(6))};
}

std::optional<ConnackView> decode_connack(Bytes packet) {
  if (packet.size() < 6 || packet[0] != static_cast<std::uint8_t>(PacketType::connack)) {
    return std::nullopt;
  }
  return ConnackView{packet[1], load_u32(packet.data() + 2), as_text(packet.subspan(6))};
}

std::optional<AckView> decode_ack(Bytes packet) {
  if (packet.size() < 6) return std::nullopt;
  const auto type = static_cast<PacketType>(packet[0]);
  if (type != PacketType::suback && type != PacketType::createack &&
      type != PacketType::createsuback) {
    return std::nullopt;
  }
  return AckView{type, packet[1] == 0, load_u32(packet.data() + 2), as_text(packet.subspan(6))};
}

std::optional<ChangeView> decode_change(Bytes packet) {
  if (packet.size() != 9 || packet[0] != static_cast<std::uint8_t>(PacketType::change)) {
    return std::nullopt;
  }
  return ChangeView{load_u32(packet.data() + 1), load_u32(packet.data() + 5)};
}

std::string connack_message(std::uint8_t code, std::string_view reason) {
  if (!reason.empty()) return std::string(reason);
  switch (code) {
    case 1:
      return "connection refused: bad version or uid (code 1)";
    case 2:
      return "connection refused: server unavailable (code 2)";
    case 3:
      return "connection refused: bad credentials (code 3)";
    case 4:
      return "connection refused: certificate required (code 4)";
    case 5:
      return "connection refused: certificate rejected (code 5)";
    case 6:
      return "connection refused: access denied (code 6)";
    default:
      return "connection refused (code " + std::to_string(code) + ")";
  }
}

}  // namespace smq::detail
