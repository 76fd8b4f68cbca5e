// Micro-benchmarks of the SMQ packet codec (protocol/smq_packet, raw_stream_decoder): the
// per-packet CPU cost a session pays before the hub sees a message, and the cost of encoding
// one. architecture.md asks for "parse in place" (decoders return views, so decode time
// should not grow with the payload) and "encode once" (encoding happens once per publish,
// not per subscriber); these numbers check the first and price the second.
// Single-threaded, no I/O.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "protocol/limits.hpp"
#include "protocol/raw_stream_decoder.hpp"
#include "protocol/smq_packet.hpp"

namespace {

using smq::Bytes;

// Payload sizes: a sensor reading, a typical JSON message, a page-sized blob.
constexpr std::int64_t small = 16;
constexpr std::int64_t medium = 256;
constexpr std::int64_t large = 4096;

// Non-constant bytes so nothing downstream could special-case zeros.
std::vector<std::uint8_t> make_payload(std::size_t n) {
  std::vector<std::uint8_t> p(n);
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<std::uint8_t>(i * 31 + 7);
  return p;
}

// A read buffer holding back-to-back raw Publish frames, as one big socket read would.
// About 256 KiB so the walk stays in L2 on most machines: we want parse cost, not DRAM
// bandwidth; the real read buffer is smaller still (it grows only to one max frame).
std::string make_publish_stream(std::size_t payload_size) {
  const auto payload = make_payload(payload_size);
  const std::size_t frame_size = smq::limits::raw_publish_header + payload_size;
  const std::size_t count = std::max<std::size_t>(64, (256 * 1024) / frame_size);
  std::string out;
  out.reserve(count * frame_size);
  for (std::size_t i = 0; i < count; ++i) {
    const auto id = static_cast<std::uint32_t>(i);
    smq::append_publish(out, 0x10000 + id, 0x20000 + id, id & 7, Bytes(payload));
  }
  return out;
}

// One iteration = one packet: next_raw_frame + decode_publish, exactly what the raw
// session's decode loop does per frame. Walks the stream and wraps at its end so the
// per-op time is the per-packet time and bytes/s counts whole frames.
void BM_SmqDecodePublish(benchmark::State& state) {
  const std::string stream = make_publish_stream(static_cast<std::size_t>(state.range(0)));
  const Bytes all(reinterpret_cast<const std::uint8_t*>(stream.data()), stream.size());
  std::size_t offset = 0;
  std::int64_t bytes = 0;
  for (auto _ : state) {
    const smq::RawFrame frame = smq::next_raw_frame(all.subspan(offset));
    if (frame.kind != smq::RawFrame::Kind::packet) {
      state.SkipWithError("stream did not decode");
      break;
    }
    auto publish = smq::decode_publish(frame.packet);
    benchmark::DoNotOptimize(publish);
    bytes += static_cast<std::int64_t>(frame.consumed);
    offset += frame.consumed;
    if (offset == all.size()) offset = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_SmqDecodePublish)->Arg(small)->Arg(medium)->Arg(large);

// append_publish into a reused std::string: the path the hub takes when a publish arrives
// without a prebuilt frame (the in-process client). Header + payload copy, no allocation
// once the string has grown.
void BM_SmqEncodeAppendPublish(benchmark::State& state) {
  const auto payload = make_payload(static_cast<std::size_t>(state.range(0)));
  std::string out;
  out.reserve(smq::limits::raw_publish_header + payload.size());
  for (auto _ : state) {
    out.clear();
    smq::append_publish(out, 0x12345678, 0x9abcdef0, 0, Bytes(payload));
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() *
                          static_cast<std::int64_t>(smq::limits::raw_publish_header + payload.size()));
}
BENCHMARK(BM_SmqEncodeAppendPublish)->Arg(small)->Arg(medium)->Arg(large);

// write_publish_header + payload memcpy into an already allocated buffer: the session's
// forwarding path minus the allocation (bench_hub's BM_BuildPublishFrame adds the malloc).
// A plain vector stands in for Frame::data() so the buffer is reused without touching
// Frame's refcount.
void BM_SmqEncodeHeaderInPlace(benchmark::State& state) {
  const auto payload = make_payload(static_cast<std::size_t>(state.range(0)));
  std::vector<std::uint8_t> frame(smq::limits::raw_publish_header + payload.size());
  for (auto _ : state) {
    smq::write_publish_header(frame.data(), payload.size(), 0x12345678, 0x9abcdef0, 0);
    std::memcpy(frame.data() + smq::limits::raw_publish_header, payload.data(), payload.size());
    benchmark::DoNotOptimize(frame.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(frame.size()));
}
BENCHMARK(BM_SmqEncodeHeaderInPlace)->Arg(small)->Arg(medium)->Arg(large);

// A Connect packet (type byte onwards, no raw length), version 1 from the library's client
// encoder or version 2 built by hand (the library has no v2 encoder). Runs once per
// connection, so it only matters for connection storms; measured to show it is negligible.
std::vector<std::uint8_t> make_connect(int version) {
  const std::string uid = "bench-device-0001";
  const std::string credentials = "secret-token-0123456789";
  const std::string info = "smq bench client/1.0";
  std::string raw;
  if (version == 1) {
    smq::append_connect(raw, uid, credentials, info);
    raw.erase(0, 2);
  } else {
    raw.push_back(static_cast<char>(smq::PacketType::connect));
    raw.push_back('\x02');
    raw.push_back('\x04');  // max_size 0x0400, big-endian
    raw.push_back('\x00');
    raw.push_back(static_cast<char>(uid.size()));
    raw += uid;
    raw.push_back(static_cast<char>(credentials.size()));
    raw += credentials;
    raw += info;
  }
  return {raw.begin(), raw.end()};
}

void BM_SmqDecodeConnect(benchmark::State& state) {
  const auto packet = make_connect(static_cast<int>(state.range(0)));
  if (smq::decode_connect(Bytes(packet)).error != smq::ConnectError::none) {
    state.SkipWithError("Connect did not decode");
    return;
  }
  for (auto _ : state) {
    auto decoded = smq::decode_connect(Bytes(packet));
    benchmark::DoNotOptimize(decoded);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SmqDecodeConnect)->ArgName("version")->Arg(1)->Arg(2);

}  // namespace
