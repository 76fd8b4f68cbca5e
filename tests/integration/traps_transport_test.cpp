// Compatibility traps of smq-wire.md section 9 about transport behaviour: the broker never
// pings and has no short idle timeout (18), Ping is answered at once (19), WebSocket output
// is one binary final frame per SMQ packet with no subprotocol (20).
#include <gtest/gtest.h>

#include <thread>

#include "broker_fixture.hpp"

namespace smqtest {
namespace {

using namespace std::chrono_literals;

// Trap 18: C and Java clients stay silent for 20 minutes. Here: a few seconds of silence
// on both transports brings no Ping, no Disconnect and no close; afterwards all still works.
TEST_F(BrokerTest, Trap18_BrokerNeverPingsAndKeepsSilentClients) {
  start_broker({}, [](smq::BrokerOptions& o) { o.connect_deadline = 500ms; o.http_head_deadline = 500ms; });
  auto raw = client(Transport::raw);
  auto ws = client(Transport::ws);
  std::uint32_t tid = subscribe(*raw, "idle");
  subscribe(*ws, "idle");
  auto until = Clock::now() + 3s;
  while (Clock::now() < until) {
    for (auto* c : {raw.get(), ws.get()}) {
      auto p = c->recv_packet(100ms);
      EXPECT_FALSE(p) << "broker sent something to an idle client: " << pkt::describe(*p);
      if (c->transport() == Transport::ws) {
        EXPECT_FALSE(ws_of(*c)->eof()) << "idle WebSocket client closed";
      } else {
        EXPECT_FALSE(raw_of(*c)->eof()) << "idle raw client closed";
      }
    }
  }
  ASSERT_TRUE(publish(*raw, tid, "awake"));
  for (auto* c : {raw.get(), ws.get()}) {
    auto m = recv_publish(*c);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->payload, "awake");
  }
}

class TrapTransport : public TransportTest {};

// Trap 19: Ping is answered promptly, also many in a row.
TEST_P(TrapTransport, Trap19_PingAnsweredQuickly) {
  auto c = client(tp());
  auto worst = Clock::duration::zero();
  for (int i = 0; i < 200; ++i) {
    auto start = Clock::now();
    c->send_packet(pkt::ping_packet());
    auto p = c->recv_packet(2s);
    ASSERT_TRUE(p) << "ping " << i << " unanswered";
    ASSERT_EQ(*p, pkt::pong_packet());
    worst = std::max(worst, Clock::now() - start);
  }
  EXPECT_LT(worst, 250ms) << "slowest Pong took "
                          << std::chrono::duration_cast<Ms>(worst).count() << " ms";
}

TEST_P(TrapTransport, Trap19_PingAnsweredWhileSubscriberIsBusy) {
  // A burst of traffic queued to this client must not hold back the Pong indefinitely.
  auto c = client(tp());
  auto pub = client(other());
  std::uint32_t tid = subscribe(*c, "busy");
  for (int i = 0; i < 500; ++i) publish(*pub, tid, std::string(200, 'b'));
  c->send_packet(pkt::ping_packet());
  auto deadline = Clock::now() + 3s;
  int publishes = 0;
  for (;;) {
    auto p = c->recv_packet(remaining(deadline));
    ASSERT_TRUE(p) << "no Pong after " << publishes << " publishes";
    if (*p == pkt::pong_packet()) break;
    ASSERT_TRUE(pkt::parse_publish(*p)) << pkt::describe(*p);
    ++publishes;
  }
}

// Trap 20: every broker message is a final binary frame holding exactly one SMQ packet, the
// 101 names no subprotocol or extension, and Init is the first message.
TEST_F(BrokerTest, Trap20_WebSocketOutputIsOneBinaryPacketPerMessage) {
  WsClient ws;
  ASSERT_TRUE(ws.connect(port()));
  UpgradeRequest req;
  req.extra_headers = {{"Sec-WebSocket-Protocol", "smq, chat"},
                       {"Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"}};
  ASSERT_TRUE(ws.upgrade(req)) << ws.error();
  EXPECT_FALSE(ws.response()->header("Sec-WebSocket-Protocol"));
  EXPECT_FALSE(ws.response()->header("Sec-WebSocket-Extensions"));
  auto first = ws.read_frame(2s);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->opcode, ws::binary);
  EXPECT_TRUE(pkt::parse_init(first->payload));
  ws.send_binary(pkt::connect_v1(unique_uid()));
  auto f = ws.read_frame(2s);
  ASSERT_TRUE(f);
  auto ack = pkt::parse_connack(f->payload);
  ASSERT_TRUE(ack);
  std::uint32_t etid = ack->etid;
  // A burst of different replies: each must arrive as its own frame with the exact size.
  std::vector<std::size_t> sizes;
  for (int i = 0; i < 30; ++i) {
    std::string name = "burst/" + std::to_string(i);
    ws.send_binary(pkt::subscribe_to(name));
    sizes.push_back(6 + name.size());
    ws.send_binary(pkt::ping_packet());
    sizes.push_back(1);
    ws.send_binary(pkt::publish_to(etid, etid, 0, std::string(i, 'p')));
    sizes.push_back(13 + i);
  }
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    auto fr = ws.read_frame(2s);
    ASSERT_TRUE(fr) << "frame " << i << " missing";
    EXPECT_EQ(fr->opcode, ws::binary);
    EXPECT_TRUE(fr->fin);
    EXPECT_EQ(fr->rsv, 0);
    EXPECT_EQ(fr->payload.size(), sizes[i]) << "frame " << i << ": " << pkt::describe(fr->payload);
  }
}

TEST_F(BrokerTest, Trap20_HandshakeAndConnectInOneWrite) {
  // Pipelined upgrade + Connect (checklist B18): the frame after the head is not lost.
  Socket s;
  ASSERT_TRUE(s.connect_loopback(port()));
  std::string key;
  std::string req = upgrade_request_text(UpgradeRequest{}, &key);
  ASSERT_TRUE(s.send_all(req + encode_frame(frame_of(ws::binary, pkt::connect_v1(unique_uid())))));
  auto head = read_http_head(s, 2s);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 101);
  EXPECT_EQ(head->header("Sec-WebSocket-Accept"), websocket_accept(key));
  // Parse the following frames by hand: Init then Connack.
  ASSERT_TRUE(s.ensure(2, Clock::now() + 2s));
  WsClient reader;  // only for its frame parser: move the socket in
  reader.socket() = std::move(s);
  auto init = reader.read_frame(2s);
  ASSERT_TRUE(init);
  EXPECT_TRUE(pkt::parse_init(init->payload));
  auto connack = reader.read_frame(2s);
  ASSERT_TRUE(connack);
  EXPECT_TRUE(hex_matches("03 00 ?? ?? ?? ??", connack->payload)) << pkt::describe(connack->payload);
}

SMQ_BOTH_TRANSPORTS(TrapTransport);

}  // namespace
}  // namespace smqtest
