// WebSocket upgrades and their Origin (cross-site WebSocket hijacking): by default a page
// from another site gets 403 while same-host pages and clients without Origin connect; with
// allowed_origins the listed sites (or "*") connect as well. Raw SMQ (devices) is never
// affected. Refusals are logged and counted.
#include <gtest/gtest.h>

#include <string>

#include "broker_fixture.hpp"
#include "http.hpp"
#include "ws_client.hpp"

namespace smqtest {
namespace {

using namespace std::chrono_literals;

class Origins : public BrokerTest {
 protected:
  // Status of an upgrade sent with this Origin (none when empty) and Host "127.0.0.1:PORT";
  // after a 101 the session must also be usable (Init arrives).
  int upgrade_status(const std::string& origin) {
    WsClient ws;
    EXPECT_TRUE(ws.connect(port()));
    UpgradeRequest req;
    req.host = "127.0.0.1:" + std::to_string(port());
    if (!origin.empty()) req.extra_headers = {{"Origin", origin}};
    ws.upgrade(req);
    if (!ws.response()) return 0;
    const int status = ws.response()->status;
    if (status == 101) {
      auto init = ws.read_frame(2s);
      EXPECT_TRUE(init && pkt::parse_init(init->payload)) << "no Init after 101";
    } else {
      EXPECT_TRUE(ws.wait_closed(2s).closed) << "refused upgrade left open";
    }
    return status;
  }
  std::string own() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void remember_port() { port_ = port(); }

  std::uint16_t port_ = 0;
};

TEST_F(Origins, DefaultAcceptsNoOriginAndTheSameHostOnly) {
  start_broker();
  remember_port();
  EXPECT_EQ(upgrade_status(""), 101);
  EXPECT_EQ(upgrade_status(own()), 101);
  EXPECT_EQ(upgrade_status("http://evil.example"), 403);
  EXPECT_EQ(upgrade_status("http://127.0.0.1:1"), 403);  // same host, another port: another site
  EXPECT_EQ(upgrade_status("null"), 403);
  // Devices over raw SMQ send no Origin and are unaffected; so is everyone connected.
  expect_broker_healthy();
  EXPECT_EQ(stats_of(broker()).origins_refused, 3u);
}

TEST_F(Origins, ConfiguredListAddsSites) {
  start_broker({}, [](smq::BrokerOptions& o) {
    o.allowed_origins = {"https://app.example", "null"};
  });
  remember_port();
  EXPECT_EQ(upgrade_status("https://app.example"), 101);
  EXPECT_EQ(upgrade_status("https://APP.example:443"), 101);
  EXPECT_EQ(upgrade_status("null"), 101);
  EXPECT_EQ(upgrade_status(""), 101);
  EXPECT_EQ(upgrade_status("http://app.example"), 403);
  EXPECT_EQ(upgrade_status(own()), 101);  // the list adds to the broker's own pages
  EXPECT_EQ(stats_of(broker()).origins_refused, 1u);
}

TEST_F(Origins, StarAllowsAnyPageAndTwoOriginHeadersAreRefused) {
  start_broker({}, [](smq::BrokerOptions& o) { o.allowed_origins = {"*"}; });
  remember_port();
  EXPECT_EQ(upgrade_status("http://anything.example:8080"), 101);
  WsClient ws;
  ASSERT_TRUE(ws.connect(port()));
  UpgradeRequest req;
  req.extra_headers = {{"Origin", "http://a.example"}, {"Origin", "http://b.example"}};
  EXPECT_FALSE(ws.upgrade(req));
  ASSERT_TRUE(ws.response());
  EXPECT_EQ(ws.response()->status, 403);
}

}  // namespace
}  // namespace smqtest
