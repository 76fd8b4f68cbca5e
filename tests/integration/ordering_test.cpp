// Ordering and loss under fan-out: 100 publishers x 100 subscribers x 200 messages on one
// topic (2,000,000 deliveries), raw and WebSocket clients mixed. Every subscriber must see
// every publisher's sequence complete and in order. One poll loop reads all subscribers
// while the test thread publishes in batches; the run is bounded and its time reported.
#include <gtest/gtest.h>
#include <poll.h>

#include <atomic>
#include <thread>

#include "broker_fixture.hpp"

namespace smqtest {
namespace {

using namespace std::chrono_literals;

struct FanOutResult {
  std::uint64_t received = 0;
  std::uint64_t errors = 0;
  std::string first_error;
  void fail(std::string text) {
    if (errors++ == 0) first_error = std::move(text);
  }
};

// Reads until `total` publishes arrived or the deadline passed, checking per (subscriber,
// publisher) sequence numbers carried in the payload: u32 publisher index, u32 sequence.
void read_all(std::vector<std::unique_ptr<SmqConn>>& subs, const std::vector<std::uint32_t>& pub_etids,
              std::uint32_t tid, std::uint64_t total, Clock::time_point deadline, FanOutResult& res) {
  std::vector<std::vector<std::uint32_t>> next(subs.size(), std::vector<std::uint32_t>(pub_etids.size(), 0));
  std::vector<pollfd> fds(subs.size());
  for (std::size_t i = 0; i < subs.size(); ++i) fds[i] = {subs[i]->fd(), POLLIN, 0};
  try {
    while (res.received < total && Clock::now() < deadline && res.errors < 20) {
      if (::poll(fds.data(), fds.size(), 100) <= 0) continue;
      for (std::size_t i = 0; i < subs.size(); ++i) {
        if (!fds[i].revents) continue;
        bool alive = subs[i]->read_available();
        while (auto p = subs[i]->pop_packet()) {
          auto pub = pkt::parse_publish(*p);
          if (!pub || pub->tid != tid || pub->payload.size() != 8) {
            res.fail("subscriber " + std::to_string(i) + " got " + pkt::describe(*p));
            continue;
          }
          std::uint32_t from = get_u32(pub->payload, 0), seq = get_u32(pub->payload, 4);
          if (from >= pub_etids.size() || pub->ptid != pub_etids[from]) {
            res.fail("bad publisher in " + pkt::describe(*p));
            continue;
          }
          if (seq != next[i][from]) {
            res.fail("subscriber " + std::to_string(i) + ", publisher " + std::to_string(from) +
                     ": expected seq " + std::to_string(next[i][from]) + ", got " + std::to_string(seq));
          }
          next[i][from] = seq + 1;
          ++res.received;
        }
        if (!alive) {
          res.fail("subscriber " + std::to_string(i) + " was disconnected");
          fds[i].fd = -1;
        }
      }
    }
  } catch (const std::exception& e) {
    res.fail(std::string("exception: ") + e.what());
  }
}

TEST_F(BrokerTest, OrderingHundredPublishersHundredSubscribers) {
  constexpr int publishers = 100, subscribers = 100, messages = 200, batch = 20;
  constexpr std::uint64_t total = std::uint64_t{publishers} * subscribers * messages;
  std::vector<std::unique_ptr<SmqConn>> subs, pubs;
  std::uint32_t tid = 0;
  for (int i = 0; i < subscribers; ++i) {
    subs.push_back(client(i % 2 ? Transport::raw : Transport::ws));
    std::uint32_t t = subscribe(*subs.back(), "ordering/one-topic");
    if (i == 0) tid = t;
    ASSERT_EQ(t, tid);
  }
  std::vector<std::uint32_t> pub_etids;
  for (int i = 0; i < publishers; ++i) {
    pubs.push_back(client(i % 2 ? Transport::ws : Transport::raw));
    pub_etids.push_back(pubs.back()->etid);
  }

  const auto start = Clock::now();
  FanOutResult res;
  std::thread reader([&] { read_all(subs, pub_etids, tid, total, start + 50s, res); });
  // Publish round-robin in batches so that the broker interleaves many senders.
  for (int round = 0; round < messages / batch; ++round) {
    for (int p = 0; p < publishers; ++p) {
      Bytes out;
      for (int k = 0; k < batch; ++k) {
        Bytes payload = u32_bytes(static_cast<std::uint32_t>(p)) + u32_bytes(static_cast<std::uint32_t>(round * batch + k));
        out += pubs[p]->frame_packet(pkt::publish_to(tid, pubs[p]->etid, 0, payload));
      }
      if (!pubs[p]->send_bytes(out)) ADD_FAILURE() << "publisher " << p << " write failed";
    }
  }
  const auto published = Clock::now();
  reader.join();
  const auto elapsed = Clock::now() - start;
  const double seconds = std::chrono::duration<double>(elapsed).count();

  EXPECT_EQ(res.received, total) << "deliveries lost";
  EXPECT_EQ(res.errors, 0u) << res.first_error;
  EXPECT_LT(elapsed, 50s);
  std::printf("[ordering] %llu deliveries in %.2f s (publishing took %.2f s), %.0f deliveries/s\n",
              static_cast<unsigned long long>(res.received), seconds,
              std::chrono::duration<double>(published - start).count(), res.received / seconds);
  RecordProperty("deliveries", std::to_string(res.received));
  RecordProperty("seconds", std::to_string(seconds));
  // Nothing extra after the run.
  for (std::size_t i = 0; i < subs.size(); i += 25) EXPECT_TRUE(quiet_until_pong(*subs[i]));
}

}  // namespace
}  // namespace smqtest
