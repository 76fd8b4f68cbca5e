// Fixtures for the network client tests: an in-process broker on a free loopback port that
// can be restarted on the same port, ws:// / http:// URLs for it, and a thread-safe recorder
// for values pushed from client callbacks (which run on the client's thread).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "broker/broker.hpp"
#include "broker/hooks.hpp"
#include "broker/local_client.hpp"
#include "broker/options.hpp"
#include "smq/network_client.hpp"
#include "recorder.hpp"

namespace smqclienttest {

using Ms = std::chrono::milliseconds;

template <typename T>
using Recorder = smqtest::Recorder<T>;

// Polls `pred` until true or timeout.
bool eventually(const std::function<bool()>& pred, Ms timeout = Ms(3000));

enum class Scheme { ws, http };
std::string scheme_name(const ::testing::TestParamInfo<Scheme>& info);

// Options suited to tests: fast reconnect, short handshake timeouts.
smq::ClientOptions test_options();

class ClientTest : public ::testing::Test {
 protected:
  void TearDown() override;

  void start_broker(smq::Hooks hooks = {},
                    const std::function<void(smq::BrokerOptions&)>& tweak = {});
  // Stops the broker (clients see Disconnect "shutdown") and starts a new one on the same
  // port with the same hooks.
  void restart_broker();
  void stop_broker();
  std::uint16_t port();
  // Port of the broker's i-th endpoint (listen addresses first, then tls_listen).
  std::uint16_t endpoint_port(std::size_t i) { return broker().endpoints().at(i).port(); }
  smq::Broker& broker();
  smq::LocalClient& server() { return broker().server(); }
  std::string url(Scheme scheme, const std::string& path = "/");

  template <typename T>
  Recorder<T>& recorder() {
    auto r = std::make_shared<Recorder<T>>();
    keep_alive_.push_back(r);
    return *r;
  }

  // A started network client; destroyed in TearDown before the broker.
  smq::NetworkClient& client(Scheme scheme, smq::ClientOptions options = test_options());
  // Waits until `c` is connected (fails the test otherwise).
  void wait_connected(smq::NetworkClient& c, Ms timeout = Ms(3000));

 private:
  std::unique_ptr<smq::Broker> broker_;
  smq::Hooks hooks_;
  std::function<void(smq::BrokerOptions&)> tweak_;
  std::uint16_t port_ = 0;
  std::vector<std::unique_ptr<smq::NetworkClient>> clients_;
  std::vector<std::shared_ptr<void>> keep_alive_;
};

class SchemeTest : public ClientTest, public ::testing::WithParamInterface<Scheme> {
 protected:
  Scheme scheme() const { return GetParam(); }
  smq::NetworkClient& client(smq::ClientOptions options = test_options()) {
    return ClientTest::client(GetParam(), std::move(options));
  }
  std::string url(const std::string& path = "/") { return ClientTest::url(GetParam(), path); }
};

#define SMQ_BOTH_SCHEMES(suite)                                                                   \
  INSTANTIATE_TEST_SUITE_P(                                                                       \
      Both, suite, ::testing::Values(::smqclienttest::Scheme::ws, ::smqclienttest::Scheme::http), \
      ::smqclienttest::scheme_name)

}  // namespace smqclienttest
