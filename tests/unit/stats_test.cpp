// Stats snapshot and JSON: escaping of arbitrary topic names, rates against a previous
// snapshot, most-subscribed ordering and the bound on the topic list.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "broker/hub.hpp"
#include "broker/net/net_context.hpp"
#include "broker/stats.hpp"

namespace smq {
namespace {

struct NullPeer : Peer {
  explicit NullPeer(std::string id, Transport t) { uid = std::move(id); transport = t; }
  bool deliver(const Frame&) override { return true; }
  void close(CloseReason, std::string_view) override {}
};

TEST(Stats, JsonStringEscapes) {
  EXPECT_EQ(json_string("plain"), "\"plain\"");
  EXPECT_EQ(json_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(json_string(std::string("x\ny\x01", 4)), "\"x\\u000ay\\u0001\"");
  EXPECT_EQ(json_string("caf\xc3\xa9"), "\"caf\xc3\xa9\"");      // valid UTF-8 kept
  EXPECT_EQ(json_string("bad\xff"), "\"bad\\ufffd\"");            // invalid bytes replaced
}

TEST(Stats, RatesAndTotals) {
  BrokerStats before, after;
  before.published = 100;
  after.published = 300;
  before.bytes_out = 1000;
  after.bytes_out = 5000;
  after.clients = 3;
  after.hook_errors = 4;
  after.callback_errors = 5;
  after.loop_exceptions = 6;
  after.random_failures = 7;
  const std::string json = stats_json(after, before, 2.0);
  EXPECT_NE(json.find(R"("errors":{"hooks":4,"callbacks":5,"loop":6,"random":7})"), std::string::npos)
      << json;
  EXPECT_NE(json.find("\"messages_in\":100.0"), std::string::npos) << json;
  EXPECT_NE(json.find("\"bytes_out\":2000.0"), std::string::npos) << json;
  EXPECT_NE(json.find("\"total\":3"), std::string::npos) << json;
  EXPECT_NE(json.find("\"published\":300"), std::string::npos) << json;
  EXPECT_EQ(json.front(), '{');
  EXPECT_EQ(json.back(), '}');
  // No time elapsed: rates are zero, not infinite.
  EXPECT_NE(stats_json(after, before, 0).find("\"messages_in\":0.0"), std::string::npos);
}

TEST(Stats, CollectCountsClientsAndOrdersTopics) {
  Logger log(LogLevel::off);
  Hub hub(log, {});
  NetCounters counters;
  counters.bytes_in = 42;
  std::vector<std::unique_ptr<NullPeer>> peers;
  for (int i = 0; i < 6; ++i) {
    peers.push_back(std::make_unique<NullPeer>("peer-" + std::to_string(i),
                                               i % 3 == 0 ? Transport::raw : Transport::websocket));
    hub.register_peer(*peers.back());
  }
  // "busy" gets 5 subscribers, "quiet" 1, the stats topic 1, "empty" none.
  for (int i = 0; i < 5; ++i) hub.subscribe(*peers[i], "busy");
  hub.subscribe(*peers[5], "quiet");
  hub.subscribe(*peers[5], std::string(stats_topic));
  hub.create(*peers[0], "empty");
  const BrokerStats s = collect_stats(hub, counters, 1.5, 3);
  EXPECT_EQ(s.clients, 6u);
  EXPECT_EQ(s.raw_clients, 2u);
  EXPECT_EQ(s.websocket_clients, 4u);
  EXPECT_EQ(s.topics, 4u);
  EXPECT_EQ(s.bytes_in, 42u);
  ASSERT_EQ(s.top_topics.size(), 3u);  // bounded: "empty" is cut
  EXPECT_EQ(s.top_topics[0].name, "busy");
  EXPECT_EQ(s.top_topics[0].subscribers, 5u);
  EXPECT_EQ(s.top_topics[1].name, "$smq/stats");  // ties ordered by name
  EXPECT_EQ(s.top_topics[2].name, "quiet");
  const std::string json = stats_json(s, s, 1);
  EXPECT_NE(json.find(R"({"name":"busy","tid":)"), std::string::npos) << json;
}

}  // namespace
}  // namespace smq
