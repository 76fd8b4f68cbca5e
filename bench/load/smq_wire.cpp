// SMQ client side for smq-bench: Init, Connect v1, Subscribe/Suback for each subscription,
// Create/Createack for the publish topic, then Publish. Replies go to the requester's ETID
// (the ptid every Publish carries), as SMQ applications do. Worker thread only.
#include <fmt/format.h>

#include "protocol/byte_order.hpp"
#include "protocol/smq_packet.hpp"
#include "wire_base.hpp"

namespace smq::bench {
namespace {

class SmqWire final : public WireBase {
 public:
  SmqWire(TransportKind t, WireSetup s, WireEvents& e) : WireBase(t, std::move(s), e) {}

  void publish(std::string& out, ByteView payload) override { send_publish(out, topic_tid_, payload); }

  void reply(std::string& out, const Incoming& request, std::uint32_t, ByteView payload) override {
    send_publish(out, request.smq_ptid, payload);
  }

 private:
  enum class Step { init, connack, acks, ready };

  bool message_oriented() const override { return true; }

  void tcp_preamble(std::string& out) override {
    out += fmt::format("GET {} HTTP/1.1\r\nHost: {}\r\nSimpleMQ: 1\r\n\r\n", setup_.path, setup_.host);
  }

  void on_open(std::string&) override {}  // the broker speaks first (Init)

  std::size_t on_stream(std::span<std::uint8_t> in, std::string& out) override {
    std::size_t pos = 0;
    while (!failed() && in.size() - pos >= 2) {
      const std::size_t len = load_u16(in.data() + pos);
      if (len < 3) return fail("raw frame shorter than 3 bytes"), pos;
      if (in.size() - pos < len) break;
      on_message(in.subspan(pos + 2, len - 2), out);
      pos += len;
    }
    return pos;
  }

  void on_message(std::span<std::uint8_t> packet, std::string& out) override {
    if (packet.empty()) return fail("empty WebSocket message (no SMQ packet type)");
    const auto type = static_cast<PacketType>(packet[0]);
    if (type == PacketType::publish && step_ == Step::ready) {
      const auto pub = decode_publish(packet);
      if (!pub) return fail("short Publish");
      events_.on_wire_message(Incoming{.payload = pub->payload, .smq_ptid = pub->ptid, .nats_reply = {}});
      return;
    }
    switch (step_) {
      case Step::init:
        if (type != PacketType::init) return fail("first packet is not Init");
        send(out, [&](std::string& raw) { append_connect(raw, setup_.client_id, {}, {}); });
        step_ = Step::connack;
        return;
      case Step::connack:
        if (type != PacketType::connack || packet.size() < 6 || packet[1] != 0)
          return fail("connection refused (Connack)");
        etid_ = load_u32(packet.data() + 2);  // every Publish must name its sender
        for (const auto& topic : setup_.subscriptions) {
          send(out, [&](std::string& raw) { append_name(raw, PacketType::subscribe, topic); });
          ++awaiting_;
        }
        if (!setup_.publish_topic.empty()) {
          send(out, [&](std::string& raw) { append_name(raw, PacketType::create, setup_.publish_topic); });
          ++awaiting_;
        }
        step_ = Step::acks;
        return ready_if_done();
      case Step::acks:
        if (type == PacketType::suback || type == PacketType::createack) {
          if (packet.size() < 6 || packet[1] != 0) return fail("subscribe/create denied");
          if (type == PacketType::createack) topic_tid_ = load_u32(packet.data() + 2);
          --awaiting_;
          return ready_if_done();
        }
        return fail(fmt::format("unexpected {} during set-up", packet_type_name(packet[0])));
      case Step::ready:
        if (type == PacketType::disconnect)
          return fail(fmt::format("broker sent Disconnect \"{}\"", body_text(packet)));
        return;  // Change, Pong: not used by the benchmark
    }
  }

  void ready_if_done() {
    if (awaiting_ != 0) return;
    step_ = Step::ready;
    events_.on_wire_ready();
  }

  // Encodes one packet in raw framing into `out`, minus the length prefix over WebSocket.
  template <typename Encode>
  void send(std::string& out, Encode encode) {
    scratch_.clear();
    encode(scratch_);
    const bool ws = transport_ == TransportKind::ws;
    begin_unit(out, scratch_.size() - (ws ? 2 : 0));
    out.append(scratch_, ws ? 2 : 0);
  }

  void send_publish(std::string& out, std::uint32_t tid, ByteView payload) {
    std::uint8_t header[2 + publish_header_size];
    write_publish_header(header, payload.size(), tid, etid_, 0);
    const std::size_t skip = transport_ == TransportKind::ws ? 2 : 0;
    begin_unit(out, sizeof header - skip + payload.size());
    out.append(reinterpret_cast<const char*>(header) + skip, sizeof header - skip);
    out.append(reinterpret_cast<const char*>(payload.data()), payload.size());
  }

  Step step_ = Step::init;
  int awaiting_ = 0;
  std::uint32_t topic_tid_ = 0;
  std::uint32_t etid_ = 0;
  std::string scratch_;
};

}  // namespace

std::unique_ptr<Wire> make_smq_wire(TransportKind t, WireSetup s, WireEvents& e) {
  return std::make_unique<SmqWire>(t, std::move(s), e);
}

}  // namespace smq::bench
