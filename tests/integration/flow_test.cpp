// Payload integrity across transports at the framing boundaries (checklist L15/D11) and
// the slow-consumer policy (checklist M1/M3): a subscriber that stops reading is cut off
// once its queue passes the configured cap, while the publisher and healthy subscribers
// carry on with nothing lost.
#include <gtest/gtest.h>

#include "broker_fixture.hpp"

namespace smqtest {
namespace {

using namespace std::chrono_literals;

class Flow : public TransportTest {};

TEST_P(Flow, PayloadSizesCrossTransportsIntact) {
  auto pub = client(tp());
  auto sub = client(other());
  std::uint32_t tid = subscribe(*sub, "sizes");
  std::uint32_t subtid = createsub(*pub, "kind");
  for (std::size_t size : {0, 1, 112, 113, 114, 115, 125, 126, 127, 128, 1000, 65519, 65520}) {
    std::string payload(size, '\0');
    for (std::size_t i = 0; i < size; ++i) payload[i] = static_cast<char>((i * 7 + size) & 0xFF);
    ASSERT_TRUE(publish(*pub, tid, payload, subtid));
    auto m = recv_publish(*sub);
    ASSERT_TRUE(m) << "size " << size;
    EXPECT_EQ(m->payload.size(), size);
    EXPECT_TRUE(m->payload == payload) << "payload of " << size << " bytes corrupted";
    EXPECT_EQ(m->subtid, subtid);
    EXPECT_EQ(m->ptid, pub->etid);
  }
}

TEST_P(Flow, SlowConsumerIsCutOffOthersUnaffected) {
  start_broker({}, [](smq::BrokerOptions& o) { o.output_queue_bytes = 256 * 1024; });
  auto slow = client(tp());
  auto healthy = client(other());
  auto pub = client(tp());
  std::uint32_t tid = subscribe(*slow, "firehose");
  subscribe(*healthy, "firehose");
  constexpr int count = 6144, window = 32;
  const std::string body(4000, 'f');  // 24 MB in total: far beyond socket buffers and the cap
  // The healthy subscriber keeps pace (the publisher waits for it every `window` messages,
  // 128 KiB, below the cap); the slow one never reads.
  int received = 0;
  for (int i = 0; i < count && !HasFailure(); i += window) {
    for (int k = i; k < i + window; ++k)
      ASSERT_TRUE(publish(*pub, tid, u32_bytes(static_cast<std::uint32_t>(k)) + body)) << "publisher write failed";
    for (int k = i; k < i + window; ++k) {
      auto m = recv_publish(*healthy, 5s);
      ASSERT_TRUE(m) << "healthy subscriber starved after " << received;
      ASSERT_EQ(get_u32(m->payload, 0), static_cast<std::uint32_t>(k)) << "out of order";
      ++received;
    }
  }
  EXPECT_EQ(received, count);
  // The slow one was disconnected: draining it ends in EOF before all messages came.
  int slow_got = 0;
  CloseResult r;
  auto deadline = Clock::now() + 10s;
  while (Clock::now() < deadline) {
    r = slow->expect_closed(100ms);
    slow_got += static_cast<int>(r.packets.size());
    if (r.closed) break;
  }
  EXPECT_TRUE(r.closed) << "slow consumer never disconnected";
  EXPECT_LT(slow_got, count);
  EXPECT_TRUE(quiet_until_pong(*pub)) << "publisher was affected";
}

// Checklist A4: subscribers that vanish (reset with unread data) in the middle of a flood
// must not disturb the others, which receive everything in order.
TEST_P(Flow, SubscribersVanishingMidFlood) {
  auto pub = client(tp());
  std::vector<std::unique_ptr<SmqConn>> subs;
  std::uint32_t tid = 0;
  for (int i = 0; i < 12; ++i) {
    subs.push_back(client(i % 2 ? tp() : other()));
    tid = subscribe(*subs.back(), "churn");
  }
  constexpr int count = 3000;
  const std::string body(1000, 'c');
  for (int i = 0; i < count; ++i) {
    ASSERT_TRUE(publish(*pub, tid, u32_bytes(static_cast<std::uint32_t>(i)) + body));
    if (i == count / 3) {
      for (int k = 0; k < 12; k += 2) subs[k]->close_socket();  // unread data: a reset
    }
  }
  for (int k = 1; k < 12; k += 2) {
    for (int i = 0; i < count; ++i) {
      auto m = recv_publish(*subs[k], 5s);
      ASSERT_TRUE(m) << "subscriber " << k << " lost message " << i;
      ASSERT_EQ(get_u32(m->payload, 0), static_cast<std::uint32_t>(i));
    }
  }
  // The dead subscribers are gone from the topic: 6 remain.
  pub->send_packet(pkt::observe_id(tid));
  auto ch = recv_change(*pub);
  ASSERT_TRUE(ch);
  EXPECT_EQ(ch->count, 6u);
}

SMQ_BOTH_TRANSPORTS(Flow);

}  // namespace
}  // namespace smqtest
