// Test fixtures that run a real in-process broker on a free loopback port, plus small
// thread-safe recorders for hook and in-process-client callbacks (those run on the broker
// thread while the test thread waits).
#pragma once

#include <gtest/gtest.h>

#include <asio/post.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "broker/broker.hpp"
#include "broker/hooks.hpp"
#include "broker/local_client.hpp"
#include "broker/options.hpp"
#include "smq_ops.hpp"
#include "recorder.hpp"

namespace smqtest {

// Runs `f` on the broker thread (where the hub and the stats live) and returns its result.
template <typename F>
auto on_broker(smq::Broker& b, F f) {
  std::packaged_task<decltype(f())()> task(std::move(f));
  auto result = task.get_future();
  asio::post(b.context(), [&task] { task(); });
  return result.get();
}

// A stats snapshot taken on the broker thread.
inline smq::BrokerStats stats_of(smq::Broker& b) {
  return on_broker(b, [&b] { return b.stats(); });
}

// A reload as SIGHUP would apply it: the options the broker runs with, changed by `tweak`,
// given to Broker::reconfigure on the broker thread. Returns its report (throws as it does).
inline std::vector<std::string> reload_with(smq::Broker& b,
                                            const std::function<void(smq::BrokerOptions&)>& tweak) {
  smq::BrokerOptions next = b.options();
  tweak(next);
  return on_broker(b, [&] { return b.reconfigure(next); });
}

class BrokerTest : public ::testing::Test {
 protected:
  void TearDown() override;

  // Starts the broker with default test options (127.0.0.1:0, log level warn) adjusted by
  // `tweak`. Call at most once per test; port() starts a default broker if none runs.
  void start_broker(smq::Hooks hooks = {},
                    const std::function<void(smq::BrokerOptions&)>& tweak = {});
  std::uint16_t port();
  smq::Broker& broker();
  smq::LocalClient& server() { return broker().server(); }

  std::unique_ptr<SmqConn> open(Transport t, const OpenOptions& o = {}) {
    return open_smq(t, port(), o);
  }
  std::unique_ptr<SmqConn> client(Transport t, std::string uid = {}) {
    return connect_smq(t, port(), std::move(uid));
  }

  // A recorder owned by the fixture and destroyed only after the broker stopped, so hooks and
  // in-process callbacks that fire during shutdown never touch a dead test local.
  template <typename T>
  Recorder<T>& recorder() {
    auto r = std::make_shared<Recorder<T>>();
    keep_alive_.push_back(r);
    return *r;
  }

  // Barrier on the broker thread: posts a handler to the broker's io_context and returns once
  // it has run (fails the test if it does not within `timeout`). The loop is one thread and
  // runs posted handlers in order, so everything the broker had already queued when this is
  // called has run by then: in particular the in-process client's callback dispatch, which
  // routing posts as a task of its own.
  //
  // This makes "nothing (more) arrived" meaningful only once the broker has processed the
  // input in question. For bytes sent over a socket, that is not known from the test thread
  // until a reply to later bytes on the same connection comes back: the broker reads and
  // handles one connection's packets in order, so do a Ping/Pong round trip on that
  // connection first (sync() / quiet_until_pong()), then the barrier. Hooks such as on_drop
  // and on_publish run while the packet is handled, so the Pong alone already orders them;
  // the barrier covers work the broker posted while handling it.
  void loop_barrier(Ms timeout = Ms(3000));

  // Proves the broker still serves others: a new raw and a new WebSocket client connect, one
  // subscribes, the other publishes to that topic, and the message arrives intact.
  void expect_broker_healthy();

 private:
  std::unique_ptr<smq::Broker> broker_;
  std::vector<std::shared_ptr<void>> keep_alive_;
};

// Runs a test over both transports.
class TransportTest : public BrokerTest, public ::testing::WithParamInterface<Transport> {
 protected:
  Transport tp() const { return GetParam(); }
  // The other transport (for cross-transport checks).
  Transport other() const { return GetParam() == Transport::raw ? Transport::ws : Transport::raw; }
};

std::string transport_param_name(const ::testing::TestParamInfo<Transport>& info);

#define SMQ_BOTH_TRANSPORTS(suite)                                                      \
  INSTANTIATE_TEST_SUITE_P(Both, suite,                                                 \
                           ::testing::Values(::smqtest::Transport::raw,                 \
                                             ::smqtest::Transport::ws),                 \
                           ::smqtest::transport_param_name)

// Expected close of a connection that the broker ends for a protocol error: raw = EOF with
// no packet before it; WebSocket = a Close frame with `ws_code` then EOF.
void expect_protocol_close(SmqConn& c, std::uint16_t ws_code = 1002, Ms timeout = Ms(2000));

}  // namespace smqtest
