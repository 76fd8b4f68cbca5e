// Per-client limits over both transports: messages and bytes per second per connection
// (disconnect with "rate limit exceeded", or drop and count), sockets per address and new
// sockets per second per address (closed at accept; loopback exempt unless limit_loopback).
#include <gtest/gtest.h>

#include "broker_fixture.hpp"
#include "socket.hpp"

namespace smqtest {
namespace {

using namespace std::chrono_literals;

std::uint64_t closes(const smq::BrokerStats& s, smq::CloseReason r) {
  return s.closes[static_cast<std::size_t>(r)];
}

// `n` Publish packets to `tid` in one write.
std::string publishes(SmqConn& c, std::uint32_t tid, int n, std::size_t payload = 8) {
  std::string bytes;
  for (int i = 0; i < n; ++i) {
    bytes += c.frame_packet(pkt::publish_to(tid, c.etid, 0, std::string(payload, 'x')));
  }
  return bytes;
}

// Whether a plain socket to the broker is served (gets Init over raw SMQ) or closed at once.
bool served(std::uint16_t port) {
  try {
    open_smq(Transport::raw, port);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

class ClientLimits : public TransportTest {};

TEST_P(ClientLimits, AClientOverItsMessageRateIsDisconnected) {
  start_broker({}, [](smq::BrokerOptions& o) { o.max_messages_per_second = 50; });
  auto flooder = client(tp());
  auto bystander = client(other());
  const std::uint32_t tid = subscribe(*bystander, "flood");
  ASSERT_TRUE(flooder->send_bytes(publishes(*flooder, tid, 200)));
  CloseResult r = flooder->expect_closed(3s);
  EXPECT_TRUE(r.closed);
  ASSERT_FALSE(r.packets.empty());
  EXPECT_EQ(to_hex(r.packets.back()), to_hex(pkt::disconnect_packet("rate limit exceeded")));
  if (tp() == Transport::ws) {
    EXPECT_EQ(r.code, std::optional<std::uint16_t>(1008));
  }
  // The burst (one second's worth) went through, the rest did not.
  int received = 0;
  while (recv_publish(*bystander, Ms(300))) ++received;
  EXPECT_GE(received, 50);
  EXPECT_LT(received, 200);
  EXPECT_EQ(closes(stats_of(broker()), smq::CloseReason::rate_limited), 1u);
  expect_broker_healthy();
}

TEST_P(ClientLimits, DropModeDropsTheExcessAndKeepsTheClient) {
  start_broker({}, [](smq::BrokerOptions& o) {
    o.max_messages_per_second = 50;
    o.rate_limit_action = smq::RateLimitAction::drop;
  });
  auto sender = client(tp());
  auto reader = client(other());
  const std::uint32_t tid = subscribe(*reader, "metered");
  ASSERT_TRUE(sender->send_bytes(publishes(*sender, tid, 200)));
  ASSERT_TRUE(quiet_until_pong(*sender)) << "still connected, nothing sent back";
  // Everything the sender's publishes produced was queued before its Pong: the reader's
  // own round trip collects it all.
  const auto got = sync(*reader);
  ASSERT_TRUE(got);
  const int received = static_cast<int>(got->size());
  for (const Bytes& p : *got) EXPECT_TRUE(pkt::parse_publish(p)) << pkt::describe(p);
  EXPECT_GE(received, 50);
  EXPECT_LT(received, 200);
  const smq::BrokerStats s = stats_of(broker());
  EXPECT_EQ(s.rate_limited_drops, static_cast<std::uint64_t>(200 - received));
  EXPECT_EQ(closes(s, smq::CloseReason::rate_limited), 0u);
  // Control packets are never dropped: the sender can still subscribe.
  EXPECT_NE(subscribe(*sender, "still/works"), 0u);
}

TEST_P(ClientLimits, AClientOverItsByteRateIsDisconnected) {
  // The burst is never below one largest packet (64 KiB), whatever the rate.
  start_broker({}, [](smq::BrokerOptions& o) { o.max_bytes_per_second = 1000; });
  auto big = client(tp());
  auto reader = client(other());
  const std::uint32_t tid = subscribe(*reader, "bytes");
  ASSERT_TRUE(big->send_bytes(publishes(*big, tid, 1, 60'000)));
  EXPECT_TRUE(recv_publish(*reader)) << "one largest message fits the burst";
  ASSERT_TRUE(big->send_bytes(publishes(*big, tid, 10, 10'000)));
  CloseResult r = big->expect_closed(3s);
  EXPECT_TRUE(r.closed);
  ASSERT_FALSE(r.packets.empty());
  EXPECT_EQ(to_hex(r.packets.back()), to_hex(pkt::disconnect_packet("rate limit exceeded")));
  EXPECT_EQ(closes(stats_of(broker()), smq::CloseReason::rate_limited), 1u);
}

TEST_P(ClientLimits, ZeroTurnsTheRatesOff) {
  start_broker({}, [](smq::BrokerOptions& o) {
    o.max_messages_per_second = 0;
    o.max_bytes_per_second = 0;
  });
  auto sender = client(tp());
  auto reader = client(other());
  const std::uint32_t tid = subscribe(*reader, "free");
  ASSERT_TRUE(sender->send_bytes(publishes(*sender, tid, 2000)));
  for (int i = 0; i < 2000; ++i) ASSERT_TRUE(recv_publish(*reader)) << i;
  EXPECT_TRUE(quiet_until_pong(*sender));
}

SMQ_BOTH_TRANSPORTS(ClientLimits);

class AddressLimits : public BrokerTest {};

TEST_F(AddressLimits, SocketsPerAddressAreCappedAndFreedOnClose) {
  start_broker({}, [](smq::BrokerOptions& o) {
    o.max_connections_per_address = 3;
    o.max_new_connections_per_second = 0;
    o.limit_loopback = true;
  });
  std::vector<std::unique_ptr<SmqConn>> held;
  for (int i = 0; i < 3; ++i) held.push_back(client(i % 2 ? Transport::ws : Transport::raw));
  EXPECT_FALSE(served(port())) << "a fourth socket from 127.0.0.1 is closed at once";
  EXPECT_EQ(stats_of(broker()).address_too_many, 1u);
  // A closed connection gives its place back (once the broker has seen the close).
  held.pop_back();
  bool again = false;
  for (int attempt = 0; attempt < 50 && !again; ++attempt) {
    loop_barrier();
    again = on_broker(broker(), [&] { return broker().stats().clients == 2; }) && served(port());
  }
  EXPECT_TRUE(again);
}

TEST_F(AddressLimits, NewSocketsPerSecondPerAddressAreCapped) {
  start_broker({}, [](smq::BrokerOptions& o) {
    o.max_connections_per_address = 0;
    o.max_new_connections_per_second = 5;
    o.limit_loopback = true;
  });
  int accepted = 0;
  for (int i = 0; i < 10; ++i) accepted += served(port()) ? 1 : 0;
  // Five at once, and at most a few more from the refill while the loop ran.
  EXPECT_GE(accepted, 5);
  EXPECT_LT(accepted, 10);
  EXPECT_EQ(stats_of(broker()).address_too_fast, static_cast<std::uint64_t>(10 - accepted));
}

TEST_F(AddressLimits, LoopbackIsExemptByDefault) {
  start_broker({}, [](smq::BrokerOptions& o) {
    o.max_connections_per_address = 1;
    o.max_new_connections_per_second = 1;
  });
  std::vector<std::unique_ptr<SmqConn>> held;
  for (int i = 0; i < 5; ++i) held.push_back(client(Transport::raw));
  const smq::BrokerStats s = stats_of(broker());
  EXPECT_EQ(s.address_too_many + s.address_too_fast, 0u);
  EXPECT_EQ(s.clients, 5u);
}

}  // namespace
}  // namespace smqtest
