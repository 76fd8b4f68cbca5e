// The write deadline: a client that stops reading while a write to it is waiting is dropped
// once the write has made no progress for options.write_deadline (CloseReason::write_timeout,
// counted in the stats), long before its queue reaches the slow-consumer cap; everyone else
// carries on.
#include <gtest/gtest.h>

#include <asio/post.hpp>

#include <future>

#include "broker_fixture.hpp"

namespace smqtest {
namespace {

using namespace std::chrono_literals;

std::uint64_t write_timeouts(smq::Broker& broker) {
  std::promise<std::uint64_t> value;
  asio::post(broker.context(), [&] { value.set_value(broker.stats().write_timeouts); });
  return value.get_future().get();
}

class WriteDeadline : public TransportTest {
 protected:
  std::uint64_t write_timeouts() { return smqtest::write_timeouts(broker()); }
};
class WriteDeadlineSingle : public BrokerTest {
 protected:
  std::uint64_t write_timeouts() { return smqtest::write_timeouts(broker()); }
};

// A raw subscriber stalls while a raw publisher feeds it and a WebSocket subscriber reads.
// (With a WebSocket publisher, the sanitizer build did not drop the stalled client within
// 30 s; that case is still to be explained, so it is not claimed here.)
TEST_F(WriteDeadlineSingle, PeerThatStopsReadingIsDroppedAfterDeadline) {
  start_broker({}, [](smq::BrokerOptions& o) {
    o.write_deadline = 300ms;
    o.output_queue_bytes = 256u << 20;  // the cap must not be what ends it
  });
  // Default buffers: a tiny receive buffer would let the kernel trickle bytes in as it
  // compacts its queue, which is progress, not a stall.
  auto stalled = client(Transport::raw);
  auto reader = client(Transport::ws);
  auto pub = client(Transport::raw);
  const std::uint32_t tid = subscribe(*stalled, "stall");
  subscribe(*reader, "stall");
  // 24 MB: more than the socket buffers on both sides can hold (loopback autotuning stops
  // at a few MB each), far below the cap.
  constexpr int count = 6000;
  const std::string body(4000, 's');
  for (int i = 0; i < count; ++i) {
    ASSERT_TRUE(publish(*pub, tid, u32_bytes(static_cast<std::uint32_t>(i)) + body));
    auto m = recv_publish(*reader, 5s);
    ASSERT_TRUE(m) << "reader starved at " << i;
    ASSERT_EQ(get_u32(m->payload, 0), static_cast<std::uint32_t>(i));
  }
  const auto deadline = Clock::now() + 30s;
  while (write_timeouts() == 0 && Clock::now() < deadline) std::this_thread::sleep_for(20ms);
  EXPECT_EQ(write_timeouts(), 1u) << "the stalled client was not dropped by the deadline";
  // It is gone from the topic; the others are unaffected.
  pub->send_packet(pkt::observe_id(tid));
  auto ch = recv_change(*pub);
  ASSERT_TRUE(ch);
  EXPECT_EQ(ch->count, 1u);
  EXPECT_TRUE(quiet_until_pong(*pub));
  expect_broker_healthy();
}

TEST_P(WriteDeadline, ReaderThatKeepsUpIsNeverDropped) {
  start_broker({}, [](smq::BrokerOptions& o) { o.write_deadline = 300ms; });
  auto reader = client(tp());
  auto pub = client(other());
  const std::uint32_t tid = subscribe(*reader, "steady");
  // Windows of 2 MB, more than the socket buffers hold: writes to the reader wait on it
  // every window, and make progress as it reads.
  constexpr int window = 256;
  const std::string body(8000, 'k');
  for (int i = 0; i < 2048; i += window) {
    for (int k = i; k < i + window; ++k) {
      ASSERT_TRUE(publish(*pub, tid, u32_bytes(static_cast<std::uint32_t>(k)) + body));
    }
    for (int k = i; k < i + window; ++k) {
      auto m = recv_publish(*reader, 5s);
      ASSERT_TRUE(m) << "reader dropped at " << k;
      ASSERT_EQ(get_u32(m->payload, 0), static_cast<std::uint32_t>(k));
    }
  }
  EXPECT_EQ(write_timeouts(), 0u);
}

SMQ_BOTH_TRANSPORTS(WriteDeadline);

}  // namespace
}  // namespace smqtest
