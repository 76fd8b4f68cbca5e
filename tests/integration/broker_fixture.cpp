// Broker fixture implementation (see broker_fixture.hpp).
#include "broker_fixture.hpp"

#include <asio/post.hpp>

#include <future>

namespace smqtest {

void BrokerTest::start_broker(smq::Hooks hooks,
                              const std::function<void(smq::BrokerOptions&)>& tweak) {
  ASSERT_FALSE(broker_) << "broker already started";
  smq::BrokerOptions o;
  o.listen = {"127.0.0.1:0"};
  o.log_level = smq::LogLevel::warn;
  if (tweak) tweak(o);
  broker_ = std::make_unique<smq::Broker>(o, std::move(hooks));
  broker_->start();
  broker_->start_thread();
}

std::uint16_t BrokerTest::port() {
  if (!broker_) start_broker();
  return broker_->endpoints().at(0).port();
}

smq::Broker& BrokerTest::broker() {
  if (!broker_) start_broker();
  return *broker_;
}

void BrokerTest::TearDown() {
  if (broker_) {
    broker_->stop();
    broker_.reset();
  }
  keep_alive_.clear();
}

void BrokerTest::loop_barrier(Ms timeout) {
  // Shared: if the wait times out, the handler may still run after this frame is gone.
  auto reached = std::make_shared<std::promise<void>>();
  auto done = reached->get_future();
  asio::post(broker().context(), [reached] { reached->set_value(); });
  ASSERT_EQ(done.wait_for(timeout), std::future_status::ready)
      << "broker thread did not reach the barrier within " << timeout.count() << " ms";
}

void BrokerTest::expect_broker_healthy() {
  auto sub = client(Transport::raw);
  auto pub = client(Transport::ws);
  std::uint32_t tid = subscribe(*sub, "health/check");
  ASSERT_TRUE(publish(*pub, tid, "still alive"));
  auto msg = recv_publish(*sub);
  ASSERT_TRUE(msg) << "healthy subscriber got nothing";
  EXPECT_EQ(msg->payload, "still alive");
  EXPECT_EQ(msg->tid, tid);
  EXPECT_EQ(msg->ptid, pub->etid);
}

std::string transport_param_name(const ::testing::TestParamInfo<Transport>& info) {
  return to_string(info.param);
}

void expect_protocol_close(SmqConn& c, std::uint16_t ws_code, Ms timeout) {
  CloseResult r = c.expect_closed(timeout);
  EXPECT_TRUE(r.closed) << "connection not closed within " << timeout.count() << " ms";
  for (const auto& p : r.packets) ADD_FAILURE() << "unexpected packet before close: " << pkt::describe(p);
  if (c.transport() == Transport::ws) {
    EXPECT_TRUE(r.close_frame) << "no WebSocket Close frame before TCP close";
    if (r.close_frame) {
      EXPECT_EQ(r.code, ws_code);
    }
    EXPECT_EQ(r.frames_after_close, 0u) << "frames after Close";
  }
}

}  // namespace smqtest
