// Topic permissions ([[acl]] rules) over both transports, from the outside: Subscribe and
// Create refused with status 1, Publish to a topic (or another client's ETID) without the
// right not delivered and counted, Observe answered with a zero count, %u and %c, deny over
// allow, rules for "*" and "anonymous", the hooks after the rules, and a reload that
// tightens a rule for connected clients.
#include <gtest/gtest.h>

#include "broker/auth/acl.hpp"
#include "broker_fixture.hpp"
#include "login_support.hpp"

namespace smqtest {
namespace {

using smq::auth::AclRule;

AclRule rule(std::string user) {
  AclRule r;
  r.user = std::move(user);
  return r;
}

class Acl : public TransportTest {
 protected:
  void SetUp() override { users_.write({{"alice", "a-pass"}, {"bob", "b-pass"}}); }

  // The broker with these rules, the two users and anonymous clients allowed.
  void start(std::vector<AclRule> rules, smq::Hooks hooks = {}) {
    start_broker(std::move(hooks), [&](smq::BrokerOptions& o) {
      o.auth.password_file = users_.path();
      o.auth.anonymous = true;
      o.auth.acl = std::move(rules);
    });
  }
  // A connected client logged in with these credentials (empty: anonymous) and UID.
  std::unique_ptr<SmqConn> as(std::string_view credentials, std::string uid = {}) {
    auto conn = open_smq(tp(), port());
    conn->uid = uid.empty() ? unique_uid() : std::move(uid);
    EXPECT_TRUE(conn->send_packet(pkt::connect_v1(conn->uid, credentials)));
    const auto ack = pkt::parse_connack(next_packet(*conn, Ms(5000)));
    if (!ack || ack->code != 0) throw std::runtime_error("login refused");
    conn->etid = ack->etid;
    return conn;
  }
  std::uint8_t subscribe_status(SmqConn& c, std::string_view name) {
    return request_ack(c, pkt::subscribe_to(name), pkt::suback).status;
  }
  std::uint8_t create_status(SmqConn& c, std::string_view name) {
    return request_ack(c, pkt::create_topic(name), pkt::createack).status;
  }
  std::vector<std::string> reload(const std::function<void(smq::BrokerOptions&)>& tweak) {
    return reload_with(broker(), tweak);
  }

  UsersFile users_;
};

TEST_P(Acl, SubscribeFollowsTheRulesWithUserAndUidPlaceholders) {
  AclRule users = rule("*");
  users.subscribe = {"users/%u/#", "devices/%c/in", "news"};
  start({users});
  auto alice = as("alice:a-pass", "device-7");
  EXPECT_EQ(subscribe_status(*alice, "users/alice/inbox"), 0);
  EXPECT_EQ(subscribe_status(*alice, "users/alice"), 0) << "'#' also takes zero levels";
  EXPECT_EQ(subscribe_status(*alice, "devices/device-7/in"), 0);
  EXPECT_EQ(subscribe_status(*alice, "news"), 0);
  EXPECT_EQ(subscribe_status(*alice, "users/bob/inbox"), 1);
  EXPECT_EQ(subscribe_status(*alice, "devices/device-8/in"), 1);
  EXPECT_EQ(subscribe_status(*alice, "sport"), 1);
  // A denied Subscribe does not create the name.
  EXPECT_EQ(on_broker(broker(), [&] { return broker().hub().find_topic("sport"); }), 0u);
  EXPECT_EQ(stats_of(broker()).denied_subscribes, 3u);
}

TEST_P(Acl, RulesForStarAndAnonymousAndForNamedUsers) {
  AclRule everyone = rule("*");
  everyone.subscribe = {"members"};
  AclRule bob = rule("bob");
  bob.subscribe = {"bob-only"};
  AclRule guests = rule("anonymous");
  guests.subscribe = {"lobby"};
  start({everyone, bob, guests});
  auto alice = as("alice:a-pass");
  auto b = as("bob:b-pass");
  auto guest = as("");
  EXPECT_EQ(subscribe_status(*alice, "members"), 0);
  EXPECT_EQ(subscribe_status(*alice, "bob-only"), 1);
  EXPECT_EQ(subscribe_status(*alice, "lobby"), 1);
  EXPECT_EQ(subscribe_status(*b, "bob-only"), 0);
  EXPECT_EQ(subscribe_status(*guest, "lobby"), 0);
  EXPECT_EQ(subscribe_status(*guest, "members"), 1);
}

TEST_P(Acl, CreateIsRefusedWhereTheClientMayNotPublish) {
  AclRule r = rule("*");
  r.publish = {"sensors/%u/+"};
  start({r});
  auto alice = as("alice:a-pass");
  EXPECT_EQ(create_status(*alice, "sensors/alice/temp"), 0);
  EXPECT_EQ(create_status(*alice, "sensors/bob/temp"), 1);
  EXPECT_EQ(create_status(*alice, "sensors/alice/temp/x"), 1);
  EXPECT_EQ(stats_of(broker()).denied_creates, 2u);
}

TEST_P(Acl, APublishToALearnedTidWithoutTheRightIsNotDelivered) {
  AclRule listeners = rule("*");
  listeners.subscribe = {"feed"};
  AclRule writer = rule("bob");
  writer.publish = {"feed"};
  start({listeners, writer});
  auto alice = as("alice:a-pass");
  auto b = as("bob:b-pass");
  auto other = as("alice:a-pass");
  const std::uint32_t tid = subscribe(*alice, "feed");  // alice learns the TID
  ASSERT_EQ(subscribe(*other, "feed"), tid);
  ASSERT_TRUE(publish(*alice, tid, "forged"));
  ASSERT_TRUE(publish(*alice, tid, "forged again"));
  ASSERT_TRUE(quiet_until_pong(*alice));
  ASSERT_TRUE(publish(*b, tid, "real"));
  // The only message the subscribers get is the one with the right.
  const auto got = recv_publish(*other);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->payload, "real");
  EXPECT_EQ(got->ptid, b->etid);
  EXPECT_TRUE(quiet_until_pong(*other));
  const auto self = recv_publish(*alice);
  ASSERT_TRUE(self);
  EXPECT_EQ(self->payload, "real");
  EXPECT_EQ(stats_of(broker()).denied_publishes, 2u);
}

TEST_P(Acl, DenyWinsOverAllow) {
  AclRule wide = rule("*");
  wide.subscribe = {"#"};
  wide.publish = {"#"};
  wide.deny_subscribe = {"admin/#"};
  wide.deny_publish = {"announcements"};
  AclRule alice_rule = rule("alice");
  alice_rule.subscribe = {"admin/logs"};  // cannot undo the deny
  start({wide, alice_rule});
  auto alice = as("alice:a-pass");
  auto b = as("bob:b-pass");
  EXPECT_EQ(subscribe_status(*alice, "admin/logs"), 1);
  EXPECT_EQ(subscribe_status(*alice, "general"), 0);
  EXPECT_EQ(create_status(*alice, "announcements"), 1);
  const std::uint32_t tid = subscribe(*b, "announcements");
  ASSERT_TRUE(publish(*alice, tid, "no"));
  ASSERT_TRUE(quiet_until_pong(*alice));
  EXPECT_TRUE(quiet_until_pong(*b));
}

TEST_P(Acl, DirectFalseForbidsPublishingToAndObservingOtherClients) {
  AclRule all = rule("*");
  all.subscribe = {"#"};
  all.publish = {"#"};
  AclRule device = rule("bob");
  device.direct = false;
  start({all, device});
  auto alice = as("alice:a-pass");
  auto b = as("bob:b-pass");
  // bob may not address alice's ETID...
  ASSERT_TRUE(publish(*b, alice->etid, "psst"));
  ASSERT_TRUE(quiet_until_pong(*b));
  EXPECT_TRUE(quiet_until_pong(*alice));
  // ...but may use his own, and alice may address bob.
  ASSERT_TRUE(publish(*b, b->etid, "to myself"));
  EXPECT_EQ(recv_publish(*b)->payload, "to myself");
  ASSERT_TRUE(publish(*alice, b->etid, "hello bob"));
  EXPECT_EQ(recv_publish(*b)->payload, "hello bob");
  // Observing alice is refused like an unknown id: a zero count, and no Change when she leaves.
  ASSERT_TRUE(b->send_packet(pkt::observe_id(alice->etid)));
  const auto change = recv_change(*b);
  ASSERT_TRUE(change);
  EXPECT_EQ(change->id, alice->etid);
  EXPECT_EQ(change->count, 0u);
  EXPECT_EQ(stats_of(broker()).denied_observes, 1u);
  EXPECT_EQ(stats_of(broker()).denied_publishes, 1u);
}

TEST_P(Acl, ObserveFollowsTheObserveList) {
  AclRule r = rule("*");
  r.subscribe = {"#"};
  r.observe = {"rooms/+"};
  start({r});
  auto alice = as("alice:a-pass");
  auto b = as("bob:b-pass");
  const std::uint32_t room = subscribe(*b, "rooms/1");
  const std::uint32_t hidden = subscribe(*b, "hidden");
  ASSERT_TRUE(alice->send_packet(pkt::observe_id(room)));
  auto change = recv_change(*alice);
  ASSERT_TRUE(change);
  EXPECT_EQ(change->count, 1u);
  ASSERT_TRUE(alice->send_packet(pkt::observe_id(hidden)));
  change = recv_change(*alice);
  ASSERT_TRUE(change);
  EXPECT_EQ(change->id, hidden);
  EXPECT_EQ(change->count, 0u) << "a denied Observe shows no subscribers";
  // Not registered: a new subscriber of "hidden" sends alice nothing, one of "rooms/1" does.
  auto third = as("bob:b-pass");
  subscribe(*third, "hidden");
  subscribe(*third, "rooms/1");
  change = recv_change(*alice);
  ASSERT_TRUE(change);
  EXPECT_EQ(change->id, room);
  EXPECT_EQ(change->count, 2u);
  EXPECT_TRUE(quiet_until_pong(*alice));
}

TEST_P(Acl, WithoutAPasswordFileEveryClientIsAnonymous) {
  AclRule guests = rule("anonymous");
  guests.subscribe = {"public/#"};
  guests.publish = {"public/#"};
  start_broker({}, [&](smq::BrokerOptions& o) { o.auth.acl = {guests}; });
  auto c = client(tp());
  EXPECT_EQ(subscribe_status(*c, "public/chat"), 0);
  EXPECT_EQ(subscribe_status(*c, "private"), 1);
  EXPECT_EQ(create_status(*c, "public/chat"), 0);
  EXPECT_EQ(create_status(*c, "private"), 1);
}

TEST_P(Acl, TheHooksRunAfterTheRules) {
  auto& asked = recorder<std::string>();
  smq::Hooks hooks;
  hooks.permit_topic = [&asked](std::string_view name, bool, const smq::Peer&) {
    asked.push(std::string(name));
    return name != "vetoed";
  };
  AclRule r = rule("*");
  r.subscribe = {"allowed", "vetoed"};
  start({r}, std::move(hooks));
  auto alice = as("alice:a-pass");
  EXPECT_EQ(subscribe_status(*alice, "denied"), 1);
  EXPECT_EQ(subscribe_status(*alice, "vetoed"), 1);
  EXPECT_EQ(subscribe_status(*alice, "allowed"), 0);
  EXPECT_EQ(asked.items(), (std::vector<std::string>{"vetoed", "allowed"}))
      << "a request the rules refuse never reaches the hook";
}

TEST_P(Acl, AReloadTightensTheRulesForConnectedClients) {
  AclRule r = rule("*");
  r.subscribe = {"a", "b"};
  r.publish = {"a"};
  start({r});
  auto alice = as("alice:a-pass");
  auto listener = as("bob:b-pass");
  const std::uint32_t a = subscribe(*alice, "a");
  ASSERT_EQ(subscribe(*listener, "a"), a);
  ASSERT_TRUE(publish(*alice, a, "before"));
  ASSERT_EQ(recv_publish(*listener)->payload, "before");
  ASSERT_EQ(recv_publish(*alice)->payload, "before");

  AclRule tighter = rule("*");
  tighter.subscribe = {"a"};
  const auto report = reload([&](smq::BrokerOptions& o) { o.auth.acl = {tighter}; });
  ASSERT_EQ(report.size(), 1u);
  EXPECT_NE(report[0].find("acl"), std::string::npos) << report[0];
  // Still connected and still subscribed; new requests follow the new rules.
  EXPECT_EQ(subscribe_status(*alice, "b"), 1);
  ASSERT_TRUE(publish(*alice, a, "after"));
  ASSERT_TRUE(quiet_until_pong(*alice));
  EXPECT_TRUE(quiet_until_pong(*listener)) << "the publish right was withdrawn";
  // And a new client gets the new rules too.
  auto late = as("alice:a-pass");
  EXPECT_EQ(subscribe_status(*late, "b"), 1);
  EXPECT_EQ(subscribe_status(*late, "a"), 0);
}

SMQ_BOTH_TRANSPORTS(Acl);

}  // namespace
}  // namespace smqtest
