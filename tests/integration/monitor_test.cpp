// The monitoring listener (--monitor): /healthz 200 while serving and 503 while stopping,
// /varz with version, uptime, the effective configuration without secrets and live counters,
// the bearer token (401 without it, reloaded with SIGHUP's reconfigure), other methods and
// paths, and that it is off unless configured. Over loopback HTTP from the test socket.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
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

// Samples of a Prometheus text exposition: "name{labels}" -> value, and each name's TYPE.
struct Exposition {
  std::map<std::string, double> samples;
  std::map<std::string, std::string> types;
};

Exposition parse_exposition(const std::string& text) {
  Exposition out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("# TYPE ", 0) == 0) {
      std::istringstream t(line.substr(7));
      std::string name, type;
      t >> name >> type;
      out.types[name] = type;
    } else if (!line.empty() && line[0] != '#') {
      const std::size_t space = line.rfind(' ');
      out.samples[line.substr(0, space)] = std::stod(line.substr(space + 1));
    }
  }
  return out;
}

TEST_F(Monitor, MetricsAreCollectedAtScrapeTime) {
  start_broker({}, [](smq::BrokerOptions& o) { o.monitor = "127.0.0.1:0"; });
  auto sub = client(Transport::raw);
  auto pub = client(Transport::ws);
  const std::uint32_t tid = subscribe(*sub, "metered");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(publish(*pub, tid, "m"));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(recv_publish(*sub));
  const std::uint32_t echo = subscribe(*pub, "echo");  // the publisher gets its own copy
  ASSERT_TRUE(publish(*pub, echo, "x"));
  ASSERT_TRUE(recv_publish(*pub));
  auto gone = client(Transport::raw);
  ASSERT_TRUE(gone->send_packet(pkt::disconnect_packet()));
  EXPECT_TRUE(gone->expect_closed(2s).closed);
  loop_barrier();

  const auto r = get("/metrics");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->head.status, 200);
  EXPECT_EQ(r->head.header("Content-Type").value_or("").rfind("text/plain; version=0.0.4", 0), 0u);
  const Exposition m = parse_exposition(r->body);
  EXPECT_EQ(m.samples.at("smq_build_info{version=\"" + smq::broker_version() + "\"}"), 1);
  EXPECT_EQ(m.samples.at("smq_connections{transport=\"raw\"}"), 1);
  EXPECT_EQ(m.samples.at("smq_connections{transport=\"websocket\"}"), 1);
  EXPECT_EQ(m.samples.at("smq_subscriptions"), 2);
  EXPECT_EQ(m.samples.at("smq_topics"), 2);
  EXPECT_EQ(m.samples.at("smq_messages_received_total"), 4);
  EXPECT_EQ(m.samples.at("smq_messages_sent_total"), 4);
  EXPECT_EQ(m.samples.at("smq_connections_closed_total{reason=\"client_disconnect\"}"), 1);
  EXPECT_EQ(m.samples.at("smq_connections_accepted_total"), 3);
  EXPECT_EQ(m.samples.at("smq_messages_dropped_total{reason=\"no_subscriber\"}"), 0);
  EXPECT_GT(m.samples.at("smq_bytes_received_total"), 0);
  EXPECT_GT(m.samples.at("smq_bytes_sent_total"), 0);
  EXPECT_EQ(m.samples.at("smq_slow_consumers_total"), 0);
  EXPECT_EQ(m.samples.at("smq_auth_failures_total"), 0);
  EXPECT_GT(m.samples.at("process_open_fds"), 3);
  EXPECT_GT(m.samples.at("process_resident_memory_bytes"), 1e6);
  EXPECT_GE(m.samples.at("process_cpu_seconds_total"), 0);
  // Conventions: every counter ends in _total and every sample has a TYPE.
  for (const auto& [name, type] : m.types) {
    if (type == "counter") {
      EXPECT_TRUE(name.ends_with("_total")) << name;
    }
  }
  for (const auto& [sample, value] : m.samples) {
    const std::string name = sample.substr(0, sample.find('{'));
    EXPECT_TRUE(m.types.contains(name)) << sample;
  }
}

TEST_F(Monitor, ConnzListsEveryConnectionWithItsCounters) {
  start_broker({}, [](smq::BrokerOptions& o) { o.monitor = "127.0.0.1:0"; });
  auto raw = client(Transport::raw, "connz-raw-1");
  auto ws = client(Transport::ws, "connz-ws-1");
  const std::uint32_t tid = subscribe(*ws, "c/1");
  subscribe(*ws, "c/2");
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(publish(*raw, tid, "hello"));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(recv_publish(*ws));
  ASSERT_TRUE(quiet_until_pong(*raw));

  const auto r = get("/connz");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->head.status, 200);
  const auto c = nlohmann::json::parse(r->body);
  EXPECT_EQ(c["total"], 2);
  ASSERT_EQ(c["connections"].size(), 2u);
  std::map<std::string, nlohmann::json> by_uid;
  for (const auto& item : c["connections"]) by_uid[item["uid"]] = item;
  const auto& p = by_uid.at("connz-raw-1");
  EXPECT_EQ(p["etid"], raw->etid);
  EXPECT_EQ(p["transport"], "raw");
  EXPECT_EQ(p["address"], "127.0.0.1");
  EXPECT_EQ(p["tls"], false);
  EXPECT_EQ(p["messages_in"], 5);
  EXPECT_EQ(p["messages_out"], 0);
  EXPECT_GT(p["bytes_in"].get<int>(), 5 * 5);
  EXPECT_GT(p["bytes_out"].get<int>(), 0) << "Init, Connack and Pongs";
  EXPECT_EQ(p["subscriptions"], 0);
  EXPECT_EQ(p["since"].get<std::string>().size(), 29u);
  const auto& q = by_uid.at("connz-ws-1");
  EXPECT_EQ(q["transport"], "websocket");
  EXPECT_EQ(q["messages_out"], 5);
  EXPECT_EQ(q["subscriptions"], 2);
  EXPECT_EQ(q["queued_bytes"], 0);
  // Pages: ordered by ETID, `limit` per page.
  const auto first = nlohmann::json::parse(get("/connz?limit=1")->body);
  const auto second = nlohmann::json::parse(get("/connz?offset=1&limit=1")->body);
  ASSERT_EQ(first["connections"].size(), 1u);
  ASSERT_EQ(second["connections"].size(), 1u);
  EXPECT_LT(first["connections"][0]["etid"].get<std::uint32_t>(),
            second["connections"][0]["etid"].get<std::uint32_t>());
  EXPECT_EQ(nlohmann::json::parse(get("/connz?offset=2")->body)["connections"].size(), 0u);
  EXPECT_EQ(nlohmann::json::parse(get("/connz?limit=999999")->body)["limit"],
            smq::max_monitor_page);
}

TEST_F(Monitor, TopiczListsTopicsWithSubscribersAndRates) {
  start_broker({}, [](smq::BrokerOptions& o) { o.monitor = "127.0.0.1:0"; });
  auto a = client(Transport::raw);
  auto b = client(Transport::ws);
  const std::uint32_t busy = subscribe(*a, "busy");
  ASSERT_EQ(subscribe(*b, "busy"), busy);
  subscribe(*b, "quiet");
  get("/topicz");  // the baseline for the next rates
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(publish(*a, busy, "m"));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(recv_publish(*b));
  const auto t = nlohmann::json::parse(get("/topicz")->body);
  ASSERT_GE(t["topics"].size(), 2u);
  EXPECT_GT(t["interval_seconds"].get<double>(), 0);
  // Most subscribed first.
  EXPECT_EQ(t["topics"][0]["name"], "busy");
  EXPECT_EQ(t["topics"][0]["tid"], busy);
  EXPECT_EQ(t["topics"][0]["subscribers"], 2);
  EXPECT_EQ(t["topics"][0]["messages"], 10);
  EXPECT_GT(t["topics"][0]["messages_per_second"].get<double>(), 0);
  EXPECT_EQ(t["topics"][1]["name"], "quiet");
  EXPECT_EQ(t["topics"][1]["messages"], 0);
  EXPECT_EQ(t["topics"][1]["messages_per_second"], 0);
  // Nothing since: the rate falls back to zero.
  const auto again = nlohmann::json::parse(get("/topicz?limit=1")->body);
  ASSERT_EQ(again["topics"].size(), 1u);
  EXPECT_EQ(again["topics"][0]["messages_per_second"], 0);
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
