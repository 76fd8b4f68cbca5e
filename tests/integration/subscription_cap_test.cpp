// Per-connection cap on subscriptions (HubLimits::max_subscriptions_per_connection): beyond
// it a Subscribe to one more topic is denied with status 1, whether the topic exists or not,
// while repeated Subscribes of held topics are still acknowledged; leaving a topic frees a
// slot; other clients and server code are not limited by it.
#include <gtest/gtest.h>

#include <string>

#include "broker_fixture.hpp"

namespace smqtest {
namespace {

constexpr std::size_t cap = 3;

class SubscriptionCap : public TransportTest {
 protected:
  void SetUp() override {
    start_broker({}, [](smq::BrokerOptions& o) { o.hub.max_subscriptions_per_connection = cap; });
  }
};

TEST_P(SubscriptionCap, OneMoreTopicIsDeniedUntilOneIsLeft) {
  auto greedy = client(tp());
  auto other_client = client(other());
  const std::uint32_t existing = create(*other_client, "subs/existing");
  std::uint32_t first = 0;
  for (std::size_t i = 0; i < cap; ++i) {
    const std::uint32_t tid = subscribe(*greedy, "subs/t" + std::to_string(i));
    if (i == 0) first = tid;
  }

  pkt::Ack denied = request_ack(*greedy, pkt::subscribe_to("subs/new"), pkt::suback);
  EXPECT_EQ(denied.status, 1);
  EXPECT_EQ(denied.id, 0u);
  EXPECT_EQ(denied.name, "subs/new");
  EXPECT_EQ(server().topic2tid("subs/new"), 0u);  // a denied Subscribe creates nothing
  denied = request_ack(*greedy, pkt::subscribe_to("subs/existing"), pkt::suback);
  EXPECT_EQ(denied.status, 1);
  // What it holds is acknowledged as always.
  EXPECT_EQ(subscribe(*greedy, "subs/t1"), subscribe(*other_client, "subs/t1"));

  // Another client has a count of its own (it holds subs/t1 already), and server code none.
  for (std::size_t i = 0; i + 1 < cap; ++i) subscribe(*other_client, "subs/o" + std::to_string(i));
  EXPECT_NE(server().subscribe("subs/server", [](const smq::Delivery&) {}), 0u);

  // Leaving one frees its slot; the subscription then works like any other.
  ASSERT_TRUE(greedy->send_packet(pkt::unsubscribe_from(first)));
  EXPECT_EQ(subscribe(*greedy, "subs/existing"), existing);
  ASSERT_TRUE(publish(*other_client, existing, "after the cap"));
  auto msg = recv_publish(*greedy);
  ASSERT_TRUE(msg);
  EXPECT_EQ(msg->payload, "after the cap");
}

SMQ_BOTH_TRANSPORTS(SubscriptionCap);

}  // namespace
}  // namespace smqtest
