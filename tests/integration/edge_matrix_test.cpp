// One test per row of the edge-case matrix in smq-wire.md 1.4, over both transports.
#include <gtest/gtest.h>

#include "broker_fixture.hpp"

namespace smqtest {
namespace {

using namespace std::chrono_literals;

class EdgeMatrix : public TransportTest {};

TEST_P(EdgeMatrix, Row01_EmptyNameIsANormalName) {
  auto c = client(tp());
  for (auto [req, type] : {std::pair{pkt::subscribe_to(""), pkt::suback},
                           std::pair{pkt::create_topic(""), pkt::createack},
                           std::pair{pkt::create_sub(""), pkt::createsuback}}) {
    c->send_packet(req);
    Bytes p = next_packet(*c);
    EXPECT_EQ(p.size(), 6u) << "ack of an empty name carries no name bytes: " << pkt::describe(p);
    auto ack = pkt::parse_ack(p);
    ASSERT_TRUE(ack);
    EXPECT_EQ(ack->type, type);
    EXPECT_EQ(ack->status, 0);
    EXPECT_NE(ack->id, 0u);
  }
}

TEST_P(EdgeMatrix, Row02_SelfIsAnOrdinaryTopic) {
  auto c = client(tp());
  std::uint32_t tid = subscribe(*c, "self");
  EXPECT_NE(tid, c->etid);
  EXPECT_NE(tid, 1u);
  ASSERT_TRUE(publish(*c, tid, "x"));
  auto m = recv_publish(*c);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->tid, tid);
}

TEST_P(EdgeMatrix, Row03_PublishToUnknownTidIsDropped) {
  auto& drops = recorder<std::uint32_t>();
  smq::Hooks hooks;
  hooks.on_drop = [&](const smq::Message& m, const smq::Peer&) { drops.push(m.tid); };
  start_broker(hooks);
  auto c = client(tp());
  ASSERT_TRUE(publish(*c, 0x7e7e7e7e, "nobody"));
  EXPECT_TRUE(quiet_until_pong(*c));
  ASSERT_TRUE(drops.wait_for(1));
  EXPECT_EQ(drops.items()[0], 0x7e7e7e7eu);
}

TEST_P(EdgeMatrix, Row04_PublishToDisconnectedEtidIsDropped) {
  auto& drops = recorder<std::uint32_t>();
  smq::Hooks hooks;
  hooks.on_drop = [&](const smq::Message& m, const smq::Peer&) { drops.push(m.tid); };
  start_broker(hooks);
  auto c = client(tp());
  std::uint32_t gone;
  {
    auto d = client(other());
    gone = d->etid;
    d->send_packet(pkt::disconnect_packet());
    ASSERT_TRUE(d->expect_closed(2s).closed);
  }
  // Wait until the broker noticed (observe of a dead ETID answers 0 at once).
  c->send_packet(pkt::observe_id(gone));
  ASSERT_TRUE(recv_change(*c));
  ASSERT_TRUE(publish(*c, gone, "too late"));
  EXPECT_TRUE(quiet_until_pong(*c)) << "sender got a notification";
  ASSERT_TRUE(drops.wait_for(1));
  EXPECT_EQ(drops.items()[0], gone);
}

TEST_P(EdgeMatrix, Row05_WrongPublisherEtidCorruptFrame) {
  auto c = client(tp());
  c->send_packet(pkt::publish_to(c->etid, c->etid ^ 0x5a5a5a5a, 0, "x"));
  EXPECT_EQ(next_packet(*c), pkt::disconnect_packet("corrupt frame"));
  CloseResult r = c->expect_closed(2s);
  EXPECT_TRUE(r.closed);
  if (tp() == Transport::ws) {
    EXPECT_EQ(r.code, 1008);
  }
}

TEST_P(EdgeMatrix, Row06_UnsubscribeUnknownOrNotSubscribedIsIgnored) {
  auto c = client(tp());
  auto other_client = client(other());
  std::uint32_t tid = subscribe(*other_client, "not/mine");
  c->send_packet(pkt::unsubscribe_from(0x13572468));
  c->send_packet(pkt::unsubscribe_from(tid));
  EXPECT_TRUE(quiet_until_pong(*c));
  // The real subscriber is unaffected.
  ASSERT_TRUE(publish(*c, tid, "still yours"));
  EXPECT_TRUE(recv_publish(*other_client));
}

TEST_P(EdgeMatrix, Row07_ObserveUnknownOrDeadIdAnswersZeroAndDoesNotRegister) {
  auto c = client(tp());
  c->send_packet(pkt::observe_id(0x24681357));
  auto ch = recv_change(*c);
  ASSERT_TRUE(ch);
  EXPECT_EQ(ch->id, 0x24681357u);
  EXPECT_EQ(ch->count, 0u);
  EXPECT_TRUE(quiet_until_pong(*c));
}

TEST_P(EdgeMatrix, Row08_ObserveOwnEtidIsIgnored) {
  auto c = client(tp());
  c->send_packet(pkt::observe_id(c->etid));
  EXPECT_TRUE(quiet_until_pong(*c));
}

TEST_P(EdgeMatrix, Row09_DuplicateSubscribeNoPermitNoChange) {
  auto& permits = recorder<std::string>();
  smq::Hooks hooks;
  hooks.permit_topic = [&](std::string_view n, bool is_sub, const smq::Peer&) {
    permits.push(std::string(n) + (is_sub ? ":sub" : ":create"));
    return true;
  };
  start_broker(hooks);
  auto c = client(tp());
  std::uint32_t tid = subscribe(*c, "twice");
  EXPECT_EQ(subscribe(*c, "twice"), tid);
  EXPECT_EQ(permits.items(), std::vector<std::string>{"twice:sub"});
}

TEST_P(EdgeMatrix, Row10_CreateExistingConsultsPermitEachTime) {
  auto& permits = recorder<std::string>();
  smq::Hooks hooks;
  hooks.permit_topic = [&](std::string_view n, bool is_sub, const smq::Peer&) {
    permits.push(std::string(n) + (is_sub ? ":sub" : ":create"));
    return true;
  };
  start_broker(hooks);
  auto c = client(tp());
  std::uint32_t tid = create(*c, "made");
  EXPECT_EQ(create(*c, "made"), tid);
  EXPECT_EQ(permits.items(), (std::vector<std::string>{"made:create", "made:create"}));
}

TEST_P(EdgeMatrix, Row11_CreatesubExistingSkipsPermit) {
  auto& permits = recorder<std::string>();
  smq::Hooks hooks;
  hooks.permit_subtopic = [&](std::string_view n, const smq::Peer&) {
    permits.push(std::string(n));
    return true;
  };
  start_broker(hooks);
  auto c = client(tp());
  std::uint32_t id = createsub(*c, "sub");
  EXPECT_EQ(createsub(*c, "sub"), id);
  auto c2 = client(other());
  EXPECT_EQ(createsub(*c2, "sub"), id);
  EXPECT_EQ(permits.items(), std::vector<std::string>{"sub"});
}

TEST_P(EdgeMatrix, Row12_PermitFalseDeniesWithEcho) {
  smq::Hooks hooks;
  hooks.permit_topic = [](std::string_view, bool, const smq::Peer&) { return false; };
  hooks.permit_subtopic = [](std::string_view, const smq::Peer&) { return false; };
  start_broker(hooks);
  auto c = client(tp());
  for (auto [req, type] : {std::pair{pkt::subscribe_to("no/way"), pkt::suback},
                           std::pair{pkt::create_topic("no/way"), pkt::createack},
                           std::pair{pkt::create_sub("no/way"), pkt::createsuback}}) {
    auto ack = request_ack(*c, req, type);
    EXPECT_EQ(ack.status, 1);
    EXPECT_EQ(ack.id, 0u);
    EXPECT_EQ(ack.name, "no/way");
  }
  EXPECT_TRUE(quiet_until_pong(*c)) << "denial must not close";
}

TEST_P(EdgeMatrix, Row13_SecondConnectionWithSameUid) {
  auto watcher = client(other());
  auto first = client(tp(), "edge-uid-13");
  watcher->send_packet(pkt::observe_id(first->etid));
  ASSERT_TRUE(quiet_until_pong(*watcher));
  auto second = client(tp(), "edge-uid-13");
  EXPECT_EQ(second->etid, first->etid);
  EXPECT_EQ(next_packet(*first), pkt::disconnect_packet("reconnect"));
  EXPECT_TRUE(first->expect_closed(2s).closed);
  // Observers are told the old session ended (smq-wire.md section 4).
  auto ch = recv_change(*watcher);
  ASSERT_TRUE(ch);
  EXPECT_EQ(ch->id, first->etid);
  EXPECT_EQ(ch->count, 0u);
  EXPECT_TRUE(quiet_until_pong(*second));
}

TEST_P(EdgeMatrix, Row14_UidShorterThanSixBytes) {
  auto c = open(tp());
  c->send_packet(pkt::connect_v2("12345"));
  EXPECT_TRUE(hex_matches("03 01 00 00 00 00 *", next_packet(*c)));
  EXPECT_TRUE(c->expect_closed(2s).closed);
}

TEST_P(EdgeMatrix, Row15_ShortPacketsCloseWithoutDisconnect) {
  for (Bytes p : {from_hex("08 00 00 00 01 00 00 00 02 00 00 00"), from_hex("09 00 00 01"),
                  from_hex("0e 00 00"), from_hex("0f 00")}) {
    SCOPED_TRACE(pkt::describe(p));
    auto c = client(tp());
    c->send_packet(p);
    expect_protocol_close(*c, 1002);
  }
}

SMQ_BOTH_TRANSPORTS(EdgeMatrix);

}  // namespace
}  // namespace smqtest
