// Session life-cycle details from smq-wire.md section 4 and the broker options: the order of
// Changes when a subscriber leaves, eviction by UID dropping the old subscriptions,
// observer bookkeeping of departed clients, connection caps (checklist A3/K10), and an
// unfinished PubFrag never leaking out.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "broker_fixture.hpp"

namespace smqtest {
namespace {

using namespace std::chrono_literals;

class Lifecycle : public TransportTest {};

TEST_P(Lifecycle, LeavingSubscriberTopicChangesComeBeforeEtidChange) {
  auto leaving = client(tp());
  auto obs = client(other());
  std::uint32_t t1 = subscribe(*leaving, "life/one");
  std::uint32_t t2 = subscribe(*leaving, "life/two");
  for (std::uint32_t id : {t1, t2}) {
    obs->send_packet(pkt::observe_id(id));
    auto ch = recv_change(*obs);
    ASSERT_TRUE(ch);
    EXPECT_EQ(ch->count, 1u);
  }
  obs->send_packet(pkt::observe_id(leaving->etid));
  obs->send_packet(pkt::observe_id(leaving->etid));  // idempotent registration
  ASSERT_TRUE(quiet_until_pong(*obs));
  std::uint32_t etid = leaving->etid;
  leaving->close_socket();
  std::vector<pkt::Change> got;
  for (int i = 0; i < 3; ++i) {
    auto ch = recv_change(*obs);
    ASSERT_TRUE(ch) << "Change " << i << " missing";
    got.push_back(*ch);
  }
  EXPECT_TRUE(quiet_until_pong(*obs)) << "more than one Change per id";
  std::set<std::uint32_t> topics{got[0].id, got[1].id};
  EXPECT_EQ(topics, (std::set<std::uint32_t>{t1, t2}));
  EXPECT_EQ(got[0].count, 0u);
  EXPECT_EQ(got[1].count, 0u);
  EXPECT_EQ(got[2].id, etid) << "the ETID Change comes after the topic Changes";
  EXPECT_EQ(got[2].count, 0u);
}

TEST_P(Lifecycle, EvictionByUidDropsOldSubscriptions) {
  auto obs = client(other());
  auto old_conn = client(tp(), "evicted-uid");
  std::uint32_t tid = subscribe(*old_conn, "life/evict");
  obs->send_packet(pkt::observe_id(tid));
  ASSERT_EQ(recv_change(*obs)->count, 1u);
  auto new_conn = client(tp(), "evicted-uid");
  auto ch = recv_change(*obs);
  ASSERT_TRUE(ch);
  EXPECT_EQ(ch->id, tid);
  EXPECT_EQ(ch->count, 0u) << "the old session's subscription must go";
  ASSERT_TRUE(publish(*obs, tid, "nobody listens"));
  EXPECT_TRUE(quiet_until_pong(*new_conn)) << "the new session inherited subscriptions";
}

TEST_P(Lifecycle, DepartedObserverIsForgotten) {
  auto sub = client(tp());
  std::uint32_t tid = create(*sub, "life/observed");
  // The in-process client observes each observer's ETID: its Change(0) says the broker has
  // handled that observer's departure.
  auto& gone = recorder<std::uint32_t>();
  for (int i = 0; i < 5; ++i) {
    auto o = client(i % 2 ? tp() : other());
    o->send_packet(pkt::observe_id(tid));
    o->send_packet(pkt::observe_id(sub->etid));
    ASSERT_TRUE(recv_change(*o));
    ASSERT_TRUE(server().observe(o->etid, [&gone](std::uint32_t count, std::uint32_t id) {
      if (count == 0) gone.push(id);
    }));
    o->close_socket();
    ASSERT_TRUE(gone.wait_for(static_cast<std::size_t>(i) + 1)) << "observer " << i << " not forgotten";
  }
  // Changes for the topic and the ETID now have no live observer; nothing may break.
  subscribe(*sub, "life/observed");
  sub->send_packet(pkt::unsubscribe_from(tid));
  ASSERT_TRUE(quiet_until_pong(*sub));
  sub->send_packet(pkt::disconnect_packet());
  EXPECT_TRUE(sub->expect_closed(2s).closed);
  expect_broker_healthy();
}

TEST_P(Lifecycle, UnfinishedPubFragIsNeverDelivered) {
  auto sub = client(tp());
  std::uint32_t tid = subscribe(*sub, "life/frag");
  {
    auto pub = client(Transport::raw);
    pub->send_packet(pkt::pubfrag_to(0, 0, 0, "partial"));
    ASSERT_TRUE(quiet_until_pong(*pub));
    pub->close_socket();
  }
  auto pub2 = client(Transport::raw);
  pub2->send_packet(pkt::pubfrag_to(tid, pub2->etid, 0, "complete"));
  auto m = recv_publish(*sub);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->payload, "complete") << "another connection's fragment leaked in";
  EXPECT_TRUE(quiet_until_pong(*sub));
}

TEST_P(Lifecycle, MaxConnectionsRefusesWithCode2) {
  start_broker({}, [](smq::BrokerOptions& o) { o.max_connections = 2; });
  auto a = client(tp());
  auto b = client(other());
  auto c = open(tp());
  c->send_packet(pkt::connect_v1(unique_uid()));
  EXPECT_TRUE(hex_matches("03 02 00 00 00 00 *", next_packet(*c)));
  EXPECT_TRUE(c->expect_closed(2s).closed);
  b->send_packet(pkt::disconnect_packet());
  EXPECT_TRUE(b->expect_closed(2s).closed);
  std::unique_ptr<SmqConn> d;
  for (int attempt = 0; attempt < 20 && !d; ++attempt) {
    try {
      d = client(tp());
    } catch (const std::exception&) {
      std::this_thread::sleep_for(20ms);  // the broker may still be tearing b down
    }
  }
  EXPECT_TRUE(d) << "slot not freed after a disconnect";
}

// A same-UID reconnect replaces a session instead of adding one, so the cap must not lock
// out a client whose old connection is still registered (trap 23 at capacity).
TEST_P(Lifecycle, SameUidReconnectAtCapacityReplacesSession) {
  start_broker({}, [](smq::BrokerOptions& o) { o.max_connections = 2; });
  auto a = client(tp());
  auto b = client(other());
  auto a2 = open(other());
  a2->send_packet(pkt::connect_v1(a->uid));
  Bytes p = next_packet(*a2);
  auto ack = pkt::parse_connack(p);
  ASSERT_TRUE(ack) << pkt::describe(p);
  EXPECT_EQ(ack->code, 0) << "same-UID reconnect refused at capacity: " << pkt::describe(p);
  EXPECT_EQ(ack->etid, a->etid);
  if (ack->code == 0) {
    EXPECT_EQ(next_packet(*a), pkt::disconnect_packet("reconnect"));
  }
}

TEST_F(BrokerTest, MaxPendingConnectionsShedsIdleSockets) {
  start_broker({}, [](smq::BrokerOptions& o) { o.max_pending_connections = 3; });
  auto established = client(Transport::ws);
  std::vector<Socket> idle(3);
  for (auto& s : idle) ASSERT_TRUE(s.connect_loopback(port()));
  // The broker has accepted all three before the extra one connects.
  const auto deadline = std::chrono::steady_clock::now() + 3s;
  while (stats_of(broker()).pending_connections < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_EQ(stats_of(broker()).pending_connections, 3u);
  Socket extra;
  ASSERT_TRUE(extra.connect_loopback(port()));
  while (extra.fill(1s)) {
  }
  EXPECT_TRUE(extra.eof()) << "pending-connection cap not enforced";
  EXPECT_TRUE(quiet_until_pong(*established)) << "established client affected";
  for (auto& s : idle) s.close();
  std::unique_ptr<SmqConn> later;
  for (int attempt = 0; attempt < 20 && !later; ++attempt) {
    try {
      later = client(Transport::raw);
    } catch (const std::exception&) {
      std::this_thread::sleep_for(20ms);
    }
  }
  EXPECT_TRUE(later) << "capacity not recovered after idle sockets closed";
}

SMQ_BOTH_TRANSPORTS(Lifecycle);

}  // namespace
}  // namespace smqtest
