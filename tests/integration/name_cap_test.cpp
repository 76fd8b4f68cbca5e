// Per-connection cap on new names (HubLimits::max_names_per_connection): a client that keeps
// inventing topic and sub-topic names is denied beyond the cap while existing names still
// work for it and other clients can still create; the stats show the name tables growing.
#include <gtest/gtest.h>

#include <asio/post.hpp>

#include <future>

#include "broker_fixture.hpp"

namespace smqtest {
namespace {

constexpr std::size_t cap = 5;

class NameCap : public TransportTest {
 protected:
  void SetUp() override {
    start_broker({}, [](smq::BrokerOptions& o) { o.hub.max_names_per_connection = cap; });
  }
};

TEST_P(NameCap, NewNamesBeyondTheCapAreDeniedExistingOnesStillWork) {
  auto greedy = client(tp());
  auto other_client = client(other());
  const std::uint32_t shared = create(*other_client, "names/shared");
  const smq::BrokerStats before = stats_of(broker());

  // Topics by Create and Subscribe and a sub-topic by Createsub all count.
  for (std::size_t i = 0; i + 2 < cap; ++i) create(*greedy, "names/t" + std::to_string(i));
  subscribe(*greedy, "names/subscribed");
  createsub(*greedy, "names/sub0");

  pkt::Ack denied = request_ack(*greedy, pkt::create_topic("names/one-too-many"), pkt::createack);
  EXPECT_EQ(denied.status, 1);
  EXPECT_EQ(denied.id, 0u);
  denied = request_ack(*greedy, pkt::subscribe_to("names/one-too-many"), pkt::suback);
  EXPECT_EQ(denied.status, 1);
  denied = request_ack(*greedy, pkt::create_sub("names/sub-too-many"), pkt::createsuback);
  EXPECT_EQ(denied.status, 1);

  // Names that exist are acknowledged as always, whoever created them.
  EXPECT_EQ(create(*greedy, "names/t0"), create(*other_client, "names/t0"));
  EXPECT_EQ(subscribe(*greedy, "names/shared"), shared);
  createsub(*greedy, "names/sub0");

  // The cap is per connection: another client still creates, and so does server code.
  create(*other_client, "names/one-too-many");
  EXPECT_NE(server().create("names/server-side"), 0u);

  const smq::BrokerStats after = stats_of(broker());
  EXPECT_EQ(after.topics, before.topics + (cap - 1) + 2);
  EXPECT_EQ(after.subtopics, before.subtopics + 1);
  EXPECT_GT(after.name_bytes, before.name_bytes);
  EXPECT_GE(after.name_bytes - before.name_bytes, (cap + 2) * smq::name_entry_overhead);
  const std::string json = smq::stats_json(after, after, 0);
  EXPECT_NE(json.find("\"name_bytes\":" + std::to_string(after.name_bytes)), std::string::npos)
      << json;
}

SMQ_BOTH_TRANSPORTS(NameCap);

}  // namespace
}  // namespace smqtest
