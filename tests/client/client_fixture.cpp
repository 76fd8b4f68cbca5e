// Client test fixture implementation (see client_fixture.hpp).
#include "client_fixture.hpp"

#include <thread>

namespace smqclienttest {

bool eventually(const std::function<bool()>& pred, Ms timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(Ms(5));
  }
  return pred();
}

std::string scheme_name(const ::testing::TestParamInfo<Scheme>& info) {
  // Named by transport: ws:// URLs give a WebSocket session, http:// URLs a raw SMQ one.
  return info.param == Scheme::ws ? "websocket" : "raw";
}

smq::ClientOptions test_options() {
  smq::ClientOptions o;
  o.connect_timeout = Ms(2000);
  o.read_timeout = Ms(2000);
  o.reconnect_delay = Ms(50);
  o.max_reconnect_delay = Ms(200);
  return o;
}

void ClientTest::start_broker(smq::Hooks hooks,
                              const std::function<void(smq::BrokerOptions&)>& tweak) {
  ASSERT_FALSE(broker_) << "broker already started";
  hooks_ = hooks;
  tweak_ = tweak;
  smq::BrokerOptions o;
  o.listen = {"127.0.0.1:" + std::to_string(port_)};
  o.log_level = smq::LogLevel::warn;
  if (tweak) tweak(o);
  broker_ = std::make_unique<smq::Broker>(o, std::move(hooks));
  broker_->start();
  broker_->start_thread();
  port_ = broker_->endpoints().at(0).port();
}

void ClientTest::stop_broker() {
  if (!broker_) return;
  broker_->stop();
  broker_.reset();
}

void ClientTest::restart_broker() {
  stop_broker();
  start_broker(hooks_, tweak_);
}

std::uint16_t ClientTest::port() {
  if (!broker_) start_broker();
  return port_;
}

smq::Broker& ClientTest::broker() {
  if (!broker_) start_broker();
  return *broker_;
}

std::string ClientTest::url(Scheme scheme, const std::string& path) {
  return std::string(scheme == Scheme::ws ? "ws" : "http") +
         "://127.0.0.1:" + std::to_string(port()) + path;
}

smq::NetworkClient& ClientTest::client(Scheme scheme, smq::ClientOptions options) {
  clients_.push_back(std::make_unique<smq::NetworkClient>(url(scheme), std::move(options)));
  clients_.back()->connect();
  return *clients_.back();
}

void ClientTest::wait_connected(smq::NetworkClient& c, Ms timeout) {
  ASSERT_TRUE(eventually([&] { return c.connected(); }, timeout)) << "client did not connect";
}

void ClientTest::TearDown() {
  clients_.clear();
  stop_broker();
  keep_alive_.clear();
}

}  // namespace smqclienttest
