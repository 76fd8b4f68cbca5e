// Compatibility traps of smq-wire.md section 9 about routing and observation: verbatim
// forwarding and echo (12), implicit ETID delivery (13), Unsubscribe of an ETID (14),
// Unobserve (15), Change rules (16), exact control frame sizes (17), the 0xFFF0 payload
// bound across transports (21), PubFrag assembly (22), corrupt-frame Disconnect (24) and
// the silent answer to a client Disconnect (26).
#include <gtest/gtest.h>

#include "broker_fixture.hpp"

namespace smqtest {
namespace {

using namespace std::chrono_literals;

class TrapRouting : public TransportTest {};

// Trap 12: frames are forwarded byte for byte, the publisher gets its own echo, and a direct
// message keeps the recipient's ETID as destination.
TEST_P(TrapRouting, Trap12_ForwardedVerbatimWithEcho) {
  auto a = client(tp());
  auto b = client(other());
  std::uint32_t tid = subscribe(*a, "verbatim");
  subscribe(*b, "verbatim");
  const Bytes packet = pkt::publish_to(tid, a->etid, 0x01020304, std::string("\x00\xff\x08payload", 10));
  ASSERT_TRUE(a->send_packet(packet));
  for (auto* c : {a.get(), b.get()}) {
    auto p = c->recv_packet(2s);
    ASSERT_TRUE(p) << to_string(c->transport()) << " got nothing";
    EXPECT_EQ(to_hex(*p), to_hex(packet));
  }
  const Bytes direct = pkt::publish_to(b->etid, a->etid, 9, "direct");
  ASSERT_TRUE(a->send_packet(direct));
  auto p = b->recv_packet(2s);
  ASSERT_TRUE(p);
  EXPECT_EQ(to_hex(*p), to_hex(direct)) << "destination must stay the recipient's ETID";
  EXPECT_TRUE(quiet_until_pong(*a));
}

// Trap 13: every client is reachable at its ETID without subscribing to anything.
TEST_P(TrapRouting, Trap13_DirectMessageWithoutSubscriptions) {
  auto a = client(tp());
  auto b = client(other());
  ASSERT_TRUE(publish(*b, a->etid, "hi a"));
  auto m = recv_publish(*a);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->tid, a->etid);
  EXPECT_EQ(m->ptid, b->etid);
  EXPECT_EQ(m->payload, "hi a");
  // Publishing to one's own ETID delivers to oneself.
  ASSERT_TRUE(publish(*a, a->etid, "me"));
  m = recv_publish(*a);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->payload, "me");
}

// Trap 14: Unsubscribe(own ETID) is ignored: no Change to ETID observers, delivery intact.
TEST_P(TrapRouting, Trap14_UnsubscribeOfEtidIsIgnored) {
  auto a = client(tp());
  auto watcher = client(other());
  watcher->send_packet(pkt::observe_id(a->etid));
  ASSERT_TRUE(quiet_until_pong(*watcher));
  a->send_packet(pkt::unsubscribe_from(a->etid));
  ASSERT_TRUE(quiet_until_pong(*a));  // the Unsubscribe was handled
  EXPECT_TRUE(quiet_until_pong(*watcher)) << "Change sent for a live ETID";
  ASSERT_TRUE(publish(*watcher, a->etid, "still reachable"));
  auto m = recv_publish(*a);
  ASSERT_TRUE(m) << "direct delivery broken by Unsubscribe(ETID)";
  EXPECT_EQ(m->payload, "still reachable");
  // Also an Unsubscribe of someone else's ETID changes nothing.
  watcher->send_packet(pkt::unsubscribe_from(a->etid));
  ASSERT_TRUE(quiet_until_pong(*watcher));
  ASSERT_TRUE(publish(*watcher, a->etid, "again"));
  EXPECT_TRUE(recv_publish(*a));
}

// Trap 15: Unobserve removes only the observer; the observed topic/ETID keeps routing.
TEST_P(TrapRouting, Trap15_UnobserveOnlyRemovesTheObserver) {
  auto sub = client(tp());
  auto obs = client(other());
  std::uint32_t tid = subscribe(*sub, "unobs/topic");
  obs->send_packet(pkt::observe_id(tid));
  ASSERT_TRUE(recv_change(*obs));
  obs->send_packet(pkt::observe_id(sub->etid));
  obs->send_packet(pkt::unobserve_id(tid));
  obs->send_packet(pkt::unobserve_id(sub->etid));
  ASSERT_TRUE(quiet_until_pong(*obs));
  // The topic still routes and the ETID still receives.
  ASSERT_TRUE(publish(*obs, tid, "topic ok"));
  auto m = recv_publish(*sub);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->payload, "topic ok");
  ASSERT_TRUE(publish(*obs, sub->etid, "etid ok"));
  m = recv_publish(*sub);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->payload, "etid ok");
  // And the former observer hears nothing about either any more.
  auto sub2 = client(tp());
  subscribe(*sub2, "unobs/topic");
  sub->send_packet(pkt::disconnect_packet());
  EXPECT_TRUE(sub->expect_closed(2s).closed);  // the broker tore it down before closing
  EXPECT_TRUE(quiet_until_pong(*obs));
}

// Trap 16: Observe of a named topic answers at once with the count; a live ETID answers
// nothing until it leaves; an unknown or dead id answers Change(id, 0) at once.
TEST_P(TrapRouting, Trap16_ChangeRules) {
  auto obs = client(tp());
  auto peer = client(other());
  std::uint32_t empty_topic = create(*obs, "obs/empty");
  obs->send_packet(pkt::observe_id(empty_topic));
  auto ch = recv_change(*obs);
  ASSERT_TRUE(ch);
  EXPECT_EQ(ch->id, empty_topic);
  EXPECT_EQ(ch->count, 0u);
  obs->send_packet(pkt::observe_id(peer->etid));
  ASSERT_TRUE(quiet_until_pong(*obs)) << "Change for a live ETID";
  std::uint32_t dead = peer->etid;
  peer->send_packet(pkt::disconnect_packet());
  ch = recv_change(*obs);
  ASSERT_TRUE(ch) << "no Change when the observed client left";
  EXPECT_EQ(ch->id, dead);
  EXPECT_EQ(ch->count, 0u);
  obs->send_packet(pkt::observe_id(dead));
  ch = recv_change(*obs);
  ASSERT_TRUE(ch);
  EXPECT_EQ(ch->id, dead);
  EXPECT_EQ(ch->count, 0u);
  EXPECT_TRUE(quiet_until_pong(*obs));
}

// Section 4: a subscriber that observes its own topic is told about its own changes; the
// Change comes before the Suback.
TEST_P(TrapRouting, Trap16_SubscriberObservingItsTopicSeesOwnChanges) {
  auto c = client(tp());
  std::uint32_t tid = create(*c, "own/changes");
  c->send_packet(pkt::observe_id(tid));
  EXPECT_EQ(to_hex(next_packet(*c)), to_hex(pkt::make(pkt::change, u32_bytes(tid) + u32_bytes(0))));
  c->send_packet(pkt::subscribe_to("own/changes"));
  EXPECT_EQ(to_hex(next_packet(*c)), to_hex(pkt::make(pkt::change, u32_bytes(tid) + u32_bytes(1))));
  auto ack = pkt::parse_ack(next_packet(*c));
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->type, pkt::suback);
  c->send_packet(pkt::unsubscribe_from(tid));
  EXPECT_EQ(to_hex(next_packet(*c)), to_hex(pkt::make(pkt::change, u32_bytes(tid) + u32_bytes(0))));
  EXPECT_TRUE(quiet_until_pong(*c));
}

// Trap 17: Pong is exactly 3 raw bytes, Change exactly 11 (the C client checks both).
TEST_P(TrapRouting, Trap17_ControlPacketsHaveExactSizes) {
  auto c = client(tp());
  c->send_packet(pkt::ping_packet("body is ignored"));
  auto p = c->recv_packet(2s);
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, pkt::pong_packet());
  if (auto* raw = raw_of(*c)) {
    EXPECT_EQ(raw->last_frame_length(), 3u);
  }
  c->send_packet(pkt::observe_id(0x0badf00d));
  p = c->recv_packet(2s);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->size(), 9u) << pkt::describe(*p);
  if (auto* raw = raw_of(*c)) {
    EXPECT_EQ(raw->last_frame_length(), 11u);
  }
}

// Trap 21: the largest payload crosses from WebSocket to raw intact; one byte more is
// refused instead of producing a wrapped raw length.
TEST_F(BrokerTest, Trap21_PayloadBoundAcrossTransports) {
  auto raw_sub = client(Transport::raw);
  auto ws_pub = client(Transport::ws);
  std::uint32_t tid = subscribe(*raw_sub, "big");
  std::string payload(0xFFF0, 'x');
  for (std::size_t i = 0; i < payload.size(); i += 97) payload[i] = static_cast<char>(i & 0xFF);
  ASSERT_TRUE(publish(*ws_pub, tid, payload));
  auto m = recv_publish(*raw_sub);
  ASSERT_TRUE(m);
  EXPECT_EQ(raw_of(*raw_sub)->last_frame_length(), 0xFFFFu);
  EXPECT_TRUE(m->payload == payload) << "payload corrupted";
  ASSERT_TRUE(publish(*ws_pub, tid, payload + "!"));
  CloseResult r = ws_pub->expect_closed(2s);
  EXPECT_TRUE(r.closed);
  EXPECT_EQ(r.code, 1009);
  EXPECT_TRUE(quiet_until_pong(*raw_sub)) << "oversized payload was forwarded";
}

// Trap 22: PubFrag is assembled and routed with the final fragment's header, delivered as
// an ordinary Publish (here to a WebSocket subscriber).
TEST_F(BrokerTest, Trap22_PubFragAssembledWithFinalHeader) {
  auto pub = client(Transport::raw);
  auto sub = client(Transport::ws);
  std::uint32_t tid = subscribe(*sub, "frag/topic");
  pub->send_packet(pkt::pubfrag_to(0, 0, 0, "one,"));
  pub->send_packet(pkt::pubfrag_to(0, 0, 0, "two,"));
  pub->send_packet(pkt::pubfrag_to(tid, pub->etid, 5, "three"));
  // The first packet the subscriber gets is the whole message: nothing went out before it.
  auto p = sub->recv_packet(2s);
  ASSERT_TRUE(p);
  EXPECT_EQ(to_hex(*p), to_hex(pkt::publish_to(tid, pub->etid, 5, "one,two,three")));
  EXPECT_TRUE(quiet_until_pong(*sub));
}

// Trap 24: a Publish claiming another publisher ETID ends the session with Disconnect
// "corrupt frame" first, and is not delivered.
TEST_P(TrapRouting, Trap24_WrongPublisherEtidGetsCorruptFrame) {
  auto bad = client(tp());
  auto victim = client(other());
  std::uint32_t tid = subscribe(*victim, "spoofed");
  bad->send_packet(pkt::publish_to(tid, victim->etid, 0, "spoof"));
  auto p = bad->recv_packet(2s);
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, pkt::disconnect_packet("corrupt frame")) << pkt::describe(*p);
  CloseResult r = bad->expect_closed(2s);
  EXPECT_TRUE(r.closed);
  if (tp() == Transport::ws) {
    EXPECT_EQ(r.code, 1008);
  }
  EXPECT_TRUE(quiet_until_pong(*victim)) << "spoofed message delivered";
}

// Trap 26: a client Disconnect gets no reply, just the close.
TEST_P(TrapRouting, Trap26_ClientDisconnectGetsNoReply) {
  auto c = client(tp());
  auto watcher = client(other());
  watcher->send_packet(pkt::observe_id(c->etid));
  ASSERT_TRUE(quiet_until_pong(*watcher));
  c->send_packet(pkt::disconnect_packet());
  CloseResult r = c->expect_closed(2s);
  EXPECT_TRUE(r.closed);
  for (const auto& pk : r.packets) ADD_FAILURE() << "reply to Disconnect: " << pkt::describe(pk);
  auto ch = recv_change(*watcher);
  ASSERT_TRUE(ch);
  EXPECT_EQ(ch->id, c->etid);
  EXPECT_EQ(ch->count, 0u);
}

SMQ_BOTH_TRANSPORTS(TrapRouting);

}  // namespace
}  // namespace smqtest
