// Lame-duck drain (Broker::lame_duck, SIGUSR2 in smq-broker): the listeners stop at once,
// /healthz turns to 503 "draining", the clients get Disconnect "shutdown" spread over
// lame_duck_duration (not all at once), each after what was queued for it, and then the
// broker stops by itself. Over both transports, from the test's own sockets.
#include <gtest/gtest.h>
#include <poll.h>

#include <string>
#include <thread>
#include <vector>

#include "broker_fixture.hpp"
#include "http.hpp"
#include "socket.hpp"

namespace smqtest {
namespace {

using namespace std::chrono_literals;

class LameDuck : public TransportTest {
 protected:
  std::optional<HttpResponse> healthz() {
    return http_exchange(broker().monitor_endpoint().value().port(),
                         "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n", Ms(3000), Ms(2000));
  }
  // Waits (bounded) for run() to return, which is how a drain ends. The broker keeps a
  // told client's socket until that client closes it (or the close-handshake deadline), as
  // real clients do on Disconnect: close the test's sockets first.
  bool loop_ends_within(Ms limit) {
    const auto deadline = Clock::now() + limit;
    while (broker().loop_running()) {
      if (Clock::now() > deadline) return false;
      std::this_thread::sleep_for(10ms);  // polling a condition, with a deadline
    }
    return true;
  }
};

TEST_P(LameDuck, SpreadsTheDisconnectsThenStops) {
  start_broker({}, [](smq::BrokerOptions& o) { o.monitor = "127.0.0.1:0"; });
  // The duration is reloadable; the drain uses the value in force when it starts.
  const auto report =
      reload_with(broker(), [](smq::BrokerOptions& o) { o.lame_duck_duration = 2000ms; });
  ASSERT_EQ(report, std::vector<std::string>{"lame_duck_duration: 30000 ms -> 2000 ms"});

  constexpr int clients = 4;
  std::vector<std::unique_ptr<SmqConn>> conns;
  for (int i = 0; i < clients; ++i) conns.push_back(client(tp()));
  const std::uint16_t client_port = port();
  ASSERT_EQ(healthz()->head.status, 200);

  broker().lame_duck();
  broker().lame_duck();  // a second request changes nothing
  loop_barrier();
  const auto health = healthz();
  ASSERT_TRUE(health);
  EXPECT_EQ(health->head.status, 503);
  EXPECT_EQ(health->body, "{\"status\":\"draining\"}\n");
  Socket refused;
  EXPECT_FALSE(refused.connect_loopback(client_port)) << "the listener still accepts";

  // Goodbyes come one at a time (4 over 2 s): when the first client has its Disconnect,
  // the others are still served.
  std::size_t first = clients;
  std::vector<pollfd> fds;
  for (auto& c : conns) fds.push_back({c->fd(), POLLIN, 0});
  if (::poll(fds.data(), fds.size(), 5000) > 0) {
    for (std::size_t i = 0; i < fds.size() && first == clients; ++i) {
      if (fds[i].revents != 0) first = i;
    }
  }
  ASSERT_LT(first, static_cast<std::size_t>(clients)) << "no client was told within 5 s";
  const CloseResult told = conns[first]->expect_closed(3s);
  ASSERT_TRUE(told.closed);
  ASSERT_EQ(told.packets.size(), 1u);
  EXPECT_EQ(told.packets[0], pkt::disconnect_packet("shutdown"));
  std::size_t still_served = 0;
  for (std::size_t i = 0; i < conns.size(); ++i) {
    if (i != first && sync(*conns[i], 500ms)) ++still_served;
  }
  EXPECT_GE(still_served, 2u) << "the disconnects were not spread over the duration";

  for (std::size_t i = 0; i < conns.size(); ++i) {
    if (i == first) continue;
    const CloseResult r = conns[i]->expect_closed(4s);
    EXPECT_TRUE(r.closed) << "client " << i;
    ASSERT_FALSE(r.packets.empty()) << "client " << i;
    EXPECT_EQ(r.packets.back(), pkt::disconnect_packet("shutdown")) << "client " << i;
    if (tp() == Transport::ws) {
      EXPECT_EQ(r.code, 1001);
    }
  }
  for (auto& c : conns) c->close_socket();
  EXPECT_TRUE(loop_ends_within(5s)) << "the broker did not stop after the drain";
}

TEST_P(LameDuck, DeliversWhatWasQueuedBeforeTheGoodbye) {
  start_broker({}, [](smq::BrokerOptions& o) { o.lame_duck_duration = 300ms; });
  auto reader = client(tp());
  const std::uint32_t tid = subscribe(*reader, "backlog");
  auto writer = client(Transport::raw);
  // More than the loopback socket buffers hold, so part of it waits in the broker's queue
  // for the reader, which reads nothing until the drain has begun.
  constexpr int messages = 3000;
  const std::string payload(1000, 'q');
  for (int i = 0; i < messages; ++i) ASSERT_TRUE(publish(*writer, tid, payload));
  ASSERT_TRUE(sync(*writer, 5s));  // every Publish was routed
  broker().lame_duck();
  const CloseResult r = reader->expect_closed(10s);
  ASSERT_TRUE(r.closed);
  ASSERT_EQ(r.packets.size(), static_cast<std::size_t>(messages) + 1);
  EXPECT_EQ(r.packets.back(), pkt::disconnect_packet("shutdown"));
  reader->close_socket();
  writer->close_socket();
  EXPECT_TRUE(loop_ends_within(5s));
}

TEST_P(LameDuck, WithNoClientsItStopsAtOnce) {
  start_broker({}, [](smq::BrokerOptions& o) { o.lame_duck_duration = 60s; });
  broker().lame_duck();
  EXPECT_TRUE(loop_ends_within(5s)) << "nobody to tell, yet the drain waited";
}

TEST_P(LameDuck, StopDuringADrainEndsItAtOnce) {
  start_broker({}, [](smq::BrokerOptions& o) { o.lame_duck_duration = 60s; });
  std::vector<std::unique_ptr<SmqConn>> conns;
  for (int i = 0; i < 3; ++i) conns.push_back(client(tp()));
  broker().lame_duck();
  loop_barrier();
  broker().stop();
  for (auto& c : conns) {
    const CloseResult r = c->expect_closed(4s);
    EXPECT_TRUE(r.closed);
    ASSERT_FALSE(r.packets.empty());
    EXPECT_EQ(r.packets.back(), pkt::disconnect_packet("shutdown"));
    c->close_socket();
  }
  EXPECT_TRUE(loop_ends_within(5s));
}

SMQ_BOTH_TRANSPORTS(LameDuck);

}  // namespace
}  // namespace smqtest
