// Replies that push against the 16-bit raw frame limit (a denied name is echoed, but a
// raw frame cannot carry more than 65533 packet bytes), large Connect fields, many
// subscriptions on one connection, WebSocket pings before Connect.
#include <gtest/gtest.h>

#include "broker_fixture.hpp"

namespace smqtest {
namespace {

using namespace std::chrono_literals;

class Limits : public TransportTest {};

// A raw client can send a name of up to 65532 bytes; the denial echo would need 65538.
// The broker must never wrap the u16 length: the stream stays well-formed (a correct
// frame with the echo cut at the documented 65,527 bytes, or a close).
TEST_P(Limits, DenialEchoOfHugeNameKeepsFramingValid) {
  for (std::uint8_t type : {pkt::subscribe, pkt::create, pkt::createsub}) {
    SCOPED_TRACE("request type " + std::to_string(type));
    auto c = client(tp());
    const std::string name(65532, 'N');
    ASSERT_TRUE(c->send_packet(pkt::make(type, name)));
    auto p = c->recv_packet(2s);
    if (!p) {
      EXPECT_TRUE(c->expect_closed(2s).closed) << "neither a reply nor a close";
      continue;
    }
    auto ack = pkt::parse_ack(*p);
    ASSERT_TRUE(ack) << pkt::describe(*p);
    EXPECT_EQ(ack->type, type + 1);
    EXPECT_EQ(ack->status, 1);
    EXPECT_EQ(ack->id, 0u);
    // docs/protocol.md: an echo is cut at 65,527 bytes (the most a raw ack can carry), on
    // both transports; anything shorter would make the name unmatchable.
    EXPECT_GE(ack->name.size(), 65527u);
    EXPECT_EQ(name.compare(0, ack->name.size(), ack->name), 0) << "echo is not the request's name";
    auto rest = sync(*c);
    ASSERT_TRUE(rest) << "stream corrupted or closed after the reply";
    EXPECT_TRUE(rest->empty());
  }
}

TEST_P(Limits, LargestConnectFieldsAccepted) {
  auto c = open(tp());
  const std::string uid(255, 'u'), cred(255, 'c'), info(60000, 'i');
  c->send_packet(pkt::connect_v2(uid, cred, info));
  EXPECT_TRUE(hex_matches("03 00 ?? ?? ?? ??", next_packet(*c)));
  EXPECT_TRUE(quiet_until_pong(*c));
}

TEST_P(Limits, ManyTopicsAndSubscriptionsOnOneConnection) {
  auto c = client(tp());
  constexpr int n = 2000;
  Bytes burst;
  for (int i = 0; i < n; ++i) burst += c->frame_packet(pkt::subscribe_to("many/" + std::to_string(i)));
  ASSERT_TRUE(c->send_bytes(burst));
  std::vector<std::uint32_t> tids;
  for (int i = 0; i < n; ++i) {
    auto ack = pkt::parse_ack(next_packet(*c));
    ASSERT_TRUE(ack);
    ASSERT_EQ(ack->name, "many/" + std::to_string(i));
    tids.push_back(ack->id);
  }
  auto pub = client(other());
  for (int i = 0; i < n; i += 97) ASSERT_TRUE(publish(*pub, tids[i], std::to_string(i)));
  for (int i = 0; i < n; i += 97) {
    auto m = recv_publish(*c);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->tid, tids[i]);
    EXPECT_EQ(m->payload, std::to_string(i));
  }
  // Leaving with 2000 subscriptions is one clean teardown.
  c->send_packet(pkt::disconnect_packet());
  EXPECT_TRUE(c->expect_closed(2s).closed);
  expect_broker_healthy();
}

SMQ_BOTH_TRANSPORTS(Limits);

TEST_F(BrokerTest, WebSocketPingBeforeConnectIsAnswered) {
  auto c = open(Transport::ws);
  WsClient& ws = *ws_of(*c);
  ASSERT_TRUE(ws.send_frame(frame_of(ws::ping, "early")));
  auto f = ws.read_frame(2s);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->opcode, ws::pong);
  EXPECT_EQ(f->payload, "early");
  c->send_packet(pkt::connect_v1(unique_uid()));
  EXPECT_TRUE(hex_matches("03 00 ?? ?? ?? ??", next_packet(*c)));
}

}  // namespace
}  // namespace smqtest
