// The in-process client (broker.server(), ETID 1) against network clients: subscribe with
// callbacks, publish to topics and ETIDs, observe, the name/id translators, and that hooks
// apply to server publishes too (smq-wire.md 6.4/6.5).
#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>

#include "broker_fixture.hpp"

namespace smqtest {
namespace {

using namespace std::chrono_literals;

struct Got {
  std::string payload;
  std::uint32_t ptid, tid, subtid;
  bool operator==(const Got&) const = default;
};

void PrintTo(const Got& g, std::ostream* os) {
  *os << "{'" << g.payload << "' ptid=" << g.ptid << " tid=" << g.tid << " subtid=" << g.subtid << "}";
}

smq::MessageHandler record_into(Recorder<Got>& r) {
  return [&r](const smq::Delivery& d) { r.push({std::string(d.text()), d.ptid, d.tid, d.subtid}); };
}

class LocalClient : public TransportTest {};

TEST_P(LocalClient, SubscribeCallbackGetsNetworkPublish) {
  auto& got = recorder<Got>();
  std::uint32_t tid = server().subscribe("local/in", record_into(got));
  auto c = client(tp());
  EXPECT_EQ(subscribe(*c, "local/in"), tid);
  ASSERT_TRUE(publish(*c, tid, "from network", 42));
  ASSERT_TRUE(got.wait_for(1));
  EXPECT_EQ(got.items()[0], (Got{"from network", c->etid, tid, 42}));
  auto echo = recv_publish(*c);  // the network subscriber gets its copy too
  ASSERT_TRUE(echo);
  EXPECT_EQ(echo->payload, "from network");
}

TEST_P(LocalClient, SubtopicCallbacksAndCatchAll) {
  auto& on_a = recorder<Got>();
  auto& on_any = recorder<Got>();
  std::uint32_t tid = server().subscribe("local/sub", "a", record_into(on_a));
  server().subscribe("local/sub", record_into(on_any));
  auto c = client(tp());
  std::uint32_t a = createsub(*c, "a");
  EXPECT_EQ(server().subtopic2tid("a"), a);
  ASSERT_TRUE(publish(*c, tid, "to a", a));
  ASSERT_TRUE(publish(*c, tid, "to none", 0));
  ASSERT_TRUE(on_a.wait_for(1));
  ASSERT_TRUE(on_any.wait_for(1));
  // Both publishes handled (Pong), then their posted callback dispatch has run (barrier).
  ASSERT_TRUE(quiet_until_pong(*c));
  loop_barrier();
  EXPECT_EQ(on_a.items(), (std::vector<Got>{{"to a", c->etid, tid, a}}));
  EXPECT_EQ(on_any.items(), (std::vector<Got>{{"to none", c->etid, tid, 0}}));
}

TEST_P(LocalClient, PublishToClientEtidAndTopic) {
  auto c = client(tp());
  EXPECT_EQ(server().publish("direct", c->etid), 1u);
  auto m = recv_publish(*c);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->tid, c->etid);
  EXPECT_EQ(m->ptid, 1u);
  EXPECT_EQ(m->payload, "direct");
  std::uint32_t tid = subscribe(*c, "local/out");
  auto c2 = client(other());
  subscribe(*c2, "local/out");
  std::uint32_t sub = server().createsub("kind");
  EXPECT_EQ(server().publish("to topic", "local/out", "kind"), 2u);
  for (auto* x : {c.get(), c2.get()}) {
    m = recv_publish(*x);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->tid, tid);
    EXPECT_EQ(m->ptid, 1u);
    EXPECT_EQ(m->subtid, sub);
    EXPECT_EQ(m->payload, "to topic");
  }
  EXPECT_EQ(server().publish("nobody", "local/empty"), 0u);
}

TEST_F(BrokerTest, LocalPublishOverMaxPayloadThrows) {
  auto c = client(Transport::raw);
  std::string big(0xFFF1, 'x');
  EXPECT_THROW(server().publish(big, c->etid), std::length_error);
  EXPECT_EQ(server().publish(std::string(0xFFF0, 'x'), c->etid), 1u);
  auto m = recv_publish(*c);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->payload.size(), 0xFFF0u);
}

TEST_P(LocalClient, ClientsReachEtid1AndSelfSubscription) {
  auto& got = recorder<Got>();
  EXPECT_EQ(server().subscribe("self", record_into(got)), 1u);
  auto c = client(tp());
  ASSERT_TRUE(publish(*c, 1, "hello server", 7));
  ASSERT_TRUE(got.wait_for(1));
  EXPECT_EQ(got.items()[0], (Got{"hello server", c->etid, 1, 7}));
  // A reply from the callback's data goes back to the sender's ETID.
  EXPECT_EQ(server().publish("hello client", got.items()[0].ptid), 1u);
  auto m = recv_publish(*c);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->payload, "hello client");
}

TEST_P(LocalClient, ObserveClientEtidReportsZeroOnDisconnect) {
  auto& changes = recorder<std::pair<std::uint32_t, std::uint32_t>>();
  auto c = client(tp());
  std::uint32_t etid = c->etid;
  EXPECT_TRUE(server().observe(etid, [&](std::uint32_t count, std::uint32_t id) { changes.push({count, id}); }));
  loop_barrier();  // observe() ran on the loop; a Change it caused would be dispatched by now
  EXPECT_EQ(changes.size(), 0u) << "Change for a live ETID";
  c->send_packet(pkt::disconnect_packet());
  ASSERT_TRUE(changes.wait_for(1));
  EXPECT_EQ(changes.items()[0], std::make_pair(0u, etid));
  // Unknown ids and the own ETID are refused.
  EXPECT_FALSE(server().observe(etid, [](std::uint32_t, std::uint32_t) {}));
  EXPECT_FALSE(server().observe(0x55aa55aau, [](std::uint32_t, std::uint32_t) {}));
  EXPECT_FALSE(server().observe(1u, [](std::uint32_t, std::uint32_t) {}));
}

TEST_P(LocalClient, ObserveNamedTopicCounts) {
  auto& changes = recorder<std::pair<std::uint32_t, std::uint32_t>>();
  std::uint32_t tid = server().create("local/observed");
  EXPECT_TRUE(server().observe("local/observed", [&](std::uint32_t count, std::uint32_t id) { changes.push({count, id}); }));
  auto c = client(tp());
  EXPECT_EQ(subscribe(*c, "local/observed"), tid);
  ASSERT_TRUE(changes.wait_for(1));
  EXPECT_EQ(changes.items().back(), std::make_pair(1u, tid));
  std::size_t before = changes.size();
  c->close_socket();
  ASSERT_TRUE(changes.wait_for(before + 1));
  EXPECT_EQ(changes.items().back(), std::make_pair(0u, tid));
}

TEST_P(LocalClient, NamesAndIdsAgreeWithTheWire) {
  auto c = client(tp());
  std::uint32_t tid = server().create("shared/name");
  EXPECT_NE(tid, 0u);
  EXPECT_EQ(subscribe(*c, "shared/name"), tid);
  EXPECT_EQ(server().topic2tid("shared/name"), tid);
  EXPECT_EQ(server().tid2topic(tid), "shared/name");
  std::uint32_t net_tid = create(*c, "made/by/client");
  EXPECT_EQ(server().topic2tid("made/by/client"), net_tid);
  EXPECT_EQ(server().create("made/by/client"), net_tid);
  std::uint32_t sub = createsub(*c, "client/sub");
  EXPECT_EQ(server().subtopic2tid("client/sub"), sub);
  EXPECT_EQ(server().tid2subtopic(sub), "client/sub");
  EXPECT_EQ(server().createsub("client/sub"), sub);
  EXPECT_EQ(server().topic2tid("never/made"), 0u);
  EXPECT_EQ(server().tid2topic(0x5a5a5a5a), "");
  EXPECT_EQ(server().create("self"), 1u) << "\"self\" is the server's own ETID for server code";
}

TEST_P(LocalClient, UnsubscribeStopsCallbacksAndUpdatesCount) {
  auto& got = recorder<Got>();
  std::uint32_t tid = server().subscribe("local/leave", record_into(got));
  auto obs = client(tp());
  obs->send_packet(pkt::observe_id(tid));
  auto ch = recv_change(*obs);
  ASSERT_TRUE(ch);
  EXPECT_EQ(ch->count, 1u);
  server().unsubscribe("local/leave");
  ch = recv_change(*obs);
  ASSERT_TRUE(ch);
  EXPECT_EQ(ch->count, 0u);
  ASSERT_TRUE(publish(*obs, tid, "after"));
  ASSERT_TRUE(quiet_until_pong(*obs));
  loop_barrier();  // a callback for "after" would have been dispatched before this
  EXPECT_EQ(got.size(), 0u);
}

TEST_P(LocalClient, HooksApplyToServerPublishes) {
  auto& seen = recorder<std::uint32_t>();
  smq::Hooks hooks;
  hooks.on_publish = [&](const smq::Message& m, const smq::Peer& p) {
    seen.push(p.etid);
    return m.payload.size() != 4;  // drops 4-byte payloads
  };
  start_broker(hooks);
  auto c = client(tp());
  EXPECT_EQ(server().publish("drop", c->etid), 0u);
  EXPECT_EQ(server().publish("passes", c->etid), 1u);
  auto m = recv_publish(*c);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->payload, "passes");
  EXPECT_TRUE(quiet_until_pong(*c)) << "on_publish did not drop the server publish";
  ASSERT_TRUE(seen.wait_for(2));
  for (auto e : seen.items()) EXPECT_EQ(e, 1u) << "server publishes come from ETID 1";
}

SMQ_BOTH_TRANSPORTS(LocalClient);

}  // namespace
}  // namespace smqtest
