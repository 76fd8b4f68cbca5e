// The dashboard's chart history (broker/stats_history.hpp): a client asks the server client
// with a one-to-one message on the "stats-history" sub-topic and gets the sampled load back
// on its own ETID; the points are oldest first, hold the clients' load without the broker's
// own "$smq/" reports, and are bounded. Over both transports.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>

#include "broker/stats_history.hpp"
#include "broker_fixture.hpp"

namespace smqtest {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

class StatsHistoryTest : public TransportTest {
 protected:
  // One request and its answer.
  json ask(SmqConn& c) {
    const std::uint32_t sub = createsub(c, smq::history_subtopic);
    EXPECT_TRUE(publish(c, server().gettid(), "{}", sub));
    const auto reply = recv_publish(c, 3s);
    EXPECT_TRUE(reply);
    if (!reply) return {};
    EXPECT_EQ(reply->tid, c.etid);
    EXPECT_EQ(reply->ptid, server().gettid());
    EXPECT_EQ(reply->subtid, sub);
    return json::parse(reply->payload);
  }
  // Waits for `n` more reports on "$smq/stats" (one per tick, so n more samples).
  void ticks(SmqConn& watcher, int n) {
    for (int i = 0; i < n; ++i) ASSERT_TRUE(recv_publish(watcher, 3s)) << "report " << i;
  }
};

TEST_P(StatsHistoryTest, AnswersWithTheLoadOldestFirstWithoutTheBrokersOwnReports) {
  start_broker({}, [](smq::BrokerOptions& o) { o.stats_interval = 20ms; });
  auto asker = client(tp());
  // A dashboard's subscription: the broker's reports on "$smq/stats" flow all along, and
  // each one marks a tick.
  auto dashboard = client(Transport::raw);
  subscribe(*dashboard, "$smq/stats");
  ticks(*dashboard, 5);
  const json idle = ask(*asker);
  ASSERT_GE(idle["points"].size(), 5u);
  for (const json& p : idle["points"]) {
    ASSERT_EQ(p.size(), 5u);
    // Nobody but the broker published: its reports are not load.
    EXPECT_EQ(p[1].get<double>(), 0.0) << p << ": the broker's reports counted as messages in";
    EXPECT_EQ(p[2].get<double>(), 0.0) << p << ": the broker's reports counted as messages out";
  }

  // Load: 200 messages to a subscriber, then a few ticks to sample it.
  auto sub = client(Transport::raw);
  const std::uint32_t tid = subscribe(*sub, "history/load");
  auto pub = client(tp());
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(publish(*pub, tid, "x"));
  ASSERT_TRUE(sync(*pub));
  ticks(*dashboard, 3);
  const json busy = ask(*asker);
  const json& points = busy["points"];
  ASSERT_GT(points.size(), idle["points"].size());
  double peak_in = 0;
  double peak_out = 0;
  for (std::size_t i = 0; i < points.size(); ++i) {
    peak_in = std::max(peak_in, points[i][1].get<double>());
    peak_out = std::max(peak_out, points[i][2].get<double>());
    if (i > 0) {
      EXPECT_LE(points[i][0].get<double>(), points[i - 1][0].get<double>()) << "oldest first";
    }
  }
  EXPECT_EQ(points.back()[0].get<double>(), 0.0) << "ages count from the newest point";
  EXPECT_GT(peak_in, 0.0);
  EXPECT_GT(peak_out, 0.0);
}

TEST_P(StatsHistoryTest, KeepsAtMostTheBoundedNumberOfPoints) {
  start_broker({}, [](smq::BrokerOptions& o) { o.stats_interval = 1ms; });
  auto asker = client(tp());
  auto dashboard = client(Transport::raw);
  subscribe(*dashboard, "$smq/stats");
  ticks(*dashboard, static_cast<int>(smq::stats_history_points) + 20);
  EXPECT_EQ(ask(*asker)["points"].size(), smq::stats_history_points);
}

SMQ_BOTH_TRANSPORTS(StatsHistoryTest);

}  // namespace
}  // namespace smqtest
