// Decoders of the packets a broker sends to a client (Init, Connack, the three acks,
// Change, Disconnect), with the strict size checks the reference clients apply. Pure code;
// used on the client's executor.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/smq_packet.hpp"

namespace smq::detail {

struct InitView {
  std::uint8_t version = 0;
  std::uint32_t seed = 0;
  std::string_view address;  // client IP as the broker sees it
};
// nullopt when not an Init or shorter than type + version + seed.
std::optional<InitView> decode_init(Bytes packet);

struct ConnackView {
  std::uint8_t code = 0;
  std::uint32_t etid = 0;
  std::string_view reason;  // refusals only
};
std::optional<ConnackView> decode_connack(Bytes packet);

// Suback, Createack, Createsuback.
struct AckView {
  PacketType type{};
  bool accepted = false;
  std::uint32_t id = 0;
  std::string_view name;
};
std::optional<AckView> decode_ack(Bytes packet);

struct ChangeView {
  std::uint32_t id = 0;
  std::uint32_t count = 0;
};
// Exactly 8 body bytes, as the C client requires.
std::optional<ChangeView> decode_change(Bytes packet);

// Human-readable Connack refusal: the broker's reason, or a text for the code.
std::string connack_message(std::uint8_t code, std::string_view reason);

}  // namespace smq::detail
