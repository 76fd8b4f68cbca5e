// smq-bench's protocol wires and latency histogram (bench/load), without sockets. The MQTT
// 3.1.1, NATS and SMQ client sides, over raw TCP and WebSocket, are fed what a broker sends
// (whole, cut at every point, one byte at a time, in fragmented WebSocket messages) and what
// they write back is decoded byte by byte.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <memory>
#include <ostream>
#include <random>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "bench/load/histogram.hpp"
#include "bench/load/wire.hpp"
#include "protocol/byte_order.hpp"
#include "protocol/smq_packet.hpp"

namespace smq::bench {

// Test parameter names in gtest's messages (found by argument-dependent lookup).
static void PrintTo(BrokerKind b, std::ostream* os) {
  *os << (b == BrokerKind::smq ? "smq" : b == BrokerKind::mqtt ? "mqtt" : "nats");
}
static void PrintTo(TransportKind t, std::ostream* os) {
  *os << (t == TransportKind::tcp ? "tcp" : "ws");
}

namespace {

using namespace std::string_literals;

std::uint8_t byte_at(std::string_view s, std::size_t i) { return static_cast<std::uint8_t>(s[i]); }

ByteView bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string text(Bytes b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

// `n` bytes in a pattern that includes 0x00, '\r', '\n' and every other value.
std::string pattern(std::size_t n, unsigned seed) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 31 + seed) % 256);
  return s;
}

// ---- What a wire reports ---------------------------------------------------------------

struct Message {
  std::string payload;
  std::uint32_t smq_ptid = 0;
  std::string nats_reply;
  bool operator==(const Message&) const = default;
};

void PrintTo(const Message& m, std::ostream* os) {
  *os << "{" << m.payload.size() << " bytes " << ::testing::PrintToString(m.payload.substr(0, 24))
      << (m.payload.size() > 24 ? "..." : "") << ", ptid " << m.smq_ptid << ", reply \""
      << m.nats_reply << "\"}";
}

class Recorder final : public WireEvents {
 public:
  void on_wire_ready() override { ++ready; }
  void on_wire_message(const Incoming& m) override {
    messages.push_back({text(m.payload), m.smq_ptid, std::string(m.nats_reply)});
  }
  void on_wire_error(std::string what) override { errors.push_back(std::move(what)); }

  int ready = 0;
  std::vector<Message> messages;
  std::vector<std::string> errors;
};

// One wire and what it reported. feed() hands a read over as Connection::read_more does:
// consume() is called once per read, on the bytes it left last time followed by the new ones,
// and the bytes it does not use stay at the front for the next read. Not movable: the wire
// holds a reference to `events`.
struct Harness {
  Harness(BrokerKind broker, TransportKind t, WireSetup setup)
      : transport(t), wire(make_wire(broker, t, std::move(setup), events)) {}
  Harness(const Harness&) = delete;
  Harness& operator=(const Harness&) = delete;

  std::string start() {
    std::string out;
    wire->start(out);
    return out;
  }

  // Returns what the wire appended in answer.
  std::string feed(std::string_view read) {
    pending.append(read);
    std::string out;
    const std::size_t used =
        wire->consume({reinterpret_cast<std::uint8_t*>(pending.data()), pending.size()}, out);
    EXPECT_LE(used, pending.size());
    pending.erase(0, std::min(used, pending.size()));
    return out;
  }

  TransportKind transport;
  Recorder events;
  std::unique_ptr<Wire> wire;
  std::string pending;  // bytes consume() left for the next read
};

// ---- WebSocket -------------------------------------------------------------------------

// A frame as a broker sends it: unmasked, shortest length encoding.
std::string server_frame(std::uint8_t opcode, std::string_view payload, bool fin = true) {
  std::string f(1, static_cast<char>((fin ? 0x80 : 0x00) | opcode));
  const std::uint64_t n = payload.size();
  if (n < 126) {
    f.push_back(static_cast<char>(n));
  } else if (n <= 0xFFFF) {
    f.push_back(126);
    f.push_back(static_cast<char>(n >> 8));
    f.push_back(static_cast<char>(n));
  } else {
    f.push_back(127);
    for (int i = 7; i >= 0; --i) f.push_back(static_cast<char>(n >> (8 * i)));
  }
  f.append(payload);
  return f;
}

struct ClientFrame {
  bool fin = false;
  std::uint8_t opcode = 0;
  std::string payload;  // unmasked
};

// Parses the frames a wire wrote. Each must be masked (with the zero key the wire uses, so
// its payload is plain), use the shortest length encoding, and be complete.
std::vector<ClientFrame> client_frames(std::string_view out) {
  std::vector<ClientFrame> frames;
  std::size_t pos = 0;
  while (pos < out.size()) {
    if (out.size() - pos < 2) {
      ADD_FAILURE() << "truncated frame header at " << pos;
      break;
    }
    const std::uint8_t b0 = byte_at(out, pos);
    const std::uint8_t b1 = byte_at(out, pos + 1);
    EXPECT_EQ(b0 & 0x70, 0) << "RSV bits set";
    EXPECT_TRUE(b1 & 0x80) << "client frame not masked";
    std::uint64_t length = b1 & 0x7F;
    std::size_t header = 2;
    if (length == 126 && out.size() - pos >= 4) {
      length = (std::uint64_t{byte_at(out, pos + 2)} << 8) | byte_at(out, pos + 3);
      header = 4;
      EXPECT_GE(length, 126u) << "16-bit length for a short frame";
    } else if (length == 127 && out.size() - pos >= 10) {
      length = 0;
      for (int i = 0; i < 8; ++i) length = (length << 8) | byte_at(out, pos + 2 + i);
      header = 10;
      EXPECT_GT(length, 0xFFFFu) << "64-bit length for a frame that fits 16 bits";
    }
    if (out.size() - pos < header + 4 + length) {
      ADD_FAILURE() << "truncated frame at " << pos;
      break;
    }
    const std::string_view key = out.substr(pos + header, 4);
    EXPECT_EQ(key, std::string_view("\0\0\0\0", 4)) << "masking key is not zero";
    std::string payload(out.substr(pos + header + 4, length));
    for (std::size_t i = 0; i < payload.size(); ++i) payload[i] ^= key[i % 4];
    frames.push_back({(b0 & 0x80) != 0, static_cast<std::uint8_t>(b0 & 0x0F), std::move(payload)});
    pos += header + 4 + length;
  }
  return frames;
}

// What a stream protocol (MQTT, NATS) wrote: as is over TCP; over WebSocket the payloads of
// its frames, each a whole binary frame.
std::string client_stream(TransportKind t, std::string_view out) {
  if (t == TransportKind::tcp) return std::string(out);
  std::string stream;
  for (const auto& f : client_frames(out)) {
    EXPECT_TRUE(f.fin);
    EXPECT_EQ(f.opcode, 0x2);
    stream += f.payload;
  }
  return stream;
}

// Checks `out` is exactly one WebSocket upgrade request for `path`.
void expect_upgrade(std::string_view out, std::string_view path, std::string_view subprotocol) {
  EXPECT_TRUE(out.starts_with("GET "s + std::string(path) + " HTTP/1.1\r\n")) << out;
  EXPECT_EQ(out.find("\r\n\r\n"), out.size() - 4) << "not one request head: " << out;
  for (const char* line : {"\r\nHost: 127.0.0.1\r\n", "\r\nUpgrade: websocket\r\n",
                           "\r\nConnection: Upgrade\r\n", "\r\nSec-WebSocket-Version: 13\r\n"}) {
    EXPECT_NE(out.find(line), std::string_view::npos) << "missing " << line << " in " << out;
  }
  const auto key = out.find("\r\nSec-WebSocket-Key: ");
  ASSERT_NE(key, std::string_view::npos);
  const auto key_start = key + 21;
  EXPECT_EQ(out.find("\r\n", key_start) - key_start, 24u) << "key is not 16 bytes in base64";
  if (subprotocol.empty()) {
    EXPECT_EQ(out.find("Sec-WebSocket-Protocol"), std::string_view::npos);
  } else {
    EXPECT_NE(out.find("\r\nSec-WebSocket-Protocol: "s + std::string(subprotocol) + "\r\n"),
              std::string_view::npos)
        << out;
  }
}

constexpr std::string_view upgrade_101 =
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
constexpr std::string_view upgrade_101_mqtt =
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n";

std::string_view upgrade_response(BrokerKind b) {
  return b == BrokerKind::mqtt ? upgrade_101_mqtt : upgrade_101;
}

// ---- MQTT 3.1.1 ------------------------------------------------------------------------

std::string mqtt_varint(std::size_t n) {
  std::string s;
  do {
    auto b = static_cast<std::uint8_t>(n % 128);
    n /= 128;
    if (n > 0) b |= 0x80;
    s.push_back(static_cast<char>(b));
  } while (n > 0);
  return s;
}

std::string mqtt_str(std::string_view s) {
  std::string r{static_cast<char>(s.size() >> 8), static_cast<char>(s.size())};
  return r.append(s);
}

std::string mqtt_packet(std::uint8_t type, std::string_view body) {
  return std::string(1, static_cast<char>(type)) + mqtt_varint(body.size()) + std::string(body);
}

std::string mqtt_publish(std::string_view topic, std::string_view payload) {
  return mqtt_packet(0x30, mqtt_str(topic) + std::string(payload));
}

std::string mqtt_suback(std::uint16_t id, std::uint8_t code = 0) {
  return mqtt_packet(0x90, std::string{static_cast<char>(id >> 8), static_cast<char>(id),
                                       static_cast<char>(code)});
}

const std::string mqtt_connack_ok = "\x20\x02\x00\x00"s;

struct MqttPacket {
  std::uint8_t type = 0;  // first byte: type and flags
  std::string body;       // after the remaining length
};

// Splits what a client wrote into MQTT packets; each remaining length must be complete and
// in its shortest encoding.
std::vector<MqttPacket> mqtt_packets(std::string_view s) {
  std::vector<MqttPacket> packets;
  std::size_t pos = 0;
  while (pos < s.size()) {
    std::size_t length = 0;
    std::size_t i = 1;
    bool complete = false;
    for (int shift = 0; i <= 4 && pos + i < s.size(); ++i, shift += 7) {
      length |= std::size_t{byte_at(s, pos + i) & 0x7Fu} << shift;
      if ((byte_at(s, pos + i) & 0x80) == 0) {
        complete = true;
        ++i;
        break;
      }
    }
    if (!complete || s.size() - pos < i + length) {
      ADD_FAILURE() << "truncated MQTT packet at " << pos;
      break;
    }
    EXPECT_EQ(i - 1, mqtt_varint(length).size()) << "remaining length not in its shortest form";
    packets.push_back({byte_at(s, pos), std::string(s.substr(pos + i, length))});
    pos += i + length;
  }
  return packets;
}

struct MqttPublish {
  std::string topic;
  std::string payload;
};

MqttPublish decode_mqtt_publish(const MqttPacket& p) {
  EXPECT_EQ(p.type, 0x30) << "not a QoS 0 PUBLISH without DUP/RETAIN";
  if (p.body.size() < 2) {
    ADD_FAILURE() << "short PUBLISH";
    return {};
  }
  const std::size_t n = (std::size_t{byte_at(p.body, 0)} << 8) | byte_at(p.body, 1);
  if (p.body.size() < 2 + n) {
    ADD_FAILURE() << "PUBLISH topic runs past the packet";
    return {};
  }
  return {p.body.substr(2, n), p.body.substr(2 + n)};
}

// ---- SMQ ---------------------------------------------------------------------------------

constexpr std::uint32_t smq_etid = 0x01020304;
constexpr std::uint32_t smq_topic_tid = 0x0A0B0C0D;

std::string smq_init() {
  std::string s;
  append_init(s, 0x11223344, "127.0.0.1");
  return s;
}

std::string smq_connack(ConnackCode code, std::uint32_t etid, std::string_view reason = {}) {
  std::string s;
  append_connack(s, code, etid, reason);
  return s;
}

std::string smq_ack(PacketType type, bool accepted, std::uint32_t id, std::string_view name) {
  std::string s;
  append_ack(s, type, accepted, id, name);
  return s;
}

std::string smq_publish(std::uint32_t tid, std::uint32_t ptid, std::string_view payload) {
  std::string s;
  append_publish(s, tid, ptid, 0, bytes(payload));
  return s;
}

std::string smq_disconnect(std::string_view reason) {
  std::string s;
  append_disconnect(s, reason);
  return s;
}

std::string smq_pong() {
  std::string s;
  append_empty(s, PacketType::pong);
  return s;
}

// Raw-framed packets as the broker sends them: as is over TCP; over WebSocket each packet
// minus its length bytes in one binary frame.
std::string smq_wrap(TransportKind t, std::string_view raw) {
  if (t == TransportKind::tcp) return std::string(raw);
  std::string frames;
  for (std::size_t pos = 0; pos + 2 <= raw.size();) {
    const std::size_t len = load_u16(reinterpret_cast<const std::uint8_t*>(raw.data()) + pos);
    frames += server_frame(0x2, raw.substr(pos + 2, len - 2));
    pos += len;
  }
  return frames;
}

// The packets (type + body) a client wrote: raw frames over TCP, one message per binary
// frame over WebSocket.
std::vector<std::string> smq_packets(TransportKind t, std::string_view out) {
  std::vector<std::string> packets;
  if (t == TransportKind::ws) {
    for (auto& f : client_frames(out)) {
      EXPECT_TRUE(f.fin);
      EXPECT_EQ(f.opcode, 0x2);
      packets.push_back(std::move(f.payload));
    }
    return packets;
  }
  for (std::size_t pos = 0; pos < out.size();) {
    if (out.size() - pos < 2) {
      ADD_FAILURE() << "truncated raw length at " << pos;
      break;
    }
    const std::size_t len = load_u16(reinterpret_cast<const std::uint8_t*>(out.data()) + pos);
    if (len < 3 || out.size() - pos < len) {
      ADD_FAILURE() << "bad raw frame length " << len << " at " << pos;
      break;
    }
    packets.emplace_back(out.substr(pos + 2, len - 2));
    pos += len;
  }
  return packets;
}

// ---- Shared set-up -----------------------------------------------------------------------

WireSetup setup_for(BrokerKind b) {
  WireSetup s;
  s.client_id = "bench-client-3";
  s.subscriptions = {"bench.t.0", "bench.rep.3"};
  s.publish_topic = "bench.t.0";
  if (b == BrokerKind::nats) s.reply_subject = "bench.rep.3";
  if (b == BrokerKind::smq) s.path = "/smq";
  return s;
}

const std::string nats_info =
    "INFO {\"server_id\":\"NTEST\",\"version\":\"2.10.0\",\"max_payload\":1048576}\r\n";

// What the broker sends after the transport opens until the client is ready, unwrapped.
std::string protocol_set_up(BrokerKind b) {
  switch (b) {
    case BrokerKind::mqtt: return mqtt_connack_ok + mqtt_suback(1) + mqtt_suback(2);
    case BrokerKind::nats: return nats_info + "PONG\r\n";
    case BrokerKind::smq:
      return smq_init() + smq_connack(ConnackCode::accepted, smq_etid) +
             smq_ack(PacketType::suback, true, 100, "bench.t.0") +
             smq_ack(PacketType::suback, true, 101, "bench.rep.3") +
             smq_ack(PacketType::createack, true, smq_topic_tid, "bench.t.0");
  }
  return {};
}

// Protocol bytes as the broker puts them on the transport (one frame per call, or per SMQ
// packet, over WebSocket).
std::string wrap(BrokerKind b, TransportKind t, std::string_view protocol_bytes) {
  if (b == BrokerKind::smq) return smq_wrap(t, protocol_bytes);
  return t == TransportKind::tcp ? std::string(protocol_bytes) : server_frame(0x2, protocol_bytes);
}

// Everything the broker sends from TCP connect until the client is ready.
std::string ready_bytes(BrokerKind b, TransportKind t) {
  std::string s = t == TransportKind::ws ? std::string(upgrade_response(b)) : std::string();
  return s + wrap(b, t, protocol_set_up(b));
}

std::string transport_param_name(const ::testing::TestParamInfo<TransportKind>& info) {
  return transport_name(info.param);
}

// ==== MQTT ================================================================================

class BenchWireMqtt : public ::testing::TestWithParam<TransportKind> {
 protected:
  TransportKind t() const { return GetParam(); }
  std::string in(std::string_view protocol_bytes) const {
    return wrap(BrokerKind::mqtt, t(), protocol_bytes);
  }
  std::vector<MqttPacket> sent(std::string_view out) const {
    return mqtt_packets(client_stream(t(), out));
  }

  // The transport handshake; returns what the client wrote once it was open.
  std::string open(Harness& harness) const {
    std::string out = harness.start();
    if (t() == TransportKind::tcp) return out;
    expect_upgrade(out, "/", "mqtt");
    return harness.feed(upgrade_101_mqtt);
  }

  void make_ready(Harness& harness) const {
    harness.start();
    harness.feed(ready_bytes(BrokerKind::mqtt, t()));
    ASSERT_EQ(harness.events.ready, 1);
    ASSERT_TRUE(harness.events.errors.empty()) << harness.events.errors[0];
  }

  Harness h{BrokerKind::mqtt, GetParam(), setup_for(BrokerKind::mqtt)};
};

TEST_P(BenchWireMqtt, OpenSendsConnectWithLevel4CleanSessionAndClientId) {
  if (t() == TransportKind::ws) {
    const std::string start = h.start();
    expect_upgrade(start, "/", "mqtt");
    // Nothing before the whole 101 head has arrived.
    EXPECT_EQ(h.feed(upgrade_101_mqtt.substr(0, 30)), "");
    const auto packets = sent(h.feed(upgrade_101_mqtt.substr(30)));
    ASSERT_EQ(packets.size(), 1u);
    EXPECT_EQ(packets[0].type, 0x10);
    EXPECT_EQ(packets[0].body, mqtt_str("MQTT") + "\x04\x02\x00\x00"s + mqtt_str("bench-client-3"));
  } else {
    const auto packets = sent(h.start());
    ASSERT_EQ(packets.size(), 1u);
    EXPECT_EQ(packets[0].type, 0x10);
    // Protocol name, level 4 (3.1.1), flags: clean session only, keepalive 0, client id.
    EXPECT_EQ(packets[0].body, mqtt_str("MQTT") + "\x04\x02\x00\x00"s + mqtt_str("bench-client-3"));
  }
  EXPECT_EQ(h.events.ready, 0);
  EXPECT_TRUE(h.events.errors.empty());
}

TEST_P(BenchWireMqtt, ConnackSubscribesQos0AndTheLastSubackMakesReadyOnce) {
  open(h);
  const auto subscribes = sent(h.feed(in(mqtt_connack_ok)));
  ASSERT_EQ(subscribes.size(), 2u);
  const std::vector<std::string> topics = {"bench.t.0", "bench.rep.3"};
  std::vector<std::uint16_t> ids;
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(subscribes[i].type, 0x82);  // SUBSCRIBE, reserved flags 0010
    const std::string& body = subscribes[i].body;
    ASSERT_GE(body.size(), 2u);
    ids.push_back(static_cast<std::uint16_t>((byte_at(body, 0) << 8) | byte_at(body, 1)));
    EXPECT_NE(ids.back(), 0) << "packet id 0 is not allowed";
    EXPECT_EQ(body.substr(2), mqtt_str(topics[i]) + "\x00"s) << "one topic, QoS 0";
  }
  EXPECT_NE(ids[0], ids[1]);
  EXPECT_EQ(h.events.ready, 0);

  EXPECT_EQ(h.feed(in(mqtt_suback(ids[0]))), "");
  EXPECT_EQ(h.events.ready, 0) << "ready before every SUBACK";
  EXPECT_EQ(h.feed(in(mqtt_suback(ids[1]))), "");
  EXPECT_EQ(h.events.ready, 1);
  h.feed(in("\xD0\x00"s));  // PINGRESP: ignored
  EXPECT_EQ(h.events.ready, 1);
  EXPECT_TRUE(h.events.errors.empty());
  EXPECT_TRUE(h.pending.empty());
}

TEST_P(BenchWireMqtt, WithoutSubscriptionsReadyAtConnack) {
  WireSetup s = setup_for(BrokerKind::mqtt);
  s.subscriptions.clear();
  Harness p(BrokerKind::mqtt, t(), s);
  std::string out = p.start();
  if (t() == TransportKind::ws) out = p.feed(upgrade_101_mqtt);
  ASSERT_EQ(sent(out).size(), 1u);
  EXPECT_EQ(p.feed(in(mqtt_connack_ok)), "");
  EXPECT_EQ(p.events.ready, 1);
}

TEST_P(BenchWireMqtt, PublishWithOneTwoAndThreeLengthBytesIsDeliveredExactly) {
  make_ready(h);
  std::vector<Message> expected;
  std::size_t length_bytes = 1;
  for (const std::size_t size : {10u, 200u, 20000u}) {
    const std::string payload = pattern(size, static_cast<unsigned>(size));
    const std::string packet = mqtt_publish("bench.t.0", payload);
    // The test's premise: this packet's remaining length takes `length_bytes` bytes.
    ASSERT_EQ(mqtt_varint(packet.size() - 1 - length_bytes).size(), length_bytes);
    ++length_bytes;
    EXPECT_EQ(h.feed(in(packet)), "");
    expected.push_back({payload, 0, ""});
  }
  EXPECT_EQ(h.events.messages, expected);
  EXPECT_TRUE(h.events.errors.empty());
  EXPECT_TRUE(h.pending.empty());
}

TEST_P(BenchWireMqtt, RefusedConnackReportsError) {
  open(h);
  EXPECT_EQ(h.feed(in("\x20\x02\x00\x05"s)), "") << "no SUBSCRIBE after a refusal";
  ASSERT_EQ(h.events.errors.size(), 1u);
  EXPECT_NE(h.events.errors[0].find("CONNACK"), std::string::npos) << h.events.errors[0];
  EXPECT_EQ(h.events.ready, 0);
}

TEST_P(BenchWireMqtt, SubackFailureReportsError) {
  open(h);
  ASSERT_EQ(sent(h.feed(in(mqtt_connack_ok))).size(), 2u);
  h.feed(in(mqtt_suback(1, 0x80)));
  ASSERT_EQ(h.events.errors.size(), 1u);
  EXPECT_NE(h.events.errors[0].find("SUBACK"), std::string::npos) << h.events.errors[0];
  h.feed(in(mqtt_suback(2)));
  EXPECT_EQ(h.events.ready, 0) << "a failed wire never becomes ready";
  EXPECT_EQ(h.events.errors.size(), 1u);
}

TEST_P(BenchWireMqtt, UnknownPacketReportsError) {
  make_ready(h);
  h.feed(in("\x40\x02\x00\x01"s));  // PUBACK: never expected at QoS 0
  EXPECT_EQ(h.events.errors.size(), 1u);
}

TEST_P(BenchWireMqtt, PublishAndReplyWriteWellFormedPublishPackets) {
  make_ready(h);
  std::string out;
  const std::vector<std::size_t> sizes = {0, 5, 200, 20000};
  for (const std::size_t size : sizes) h.wire->publish(out, bytes(pattern(size, 7)));
  const std::string pong = "pong";
  h.wire->reply(out, Incoming{.payload = {}, .smq_ptid = 0, .nats_reply = {}}, 7, bytes(pong));
  if (t() == TransportKind::ws) {
    EXPECT_EQ(client_frames(out).size(), sizes.size() + 1) << "one frame each";
  }

  const auto packets = sent(out);
  ASSERT_EQ(packets.size(), sizes.size() + 1);
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const auto p = decode_mqtt_publish(packets[i]);
    EXPECT_EQ(p.topic, "bench.t.0");
    EXPECT_TRUE(p.payload == pattern(sizes[i], 7)) << "payload of publish " << i << " differs";
  }
  const auto r = decode_mqtt_publish(packets.back());
  EXPECT_EQ(r.topic, "bench.rep.7");
  EXPECT_EQ(r.payload, "pong");
}

INSTANTIATE_TEST_SUITE_P(Transports, BenchWireMqtt,
                         ::testing::Values(TransportKind::tcp, TransportKind::ws),
                         transport_param_name);

// ==== NATS ================================================================================

std::vector<std::string> lines_of(std::string_view s) {
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos < s.size()) {
    const auto eol = s.find("\r\n", pos);
    if (eol == std::string_view::npos) {
      ADD_FAILURE() << "unterminated line: " << s.substr(pos);
      break;
    }
    lines.emplace_back(s.substr(pos, eol - pos));
    pos = eol + 2;
  }
  return lines;
}

std::string nats_msg(std::string_view subject, int sid, std::string_view reply,
                     std::string_view payload) {
  std::string s = "MSG " + std::string(subject) + " " + std::to_string(sid) + " ";
  if (!reply.empty()) s += std::string(reply) + " ";
  return s + std::to_string(payload.size()) + "\r\n" + std::string(payload) + "\r\n";
}

class BenchWireNats : public ::testing::TestWithParam<TransportKind> {
 protected:
  TransportKind t() const { return GetParam(); }
  std::string in(std::string_view protocol_bytes) const {
    return wrap(BrokerKind::nats, t(), protocol_bytes);
  }
  std::string sent(std::string_view out) const { return client_stream(t(), out); }

  void make_ready(Harness& harness) const {
    harness.start();
    harness.feed(ready_bytes(BrokerKind::nats, t()));
    ASSERT_EQ(harness.events.ready, 1);
    ASSERT_TRUE(harness.events.errors.empty()) << harness.events.errors[0];
  }

  Harness h{BrokerKind::nats, GetParam(), setup_for(BrokerKind::nats)};
};

TEST_P(BenchWireNats, InfoGetsConnectSubsAndPingAndPongMakesReadyOnce) {
  const std::string start = h.start();
  if (t() == TransportKind::ws) {
    expect_upgrade(start, "/", "");
    EXPECT_EQ(h.feed(upgrade_101), "") << "the server speaks first";
  } else {
    EXPECT_EQ(start, "") << "the server speaks first";
  }
  const auto lines = lines_of(sent(h.feed(in(nats_info))));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_TRUE(lines[0].starts_with("CONNECT {") && lines[0].ends_with("}")) << lines[0];
  for (const char* field : {"\"verbose\":false", "\"pedantic\":false", "\"echo\":false",
                            "\"name\":\"bench-client-3\""}) {
    EXPECT_NE(lines[0].find(field), std::string::npos) << "no " << field << " in " << lines[0];
  }
  EXPECT_EQ(lines[1], "SUB bench.t.0 1");
  EXPECT_EQ(lines[2], "SUB bench.rep.3 2");
  EXPECT_EQ(lines[3], "PING");
  EXPECT_EQ(h.events.ready, 0);

  h.feed(in("+OK\r\n"));
  EXPECT_EQ(h.events.ready, 0) << "+OK is not the PONG";
  EXPECT_EQ(h.feed(in("PONG\r\n")), "");
  EXPECT_EQ(h.events.ready, 1);
  h.feed(in("PONG\r\n"));
  EXPECT_EQ(h.events.ready, 1) << "ready reported twice";
  EXPECT_EQ(h.feed(in(nats_info)), "") << "a later INFO (cluster update) must not reconnect";
  EXPECT_TRUE(h.events.errors.empty());
}

TEST_P(BenchWireNats, MsgDeliversPayloadAndReplySubject) {
  make_ready(h);
  const std::string tricky = "a\r\nMSG bench.t.0 1 1\r\nb\r\n\r\n";  // looks like more protocol
  const std::string big = pattern(3000, 1);
  h.feed(
      in(nats_msg("bench.t.0", 1, "", "hello") + nats_msg("bench.rep.3", 2, "_INBOX.x.7", "abc")));
  h.feed(in(nats_msg("bench.t.0", 1, "", tricky)));
  h.feed(in(nats_msg("bench.t.0", 1, "", "") + nats_msg("bench.t.0", 1, "r.1", big)));
  const std::vector<Message> expected = {
      {"hello", 0, ""}, {"abc", 0, "_INBOX.x.7"}, {tricky, 0, ""}, {"", 0, ""}, {big, 0, "r.1"}};
  EXPECT_EQ(h.events.messages, expected);
  EXPECT_TRUE(h.events.errors.empty());
  EXPECT_TRUE(h.pending.empty());
}

TEST_P(BenchWireNats, ServerPingIsAnsweredWithPong) {
  make_ready(h);
  const std::string out = h.feed(in("PING\r\n"));
  EXPECT_EQ(sent(out), "PONG\r\n");
  if (t() == TransportKind::ws) {
    EXPECT_EQ(client_frames(out).size(), 1u);
  }
  EXPECT_TRUE(h.events.messages.empty());
  EXPECT_TRUE(h.events.errors.empty());
}

TEST_P(BenchWireNats, ErrReportsError) {
  h.start();
  if (t() == TransportKind::ws) h.feed(upgrade_101);
  h.feed(in(nats_info));
  h.feed(in("-ERR 'Authorization Violation'\r\n"));
  ASSERT_EQ(h.events.errors.size(), 1u);
  EXPECT_NE(h.events.errors[0].find("'Authorization Violation'"), std::string::npos)
      << h.events.errors[0];
  h.feed(in("PONG\r\n"));
  EXPECT_EQ(h.events.ready, 0) << "a failed wire never becomes ready";
}

TEST_P(BenchWireNats, PublishWritesPubWithReplySubjectAndLength) {
  make_ready(h);
  std::string out;
  const std::string crlf = "x\r\ny";
  const std::string big = pattern(20000, 3);
  h.wire->publish(out, bytes("hello"));
  h.wire->publish(out, bytes(""));
  h.wire->publish(out, bytes(crlf));
  h.wire->publish(out, bytes(big));
  if (t() == TransportKind::ws) {
    EXPECT_EQ(client_frames(out).size(), 4u) << "one frame each";
  }
  const std::string want =
      "PUB bench.t.0 bench.rep.3 5\r\nhello\r\n"
      "PUB bench.t.0 bench.rep.3 0\r\n\r\n"
      "PUB bench.t.0 bench.rep.3 4\r\nx\r\ny\r\n"
      "PUB bench.t.0 bench.rep.3 20000\r\n" +
      big + "\r\n";
  EXPECT_TRUE(sent(out) == want);  // not EXPECT_EQ: 20 kB would be printed

  WireSetup s = setup_for(BrokerKind::nats);
  s.reply_subject.clear();
  Harness plain(BrokerKind::nats, t(), s);
  std::string plain_out;
  plain.wire->publish(plain_out, bytes("hello"));
  EXPECT_EQ(sent(plain_out), "PUB bench.t.0 5\r\nhello\r\n");
}

TEST_P(BenchWireNats, ReplyPublishesToTheRequestsReplySubject) {
  // Answers from inside the callback, as the scenario does, while the Incoming is valid.
  struct Answerer final : WireEvents {
    void on_wire_ready() override { ++ready; }
    void on_wire_message(const Incoming& m) override {
      const std::string pong = "pong";
      wire->reply(out, m, 9, bytes(pong));
    }
    void on_wire_error(std::string what) override { ADD_FAILURE() << what; }
    Wire* wire = nullptr;
    std::string out;
    int ready = 0;
  } answerer;
  const auto wire = make_wire(BrokerKind::nats, t(), setup_for(BrokerKind::nats), answerer);
  answerer.wire = wire.get();
  std::string read =
      ready_bytes(BrokerKind::nats, t()) + in(nats_msg("bench.t.0", 1, "_INBOX.abc.9", "ping"));
  wire->start(answerer.out);
  const std::size_t used =
      wire->consume({reinterpret_cast<std::uint8_t*>(read.data()), read.size()}, answerer.out);
  EXPECT_EQ(used, read.size());
  ASSERT_EQ(answerer.ready, 1);
  // Everything after the set-up (upgrade head, CONNECT/SUB/PING) is the reply.
  const std::size_t head = t() == TransportKind::ws ? answerer.out.find("\r\n\r\n") + 4 : 0;
  const std::string stream = sent(std::string_view(answerer.out).substr(head));
  const auto at = stream.find("PUB ");
  ASSERT_NE(at, std::string::npos) << stream;
  EXPECT_EQ(stream.substr(at), "PUB _INBOX.abc.9 4\r\npong\r\n");
}

INSTANTIATE_TEST_SUITE_P(Transports, BenchWireNats,
                         ::testing::Values(TransportKind::tcp, TransportKind::ws),
                         transport_param_name);

// ==== SMQ =================================================================================

class BenchWireSmq : public ::testing::TestWithParam<TransportKind> {
 protected:
  TransportKind t() const { return GetParam(); }
  std::string in(std::string_view raw) const { return smq_wrap(t(), raw); }
  std::vector<std::string> sent(std::string_view out) const { return smq_packets(t(), out); }

  // Transport handshake up to the point the broker would send Init.
  void open(Harness& harness) const {
    const std::string start = harness.start();
    if (t() == TransportKind::tcp) {
      EXPECT_EQ(start, "GET /smq HTTP/1.1\r\nHost: 127.0.0.1\r\nSimpleMQ: 1\r\n\r\n");
    } else {
      expect_upgrade(start, "/smq", "");
      EXPECT_EQ(harness.feed(upgrade_101), "") << "the broker speaks first (Init)";
    }
  }

  void make_ready(Harness& harness) const {
    harness.start();
    harness.feed(ready_bytes(BrokerKind::smq, t()));
    ASSERT_EQ(harness.events.ready, 1);
    ASSERT_TRUE(harness.events.errors.empty()) << harness.events.errors[0];
  }

  Harness h{BrokerKind::smq, GetParam(), setup_for(BrokerKind::smq)};
};

TEST_P(BenchWireSmq, InitGetsConnectWithTheClientId) {
  open(h);
  const auto packets = sent(h.feed(in(smq_init())));
  ASSERT_EQ(packets.size(), 1u);
  const auto connect = decode_connect(bytes(packets[0]));
  ASSERT_EQ(connect.error, ConnectError::none);
  EXPECT_EQ(connect.packet.version, 1);
  EXPECT_EQ(connect.packet.uid, "bench-client-3");
  EXPECT_EQ(h.events.ready, 0);
  EXPECT_TRUE(h.events.errors.empty());
}

TEST_P(BenchWireSmq, ConnackGetsSubscribesAndCreateAndTheAcksMakeReadyOnce) {
  open(h);
  h.feed(in(smq_init()));
  const auto packets = sent(h.feed(in(smq_connack(ConnackCode::accepted, smq_etid))));
  ASSERT_EQ(packets.size(), 3u);
  EXPECT_EQ(byte_at(packets[0], 0), static_cast<std::uint8_t>(PacketType::subscribe));
  EXPECT_EQ(body_text(bytes(packets[0])), "bench.t.0");
  EXPECT_EQ(byte_at(packets[1], 0), static_cast<std::uint8_t>(PacketType::subscribe));
  EXPECT_EQ(body_text(bytes(packets[1])), "bench.rep.3");
  EXPECT_EQ(byte_at(packets[2], 0), static_cast<std::uint8_t>(PacketType::create));
  EXPECT_EQ(body_text(bytes(packets[2])), "bench.t.0");

  EXPECT_EQ(h.feed(in(smq_ack(PacketType::suback, true, 100, "bench.t.0"))), "");
  EXPECT_EQ(h.feed(in(smq_ack(PacketType::createack, true, smq_topic_tid, "bench.t.0"))), "");
  EXPECT_EQ(h.events.ready, 0) << "ready before every ack";
  EXPECT_EQ(h.feed(in(smq_ack(PacketType::suback, true, 101, "bench.rep.3"))), "");
  EXPECT_EQ(h.events.ready, 1);
  h.feed(in(smq_pong()));
  EXPECT_EQ(h.events.ready, 1);
  EXPECT_TRUE(h.events.errors.empty());
  EXPECT_TRUE(h.pending.empty());
}

TEST_P(BenchWireSmq, PublishNamesTheCreateackTidAndTheConnackEtid) {
  make_ready(h);
  std::string out;
  const std::vector<std::size_t> sizes = {0, 5, 1000};
  for (const std::size_t size : sizes) h.wire->publish(out, bytes(pattern(size, 5)));
  const std::string pong = "pong";
  h.wire->reply(out, Incoming{.payload = {}, .smq_ptid = 0x77, .nats_reply = {}}, 0, bytes(pong));
  const auto packets = sent(out);
  ASSERT_EQ(packets.size(), sizes.size() + 1);
  for (std::size_t i = 0; i < packets.size(); ++i) {
    EXPECT_EQ(byte_at(packets[i], 0), static_cast<std::uint8_t>(PacketType::publish));
    const auto pub = decode_publish(bytes(packets[i]));
    ASSERT_TRUE(pub);
    const bool is_reply = i == sizes.size();
    EXPECT_EQ(pub->tid, is_reply ? 0x77u : smq_topic_tid);
    EXPECT_EQ(pub->ptid, smq_etid);
    EXPECT_EQ(pub->subtid, 0u);
    EXPECT_EQ(text(pub->payload), is_reply ? pong : pattern(sizes[i], 5));
  }
}

TEST_P(BenchWireSmq, DeliveredPublishGivesPayloadAndPtid) {
  make_ready(h);
  const std::string payload = pattern(300, 9);
  h.feed(
      in(smq_publish(smq_etid, 0x55, "hello") + smq_pong() + smq_publish(smq_topic_tid, 0x66, "")));
  h.feed(in(smq_publish(smq_topic_tid, 0xFEDCBA98, payload)));
  const std::vector<Message> expected = {
      {"hello", 0x55, ""}, {"", 0x66, ""}, {payload, 0xFEDCBA98, ""}};
  EXPECT_EQ(h.events.messages, expected);
  EXPECT_TRUE(h.events.errors.empty());
  EXPECT_TRUE(h.pending.empty());
}

TEST_P(BenchWireSmq, DisconnectReportsErrorWithItsText) {
  make_ready(h);
  h.feed(in(smq_disconnect("server shutting down")));
  ASSERT_EQ(h.events.errors.size(), 1u);
  EXPECT_NE(h.events.errors[0].find("server shutting down"), std::string::npos)
      << h.events.errors[0];
  h.feed(in(smq_publish(smq_etid, 1, "late")));
  EXPECT_TRUE(h.events.messages.empty()) << "nothing delivered after the error";
}

TEST_P(BenchWireSmq, RefusedConnackAndDeniedSubscribeReportErrors) {
  open(h);
  h.feed(in(smq_init()));
  EXPECT_EQ(h.feed(in(smq_connack(ConnackCode::denied, 0, "no"))), "");
  EXPECT_EQ(h.events.errors.size(), 1u);

  Harness d(BrokerKind::smq, t(), setup_for(BrokerKind::smq));
  d.start();
  if (t() == TransportKind::ws) d.feed(upgrade_101);
  d.feed(in(smq_init() + smq_connack(ConnackCode::accepted, smq_etid)));
  d.feed(in(smq_ack(PacketType::suback, false, 0, "bench.t.0")));
  EXPECT_EQ(d.events.errors.size(), 1u);
  EXPECT_EQ(d.events.ready, 0);
}

TEST_P(BenchWireSmq, FirstPacketOtherThanInitReportsError) {
  open(h);
  h.feed(in(smq_connack(ConnackCode::accepted, smq_etid)));
  EXPECT_EQ(h.events.errors.size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Transports, BenchWireSmq,
                         ::testing::Values(TransportKind::tcp, TransportKind::ws),
                         transport_param_name);

// ==== Split delivery: every wire, both transports ==========================================

// A broker's side of a whole session, and the messages it must produce.
struct Script {
  std::string stream;
  std::vector<Message> expected;
};

// Cuts stream-protocol bytes into frames of uneven sizes, so units straddle frames and some
// frames hold several units; a Ping and a Pong frame come between them.
std::string uneven_frames(std::string_view body) {
  static constexpr std::size_t sizes[] = {5, 1, 17, 64, 2, 130, 3};
  std::string frames;
  std::size_t pos = 0;
  for (std::size_t i = 0; pos < body.size(); ++i) {
    const std::size_t n = std::min(sizes[i % std::size(sizes)], body.size() - pos);
    frames += server_frame(0x2, body.substr(pos, n));
    pos += n;
    if (i == 3) frames += server_frame(0x9, "p1");
    if (i == 5) frames += server_frame(0xA, "x");
  }
  return frames;
}

Script make_script(BrokerKind b, TransportKind t) {
  Script s;
  std::string body = protocol_set_up(b);
  const std::size_t sizes[] = {0, 1, 10, 120, 200, 300};
  unsigned seed = 0;
  for (const std::size_t size : sizes) {
    const std::string payload = pattern(size, ++seed);
    switch (b) {
      case BrokerKind::mqtt:
        body += mqtt_publish(seed % 2 ? "bench.t.0" : "bench.rep.3", payload);
        s.expected.push_back({payload, 0, ""});
        break;
      case BrokerKind::nats: {
        const std::string reply = seed % 2 ? "" : "_INBOX.r." + std::to_string(seed);
        body += nats_msg("bench.t.0", 1, reply, payload);
        s.expected.push_back({payload, 0, reply});
        break;
      }
      case BrokerKind::smq:
        body += smq_publish(smq_topic_tid, 1000 + seed, payload);
        s.expected.push_back({payload, 1000 + seed, ""});
        break;
    }
  }
  // Something the wire answers or ignores, then one more message.
  switch (b) {
    case BrokerKind::mqtt: body += "\xD0\x00"s + mqtt_publish("bench.t.0", "last"); break;
    case BrokerKind::nats: body += "PING\r\n+OK\r\n" + nats_msg("bench.t.0", 1, "", "last"); break;
    case BrokerKind::smq: body += smq_pong() + smq_publish(smq_topic_tid, 7, "last"); break;
  }
  s.expected.push_back({"last", b == BrokerKind::smq ? 7u : 0u, ""});

  if (t == TransportKind::tcp) {
    s.stream = body;
  } else if (b != BrokerKind::smq) {
    s.stream = std::string(upgrade_response(b)) + uneven_frames(body);
  } else {
    // One packet per message, but the 300-byte Publish comes in three fragments with a Ping
    // between them.
    s.stream = upgrade_101;
    for (std::size_t pos = 0; pos < body.size();) {
      const std::size_t len = load_u16(reinterpret_cast<const std::uint8_t*>(body.data()) + pos);
      const std::string_view packet = std::string_view(body).substr(pos + 2, len - 2);
      if (packet.size() == publish_header_size + 300) {
        s.stream += server_frame(0x2, packet.substr(0, 100), false);
        s.stream += server_frame(0x9, "p1");
        s.stream += server_frame(0x0, packet.substr(100, 100), false);
        s.stream += server_frame(0x0, packet.substr(200), true);
      } else {
        s.stream += server_frame(0x2, packet);
      }
      pos += len;
    }
  }
  return s;
}

struct Outcome {
  int ready = 0;
  std::vector<Message> messages;
  std::vector<std::string> errors;
  std::string sent;      // everything the client wrote, start() included
  std::size_t left = 0;  // bytes consume() never used
};

Outcome replay(BrokerKind b, TransportKind t, const std::vector<std::string_view>& reads) {
  Harness h(b, t, setup_for(b));
  Outcome o;
  o.sent = h.start();
  for (const auto read : reads) o.sent += h.feed(read);
  o.ready = h.events.ready;
  o.messages = std::move(h.events.messages);
  o.errors = std::move(h.events.errors);
  o.left = h.pending.size();
  return o;
}

::testing::AssertionResult same(const Outcome& got, const Outcome& want) {
  if (got.ready != want.ready)
    return ::testing::AssertionFailure() << "ready " << got.ready << ", want " << want.ready;
  if (got.errors != want.errors)
    return ::testing::AssertionFailure() << "errors " << ::testing::PrintToString(got.errors);
  if (got.messages.size() != want.messages.size())
    return ::testing::AssertionFailure()
           << got.messages.size() << " messages, want " << want.messages.size();
  for (std::size_t i = 0; i < got.messages.size(); ++i) {
    if (got.messages[i] != want.messages[i])
      return ::testing::AssertionFailure()
             << "message " << i << " is " << ::testing::PrintToString(got.messages[i]) << ", want "
             << ::testing::PrintToString(want.messages[i]);
  }
  if (got.sent != want.sent) return ::testing::AssertionFailure() << "the client wrote other bytes";
  if (got.left != want.left)
    return ::testing::AssertionFailure()
           << got.left << " bytes left unconsumed, want " << want.left;
  return ::testing::AssertionSuccess();
}

using SplitParam = std::tuple<BrokerKind, TransportKind>;

class BenchWireSplit : public ::testing::TestWithParam<SplitParam> {
 protected:
  BrokerKind b() const { return std::get<0>(GetParam()); }
  TransportKind t() const { return std::get<1>(GetParam()); }
  const Script script = make_script(b(), t());
};

TEST_P(BenchWireSplit, WholeStreamDeliversEveryMessageInOrder) {
  const Outcome whole = replay(b(), t(), {script.stream});
  EXPECT_EQ(whole.ready, 1);
  EXPECT_TRUE(whole.errors.empty()) << whole.errors[0];
  EXPECT_EQ(whole.messages, script.expected);
  EXPECT_EQ(whole.left, 0u);
  if (t() == TransportKind::ws) {
    // The Ping in the stream got its Pong, after the protocol's own set-up bytes.
    const auto head_end = whole.sent.find("\r\n\r\n") + 4;
    const auto frames = client_frames(std::string_view(whole.sent).substr(head_end));
    EXPECT_EQ(
        std::count_if(frames.begin(), frames.end(),
                      [](const ClientFrame& f) { return f.opcode == 0xA && f.payload == "p1"; }),
        1);
  }
}

TEST_P(BenchWireSplit, EverySplitIntoTwoReadsGivesTheSameResult) {
  const Outcome whole = replay(b(), t(), {script.stream});
  const std::string_view stream = script.stream;
  for (std::size_t k = 1; k < stream.size(); ++k) {
    const auto result = same(replay(b(), t(), {stream.substr(0, k), stream.substr(k)}), whole);
    if (!result) {
      ADD_FAILURE() << "split at " << k << " of " << stream.size() << ": " << result.message();
      break;
    }
  }
}

TEST_P(BenchWireSplit, OneByteAtATimeGivesTheSameResult) {
  const Outcome whole = replay(b(), t(), {script.stream});
  std::vector<std::string_view> reads;
  for (std::size_t i = 0; i < script.stream.size(); ++i)
    reads.push_back(std::string_view(script.stream).substr(i, 1));
  EXPECT_TRUE(same(replay(b(), t(), reads), whole));
}

INSTANTIATE_TEST_SUITE_P(
    Wires, BenchWireSplit,
    ::testing::Combine(::testing::Values(BrokerKind::mqtt, BrokerKind::nats, BrokerKind::smq),
                       ::testing::Values(TransportKind::tcp, TransportKind::ws)),
    [](const ::testing::TestParamInfo<SplitParam>& info) {
      return std::string(broker_name(std::get<0>(info.param))) + "_" +
             transport_name(std::get<1>(info.param));
    });

// ==== WebSocket from the broker: fragments, control frames =================================

class BenchWireWebSocket : public ::testing::TestWithParam<BrokerKind> {
 protected:
  BrokerKind b() const { return GetParam(); }

  void SetUp() override {
    h.start();
    h.feed(ready_bytes(b(), TransportKind::ws));
    ASSERT_EQ(h.events.ready, 1);
    ASSERT_TRUE(h.events.errors.empty()) << h.events.errors[0];
  }

  // One message as the protocol puts it in WebSocket payload bytes.
  std::string message_bytes(std::string_view payload) const {
    switch (b()) {
      case BrokerKind::mqtt: return mqtt_publish("bench.t.0", payload);
      case BrokerKind::nats: return nats_msg("bench.t.0", 1, "", payload);
      case BrokerKind::smq: return smq_publish(smq_topic_tid, 42, payload).substr(2);
    }
    return {};
  }

  Message expected(std::string payload) const {
    return {std::move(payload), b() == BrokerKind::smq ? 42u : 0u, ""};
  }

  Harness h{GetParam(), TransportKind::ws, setup_for(GetParam())};
};

TEST_P(BenchWireWebSocket, MessageInTwoFragmentsIsDeliveredOnce) {
  const std::string payload = pattern(300, 4);
  const std::string m = message_bytes(payload);
  std::vector<Message> want;
  for (const std::size_t k :
       {std::size_t{1}, std::size_t{2}, std::size_t{5}, m.size() / 2, m.size() - 1}) {
    SCOPED_TRACE("first fragment " + std::to_string(k) + " bytes");
    const std::string first = server_frame(0x2, std::string_view(m).substr(0, k), false);
    const std::string last = server_frame(0x0, std::string_view(m).substr(k), true);
    h.feed(first + last);  // in one read
    want.push_back(expected(payload));
    EXPECT_EQ(h.events.messages, want);
    h.feed(first);  // in two reads
    EXPECT_EQ(h.events.messages.size(), want.size()) << "delivered before the last fragment";
    h.feed(last);
    want.push_back(expected(payload));
    EXPECT_EQ(h.events.messages, want);
  }
  EXPECT_TRUE(h.events.errors.empty());
  EXPECT_TRUE(h.pending.empty());
}

TEST_P(BenchWireWebSocket, MessageInThreeFragmentsAroundAPingIsDeliveredOnce) {
  const std::string payload = pattern(200, 8);
  const std::string unit = message_bytes(payload);
  const std::string_view m = unit;
  const std::string out =
      h.feed(server_frame(0x2, m.substr(0, 50), false) + server_frame(0x9, "hb") +
             server_frame(0x0, m.substr(50, 50), false) + server_frame(0x0, m.substr(100), true));
  EXPECT_EQ(h.events.messages, std::vector<Message>{expected(payload)});
  const auto frames = client_frames(out);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].opcode, 0xA);
  EXPECT_EQ(frames[0].payload, "hb");
}

TEST_P(BenchWireWebSocket, PingIsAnsweredWithPongCarryingTheSamePayload) {
  for (const std::string& payload : {std::string(), "abc"s, pattern(125, 2)}) {
    SCOPED_TRACE(std::to_string(payload.size()) + "-byte ping");
    const auto frames = client_frames(h.feed(server_frame(0x9, payload)));
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_TRUE(frames[0].fin);
    EXPECT_EQ(frames[0].opcode, 0xA);
    EXPECT_EQ(frames[0].payload, payload);
  }
  EXPECT_EQ(h.feed(server_frame(0xA, "unsolicited")), "") << "a Pong needs no answer";
  EXPECT_TRUE(h.events.errors.empty());
  EXPECT_TRUE(h.events.messages.empty());
}

TEST_P(BenchWireWebSocket, CloseFrameReportsError) {
  const std::string close_payload = std::string{'\x03', '\xE8'} + "bye";  // 1000, reason
  h.feed(server_frame(0x8, close_payload) + server_frame(0x2, message_bytes("late")));
  ASSERT_EQ(h.events.errors.size(), 1u);
  EXPECT_NE(h.events.errors[0].find("Close"), std::string::npos) << h.events.errors[0];
  EXPECT_TRUE(h.events.messages.empty()) << "nothing delivered after Close";
}

TEST_P(BenchWireWebSocket, MaskedServerFrameReportsError) {
  std::string frame = server_frame(0x2, message_bytes("x"));
  frame[1] = static_cast<char>(frame[1] | 0x80);
  frame.insert(2, "\0\0\0\0", 4);
  h.feed(frame);
  EXPECT_EQ(h.events.errors.size(), 1u);
  EXPECT_TRUE(h.events.messages.empty());
}

TEST_P(BenchWireWebSocket, RefusedUpgradeReportsError) {
  Harness r(b(), TransportKind::ws, setup_for(b()));
  r.start();
  EXPECT_EQ(r.feed("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"), "");
  ASSERT_EQ(r.events.errors.size(), 1u);
  EXPECT_NE(r.events.errors[0].find("403"), std::string::npos) << r.events.errors[0];
}

INSTANTIATE_TEST_SUITE_P(Wires, BenchWireWebSocket,
                         ::testing::Values(BrokerKind::mqtt, BrokerKind::nats, BrokerKind::smq),
                         [](const ::testing::TestParamInfo<BrokerKind>& info) {
                           return std::string(broker_name(info.param));
                         });

TEST(BenchWireWebSocketSmq, MessageOver64KiBUses64BitLengthsBothWays) {
  Harness h(BrokerKind::smq, TransportKind::ws, setup_for(BrokerKind::smq));
  h.start();
  h.feed(ready_bytes(BrokerKind::smq, TransportKind::ws));
  ASSERT_EQ(h.events.ready, 1);
  const std::string payload = pattern(70000, 6);
  std::string packet(1, static_cast<char>(PacketType::publish));
  packet.resize(publish_header_size);
  store_u32(reinterpret_cast<std::uint8_t*>(packet.data()) + 1, smq_etid);
  store_u32(reinterpret_cast<std::uint8_t*>(packet.data()) + 5, 0x99);
  packet += payload;
  h.feed(server_frame(0x2, packet));
  const std::vector<Message> want = {{payload, 0x99, ""}};
  EXPECT_EQ(h.events.messages, want);

  std::string out;
  h.wire->publish(out, bytes(payload));
  const auto frames = client_frames(out);  // checks the 64-bit length form
  ASSERT_EQ(frames.size(), 1u);
  const auto pub = decode_publish(bytes(frames[0].payload));
  ASSERT_TRUE(pub);
  EXPECT_TRUE(text(pub->payload) == payload);
}

TEST(BenchWireWebSocketSmq, EmptyMessageReportsError) {
  Harness h(BrokerKind::smq, TransportKind::ws, setup_for(BrokerKind::smq));
  h.start();
  h.feed(ready_bytes(BrokerKind::smq, TransportKind::ws));
  ASSERT_EQ(h.events.ready, 1);
  h.feed(server_frame(0x2, ""));
  EXPECT_EQ(h.events.errors.size(), 1u) << "an SMQ packet has at least its type byte";
}

// ==== Histogram ===========================================================================

TEST(BenchHistogram, EmptyReturnsZero) {
  Histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.quantile(0.5), 0u);
  EXPECT_EQ(h.quantile(1.0), 0u);
  Histogram other;
  h.merge(other);
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.quantile(0.99), 0u);
}

TEST(BenchHistogram, ExactBelow64) {
  Histogram h;
  for (std::uint64_t v = 0; v < 64; ++v) h.record(v);
  h.record(1'000'000);  // so that clamping to max() does not make the answers exact
  const double n = 65;
  for (std::uint64_t v = 0; v < 64; ++v)
    EXPECT_EQ(h.quantile((static_cast<double>(v) + 0.5) / n), v);
  EXPECT_EQ(h.quantile(1.0), 1'000'000u);
  EXPECT_EQ(h.count(), 65u);
  EXPECT_EQ(h.max(), 1'000'000u);
}

TEST(BenchHistogram, RelativeErrorWithinOnePointSixPercentFrom1nsTo1e12) {
  std::vector<std::uint64_t> values;
  const int steps = 3000;
  for (int i = 0; i < steps; ++i) {  // log-spaced 1 .. 1e12
    values.push_back(
        static_cast<std::uint64_t>(std::llround(std::pow(1e12, i / double(steps - 1)))));
  }
  std::mt19937_64 rng(12345);
  std::uniform_real_distribution<double> exponent(0.0, 12.0);
  for (int i = 0; i < 3000; ++i)
    values.push_back(static_cast<std::uint64_t>(std::pow(10.0, exponent(rng))));
  for (int bit = 6; bit < 40; ++bit) {  // around each power of two, where groups change
    const std::uint64_t p = std::uint64_t{1} << bit;
    values.insert(values.end(), {p - 1, p, p + 1});
  }
  Histogram h;
  for (const auto v : values) h.record(v);
  std::sort(values.begin(), values.end());
  const double n = static_cast<double>(values.size());
  double worst = 0;
  for (std::size_t k = 0; k < values.size(); ++k) {
    const std::uint64_t got = h.quantile((static_cast<double>(k) + 0.5) / n);
    const std::uint64_t want = values[k];
    ASSERT_GE(got, want) << "rank " << k;
    const double error = static_cast<double>(got - want) / static_cast<double>(want);
    worst = std::max(worst, error);
    ASSERT_LE(error, 0.016) << "rank " << k << ": " << got << " for " << want;
  }
  EXPECT_GT(worst, 0.0) << "the test should reach inexact buckets";
  EXPECT_EQ(h.quantile(1.0), values.back());
}

TEST(BenchHistogram, UniformQuantilesAreNearTheTrueOnes) {
  Histogram h;
  for (std::uint64_t v = 1; v <= 100000; ++v) h.record(v);
  EXPECT_EQ(h.count(), 100000u);
  EXPECT_EQ(h.max(), 100000u);
  const std::vector<std::pair<double, double>> truths = {{0.001, 100},  {0.01, 1000}, {0.1, 10000},
                                                         {0.5, 50000},  {0.9, 90000}, {0.99, 99000},
                                                         {0.999, 99900}};
  for (const auto& [q, truth] : truths) {
    const auto got = static_cast<double>(h.quantile(q));
    EXPECT_GE(got, truth) << "q " << q;
    EXPECT_LE(got, truth * 1.016) << "q " << q;
  }
  EXPECT_EQ(h.quantile(1.0), 100000u);
  EXPECT_EQ(h.quantile(0.0), 1u);
}

TEST(BenchHistogram, MergeEqualsRecordingIntoOne) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> exponent(0.0, 11.0);
  Histogram a, b, all;
  for (int i = 0; i < 20000; ++i) {
    const auto v = static_cast<std::uint64_t>(std::pow(10.0, exponent(rng)));
    (i % 3 == 0 ? a : b).record(v);
    all.record(v);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.max(), all.max());
  for (int i = 0; i <= 1000; ++i) {
    const double q = i / 1000.0;
    ASSERT_EQ(a.quantile(q), all.quantile(q)) << "q " << q;
  }
}

TEST(BenchHistogram, HugeValuesStayWithinMax) {
  Histogram h;
  h.record(1);
  h.record(std::uint64_t{1} << 50);  // past the last group
  EXPECT_EQ(h.quantile(1.0), std::uint64_t{1} << 50);
  EXPECT_EQ(h.quantile(0.5), 1u);
}

}  // namespace
}  // namespace smq::bench
