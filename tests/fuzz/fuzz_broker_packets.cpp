// libFuzzer target: the C++ client's decoders of broker-to-client packets (Init, Connack,
// the three acks, Change) and the Connack refusal text. The whole input is one packet as a
// WebSocket message would deliver it: each decoder must accept exactly the packets of its
// type and size, report fields that match the bytes, keep its views inside the packet, and
// re-encoding what it decoded with the broker's encoders must give the packet back (up to
// what the encoders normalise). The same bytes also drive a decode(encode(fields)) round
// trip through the raw framing, with fields and texts taken from the input.
// Needs: clients/cpp/src/broker_packets.cpp, protocol/smq_packet.cpp,
// protocol/raw_stream_decoder.cpp.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "protocol/raw_stream_decoder.hpp"
#include "protocol/smq_packet.hpp"
#include "src/broker_packets.hpp"
#include "fuzz_support.hpp"

namespace {

using fuzz::check;

using smq::Bytes;
using smq::PacketType;

// Written out here rather than taken from byte_order.hpp, so a wrong byte order in the
// shared helpers would show.
std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

std::string_view text_of(Bytes b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

// The view must be exactly the packet's bytes from `offset` to its end.
void check_tail(Bytes packet, std::size_t offset, std::string_view view) {
  check(view.size() == packet.size() - offset);
  check(view.empty() ||
        reinterpret_cast<const std::uint8_t*>(view.data()) == packet.data() + offset);
}

// One raw frame from an encoder: its length prefix must be its size, and the raw splitter
// must hand back exactly the packet after the prefix.
Bytes unframe(const std::string& frame) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(frame.data());
  check(frame.size() >= 3 && frame.size() <= 0xFFFF);
  check((std::size_t{p[0]} << 8 | p[1]) == frame.size());
  const smq::RawFrame f = smq::next_raw_frame({p, frame.size()});
  check(f.kind == smq::RawFrame::Kind::packet && f.consumed == frame.size());
  check(f.packet.data() == p + 2 && f.packet.size() == frame.size() - 2);
  return f.packet;
}

bool is_ack_type(std::uint8_t t) {
  return t == static_cast<std::uint8_t>(PacketType::suback) ||
         t == static_cast<std::uint8_t>(PacketType::createack) ||
         t == static_cast<std::uint8_t>(PacketType::createsuback);
}

void check_connack_message(std::uint8_t code, std::string_view reason) {
  const std::string m = smq::detail::connack_message(code, reason);
  if (!reason.empty()) {
    check(m == reason);
  } else {
    check(m.find("(code " + std::to_string(code) + ")") != std::string::npos);
  }
}

// Decodes `packet` with every decoder and checks each verdict against the bytes.
void decode_packet(Bytes packet) {
  const std::size_t n = packet.size();
  const std::uint8_t type = n > 0 ? packet[0] : 0;
  int accepted = 0;

  const auto init = smq::detail::decode_init(packet);
  check(init.has_value() == (n >= 6 && type == static_cast<std::uint8_t>(PacketType::init)));
  if (init) {
    ++accepted;
    check(init->version == packet[1] && init->seed == be32(packet.data() + 2));
    check_tail(packet, 6, init->address);
    if (init->version == 1) {  // the only version the broker sends
      std::string frame;
      smq::append_init(frame, init->seed, init->address);
      const Bytes again = unframe(frame);
      check(text_of(again) == text_of(packet));
    }
  }

  const auto connack = smq::detail::decode_connack(packet);
  check(connack.has_value() == (n >= 6 && type == static_cast<std::uint8_t>(PacketType::connack)));
  if (connack) {
    ++accepted;
    check(connack->code == packet[1] && connack->etid == be32(packet.data() + 2));
    check_tail(packet, 6, connack->reason);
    check_connack_message(connack->code, connack->reason);
    // The encoder drops the reason of an acceptance and cuts others at 1024 bytes.
    std::string frame;
    smq::append_connack(frame, static_cast<smq::ConnackCode>(connack->code), connack->etid,
                        connack->reason);
    const Bytes again = unframe(frame);
    const std::size_t kept = connack->code == 0 ? 0 : std::min<std::size_t>(n - 6, 1024);
    check(text_of(again) == text_of(packet.subspan(0, 6 + kept)));
  }

  const auto ack = smq::detail::decode_ack(packet);
  check(ack.has_value() == (n >= 6 && is_ack_type(type)));
  if (ack) {
    ++accepted;
    check(static_cast<std::uint8_t>(ack->type) == type);
    check(ack->accepted == (packet[1] == 0) && ack->id == be32(packet.data() + 2));
    check_tail(packet, 6, ack->name);
    // The encoder writes status 0/1, zeroes the id of a refusal and cuts the name.
    std::string frame;
    smq::append_ack(frame, ack->type, ack->accepted, ack->id, ack->name);
    const Bytes again = unframe(frame);
    const std::size_t kept = std::min(n - 6, smq::max_ack_name);
    check(again.size() == 6 + kept && again[0] == type);
    check(again[1] == (ack->accepted ? 0 : 1));
    check(be32(again.data() + 2) == (ack->accepted ? ack->id : 0));
    check(text_of(again.subspan(6)) == ack->name.substr(0, kept));
  }

  const auto change = smq::detail::decode_change(packet);
  check(change.has_value() == (n == 9 && type == static_cast<std::uint8_t>(PacketType::change)));
  if (change) {
    ++accepted;
    check(change->id == be32(packet.data() + 1) && change->count == be32(packet.data() + 5));
    std::string frame;
    smq::append_change(frame, change->id, change->count);
    check(text_of(unframe(frame)) == text_of(packet));
  }

  // The packet types are distinct, so no packet is two things at once.
  check(accepted <= 1);
}

// Pulls fixed-size fields off the front of the input; zeros once it runs dry.
struct Reader {
  const std::uint8_t* p;
  std::size_t n;
  std::uint8_t u8() {
    if (n == 0) return 0;
    --n;
    return *p++;
  }
  std::uint32_t u32() {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = v << 8 | u8();
    return v;
  }
};

// decode(encode(fields)) == fields for every packet the client decodes. `text` is used for
// the address, reason and name; a flag stretches it past the encoders' cuts (1024 for a
// Connack reason, max_ack_name for an ack name) without needing a huge input.
void round_trip(Reader r) {
  const std::uint32_t seed = r.u32();
  const std::uint32_t id = r.u32();
  const std::uint32_t count = r.u32();
  const std::uint8_t code = r.u8();
  const std::uint8_t flags = r.u8();
  std::string text(reinterpret_cast<const char*>(r.p), r.n);
  if ((flags & 1) && !text.empty()) {
    const std::size_t target = flags & 2 ? smq::max_ack_name + 1 + flags % 7 : 1024 + flags % 3;
    while (text.size() < target) text += text;
    text.resize(target);
  }
  const std::string_view address = std::string_view(text).substr(0, 255);

  std::string frame;
  smq::append_init(frame, seed, address);
  const auto init = smq::detail::decode_init(unframe(frame));
  check(init && init->version == 1 && init->seed == seed && init->address == address);

  frame.clear();
  smq::append_connack(frame, static_cast<smq::ConnackCode>(code), id, text);
  const auto connack = smq::detail::decode_connack(unframe(frame));
  check(connack && connack->code == code && connack->etid == id);
  const std::string_view reason = code == 0 ? std::string_view() : std::string_view(text);
  check(connack->reason == reason.substr(0, 1024));
  check_connack_message(code, connack->reason);

  const PacketType ack_types[] = {PacketType::suback, PacketType::createack,
                                  PacketType::createsuback};
  const PacketType type = ack_types[flags % 3];
  const bool accepted = (flags & 4) != 0;
  frame.clear();
  smq::append_ack(frame, type, accepted, id, text);
  const auto ack = smq::detail::decode_ack(unframe(frame));
  check(ack && ack->type == type && ack->accepted == accepted && ack->id == (accepted ? id : 0));
  check(ack->name == std::string_view(text).substr(0, smq::max_ack_name));

  frame.clear();
  smq::append_change(frame, id, count);
  const auto change = smq::detail::decode_change(unframe(frame));
  check(change && change->id == id && change->count == count);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  decode_packet({data, size});
  round_trip(Reader{data, size});
  return 0;
}
