// WebSocket close timing and ordering on a live SMQ session (checklist F1/F8/F10/F11): who
// closes TCP and when, and that messages before a Close are still answered.
#include <gtest/gtest.h>

#include "broker_fixture.hpp"

namespace smqtest {
namespace {

using namespace std::chrono_literals;

TEST_F(BrokerTest, WsClientCloseWithTcpLeftOpenIsClosedByBroker) {
  auto c = client(Transport::ws);
  WsClient& ws = *ws_of(*c);
  auto start = Clock::now();
  ASSERT_TRUE(ws.send_close(1000, "bye"));
  CloseResult r = ws.wait_closed(2s, /*reply=*/false);
  EXPECT_TRUE(r.closed) << "broker left TCP open after the close handshake";
  EXPECT_TRUE(r.close_frame);
  EXPECT_EQ(r.code, 1000);
  EXPECT_LT(Clock::now() - start, 1000ms);
}

TEST_F(BrokerTest, WsProtocolErrorClosesTcpWithoutWaitingForReply) {
  auto c = client(Transport::ws);
  WsClient& ws = *ws_of(*c);
  FrameSpec bad = frame_of(5, "x");
  auto start = Clock::now();
  ASSERT_TRUE(ws.send_frame(bad));
  CloseResult r = ws.wait_closed(3s, /*reply=*/false);
  EXPECT_TRUE(r.closed);
  EXPECT_EQ(r.code, 1002);
  EXPECT_LT(Clock::now() - start, 1500ms) << "failing the connection must not wait for the peer";
}

TEST_F(BrokerTest, WsServerInitiatedCloseEndsEvenIfClientNeverAnswers) {
  auto c = client(Transport::ws);
  WsClient& ws = *ws_of(*c);
  ASSERT_TRUE(ws.send_binary(pkt::publish_to(c->etid, c->etid + 1, 0, "spoof")));
  CloseResult r = ws.wait_closed(6500ms, /*reply=*/false);
  EXPECT_TRUE(r.closed) << "TCP still open 6.5 s after the broker's Close";
  ASSERT_EQ(r.packets.size(), 1u);
  EXPECT_EQ(r.packets[0], pkt::disconnect_packet("corrupt frame"));
  EXPECT_EQ(r.code, 1008);
}

TEST_F(BrokerTest, WsMessagesBeforeCloseAreAnswered) {
  auto c = client(Transport::ws);
  WsClient& ws = *ws_of(*c);
  ASSERT_TRUE(ws.send_frames({frame_of(ws::binary, pkt::subscribe_to("before/close")),
                              frame_of(ws::binary, pkt::ping_packet()),
                              frame_of(ws::close, close_payload(1000))}));
  CloseResult r = ws.wait_closed(2s);
  EXPECT_TRUE(r.closed);
  ASSERT_EQ(r.packets.size(), 2u);
  EXPECT_TRUE(hex_matches("05 00 ?? ?? ?? ?? *", r.packets[0]));
  EXPECT_EQ(r.packets[1], pkt::pong_packet());
  EXPECT_EQ(r.code, 1000);
}

TEST_F(BrokerTest, WsCloseTellsObserversTheClientLeft) {
  auto c = client(Transport::ws);
  auto watcher = client(Transport::raw);
  watcher->send_packet(pkt::observe_id(c->etid));
  ASSERT_TRUE(quiet_until_pong(*watcher));
  ws_of(*c)->send_close(1001);
  auto ch = recv_change(*watcher);
  ASSERT_TRUE(ch);
  EXPECT_EQ(ch->id, c->etid);
  EXPECT_EQ(ch->count, 0u);
}

TEST_F(BrokerTest, BrokerStopSendsShutdownToClients) {
  auto raw = client(Transport::raw);
  auto ws = client(Transport::ws);
  broker().stop();
  for (auto* c : {raw.get(), ws.get()}) {
    CloseResult r = c->expect_closed(3s);
    EXPECT_TRUE(r.closed) << to_string(c->transport());
    ASSERT_EQ(r.packets.size(), 1u) << to_string(c->transport());
    EXPECT_EQ(r.packets[0], pkt::disconnect_packet("shutdown"));
    if (c->transport() == Transport::ws) {
      EXPECT_EQ(r.code, 1001);
    }
  }
}

}  // namespace
}  // namespace smqtest
