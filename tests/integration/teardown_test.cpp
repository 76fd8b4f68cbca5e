// One teardown funnel: Hub::disconnect (the operator's kick) ends a client the way every other
// close does (Disconnect text, WebSocket Close 1000, Change(etid, 0) to its observers), and
// every session's end is counted once under its CloseReason in the stats.
#include <gtest/gtest.h>

#include <asio/post.hpp>

#include <future>

#include "broker/hub.hpp"
#include "broker_fixture.hpp"

namespace smqtest {
namespace {

using namespace std::chrono_literals;

std::uint64_t closes(const smq::BrokerStats& s, smq::CloseReason r) {
  return s.closes[static_cast<std::size_t>(r)];
}

class Teardown : public TransportTest {};

TEST_P(Teardown, HubDisconnectKicksOnlyThatClient) {
  start_broker();
  auto kicked = client(tp());
  auto watcher = client(other());
  auto bystander = client(tp());
  ASSERT_TRUE(watcher->send_packet(pkt::observe_id(kicked->etid)));
  ASSERT_TRUE(quiet_until_pong(*watcher));  // the observation is registered

  const std::uint32_t etid = kicked->etid;
  EXPECT_TRUE(on_broker(broker(), [&] { return broker().hub().disconnect(etid, "kicked by admin"); }));

  CloseResult r = kicked->expect_closed(2s);
  EXPECT_TRUE(r.closed);
  ASSERT_EQ(r.packets.size(), 1u);
  EXPECT_EQ(to_hex(r.packets[0]), to_hex(pkt::make(pkt::disconnect, "kicked by admin")));
  if (tp() == Transport::ws) {
    EXPECT_TRUE(r.close_frame);
    EXPECT_EQ(r.code, std::optional<std::uint16_t>(1000));
  }
  auto gone = recv_change(*watcher);
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->id, etid);
  EXPECT_EQ(gone->count, 0u);

  // Everyone else keeps working, and the kicked ETID is no longer known.
  const std::uint32_t tid = subscribe(*bystander, "after/kick");
  ASSERT_TRUE(publish(*watcher, tid, "hello"));
  auto msg = recv_publish(*bystander);
  ASSERT_TRUE(msg);
  EXPECT_EQ(msg->payload, "hello");
  EXPECT_FALSE(on_broker(broker(), [&] { return broker().hub().disconnect(etid, "again"); }));
  expect_broker_healthy();
}

TEST_P(Teardown, DisconnectOfUnknownOrServerEtidReturnsFalse) {
  start_broker();
  auto c = client(tp());
  EXPECT_FALSE(on_broker(broker(), [&] { return broker().hub().disconnect(0x12345678u, "x"); }));
  const std::uint32_t server_etid = server().gettid();
  EXPECT_FALSE(on_broker(broker(), [&] { return broker().hub().disconnect(server_etid, "x"); }));
  EXPECT_TRUE(quiet_until_pong(*c));
}

TEST_P(Teardown, EachCloseIsCountedOnceUnderItsReason) {
  start_broker();
  auto leaving = client(tp());
  auto rude = client(tp());
  auto kicked = client(tp());

  ASSERT_TRUE(leaving->send_packet(pkt::disconnect_packet()));
  EXPECT_TRUE(leaving->expect_closed(2s).closed);
  ASSERT_TRUE(rude->send_packet(pkt::make(pkt::connack)));  // server-only packet type
  expect_protocol_close(*rude, 1002);
  const std::uint32_t etid = kicked->etid;
  ASSERT_TRUE(on_broker(broker(), [&] { return broker().hub().disconnect(etid, "bye"); }));
  EXPECT_TRUE(kicked->expect_closed(2s).closed);

  const smq::BrokerStats s = on_broker(broker(), [&] { return broker().stats(); });
  EXPECT_EQ(closes(s, smq::CloseReason::client_disconnect), 1u);
  EXPECT_EQ(closes(s, smq::CloseReason::protocol_error), 1u);
  EXPECT_EQ(closes(s, smq::CloseReason::admin), 1u);
  EXPECT_EQ(s.protocol_errors, 1u);
  EXPECT_EQ(s.slow_consumers, 0u);
  // The socket closing after the goodbye is part of the same close, not a second one.
  EXPECT_EQ(closes(s, smq::CloseReason::peer_closed), 0u);
  const std::string json = smq::stats_json(s, s, 0);
  EXPECT_NE(json.find(R"("closes":{)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("client disconnect":1)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("closed by server":1)"), std::string::npos) << json;
}

TEST_P(Teardown, ConnectDeadlineEndsWithConnectTimeout) {
  start_broker({}, [](smq::BrokerOptions& o) { o.connect_deadline = 200ms; });
  auto c = open(tp());
  CloseResult r = c->expect_closed(3s);
  EXPECT_TRUE(r.closed);
  ASSERT_EQ(r.packets.size(), 1u);
  EXPECT_EQ(to_hex(r.packets[0]),
            to_hex(pkt::make(pkt::connack, std::string(1, '\x02') + std::string(4, '\0') + "timeout")));
  const smq::BrokerStats s = on_broker(broker(), [&] { return broker().stats(); });
  EXPECT_EQ(closes(s, smq::CloseReason::connect_timeout), 1u);
  EXPECT_EQ(closes(s, smq::CloseReason::refused), 0u);
}

SMQ_BOTH_TRANSPORTS(Teardown);

}  // namespace
}  // namespace smqtest
