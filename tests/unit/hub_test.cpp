// Hub logic without sockets: id tables, acks, Change notifications, routing, eviction and
// hooks, driven through fake peers that record every frame delivered to them.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "broker/hub.hpp"
#include "protocol/byte_order.hpp"

namespace smq {
namespace {

struct FakePeer : Peer {
  explicit FakePeer(std::string id) { uid = std::move(id); transport = Transport::raw; }
  bool deliver(const Frame& frame) override {
    frames.emplace_back(frame.bytes().begin(), frame.bytes().end());
    return accept;
  }
  void close(CloseReason reason, std::string_view) override { closed.push_back(reason); }

  int type(std::size_t i) const { return frames.at(i).at(2); }
  std::uint32_t u32(std::size_t i, std::size_t offset) const { return load_u32(frames.at(i).data() + offset); }
  std::string tail(std::size_t i, std::size_t offset) const {
    return {frames.at(i).begin() + static_cast<long>(offset), frames.at(i).end()};
  }

  std::vector<std::vector<std::uint8_t>> frames;
  std::vector<CloseReason> closed;
  bool accept = true;
};

class HubTest : public ::testing::Test {
 protected:
  FakePeer& connect(const std::string& uid) {
    peers_.push_back(std::make_unique<FakePeer>(uid));
    hub_.register_peer(*peers_.back());
    return *peers_.back();
  }
  std::uint32_t subscribe(FakePeer& p, const std::string& name) {
    hub_.subscribe(p, name);
    return p.u32(p.frames.size() - 1, 4);
  }
  std::size_t publish(FakePeer& from, std::uint32_t tid, const std::string& payload) {
    const Message m{{reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()},
                    from.etid, tid, 0};
    return hub_.publish(from, m);
  }

  Logger log_{LogLevel::off};
  Hooks hooks_;
  Hub hub_{log_, hooks_};
  std::vector<std::unique_ptr<FakePeer>> peers_;
};

TEST_F(HubTest, EtidsAreRandomNonZeroAndNotOne) {
  for (int i = 0; i < 200; ++i) {
    auto& p = connect("client" + std::to_string(i));
    EXPECT_GT(p.etid, 1u);
  }
}

TEST_F(HubTest, SubscribeAcksWithTidAndEchoesName) {
  auto& a = connect("client-a");
  hub_.subscribe(a, "news");
  ASSERT_EQ(a.frames.size(), 1u);
  EXPECT_EQ(a.type(0), 5);
  EXPECT_EQ(a.frames[0][3], 0);
  EXPECT_GT(a.u32(0, 4), 1u);
  EXPECT_EQ(a.tail(0, 8), "news");
  EXPECT_EQ(hub_.subscriber_count(a.u32(0, 4)), 1u);
}

TEST_F(HubTest, DuplicateSubscribeSameAckNoPermitNoChange) {
  int permits = 0;
  hooks_.permit_topic = [&](std::string_view, bool, const Peer&) { ++permits; return true; };
  Hub hub(log_, hooks_);
  FakePeer a("client-a"), obs("observer");
  hub.register_peer(a);
  hub.register_peer(obs);
  hub.subscribe(a, "t");
  const std::uint32_t tid = a.u32(0, 4);
  hub.observe(obs, tid);
  obs.frames.clear();
  hub.subscribe(a, "t");
  EXPECT_EQ(permits, 1);
  ASSERT_EQ(a.frames.size(), 2u);
  EXPECT_EQ(a.u32(1, 4), tid);
  EXPECT_TRUE(obs.frames.empty());
  EXPECT_EQ(hub.subscriber_count(tid), 1u);
}

TEST_F(HubTest, ChangeGoesOutBeforeSuback) {
  auto& a = connect("client-a");
  hub_.create(a, "t");
  const std::uint32_t tid = a.u32(0, 4);
  hub_.observe(a, tid);  // Change(tid, 0)
  a.frames.clear();
  hub_.subscribe(a, "t");
  ASSERT_EQ(a.frames.size(), 2u);
  EXPECT_EQ(a.type(0), 16);
  EXPECT_EQ(a.u32(0, 7), 1u);
  EXPECT_EQ(a.type(1), 5);
}

TEST_F(HubTest, CreateReturnsExistingTidAndAlwaysAsksPermit) {
  int permits = 0;
  hooks_.permit_topic = [&](std::string_view, bool is_subscribe, const Peer&) {
    EXPECT_FALSE(is_subscribe);
    ++permits;
    return true;
  };
  Hub hub(log_, hooks_);
  FakePeer a("client-a");
  hub.register_peer(a);
  hub.create(a, "t");
  hub.create(a, "t");
  EXPECT_EQ(permits, 2);
  EXPECT_EQ(a.u32(0, 4), a.u32(1, 4));
  EXPECT_EQ(a.type(1), 7);
}

TEST_F(HubTest, DeniedAckEchoesNameWithZeroId) {
  hooks_.permit_topic = [](std::string_view, bool, const Peer&) { return false; };
  hooks_.permit_subtopic = [](std::string_view, const Peer&) { return false; };
  Hub hub(log_, hooks_);
  FakePeer a("client-a");
  hub.register_peer(a);
  hub.subscribe(a, "no");
  hub.createsub(a, "sub");
  EXPECT_EQ(a.frames[0][3], 1);
  EXPECT_EQ(a.u32(0, 4), 0u);
  EXPECT_EQ(a.tail(0, 8), "no");
  EXPECT_EQ(a.type(1), 18);
  EXPECT_EQ(a.frames[1][3], 1);
  EXPECT_EQ(a.tail(1, 8), "sub");
}

TEST_F(HubTest, ExistingSubtopicSkipsPermit) {
  int permits = 0;
  hooks_.permit_subtopic = [&](std::string_view, const Peer&) { ++permits; return true; };
  Hub hub(log_, hooks_);
  FakePeer a("client-a");
  hub.register_peer(a);
  hub.createsub(a, "m");
  hub.createsub(a, "m");
  EXPECT_EQ(permits, 1);
  EXPECT_EQ(a.u32(0, 4), a.u32(1, 4));
  EXPECT_NE(a.u32(0, 4), 0u);
}

TEST_F(HubTest, LongNamesAreDenied) {
  auto& a = connect("client-a");
  hub_.subscribe(a, std::string(5000, 'x'));
  EXPECT_EQ(a.frames[0][3], 1);
  EXPECT_EQ(a.frames[0].size(), 8u + 5000u);
}

TEST_F(HubTest, PublishReachesEverySubscriberIncludingPublisher) {
  auto& a = connect("client-a");
  auto& b = connect("client-b");
  const std::uint32_t tid = subscribe(a, "t");
  subscribe(b, "t");
  a.frames.clear();
  b.frames.clear();
  EXPECT_EQ(publish(a, tid, "x"), 2u);
  ASSERT_EQ(a.frames.size(), 1u);
  ASSERT_EQ(b.frames.size(), 1u);
  EXPECT_EQ(a.frames[0], b.frames[0]);
  EXPECT_EQ(a.u32(0, 3), tid);
  EXPECT_EQ(a.u32(0, 7), a.etid);
}

TEST_F(HubTest, DirectMessagesNeedNoSubscription) {
  auto& a = connect("client-a");
  auto& b = connect("client-b");
  EXPECT_EQ(publish(a, b.etid, "hi"), 1u);
  ASSERT_EQ(b.frames.size(), 1u);
  EXPECT_EQ(b.u32(0, 3), b.etid);
  EXPECT_EQ(b.tail(0, 15), "hi");
}

TEST_F(HubTest, DropsCallOnDropButNotWhenOnPublishRejects) {
  int drops = 0;
  bool allow = true;
  hooks_.on_drop = [&](const Message&, const Peer&) { ++drops; };
  hooks_.on_publish = [&](const Message&, const Peer&) { return allow; };
  Hub hub(log_, hooks_);
  FakePeer a("client-a");
  hub.register_peer(a);
  const std::string payload = "x";
  const Message unknown{{reinterpret_cast<const std::uint8_t*>(payload.data()), 1}, a.etid, 0x12345, 0};
  EXPECT_EQ(hub.publish(a, unknown), 0u);
  EXPECT_EQ(drops, 1);
  hub.create(a, "empty");
  const Message no_subscribers{unknown.payload, a.etid, a.u32(0, 4), 0};
  hub.publish(a, no_subscribers);
  EXPECT_EQ(drops, 2);
  allow = false;
  hub.publish(a, unknown);
  EXPECT_EQ(drops, 2);
}

TEST_F(HubTest, TopicTidOutlivesItsSubscribers) {
  auto& a = connect("client-a");
  const std::uint32_t tid = subscribe(a, "t");
  hub_.unsubscribe(a, tid);
  EXPECT_EQ(hub_.subscriber_count(tid), 0u);
  EXPECT_TRUE(hub_.is_topic(tid));
  EXPECT_EQ(subscribe(a, "t"), tid);
}

TEST_F(HubTest, UnsubscribeOfEtidIsIgnored) {
  auto& a = connect("client-a");
  auto& b = connect("client-b");
  hub_.unsubscribe(b, b.etid);
  EXPECT_EQ(publish(a, b.etid, "still here"), 1u);
}

TEST_F(HubTest, ObserveRules) {
  auto& a = connect("client-a");
  auto& b = connect("client-b");
  hub_.observe(a, a.etid);  // own ETID: nothing
  EXPECT_TRUE(a.frames.empty());
  hub_.observe(a, 0xDEAD);  // unknown: Change(id, 0)
  ASSERT_EQ(a.frames.size(), 1u);
  EXPECT_EQ(a.u32(0, 3), 0xDEADu);
  EXPECT_EQ(a.u32(0, 7), 0u);
  hub_.observe(a, b.etid);  // live client: registered, nothing now
  EXPECT_EQ(a.frames.size(), 1u);
  hub_.unregister_peer(b, CloseReason::peer_closed);
  ASSERT_EQ(a.frames.size(), 2u);
  EXPECT_EQ(a.type(1), 16);
  EXPECT_EQ(a.u32(1, 3), b.etid);
  EXPECT_EQ(a.u32(1, 7), 0u);
  EXPECT_TRUE(a.observing.empty());
}

TEST_F(HubTest, ObserveNamedTopicRepeatsCurrentCount) {
  auto& a = connect("client-a");
  auto& b = connect("client-b");
  const std::uint32_t tid = subscribe(b, "t");
  hub_.observe(a, tid);
  hub_.observe(a, tid);
  ASSERT_EQ(a.frames.size(), 2u);
  EXPECT_EQ(a.u32(1, 7), 1u);
  hub_.unregister_peer(b, CloseReason::peer_closed);
  ASSERT_EQ(a.frames.size(), 3u);
  EXPECT_EQ(a.u32(2, 3), tid);
  EXPECT_EQ(a.u32(2, 7), 0u);
}

TEST_F(HubTest, UnobserveOnlyRemovesTheObserver) {
  auto& a = connect("client-a");
  auto& b = connect("client-b");
  const std::uint32_t tid = subscribe(b, "t");
  hub_.observe(a, tid);
  hub_.unobserve(a, tid);
  a.frames.clear();
  b.frames.clear();
  EXPECT_EQ(publish(a, tid, "x"), 1u);  // routing intact
  hub_.unsubscribe(b, tid);
  EXPECT_TRUE(a.frames.empty());        // no more Changes
}

TEST_F(HubTest, SameUidEvictsAndInheritsEtid) {
  std::vector<std::string> closes;
  hooks_.on_close = [&](const Peer& p, CloseReason r) { closes.push_back(p.uid + ":" + std::string(to_string(r))); };
  Hub hub(log_, hooks_);
  FakePeer old_peer("same-uid"), watcher("watcher"), fresh("same-uid");
  hub.register_peer(old_peer);
  hub.register_peer(watcher);
  hub.observe(watcher, old_peer.etid);
  hub.register_peer(fresh);
  EXPECT_EQ(fresh.etid, old_peer.etid);
  ASSERT_EQ(old_peer.closed.size(), 1u);
  EXPECT_EQ(old_peer.closed[0], CloseReason::reconnect);
  EXPECT_EQ(closes, std::vector<std::string>{"same-uid:reconnect"});
  ASSERT_EQ(watcher.frames.size(), 1u);  // the old connection is gone
  EXPECT_EQ(watcher.u32(0, 7), 0u);
  EXPECT_EQ(hub.find_peer(fresh.etid), &fresh);
  EXPECT_EQ(hub.peer_count(), 2u);
}

TEST_F(HubTest, ManySubscribersLeaveInAnyOrder) {
  std::vector<FakePeer*> subs;
  for (int i = 0; i < 50; ++i) subs.push_back(&connect("subscriber" + std::to_string(i)));
  const std::uint32_t tid = subscribe(*subs[0], "t");
  for (int i = 1; i < 50; ++i) subscribe(*subs[i], "t");
  for (int i = 0; i < 50; i += 3) hub_.unsubscribe(*subs[i], tid);
  for (int i = 49; i >= 0; i -= 7) hub_.unregister_peer(*subs[i], CloseReason::peer_closed);
  std::size_t expected = 0;
  for (int i = 0; i < 50; ++i) {
    const bool gone = i % 3 == 0 || (49 - i) % 7 == 0;
    if (!gone) ++expected;
    subs[i]->frames.clear();
  }
  EXPECT_EQ(hub_.subscriber_count(tid), expected);
  auto& pub = connect("publisher");
  EXPECT_EQ(publish(pub, tid, "x"), expected);
  for (int i = 0; i < 50; ++i) {
    const bool gone = i % 3 == 0 || (49 - i) % 7 == 0;
    EXPECT_EQ(subs[i]->frames.size(), gone ? 0u : 1u) << i;
  }
}

TEST_F(HubTest, UnregisterCleansObserverEntriesOfTheLeaver) {
  auto& a = connect("client-a");
  auto& b = connect("client-b");
  const std::uint32_t tid = subscribe(b, "t");
  hub_.observe(a, tid);
  hub_.unregister_peer(a, CloseReason::peer_closed);
  b.frames.clear();
  hub_.unsubscribe(b, tid);  // must not touch the departed observer
  EXPECT_TRUE(b.frames.empty());
  EXPECT_EQ(hub_.find_peer(a.etid), nullptr);
}

TEST_F(HubTest, OnlyServerCodePublishesToReservedTopics) {
  FakePeer local("SMQ server client");
  local.transport = Transport::local;
  hub_.register_local(local, false);
  auto& a = connect("client-a");
  const std::uint32_t tid = subscribe(a, "$smq/stats");
  a.frames.clear();
  EXPECT_EQ(publish(a, tid, "forged"), 0u);
  EXPECT_TRUE(a.frames.empty());
  EXPECT_EQ(publish(local, tid, "real"), 1u);
  ASSERT_EQ(a.frames.size(), 1u);
  EXPECT_EQ(a.tail(0, 15), "real");
  // Only the prefix is reserved.
  const std::uint32_t other = subscribe(a, "$smqx");
  EXPECT_EQ(publish(a, other, "fine"), 1u);
}

TEST_F(HubTest, LocalClientHasEtidOne) {
  FakePeer local("SMQ server client");
  EXPECT_EQ(hub_.register_local(local, false), 1u);
  auto& a = connect("client-a");
  EXPECT_EQ(publish(a, 1, "to server"), 1u);
}

}  // namespace
}  // namespace smq
