// MQTT 3.1.1 client side for smq-bench, QoS 0 only: CONNECT (clean session, no keepalive),
// SUBSCRIBE/SUBACK per subscription, PUBLISH. MQTT has no reply address, so a responder
// answers requester i on "bench.rep.<i>". Over WebSocket it asks for the "mqtt" subprotocol
// and treats the frames as one byte stream, as the MQTT spec says. Worker thread only.
#include <cstring>

#include "wire_base.hpp"

namespace smq::bench {
namespace {

constexpr std::uint8_t connect_type = 0x10;
constexpr std::uint8_t connack_type = 0x20;
constexpr std::uint8_t publish_type = 0x30;
constexpr std::uint8_t subscribe_type = 0x82;  // SUBSCRIBE carries flags 0010
constexpr std::uint8_t suback_type = 0x90;
constexpr std::uint8_t pingresp_type = 0xD0;

std::size_t varint_size(std::size_t n) { return n < 128 ? 1 : n < 16384 ? 2 : n < 2097152 ? 3 : 4; }

void append_varint(std::string& out, std::size_t n) {
  do {
    std::uint8_t byte = n % 128;
    n /= 128;
    if (n > 0) byte |= 0x80;
    out.push_back(static_cast<char>(byte));
  } while (n > 0);
}

void append_str(std::string& out, std::string_view s) {
  out.push_back(static_cast<char>(s.size() >> 8));
  out.push_back(static_cast<char>(s.size()));
  out.append(s);
}

class MqttWire final : public WireBase {
 public:
  MqttWire(TransportKind t, WireSetup s, WireEvents& e) : WireBase(t, std::move(s), e) {}

  void publish(std::string& out, ByteView payload) override {
    send_publish(out, setup_.publish_topic, payload);
  }

  void reply(std::string& out, const Incoming&, std::uint32_t requester, ByteView payload) override {
    send_publish(out, reply_topic(requester), payload);
  }

 private:
  bool message_oriented() const override { return false; }
  std::string_view subprotocol() const override { return "mqtt"; }

  void on_open(std::string& out) override {
    const std::size_t body = 10 + 2 + setup_.client_id.size();
    begin_unit(out, 1 + varint_size(body) + body);
    out.push_back(static_cast<char>(connect_type));
    append_varint(out, body);
    append_str(out, "MQTT");
    out.push_back(4);     // protocol level 3.1.1
    out.push_back(0x02);  // clean session
    out.push_back(0);     // keepalive 0: no pings needed during a run
    out.push_back(0);
    append_str(out, setup_.client_id);
  }

  std::size_t on_stream(std::span<std::uint8_t> in, std::string& out) override {
    std::size_t pos = 0;
    while (!failed() && in.size() - pos >= 2) {
      // Fixed header: type byte, then 1-4 bytes of remaining length.
      std::size_t length = 0;
      std::size_t i = 1;
      bool complete = false;
      for (int shift = 0; i < 5 && pos + i < in.size(); ++i, shift += 7) {
        length |= std::size_t{in[pos + i] & 0x7Fu} << shift;
        if ((in[pos + i] & 0x80) == 0) {
          complete = true;
          ++i;
          break;
        }
      }
      if (!complete) {
        if (i >= 5) return fail("bad MQTT remaining length"), pos;
        break;
      }
      if (in.size() - pos < i + length) break;
      handle(in[pos], in.subspan(pos + i, length), out);
      pos += i + length;
    }
    return pos;
  }

  void on_message(std::span<std::uint8_t>, std::string&) override {}

  void handle(std::uint8_t type, std::span<std::uint8_t> body, std::string& out) {
    switch (type & 0xF0) {
      case publish_type: {
        if (body.size() < 2) return fail("short PUBLISH");
        std::size_t skip = 2 + ((std::size_t{body[0]} << 8) | body[1]);
        if (type & 0x06) skip += 2;  // QoS > 0 carries a packet id (not expected here)
        if (skip > body.size()) return fail("short PUBLISH");
        events_.on_wire_message(Incoming{.payload = body.subspan(skip), .smq_ptid = 0, .nats_reply = {}});
        return;
      }
      case connack_type:
        if (body.size() < 2 || body[1] != 0) return fail("MQTT CONNACK refused");
        subscribe_all(out);
        return;
      case suback_type:
        if (body.size() < 3 || body[2] == 0x80) return fail("MQTT SUBACK refused");
        if (--awaiting_ == 0) events_.on_wire_ready();
        return;
      case pingresp_type & 0xF0:
        return;
      default:
        return fail("unexpected MQTT packet");
    }
  }

  void subscribe_all(std::string& out) {
    std::uint16_t id = 1;
    for (const auto& topic : setup_.subscriptions) {
      const std::size_t body = 2 + 2 + topic.size() + 1;
      begin_unit(out, 1 + varint_size(body) + body);
      out.push_back(static_cast<char>(subscribe_type));
      append_varint(out, body);
      out.push_back(static_cast<char>(id >> 8));
      out.push_back(static_cast<char>(id));
      ++id;
      append_str(out, topic);
      out.push_back(0);  // QoS 0
      ++awaiting_;
    }
    if (awaiting_ == 0) events_.on_wire_ready();
  }

  void send_publish(std::string& out, std::string_view topic, ByteView payload) {
    const std::size_t body = 2 + topic.size() + payload.size();
    begin_unit(out, 1 + varint_size(body) + body);
    out.push_back(static_cast<char>(publish_type));
    append_varint(out, body);
    append_str(out, topic);
    out.append(reinterpret_cast<const char*>(payload.data()), payload.size());
  }

  int awaiting_ = 0;
};

}  // namespace

std::unique_ptr<Wire> make_mqtt_wire(TransportKind t, WireSetup s, WireEvents& e) {
  return std::make_unique<MqttWire>(t, std::move(s), e);
}

}  // namespace smq::bench
