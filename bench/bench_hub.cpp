// Micro-benchmarks of routing in the hub (broker/hub): one publish fanned out to 1 .. 1,000
// subscribers of a topic, and the per-publish cost of turning a received packet into the
// shared Frame. architecture.md's "encode once, fan out by reference" promises that a
// delivery costs a pointer push and a refcount increment, independent of payload size; the
// ns-per-delivery figure here is that promise's price. Everything runs on this thread, as
// the hub does on the broker thread. No sockets: the writer side (coalescing copy, writev)
// is outside these numbers.
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "broker/frame.hpp"
#include "broker/hooks.hpp"
#include "broker/hub.hpp"
#include "broker/log.hpp"
#include "broker/peer.hpp"
#include "protocol/limits.hpp"
#include "protocol/raw_stream_decoder.hpp"
#include "protocol/smq_packet.hpp"

namespace {

constexpr std::size_t fan_out_payload = 64;
constexpr const char* topic = "bench/topic";

// Frames a session would hold between two writer turns. The queue is cleared when full,
// which is what the writer does after each gather write (inflight_.clear()), so the
// refcount release every delivered copy eventually costs is inside the measurement.
constexpr std::size_t queue_capacity = 64;

// A peer that does what Session::deliver does on its fast path (append a Frame reference
// to the output queue) and nothing else: no socket, no flush scheduling.
class QueuePeer final : public smq::Peer {
 public:
  explicit QueuePeer(std::string peer_uid) {
    uid = std::move(peer_uid);
    transport = smq::Transport::raw;
    queue_.reserve(queue_capacity);
  }

  bool deliver(const smq::Frame& frame) override {
    if (queue_.size() == queue_capacity) queue_.clear();
    queue_.push_back(frame);
    return true;
  }
  void close(smq::CloseReason, std::string_view) override {}

  void drain() { queue_.clear(); }

 private:
  std::vector<smq::Frame> queue_;
};

// A hub with `subscribers` peers on one topic and one publisher that is not subscribed.
struct FanOut {
  smq::Logger log{smq::LogLevel::off};
  smq::Hub hub{log, smq::Hooks{}};
  QueuePeer publisher{"bench-publisher"};
  std::vector<std::unique_ptr<QueuePeer>> subscribers;
  std::uint32_t tid = 0;

  explicit FanOut(std::size_t count) {
    hub.register_peer(publisher);
    subscribers.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      auto peer = std::make_unique<QueuePeer>("bench-subscriber-" + std::to_string(i));
      hub.register_peer(*peer);
      hub.subscribe(*peer, topic);
      peer->drain();  // the Suback is setup, not part of what is measured
      subscribers.push_back(std::move(peer));
    }
    tid = hub.find_topic(topic);
  }
};

std::vector<std::uint8_t> make_payload(std::size_t n) {
  std::vector<std::uint8_t> p(n);
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<std::uint8_t>(i * 13 + 5);
  return p;
}

// What Session::handle_publish does with a decoded Publish: one allocation, the raw header,
// one payload copy. Kept identical to that code so BM_BuildPublishFrame prices it.
smq::Frame build_frame(const smq::PublishView& publish) {
  smq::Frame frame = smq::Frame::allocate(smq::limits::raw_publish_header + publish.payload.size());
  smq::write_publish_header(frame.data(), publish.payload.size(), publish.tid, publish.ptid,
                            publish.subtid);
  if (!publish.payload.empty()) {
    std::memcpy(frame.data() + smq::limits::raw_publish_header, publish.payload.data(),
                publish.payload.size());
  }
  return frame;
}

smq::Message message_of(const smq::Frame& frame, const smq::PublishView& publish) {
  return {frame.bytes().subspan(smq::limits::raw_publish_header), publish.ptid, publish.tid,
          publish.subtid};
}

// A received Publish packet (type byte + body), as the session's decoder hands it over.
std::vector<std::uint8_t> received_publish(std::uint32_t tid, std::uint32_t ptid,
                                           std::size_t payload_size) {
  std::string raw;
  const auto payload = make_payload(payload_size);
  smq::append_publish(raw, tid, ptid, 0, smq::Bytes(payload));
  return {raw.begin() + 2, raw.end()};
}

void set_delivery_counters(benchmark::State& state, std::size_t per_publish) {
  const auto deliveries = static_cast<double>(state.iterations()) * static_cast<double>(per_publish);
  state.SetItemsProcessed(static_cast<std::int64_t>(deliveries));
  // Seconds per delivery, shown in ns by the console reporter: the fan-out unit cost.
  state.counters["per_delivery"] =
      benchmark::Counter(deliveries, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// hub.publish() of one prebuilt Frame: topic lookup, then one virtual deliver() per
// subscriber. items/s = deliveries/s.
void BM_HubFanOut(benchmark::State& state) {
  const auto count = static_cast<std::size_t>(state.range(0));
  FanOut f(count);
  const auto packet = received_publish(f.tid, f.publisher.etid, fan_out_payload);
  const auto publish = *smq::decode_publish(packet);
  const smq::Frame frame = build_frame(publish);
  const smq::Message message = message_of(frame, publish);
  if (f.hub.publish(f.publisher, message, frame) != count) {
    state.SkipWithError("publish did not reach every subscriber");
    return;
  }
  for (auto _ : state) {
    std::size_t received = f.hub.publish(f.publisher, message, frame);
    benchmark::DoNotOptimize(received);
  }
  set_delivery_counters(state, count);
}
BENCHMARK(BM_HubFanOut)->ArgName("subscribers")->Arg(1)->Arg(10)->Arg(100)->Arg(1000);

// The same publish without a prebuilt Frame: the hub encodes it itself (append_publish into
// a string, then Frame::copy_of), the in-process client's path. The gap to BM_HubFanOut is
// the price of not handing the hub a frame.
void BM_HubFanOutHubEncodes(benchmark::State& state) {
  const auto count = static_cast<std::size_t>(state.range(0));
  FanOut f(count);
  const auto payload = make_payload(fan_out_payload);
  const smq::Message message{payload, f.publisher.etid, f.tid, 0};
  for (auto _ : state) {
    std::size_t received = f.hub.publish(f.publisher, message);
    benchmark::DoNotOptimize(received);
  }
  set_delivery_counters(state, count);
}
BENCHMARK(BM_HubFanOutHubEncodes)->ArgName("subscribers")->Arg(1)->Arg(100);

// One-to-one: a Publish addressed to a client's ETID instead of a topic.
void BM_HubPublishToEtid(benchmark::State& state) {
  FanOut f(1);
  QueuePeer& target = *f.subscribers.front();
  const auto packet = received_publish(target.etid, f.publisher.etid, fan_out_payload);
  const auto publish = *smq::decode_publish(packet);
  const smq::Frame frame = build_frame(publish);
  const smq::Message message = message_of(frame, publish);
  for (auto _ : state) {
    std::size_t received = f.hub.publish(f.publisher, message, frame);
    benchmark::DoNotOptimize(received);
  }
  set_delivery_counters(state, 1);
}
BENCHMARK(BM_HubPublishToEtid);

// Receive side, once per incoming publish whatever the fan-out: decode_publish, allocate,
// header, payload memcpy, and the free when the frame's last reference goes (here at once,
// in the broker after the last subscriber's write).
void BM_BuildPublishFrame(benchmark::State& state) {
  const auto packet = received_publish(0x1234, 0x5678, static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    const auto publish = smq::decode_publish(packet);
    smq::Frame frame = build_frame(*publish);
    const smq::Message message = message_of(frame, *publish);
    benchmark::DoNotOptimize(message);
    benchmark::DoNotOptimize(frame.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(packet.size()));
}
BENCHMARK(BM_BuildPublishFrame)->ArgName("payload")->Arg(16)->Arg(64)->Arg(256)->Arg(4096);

// Everything the broker thread does for one incoming 64-byte publish short of socket I/O:
// decode, build the frame, fan out. Frames are freed when the last subscriber queue drains,
// so allocation churn is as in the broker.
void BM_HubReceiveToFanOut(benchmark::State& state) {
  const auto count = static_cast<std::size_t>(state.range(0));
  FanOut f(count);
  const auto packet = received_publish(f.tid, f.publisher.etid, fan_out_payload);
  for (auto _ : state) {
    const auto publish = smq::decode_publish(packet);
    smq::Frame frame = build_frame(*publish);
    const smq::Message message = message_of(frame, *publish);
    std::size_t received = f.hub.publish(f.publisher, message, std::move(frame));
    benchmark::DoNotOptimize(received);
  }
  set_delivery_counters(state, count);
}
BENCHMARK(BM_HubReceiveToFanOut)->ArgName("subscribers")->Arg(1)->Arg(10)->Arg(100)->Arg(1000);

// One copy and one destruction of a Frame: the atomic retain/release pair every delivered
// copy pays (queued by deliver(), dropped after the write). Frame's count is atomic so frames
// may cross threads; this shows what that costs when they do not.
void BM_FrameRetainRelease(benchmark::State& state) {
  const smq::Frame frame = smq::Frame::allocate(smq::limits::raw_publish_header + fan_out_payload);
  for (auto _ : state) {
    smq::Frame copy = frame;
    benchmark::DoNotOptimize(copy);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FrameRetainRelease);

}  // namespace
