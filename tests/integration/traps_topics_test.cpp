// Compatibility traps of smq-wire.md section 9 about names and ids: exact ack echo and
// types (6), ack order (7), duplicate Subscribe (8), no id 0 and one shared TID/ETID
// namespace (9), ETID 1 for the server client (10), TIDs never recycled (11), "self" and
// "" as ordinary names (25), counting subscribers per connection (27).
#include <gtest/gtest.h>

#include <set>

#include "broker_fixture.hpp"

namespace smqtest {
namespace {

using namespace std::chrono_literals;

class TrapTopics : public TransportTest {};

// Trap 6: each request gets its own ack type with the name echoed byte for byte, also when
// denied (status 1, id 0).
TEST_P(TrapTopics, Trap06_AcksEchoNameWithTheRightType) {
  smq::Hooks hooks;
  hooks.permit_topic = [](std::string_view name, bool, const smq::Peer&) { return name.substr(0, 6) != "denied"; };
  hooks.permit_subtopic = [](std::string_view name, const smq::Peer&) { return name.substr(0, 6) != "denied"; };
  start_broker(hooks);
  auto c = client(tp());
  const std::string name = std::string("n\xc3\xa4me/\x01\x00/x", 11);
  auto s = request_ack(*c, pkt::subscribe_to(name), pkt::suback);
  EXPECT_EQ(s.status, 0);
  EXPECT_EQ(s.name, name);
  auto cr = request_ack(*c, pkt::create_topic(name), pkt::createack);
  EXPECT_EQ(cr.status, 0);
  EXPECT_EQ(cr.name, name);
  EXPECT_EQ(cr.id, s.id);
  auto cs = request_ack(*c, pkt::create_sub(name), pkt::createsuback);
  EXPECT_EQ(cs.status, 0);
  EXPECT_EQ(cs.name, name);
  EXPECT_NE(cs.id, 0u);
  for (auto [req, ack] : {std::pair{pkt::subscribe_to("denied/a"), pkt::suback},
                          std::pair{pkt::create_topic("denied/a"), pkt::createack},
                          std::pair{pkt::create_sub("denied/a"), pkt::createsuback}}) {
    auto d = request_ack(*c, req, ack);
    EXPECT_EQ(d.status, 1);
    EXPECT_EQ(d.id, 0u);
    EXPECT_EQ(d.name, "denied/a");
  }
  EXPECT_TRUE(quiet_until_pong(*c));
}

// Trap 7: C devices match acks by order.
TEST_P(TrapTopics, Trap07_AcksComeBackInRequestOrder) {
  auto c = client(tp());
  std::vector<std::pair<std::uint8_t, std::string>> expected;
  for (int i = 0; i < 60; ++i) {
    std::string name = "order/" + std::to_string(i % 20);  // repeats hit existing names too
    switch (i % 3) {
      case 0: c->send_packet(pkt::subscribe_to(name)); expected.emplace_back(pkt::suback, name); break;
      case 1: c->send_packet(pkt::create_topic(name)); expected.emplace_back(pkt::createack, name); break;
      default: c->send_packet(pkt::create_sub(name)); expected.emplace_back(pkt::createsuback, name); break;
    }
  }
  for (std::size_t i = 0; i < expected.size(); ++i) {
    Bytes p = next_packet(*c);
    auto ack = pkt::parse_ack(p);
    ASSERT_TRUE(ack) << i << ": " << pkt::describe(p);
    EXPECT_EQ(ack->type, expected[i].first) << "reply " << i;
    EXPECT_EQ(ack->name, expected[i].second) << "reply " << i;
    EXPECT_EQ(ack->status, 0);
  }
}

// Trap 8: a repeated Subscribe gets the same positive Suback and changes nothing.
TEST_P(TrapTopics, Trap08_DuplicateSubscribeSameSubackNoChange) {
  auto c = client(tp());
  auto observer = client(other());
  std::uint32_t tid = subscribe(*c, "dup/topic");
  observer->send_packet(pkt::observe_id(tid));
  auto ch = recv_change(*observer);
  ASSERT_TRUE(ch);
  EXPECT_EQ(ch->count, 1u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(subscribe(*c, "dup/topic"), tid);
  // The Subacks came back, so any Change they caused is queued before the observer's Pong.
  EXPECT_TRUE(quiet_until_pong(*observer)) << "duplicate subscribe produced a Change";
  // Still one copy per publish.
  ASSERT_TRUE(publish(*c, tid, "once"));
  ASSERT_TRUE(recv_publish(*c));
  EXPECT_TRUE(quiet_until_pong(*c)) << "duplicate subscribe duplicated delivery";
}

// Trap 9: no id is ever 0, and topics and clients never share an id.
TEST_P(TrapTopics, Trap09_IdsAreNonZeroAndShareOneNamespace) {
  auto c = client(tp());
  std::set<std::uint32_t> tids, subtids;
  for (int i = 0; i < 300; ++i) c->send_packet(pkt::create_topic("ns/" + std::to_string(i)));
  for (int i = 0; i < 300; ++i) {
    auto ack = pkt::parse_ack(next_packet(*c));
    ASSERT_TRUE(ack);
    EXPECT_NE(ack->id, 0u);
    tids.insert(ack->id);
  }
  EXPECT_EQ(tids.size(), 300u);
  for (int i = 0; i < 100; ++i) subtids.insert(createsub(*c, "sub/" + std::to_string(i)));
  EXPECT_EQ(subtids.size(), 100u);
  EXPECT_EQ(subtids.count(0), 0u);
  std::vector<std::unique_ptr<SmqConn>> clients;
  std::set<std::uint32_t> etids{c->etid};
  for (int i = 0; i < 20; ++i) {
    clients.push_back(client(i % 2 ? tp() : other()));
    etids.insert(clients.back()->etid);
  }
  EXPECT_EQ(etids.size(), 21u);
  for (auto e : etids) {
    EXPECT_NE(e, 0u);
    EXPECT_NE(e, 1u) << "ETID 1 belongs to the server client";
    EXPECT_EQ(tids.count(e), 0u) << "ETID equals a topic TID";
  }
}

// Trap 10: ETID 1 is the server client and reachable by every client.
TEST_P(TrapTopics, Trap10_Etid1IsTheServerClient) {
  EXPECT_EQ(server().gettid(), 1u);
  auto& got = recorder<std::tuple<std::string, std::uint32_t, std::uint32_t>>();
  server().on_message([&](const smq::Delivery& d) { got.push({std::string(d.text()), d.ptid, d.tid}); });
  auto c = client(tp());
  ASSERT_TRUE(publish(*c, 1, "to server"));
  ASSERT_TRUE(got.wait_for(1));
  auto [text, ptid, tid] = got.items()[0];
  EXPECT_EQ(text, "to server");
  EXPECT_EQ(ptid, c->etid);
  EXPECT_EQ(tid, 1u);
  // Observing ETID 1 is observing a live client: no Change now.
  c->send_packet(pkt::observe_id(1));
  EXPECT_TRUE(quiet_until_pong(*c));
}

// Trap 11: a TID stays valid for the broker's lifetime, even with no subscribers left.
TEST_P(TrapTopics, Trap11_TidsAreNeverRecycled) {
  std::uint32_t tid;
  {
    auto a = client(tp());
    tid = subscribe(*a, "keep/me");
    a->send_packet(pkt::unsubscribe_from(tid));
    ASSERT_TRUE(quiet_until_pong(*a));
    a->send_packet(pkt::disconnect_packet());
    EXPECT_TRUE(a->expect_closed(2s).closed);
  }
  auto b = client(other());
  b->send_packet(pkt::observe_id(tid));
  auto ch = recv_change(*b);
  ASSERT_TRUE(ch);
  EXPECT_EQ(ch->id, tid);
  EXPECT_EQ(ch->count, 0u);
  EXPECT_EQ(create(*b, "keep/me"), tid);
  // The observer registration is real (the topic is known): b's own Subscribe reports the
  // new count to b, before the Suback.
  b->send_packet(pkt::subscribe_to("keep/me"));
  ch = recv_change(*b);
  ASSERT_TRUE(ch);
  EXPECT_EQ(ch->id, tid);
  EXPECT_EQ(ch->count, 1u);
  auto ack = pkt::parse_ack(next_packet(*b));
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->type, pkt::suback);
  EXPECT_EQ(ack->id, tid);
}

// Trap 25: "self" and "" are ordinary names on the wire.
TEST_P(TrapTopics, Trap25_SelfAndEmptyAreOrdinaryNames) {
  auto a = client(tp());
  auto b = client(other());
  std::uint32_t self_tid = subscribe(*a, "self");
  EXPECT_NE(self_tid, a->etid);
  EXPECT_EQ(subscribe(*b, "self"), self_tid);
  std::uint32_t empty_tid = subscribe(*a, "");
  EXPECT_NE(empty_tid, self_tid);
  ASSERT_TRUE(publish(*b, self_tid, "via self topic"));
  for (auto* c : {a.get(), b.get()}) {
    auto m = recv_publish(*c);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->tid, self_tid);
    EXPECT_EQ(m->payload, "via self topic");
  }
  ASSERT_TRUE(publish(*b, empty_tid, "via empty topic"));
  auto m = recv_publish(*a);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->tid, empty_tid);
  EXPECT_TRUE(quiet_until_pong(*b));
}

// Trap 27: counts are connections, not callbacks or sub-topics.
TEST_P(TrapTopics, Trap27_SubscriberCountIsPerConnection) {
  auto observer = client(tp());
  auto s1 = client(tp());
  auto s2 = client(other());
  std::uint32_t tid = create(*observer, "count/me");
  observer->send_packet(pkt::observe_id(tid));
  auto expect_count = [&](std::uint32_t n) {
    auto ch = recv_change(*observer);
    ASSERT_TRUE(ch) << "no Change for count " << n;
    EXPECT_EQ(ch->id, tid);
    EXPECT_EQ(ch->count, n);
  };
  expect_count(0);
  subscribe(*s1, "count/me");
  expect_count(1);
  subscribe(*s1, "count/me");
  subscribe(*s2, "count/me");
  expect_count(2);
  // The in-process client with two sub-topic callbacks is one more subscriber.
  server().subscribe("count/me", "a", [](const smq::Delivery&) {});
  server().subscribe("count/me", "b", [](const smq::Delivery&) {});
  expect_count(3);
  // The in-process subscribe returned after the hub handled it: any Change is already queued.
  EXPECT_TRUE(quiet_until_pong(*observer));
  s1->send_packet(pkt::unsubscribe_from(tid));
  expect_count(2);
  s2->close_socket();
  expect_count(1);
}

SMQ_BOTH_TRANSPORTS(TrapTopics);

}  // namespace
}  // namespace smqtest
