// The network client against a real broker over ws:// and http:// (raw SMQ): connect,
// subscribe/publish, sub-topic dispatch, direct messages, observe, create, denials, the
// outgoing queue before the connection exists, and payload limits.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "client_fixture.hpp"
#include "smq/blocking_client.hpp"

namespace smqclienttest {
namespace {

struct Got {
  std::string text;
  std::uint32_t ptid, tid, subtid;
};

smq::MessageHandler record_to(Recorder<Got>& r) {
  return [&r](const smq::Delivery& d) {
    r.push(Got{std::string(d.text()), d.ptid, d.tid, d.subtid});
  };
}

smq::AckHandler ack_to(Recorder<std::uint32_t>& r) {
  return [&r](bool ok, std::uint32_t id) { r.push(ok ? id : 0); };
}

class PubSub : public SchemeTest {};

TEST_P(PubSub, ConnectsAndGetsAnEtid) {
  auto& connects = recorder<std::uint32_t>();
  smq::NetworkClient c(url(), test_options());
  c.on_connect([&](std::uint32_t etid, std::uint32_t, std::string_view address) {
    EXPECT_EQ(address, "127.0.0.1");
    connects.push(etid);
  });
  EXPECT_EQ(c.gettid(), 0u);
  EXPECT_FALSE(c.connected());
  c.connect();
  ASSERT_TRUE(connects.wait_for(1));
  EXPECT_NE(connects.at(0), 0u);
  EXPECT_NE(connects.at(0), 1u);  // the server client's
  EXPECT_EQ(c.gettid(), connects.at(0));
  EXPECT_TRUE(c.connected());
  EXPECT_EQ(c.topic2tid("self"), c.gettid());
  EXPECT_EQ(c.uid().rfind("cpp-", 0), 0u);
}

TEST_P(PubSub, SubscribeAndPublishRoundTrip) {
  auto& c = client();
  auto& acks = recorder<std::uint32_t>();
  auto& got = recorder<Got>();
  c.subscribe("a/b", 0u, record_to(got), ack_to(acks));
  ASSERT_TRUE(acks.wait_for(1));
  const std::uint32_t tid = acks.at(0);
  ASSERT_NE(tid, 0u);
  EXPECT_EQ(c.topic2tid("a/b"), tid);
  EXPECT_EQ(c.tid2topic(tid), "a/b");
  EXPECT_EQ(c.publish("hello", "a/b"), 1u);
  EXPECT_EQ(c.publish("by number", tid), 1u);
  ASSERT_TRUE(got.wait_for(2));
  EXPECT_EQ(got.at(0).text, "hello");
  EXPECT_EQ(got.at(0).ptid, c.gettid());  // the publisher gets its own message back
  EXPECT_EQ(got.at(0).tid, tid);
  EXPECT_EQ(got.at(0).subtid, 0u);
  EXPECT_EQ(got.at(1).text, "by number");
}

TEST_P(PubSub, SubTopicCallbacksCatchAllAndDefaultHandler) {
  auto& c = client();
  auto& acks = recorder<std::uint32_t>();
  auto& exact = recorder<Got>();
  auto& all = recorder<Got>();
  auto& fallback = recorder<Got>();
  auto& self = recorder<Got>();
  c.on_message(record_to(fallback));
  c.subscribe("t", "s1", record_to(exact), ack_to(acks));
  c.subscribe("t", 0u, record_to(all), ack_to(acks));
  c.subscribe("self", "direct", record_to(self), ack_to(acks));
  ASSERT_TRUE(acks.wait_for(3));
  EXPECT_EQ(acks.at(0), acks.at(1));
  EXPECT_EQ(acks.at(2), c.gettid());
  const std::uint32_t s1 = c.subtopic2tid("s1");
  ASSERT_NE(s1, 0u);
  EXPECT_EQ(c.tid2subtopic(s1), "s1");

  c.publish("one", "t", "s1");
  c.publish("two", "t", "s2");
  c.publish("three", "self", "direct");
  c.publish("four", "self");  // no catch-all for self: default handler
  c.publish("five", "t");
  ASSERT_TRUE(exact.wait_for(1));
  ASSERT_TRUE(all.wait_for(2));
  ASSERT_TRUE(self.wait_for(1));
  ASSERT_TRUE(fallback.wait_for(1));
  EXPECT_EQ(exact.at(0).text, "one");
  EXPECT_EQ(exact.at(0).subtid, s1);
  EXPECT_EQ(all.at(0).text, "two");
  EXPECT_EQ(all.at(0).subtid, c.subtopic2tid("s2"));
  EXPECT_EQ(all.at(1).text, "five");
  EXPECT_EQ(self.at(0).text, "three");
  EXPECT_EQ(self.at(0).tid, c.gettid());
  EXPECT_EQ(fallback.at(0).text, "four");
}

TEST_P(PubSub, DirectMessagesBetweenClients) {
  auto& a = client();
  auto& b = client();
  wait_connected(a);
  wait_connected(b);
  auto& got = recorder<Got>();
  auto& acks = recorder<std::uint32_t>();
  a.subscribe("self", 0u, record_to(got), ack_to(acks));
  ASSERT_TRUE(acks.wait_for(1));
  b.publish("psst", a.gettid(), "whisper");
  ASSERT_TRUE(got.wait_for(1));
  EXPECT_EQ(got.at(0).text, "psst");
  EXPECT_EQ(got.at(0).ptid, b.gettid());
  EXPECT_EQ(got.at(0).tid, a.gettid());
  EXPECT_NE(got.at(0).subtid, 0u);
}

TEST_P(PubSub, ObserveTopicCountsAndDepartingClients) {
  auto& a = client();
  auto& b = client();
  wait_connected(b);
  auto& counts = recorder<std::uint32_t>();
  auto& acks = recorder<std::uint32_t>();
  a.observe(
      "watched", [&](std::uint32_t count, std::uint32_t) { counts.push(count); }, ack_to(acks));
  ASSERT_TRUE(acks.wait_for(1));
  ASSERT_NE(acks.at(0), 0u);
  ASSERT_TRUE(counts.wait_for(1));
  EXPECT_EQ(counts.at(0), 0u);
  b.subscribe("watched", 0u, nullptr, ack_to(acks));
  ASSERT_TRUE(acks.wait_for(2));
  ASSERT_TRUE(counts.wait_for(2));
  EXPECT_EQ(counts.at(1), 1u);
  EXPECT_EQ(acks.at(1), acks.at(0));
  b.unsubscribe("watched");
  ASSERT_TRUE(counts.wait_for(3));
  EXPECT_EQ(counts.at(2), 0u);

  // An observed client that leaves is reported once with 0.
  auto& gone = recorder<std::uint32_t>();
  const std::uint32_t b_etid = b.gettid();
  a.observe(
      b_etid,
      [&](std::uint32_t count, std::uint32_t id) {
        EXPECT_EQ(count, 0u);
        gone.push(id);
      },
      ack_to(acks));
  ASSERT_TRUE(acks.wait_for(3));
  EXPECT_EQ(acks.at(2), b_etid);
  b.close();
  ASSERT_TRUE(gone.wait_for(1));
  EXPECT_EQ(gone.at(0), b_etid);

  // Observing oneself is refused.
  a.observe(
      "self", [](std::uint32_t, std::uint32_t) {}, ack_to(acks));
  ASSERT_TRUE(acks.wait_for(4));
  EXPECT_EQ(acks.at(3), 0u);
}

TEST_P(PubSub, CreateAnswersFromTheCacheAndForNumbers) {
  auto& c = client();
  wait_connected(c);
  // Numbers and cached names are answered without a round trip, so answers may overtake
  // earlier requests: record them by label.
  auto& acks = recorder<std::pair<std::string, std::uint32_t>>();
  auto to = [&](std::string label) {
    return [&acks, label](bool ok, std::uint32_t id) { acks.push({label, ok ? id : 0}); };
  };
  c.create("made", to("made"));
  c.createsub("kind", to("kind"));
  c.create("made", to("made again"));
  c.create(1234u, to("number"));
  c.create("self", to("self"));
  ASSERT_TRUE(acks.wait_for(5));
  std::map<std::string, std::uint32_t> got;
  for (const auto& [label, id] : acks.items()) got[label] = id;
  EXPECT_NE(got["made"], 0u);
  EXPECT_NE(got["kind"], 0u);
  EXPECT_EQ(got["made again"], got["made"]);
  EXPECT_EQ(got["number"], 1234u);
  EXPECT_EQ(got["self"], c.gettid());
  // The broker agrees (same names, same ids).
  EXPECT_EQ(server().topic2tid("made"), got["made"]);
  EXPECT_EQ(server().subtopic2tid("kind"), got["kind"]);
  // Now cached: answered at once.
  c.create("made", to("cached"));
  ASSERT_TRUE(acks.wait_for(6));
  EXPECT_EQ(acks.at(5).second, got["made"]);
}

TEST_P(PubSub, DeniedNamesAreReported) {
  smq::Hooks hooks;
  hooks.permit_topic = [](std::string_view name, bool, const smq::Peer&) {
    return name.substr(0, 9) != "forbidden";
  };
  hooks.permit_subtopic = [](std::string_view name, const smq::Peer&) { return name != "nosub"; };
  start_broker(hooks);
  auto& c = client();
  auto& errors = recorder<std::string>();
  c.on_error([&](std::string_view e) { errors.push(std::string(e)); });
  auto& acks = recorder<std::uint32_t>();
  auto& got = recorder<Got>();
  c.subscribe("forbidden/x", 0u, record_to(got), ack_to(acks));
  c.subscribe("fine", "nosub", record_to(got), ack_to(acks));
  c.create("forbidden/y", ack_to(acks));
  ASSERT_TRUE(acks.wait_for(3));
  EXPECT_EQ(acks.at(0), 0u);
  EXPECT_EQ(acks.at(1), 0u);  // the sub-topic was denied
  EXPECT_EQ(acks.at(2), 0u);
  EXPECT_EQ(c.topic2tid("forbidden/x"), 0u);
  EXPECT_NE(c.topic2tid("fine"), 0u);
  // A publish to a denied name is dropped and reported; later publishes still flow.
  c.subscribe("ok", 0u, record_to(got), ack_to(acks));
  ASSERT_TRUE(acks.wait_for(4));
  EXPECT_EQ(c.publish("lost", "forbidden/z"), 1u);
  EXPECT_EQ(c.publish("kept", "ok"), 1u);
  ASSERT_TRUE(got.wait_for(1));
  EXPECT_EQ(got.at(0).text, "kept");
  ASSERT_TRUE(eventually([&] {
    for (const auto& e : errors.items()) {
      if (e.find("publish dropped") != std::string::npos) return true;
    }
    return false;
  }));
}

TEST_P(PubSub, CommandsIssuedBeforeConnectKeepTheirOrder) {
  smq::ClientOptions o = test_options();
  smq::NetworkClient c(url(), o);
  auto& got = recorder<Got>();
  c.subscribe("order/a", 0u, record_to(got));
  c.subscribe("order/b", 0u, record_to(got));
  for (int i = 0; i < 100; ++i) {
    // Alternating names (each new name is resolved first) and numbers must not reorder.
    EXPECT_EQ(c.publish(std::to_string(i), i % 2 ? "order/a" : "order/b"), 1u);
  }
  EXPECT_EQ(c.queued(), 100u);
  c.connect();
  ASSERT_TRUE(got.wait_for(100));
  for (int i = 0; i < 100; ++i) EXPECT_EQ(got.at(i).text, std::to_string(i));
  EXPECT_TRUE(eventually([&] { return c.queued() == 0; }));
}

TEST_P(PubSub, OutgoingQueueIsBoundedWhileDisconnected) {
  smq::ClientOptions o = test_options();
  o.max_queued_messages = 5;
  o.max_queued_bytes = 1000;
  smq::NetworkClient c(url(), o);
  auto& got = recorder<Got>();
  c.subscribe("q", 0u, record_to(got));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(c.publish("x", "q"), 1u);
  EXPECT_EQ(c.publish("x", "q"), 0u);
  EXPECT_EQ(c.refused(), 1u);
  smq::NetworkClient d(url(), o);
  EXPECT_EQ(d.publish(std::string(600, 'a'), "q"), 1u);
  EXPECT_EQ(d.publish(std::string(600, 'a'), "q"), 0u);  // bytes bound
  // Once connected the queue drains and accepts again.
  c.connect();
  ASSERT_TRUE(got.wait_for(5));
  ASSERT_TRUE(eventually([&] { return c.queued() == 0; }));
  EXPECT_EQ(c.publish("y", "q"), 1u);
}

TEST_P(PubSub, PayloadLimits) {
  auto& c = client();
  auto& got = recorder<Got>();
  auto& acks = recorder<std::uint32_t>();
  c.subscribe("big", 0u, record_to(got), ack_to(acks));
  ASSERT_TRUE(acks.wait_for(1));
  const std::string largest(0xFFF0, 'z');
  EXPECT_THROW(c.publish(largest + "z", "big"), std::length_error);
  EXPECT_EQ(c.publish(largest, "big"), 1u);
  EXPECT_EQ(c.publish("", "big"), 1u);
  ASSERT_TRUE(got.wait_for(2));
  EXPECT_EQ(got.at(0).text, largest);
  EXPECT_EQ(got.at(1).text, "");
  EXPECT_TRUE(c.connected());
}

TEST_P(PubSub, UnsubscribeStopsDelivery) {
  auto& c = client();
  auto& got = recorder<Got>();
  auto& acks = recorder<std::uint32_t>();
  c.subscribe("u", 0u, record_to(got), ack_to(acks));
  c.subscribe("v", 0u, record_to(got), ack_to(acks));
  ASSERT_TRUE(acks.wait_for(2));
  c.unsubscribe("u");
  c.publish("dropped", "u");
  c.publish("marker", "v");
  ASSERT_TRUE(got.wait_for(1));
  EXPECT_EQ(got.at(0).text, "marker");
  auto& flushed = recorder<bool>();
  c.flush([&](bool ok) { flushed.push(ok); });
  ASSERT_TRUE(flushed.wait_for(1));
  EXPECT_TRUE(flushed.at(0));
  EXPECT_EQ(got.size(), 1u);
}

TEST_P(PubSub, DisconnectIsFinalAndReported) {
  auto& c = client();
  wait_connected(c);
  auto& closes = recorder<std::pair<std::string, bool>>();
  c.on_close([&](std::string_view r, bool again) { closes.push({std::string(r), again}); });
  auto& acks = recorder<std::uint32_t>();
  c.disconnect();
  ASSERT_TRUE(closes.wait_for(1));
  EXPECT_EQ(closes.at(0).first, "disconnect");
  EXPECT_FALSE(closes.at(0).second);
  EXPECT_TRUE(c.closed());
  EXPECT_EQ(c.gettid(), 0u);
  EXPECT_EQ(c.publish("late", "x"), 0u);
  c.create("late", ack_to(acks));  // callbacks of later commands report failure
  ASSERT_TRUE(acks.wait_for(1));
  EXPECT_EQ(acks.at(0), 0u);
}

TEST_P(PubSub, ExtraHeadersReachTheBrokerAndPathIsKept) {
  smq::Hooks hooks;
  hooks.authenticate = [](const smq::ConnectInfo& info) {
    smq::AuthResult r;
    bool found = false;
    for (const auto& [name, value] : *info.headers) {
      if (name == "X-Token" && value == "abc") found = true;
    }
    if (!found || info.target != "/smq?room=1" || info.info != "my info") {
      r.code = smq::ConnackCode::denied;
      r.reason = "missing token";
    }
    return r;
  };
  start_broker(hooks);
  smq::ClientOptions o = test_options();
  o.headers = {{"X-Token", "abc"}};
  o.info = "my info";
  smq::BlockingClient ok(url("/smq?room=1"), o);
  EXPECT_NO_THROW(ok.connect());
  smq::BlockingClient refused(url("/smq?room=1"), test_options());
  EXPECT_THROW(refused.connect(), smq::ConnectionError);
}

TEST_P(PubSub, Ipv6Loopback) {
  try {
    start_broker({}, [](smq::BrokerOptions& o) { o.listen = {"[::1]:0"}; });
  } catch (const std::exception& e) {
    GTEST_SKIP() << "no IPv6 loopback: " << e.what();
  }
  const std::string u = std::string(scheme() == Scheme::ws ? "ws" : "http") +
                        "://[::1]:" + std::to_string(port()) + "/";
  smq::BlockingClient c(u, test_options());
  c.connect();
  c.subscribe("v6");
  ASSERT_TRUE(c.publish("over ::1", "v6"));
  const auto m = c.wait_message(Ms(3000));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->text(), "over ::1");
}

SMQ_BOTH_SCHEMES(PubSub);

}  // namespace
}  // namespace smqclienttest
