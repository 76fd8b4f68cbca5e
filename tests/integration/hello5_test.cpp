// hello5 end to end: the example server code (broker/examples/hello5.cpp) running in a real
// broker, driven by network clients over both transports. A client publishes to "hello" and
// must receive five direct messages (dest = its own ETID, publisher = the server client's
// ETID 1), spaced by the configured interval.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "broker/examples/hello5.hpp"
#include "broker_fixture.hpp"

namespace smqtest {
namespace {

using Clock = std::chrono::steady_clock;

class Hello5Test : public TransportTest {};

void expect_five_replies(SmqConn& c, std::chrono::milliseconds interval) {
  const std::uint32_t hello = subscribe(c, "hello");  // any client may also listen
  ASSERT_NE(hello, 0u);
  const auto start = Clock::now();
  ASSERT_TRUE(publish(c, hello, "hi there"));
  // The client subscribed to "hello" itself, so its own message comes back first.
  const auto echo = recv_publish(c);
  ASSERT_TRUE(echo);
  EXPECT_EQ(echo->tid, hello);
  EXPECT_EQ(echo->payload, "hi there");
  for (int n = 1; n <= 5; ++n) {
    const auto m = recv_publish(c, interval * 3 + Ms(2000));
    ASSERT_TRUE(m) << "reply " << n << " missing";
    EXPECT_EQ(m->tid, c.etid);  // a direct message to this client's ETID
    EXPECT_EQ(m->ptid, 1u);     // from the server client
    EXPECT_EQ(m->subtid, 0u);
    EXPECT_EQ(m->payload, "Hello, you said 'hi there' (" + std::to_string(n) + " of 5)");
    // Replies are spaced by the interval (the first one is immediate).
    const auto elapsed = Clock::now() - start;
    EXPECT_GE(elapsed, interval * (n - 1) - Ms(50)) << "reply " << n << " came early";
  }
  EXPECT_TRUE(silent_for(c, interval + Ms(200))) << "more than five replies";
}

TEST_P(Hello5Test, FiveRepliesToThePublisher) {
  start_broker();
  smq::install_hello5(broker(), Ms(150));
  auto c = client(tp());
  expect_five_replies(*c, Ms(150));
}

TEST_P(Hello5Test, TwoClientsEachGetTheirOwnFive) {
  start_broker();
  smq::install_hello5(broker(), Ms(100));
  auto a = client(tp());
  auto b = client(other());
  const std::uint32_t hello = create(*a, "hello");
  ASSERT_TRUE(publish(*a, hello, "from a"));
  ASSERT_TRUE(publish(*b, hello, "from b"));
  for (auto* c : {a.get(), b.get()}) {
    for (int n = 1; n <= 5; ++n) {
      const auto m = recv_publish(*c, Ms(3000));
      ASSERT_TRUE(m);
      EXPECT_EQ(m->tid, c->etid);
      const std::string who = c == a.get() ? "from a" : "from b";
      EXPECT_EQ(m->payload, "Hello, you said '" + who + "' (" + std::to_string(n) + " of 5)");
    }
  }
}

TEST_F(BrokerTest, Hello5WithTheDocumentedOneSecondInterval) {
  start_broker();
  smq::install_hello5(broker());
  auto c = client(Transport::raw);
  expect_five_replies(*c, Ms(1000));
}

SMQ_BOTH_TRANSPORTS(Hello5Test);

}  // namespace
}  // namespace smqtest
