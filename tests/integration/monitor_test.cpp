// The monitoring listener (--monitor): /healthz 200 while serving and 503 while stopping,
// /varz with version, uptime, the effective configuration without secrets and live counters,
// the bearer token (401 without it, reloaded with SIGHUP's reconfigure), other methods and
// paths, and that it is off unless configured. Over loopback HTTP from the test socket.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "broker/monitor/endpoints.hpp"
#include "broker_fixture.hpp"
#include "http.hpp"

namespace smqtest {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class Monitor : public BrokerTest {
 protected:
  void TearDown() override {
    BrokerTest::TearDown();
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }
  std::uint16_t monitor_port() { return broker().monitor_endpoint().value().port(); }
  std::optional<HttpResponse> get(std::string_view path, std::string_view extra = {},
                                  std::string_view method = "GET") {
    return http_exchange(monitor_port(), std::string(method) + " " + std::string(path) +
                                             " HTTP/1.1\r\nHost: localhost\r\n" +
                                             std::string(extra) + "\r\n",
                         Ms(3000), Ms(2000));
  }
  std::string token_file(const std::string& token) {
    static std::atomic<int> counter{0};
    if (dir_.empty()) {
      dir_ = fs::temp_directory_path() /
             ("smq-monitor-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
      fs::create_directories(dir_);
    }
    const fs::path path = dir_ / "token";
    std::ofstream(path) << token << "\n";
    return path.string();
  }

  fs::path dir_;
};

TEST_F(Monitor, OffUnlessConfigured) {
  start_broker();
  EXPECT_FALSE(broker().monitor_endpoint().has_value());
  // The client port does not answer monitoring paths as such: they are static files.
  const auto r = http_exchange(port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->head.status, 404);
}

TEST_F(Monitor, HealthzAndVarz) {
  start_broker({}, [](smq::BrokerOptions& o) {
    o.monitor = "127.0.0.1:0";
    o.max_connections = 1234;
    o.auth.acl = {smq::auth::AclRule{"anonymous", {"#"}, {"#"}, {}, {}, {}, {}}};
  });
  auto health = get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->head.status, 200);
  EXPECT_EQ(health->head.header("Content-Type"), "application/json");
  EXPECT_TRUE(health->closed) << "one request per connection";

  auto c = client(Transport::raw);
  const std::uint32_t tid = subscribe(*c, "watched");
  ASSERT_TRUE(publish(*c, tid, "x"));
  ASSERT_TRUE(recv_publish(*c));
  auto varz = get("/varz");
  ASSERT_TRUE(varz);
  ASSERT_EQ(varz->head.status, 200);
  const auto v = nlohmann::json::parse(varz->body);
  EXPECT_EQ(v["version"], smq::broker_version());
  EXPECT_GE(v["uptime"].get<double>(), 0.0);
  EXPECT_EQ(v["serving"], true);
  EXPECT_EQ(v["config"]["max_connections"], 1234);
  EXPECT_EQ(v["config"]["acl"][0]["user"], "anonymous");
  EXPECT_EQ(v["config"]["monitor"], "127.0.0.1:0");
  EXPECT_EQ(v["stats"]["clients"]["total"], 1);
  EXPECT_GE(v["stats"]["totals"]["published"].get<int>(), 1) << varz->body;

  EXPECT_EQ(get("/nothing")->head.status, 404);
  EXPECT_EQ(get("/varz", {}, "POST")->head.status, 405);
  const auto head = get("/healthz", {}, "HEAD");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->head.status, 200);
  EXPECT_TRUE(head->body.empty());
}

TEST_F(Monitor, HealthzSays503WhileStopping) {
  start_broker({}, [](smq::BrokerOptions& o) { o.monitor = "127.0.0.1:0"; });
  // A connected WebSocket client that never answers the broker's Close keeps the broker
  // draining for the shutdown grace (seconds): the monitor still answers meanwhile.
  auto c = client(Transport::ws);
  const std::uint16_t mport = monitor_port();
  broker().stop();
  loop_barrier();  // stop() posts its work; the barrier runs after it
  const auto r = http_exchange(mport, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->head.status, 503);
  EXPECT_NE(r->body.find("stopping"), std::string::npos);
}

TEST_F(Monitor, ABearerTokenIsRequiredWhenConfigured) {
  const std::string token = "s3cret-monitor-token-0123";
  const std::string path = token_file(token);
  start_broker({}, [&](smq::BrokerOptions& o) {
    o.monitor = "127.0.0.1:0";
    o.monitor_token_file = path;
  });
  const auto none = get("/varz");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->head.status, 401);
  EXPECT_TRUE(none->head.header("WWW-Authenticate").has_value());
  EXPECT_EQ(get("/varz", "Authorization: Bearer wrong-token-of-some-length\r\n")->head.status, 401);
  const auto ok = get("/varz", "Authorization: Bearer " + token + "\r\n");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->head.status, 200);
  EXPECT_EQ(ok->body.find(token), std::string::npos) << "the token is never shown";
  // A reload reads the token again.
  token_file("a-new-monitor-token-4567");
  reload_with(broker(), [](smq::BrokerOptions&) {});
  EXPECT_EQ(get("/healthz", "Authorization: Bearer " + token + "\r\n")->head.status, 401);
  EXPECT_EQ(get("/healthz", "Authorization: Bearer a-new-monitor-token-4567\r\n")->head.status, 200);
  // A token file that no longer holds a usable token is rejected and the old one stays.
  token_file("short");
  EXPECT_THROW(reload_with(broker(), [](smq::BrokerOptions&) {}), std::runtime_error);
  EXPECT_EQ(get("/healthz", "Authorization: Bearer a-new-monitor-token-4567\r\n")->head.status, 200);
}

TEST_F(Monitor, AShortTokenFileIsRefusedAtStart) {
  const std::string path = token_file("short");
  smq::BrokerOptions o;
  o.listen = {"127.0.0.1:0"};
  o.monitor = "127.0.0.1:0";
  o.monitor_token_file = path;
  smq::Broker b(o);
  EXPECT_THROW(b.start(), std::runtime_error);
}

}  // namespace
}  // namespace smqtest
