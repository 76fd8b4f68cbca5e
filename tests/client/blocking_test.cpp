// The blocking layer: connect/subscribe/publish/wait_message, the receive queue bound and
// its overflow policies, flush, close, the guard against use from the client's thread, and
// the report of each lost connection.
#include <gtest/gtest.h>

#include <string>

#include "client_fixture.hpp"
#include "smq/blocking_client.hpp"

namespace smqclienttest {
namespace {

class Blocking : public SchemeTest {};

TEST_P(Blocking, SubscribePublishWait) {
  smq::BlockingClient c(url(), test_options());
  EXPECT_FALSE(c.connected());
  c.connect();
  EXPECT_TRUE(c.connected());
  const std::uint32_t etid = c.gettid();
  EXPECT_NE(etid, 0u);
  const std::uint32_t tid = c.subscribe("blocking/t");
  EXPECT_EQ(c.create("blocking/t"), tid);
  EXPECT_EQ(c.subscribe("self"), etid);
  const std::uint32_t sub = c.createsub("part");
  EXPECT_NE(sub, 0u);

  EXPECT_FALSE(c.wait_message(Ms(20)));  // nothing yet: times out
  EXPECT_TRUE(c.publish("one", "blocking/t", "part"));
  EXPECT_TRUE(c.publish("two", "self"));
  auto m = c.wait_message(Ms(2000));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->text(), "one");
  EXPECT_EQ(m->tid, tid);
  EXPECT_EQ(m->subtid, sub);
  EXPECT_EQ(m->ptid, etid);
  m = c.wait_message(Ms(2000));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->text(), "two");
  EXPECT_EQ(m->tid, etid);
  server().publish("three", etid);  // a direct message from server code
  m = c.wait_message(Ms(2000));
  ASSERT_TRUE(m);
  EXPECT_EQ(m->text(), "three");
  EXPECT_EQ(m->ptid, 1u);
  EXPECT_TRUE(c.flush());
  c.close();
  EXPECT_TRUE(c.closed());
  EXPECT_FALSE(c.wait_message(Ms(1000)));  // closed: returns at once
  EXPECT_FALSE(c.publish("late", "blocking/t", 0u, Ms(10)));
}

TEST_P(Blocking, DeniedRequestsThrow) {
  smq::Hooks hooks;
  hooks.permit_topic = [](std::string_view name, bool, const smq::Peer&) { return name != "no"; };
  start_broker(hooks);
  smq::BlockingClient c(url(), test_options());
  c.connect();
  EXPECT_THROW(c.subscribe("no"), smq::RequestError);
  EXPECT_THROW(c.create("no"), smq::RequestError);
  EXPECT_NO_THROW(c.subscribe("yes"));
}

TEST_P(Blocking, ReceiveQueueDropsOldestByDefault) {
  smq::ClientOptions o = test_options();
  o.receive_queue = 3;
  smq::BlockingClient c(url(), o);
  c.connect();
  c.subscribe("flood");
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(c.publish(std::to_string(i), "flood"));
  ASSERT_TRUE(c.flush());
  ASSERT_TRUE(eventually([&] { return c.dropped() == 2; }));
  for (const char* expected : {"2", "3", "4"}) {
    const auto m = c.wait_message(Ms(1000));
    ASSERT_TRUE(m);
    EXPECT_EQ(m->text(), expected);
  }
  EXPECT_FALSE(c.wait_message(Ms(10)));
}

TEST_P(Blocking, ReceiveQueueCanDropNewest) {
  smq::ClientOptions o = test_options();
  o.receive_queue = 3;
  o.receive_overflow = smq::ReceiveOverflow::drop_newest;
  smq::BlockingClient c(url(), o);
  c.connect();
  c.subscribe("flood");
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(c.publish(std::to_string(i), "flood"));
  ASSERT_TRUE(c.flush());
  ASSERT_TRUE(eventually([&] { return c.dropped() == 2; }));
  for (const char* expected : {"0", "1", "2"}) {
    const auto m = c.wait_message(Ms(1000));
    ASSERT_TRUE(m);
    EXPECT_EQ(m->text(), expected);
  }
}

TEST_P(Blocking, RefusesCallsFromTheClientsThread) {
  smq::BlockingClient c(url(), test_options());
  c.connect();
  auto& outcome = recorder<std::string>();
  c.observe("guarded", [&](std::uint32_t, std::uint32_t) {
    try {
      c.create("inside");
      outcome.push("no exception");
    } catch (const std::logic_error&) {
      outcome.push("logic_error");
    }
  });
  ASSERT_TRUE(outcome.wait_for(1));
  EXPECT_EQ(outcome.at(0), "logic_error");
}

TEST_P(Blocking, WaitMessageReturnsWhenTheConnectionEndsForGood) {
  smq::ClientOptions o = test_options();
  o.uid = "blocking-evicted";
  smq::BlockingClient c(url(), o);
  c.connect();
  c.subscribe("x");
  smq::BlockingClient usurper(url(), o);  // same UID: c is evicted
  usurper.connect();
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(c.wait_message(Ms(3000)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, Ms(2000));
  EXPECT_TRUE(c.closed());
  EXPECT_EQ(c.close_reason(), "reconnect");
}

TEST_P(Blocking, EveryLostConnectionIsReportedBeforeItsReconnect) {
  smq::BlockingClient c(url(), test_options());
  auto& events = recorder<std::string>();
  c.on_connection_lost([&](std::string_view reason) { events.push("lost " + std::string(reason)); });
  c.client().on_reconnect([&](std::uint32_t, std::uint32_t, std::string_view) {
    events.push("reconnected");
  });
  c.connect();
  // Two restarts in a row, each repaired within the 50 ms reconnect delay: a caller polling
  // connected() could miss either, the handler cannot.
  restart_broker();
  ASSERT_TRUE(events.wait_for(2));
  restart_broker();
  ASSERT_TRUE(events.wait_for(4));
  EXPECT_EQ(events.at(0), "lost shutdown");
  EXPECT_EQ(events.at(1), "reconnected");
  EXPECT_EQ(events.at(2), "lost shutdown");
  EXPECT_EQ(events.at(3), "reconnected");
  c.close();
  EXPECT_EQ(events.size(), 4u) << "a final close is not a lost connection";
}

SMQ_BOTH_SCHEMES(Blocking);

}  // namespace
}  // namespace smqclienttest
