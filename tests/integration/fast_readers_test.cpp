// Subscribers that read as fast as they can are never taken for slow consumers, whatever
// their transport: one raw publisher floods 4,096-byte payloads (frames just over the
// writer's 4 KiB coalescing limit) to five raw and five WebSocket readers, all read by one
// loop that drains every socket each turn, while two subscribers with tiny receive buffers
// never read. The readers must get every message in order; only the two that never read
// are cut off.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <asio/post.hpp>

#include <atomic>
#include <future>
#include <thread>

#include "broker_fixture.hpp"

namespace smqtest {
namespace {

using namespace std::chrono_literals;

// 20,000 x 4 KiB = 82 MB per reader, ten times the default 8 MiB output queue cap: a
// backlog that grows with every publisher read would pass the cap many times over.
constexpr std::uint32_t message_count = 20'000;
constexpr std::size_t payload_size = 4096;
constexpr int publish_batch = 64;  // publishes per write, so the publisher outruns one read
// The publisher stays at most this many messages ahead of the slowest raw reader: 2 MB,
// below the 8 MiB cap, so a raw reader can never fall a whole cap behind however slow this
// machine is. A WebSocket reader read by the same loop can then only pass the cap if the
// broker writes to WebSocket sessions more slowly than to raw ones.
constexpr std::uint32_t publisher_window = 500;
// One read takes at most 64 KiB (tests/support/socket.cpp): at least 15 whole messages of
// 4,104 bytes on the wire when it was full. Fewer means the socket had nothing more.
constexpr std::uint32_t messages_per_full_read = 15;
// Reads of one socket per loop turn at most (16 MB), so that one reader cannot starve the
// others.
constexpr int max_reads_per_turn = 256;

struct Reader {
  std::unique_ptr<SmqConn> conn;
  std::uint32_t received = 0;
  bool closed = false;
  bool out_of_order = false;
};

void shrink_receive_buffer(SmqConn& c) {
  const int size = 4096;
  ASSERT_EQ(::setsockopt(c.fd(), SOL_SOCKET, SO_RCVBUF, &size, sizeof size), 0);
}

class FastReaders : public BrokerTest {};

TEST_F(FastReaders, WebSocketAndRawReadersKeepUpWithFloodOfFrameSizedMessages) {
  start_broker();  // default options: the default output queue cap is what is under test
  std::vector<Reader> readers;
  std::uint32_t tid = 0;
  for (int i = 0; i < 10; ++i) {
    readers.push_back({client(i < 5 ? Transport::raw : Transport::ws)});
    tid = subscribe(*readers.back().conn, "flood");
  }
  std::vector<std::unique_ptr<SmqConn>> idle;
  for (Transport t : {Transport::raw, Transport::ws}) {
    idle.push_back(client(t));
    shrink_receive_buffer(*idle.back());
    subscribe(*idle.back(), "flood");
  }
  auto pub = client(Transport::raw);

  std::atomic<bool> publisher_failed{false};
  std::atomic<bool> readers_done{false};
  std::atomic<std::uint32_t> slowest_raw{0};
  std::thread publisher([&] {
    std::string payload(payload_size, 'p');
    for (std::uint32_t seq = 0; seq < message_count && !publisher_failed;) {
      std::string batch;
      while (seq >= slowest_raw + publisher_window && !readers_done) std::this_thread::yield();
      for (int k = 0; k < publish_batch && seq < message_count; ++k, ++seq) {
        payload.replace(0, 4, u32_bytes(seq));
        batch += pub->frame_packet(pkt::publish_to(tid, pub->etid, 0, payload));
      }
      if (!pub->send_bytes(batch)) publisher_failed = true;
    }
  });

  // One loop reads all ten, as a client process with many sockets would.
  const auto deadline = Clock::now() + 120s;
  std::size_t done = 0;
  while (done < readers.size() && Clock::now() < deadline) {
    std::vector<pollfd> fds;
    for (Reader& r : readers) fds.push_back({r.conn->fd(), POLLIN, 0});
    ::poll(fds.data(), fds.size(), 100);
    for (Reader& r : readers) {
      if (r.closed || r.received == message_count) continue;
      // Each socket is drained, not read once: with one fixed-size read per socket per turn,
      // a reader that once found less than a full read waiting could never catch up while
      // the publisher ran at that same pace, so its lag would only grow; the publisher's
      // window bounds that for the raw readers alone.
      for (int round = 0; round < max_reads_per_turn && !r.closed; ++round) {
        const std::uint32_t before = r.received;
        if (!r.conn->read_available()) r.closed = true;
        while (auto packet = r.conn->pop_packet()) {
          const auto m = pkt::parse_publish(*packet);
          if (!m) continue;  // Change notices and the like
          if (get_u32(m->payload, 0) != r.received) r.out_of_order = true;
          ++r.received;
        }
        if (r.received - before < messages_per_full_read) break;  // the socket is empty
      }
      if (r.closed || r.received == message_count) ++done;
    }
    std::uint32_t slowest = message_count;
    for (int i = 0; i < 5; ++i) {
      if (!readers[i].closed) slowest = std::min(slowest, readers[i].received);
    }
    slowest_raw = slowest;
  }
  readers_done = true;
  publisher.join();
  ASSERT_FALSE(publisher_failed) << "the publisher's connection failed";
  for (std::size_t i = 0; i < readers.size(); ++i) {
    const Reader& r = readers[i];
    const char* kind = i < 5 ? "raw" : "websocket";
    EXPECT_FALSE(r.closed) << kind << " reader " << i << " was disconnected after "
                           << r.received << " messages";
    EXPECT_EQ(r.received, message_count) << kind << " reader " << i;
    EXPECT_FALSE(r.out_of_order) << kind << " reader " << i;
  }
  // The two that never read passed the cap and were cut off, and nobody else was. (Their
  // sockets drain slowly through a 4 KiB window, so the broker's count is what is read.)
  std::promise<std::uint64_t> slow;
  asio::post(broker().context(), [&] { slow.set_value(broker().stats().slow_consumers); });
  EXPECT_EQ(slow.get_future().get(), 2u);
  EXPECT_TRUE(quiet_until_pong(*pub)) << "publisher was affected";
}

}  // namespace
}  // namespace smqtest
