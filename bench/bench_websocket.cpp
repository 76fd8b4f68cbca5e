// Micro-benchmarks of RFC 6455 framing (protocol/ws_frame): decoding masked client frames,
// which unmasks the payload in place (architecture.md: "unmasked in place, several bytes at
// a time"), and encoding the 2-10 byte header every WebSocket subscriber gets in front of
// the shared frame. Unmasking is the only per-byte work on the WebSocket input path, so its
// GB/s bounds how fast one core can ingest browser traffic. Single-threaded, no I/O.
//
// The decoder writes into its input, so a frame cannot simply be decoded again. Three
// variants make the cost visible from different sides:
//   BM_WsCopyBaseline    only the memcpy of the pristine masked frame into the work buffer;
//   BM_WsDecodeWithCopy  that memcpy plus decode(): subtract the baseline to get decode alone;
//   BM_WsDecodeInPlace   decode() alone on the same buffer, no copy. XOR with the key is its
//                        own inverse and binary payloads are not inspected, so successive
//                        decodes alternate masked/unmasked bytes while doing identical work.
// The in-place figure should match "with copy minus baseline"; if it does not, the
// difference is cache or measurement noise, not decoder work.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "protocol/limits.hpp"
#include "protocol/ws_frame.hpp"

namespace {

namespace ws = smq::ws;

constexpr std::uint8_t mask_key[4] = {0x37, 0xfa, 0x21, 0x3d};

// A client frame as a browser sends it: FIN, masked, minimal length encoding. Written here
// rather than taken from protocol/ (which only encodes server frames) so the benchmark
// decodes independently produced bytes.
std::vector<std::uint8_t> make_client_frame(ws::Opcode opcode,
                                            const std::vector<std::uint8_t>& payload) {
  std::vector<std::uint8_t> out;
  out.push_back(static_cast<std::uint8_t>(0x80 | static_cast<std::uint8_t>(opcode)));
  const std::uint64_t n = payload.size();
  if (n <= 125) {
    out.push_back(static_cast<std::uint8_t>(0x80 | n));
  } else if (n <= 0xFFFF) {
    out.push_back(0x80 | 126);
    out.push_back(static_cast<std::uint8_t>(n >> 8));
    out.push_back(static_cast<std::uint8_t>(n));
  } else {
    out.push_back(0x80 | 127);
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(n >> shift));
  }
  out.insert(out.end(), mask_key, mask_key + 4);
  for (std::size_t i = 0; i < payload.size(); ++i) out.push_back(payload[i] ^ mask_key[i & 3]);
  return out;
}

std::vector<std::uint8_t> binary_payload(std::size_t n) {
  std::vector<std::uint8_t> p(n);
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<std::uint8_t>(i * 131 + 17);
  return p;
}

std::vector<std::uint8_t> ascii_payload(std::size_t n) {
  std::vector<std::uint8_t> p(n);
  for (std::size_t i = 0; i < n; ++i) p[i] = static_cast<std::uint8_t>('a' + i % 26);
  return p;
}

// The broker caps a WebSocket message at limits::max_ws_message (0xFFFD: one SMQ packet), so
// a 64 KiB payload needs a larger cap. The unmask loop is the same either way; the raised
// cap only lets the 64-bit length path and a full 64 KiB XOR be measured.
ws::FrameDecoder make_decoder(std::size_t payload_size) {
  ws::DecoderLimits limits;
  limits.max_message = std::max(limits.max_message, payload_size);
  return ws::FrameDecoder(limits);
}

// Decodes once to check that the frame yields exactly one message of the expected size.
bool decodes_to_message(ws::FrameDecoder& decoder, std::vector<std::uint8_t> frame,
                        std::size_t payload_size) {
  const ws::Event e = decoder.decode(frame);
  return e.kind == ws::Event::Kind::message && e.consumed == frame.size() &&
         e.payload.size() == payload_size;
}

void set_counters(benchmark::State& state, std::size_t payload_size) {
  // Payload bytes, not frame bytes, so the three variants and every size report the same
  // unit: bytes unmasked per second.
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(payload_size));
}

void BM_WsCopyBaseline(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const auto pristine = make_client_frame(ws::Opcode::binary, binary_payload(size));
  std::vector<std::uint8_t> work(pristine.size());
  for (auto _ : state) {
    std::memcpy(work.data(), pristine.data(), pristine.size());
    benchmark::DoNotOptimize(work.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, size);
}

void BM_WsDecodeWithCopy(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const auto pristine = make_client_frame(ws::Opcode::binary, binary_payload(size));
  std::vector<std::uint8_t> work(pristine.size());
  ws::FrameDecoder decoder = make_decoder(size);
  if (!decodes_to_message(decoder, pristine, size)) {
    state.SkipWithError("frame did not decode");
    return;
  }
  for (auto _ : state) {
    std::memcpy(work.data(), pristine.data(), pristine.size());
    ws::Event e = decoder.decode(work);
    benchmark::DoNotOptimize(e);
    benchmark::ClobberMemory();
  }
  set_counters(state, size);
}

void BM_WsDecodeInPlace(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const auto payload = binary_payload(size);
  std::vector<std::uint8_t> work = make_client_frame(ws::Opcode::binary, payload);
  ws::FrameDecoder decoder = make_decoder(size);
  // The trick this variant relies on: one decode unmasks, the next masks again.
  const auto pristine = work;
  const ws::Event first = decoder.decode(work);
  const bool unmasked = first.kind == ws::Event::Kind::message &&
                        std::equal(first.payload.begin(), first.payload.end(), payload.begin());
  decoder.decode(work);
  if (!unmasked || work != pristine) {
    state.SkipWithError("in-place decode is not an involution");
    return;
  }
  for (auto _ : state) {
    ws::Event e = decoder.decode(work);
    benchmark::DoNotOptimize(e);
    benchmark::ClobberMemory();
  }
  set_counters(state, size);
}

// Text messages also pass through UTF-8 validation; SMQ clients normally send binary, but
// the session accepts text, so the extra cost is worth knowing. With copy, because decoding
// validates the bytes it has just unmasked and masked bytes are not valid UTF-8.
void BM_WsDecodeTextWithCopy(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  const auto pristine = make_client_frame(ws::Opcode::text, ascii_payload(size));
  std::vector<std::uint8_t> work(pristine.size());
  ws::FrameDecoder decoder = make_decoder(size);
  if (!decodes_to_message(decoder, pristine, size)) {
    state.SkipWithError("frame did not decode");
    return;
  }
  for (auto _ : state) {
    std::memcpy(work.data(), pristine.data(), pristine.size());
    ws::Event e = decoder.decode(work);
    benchmark::DoNotOptimize(e);
    benchmark::ClobberMemory();
  }
  set_counters(state, size);
}

// The per-subscriber framing work on the WebSocket output path: the payload is the shared
// Frame, so this header is the only thing written per WebSocket recipient besides the copy
// into the coalescing buffer.
void BM_WsEncodeHeader(benchmark::State& state) {
  std::size_t size = static_cast<std::size_t>(state.range(0));
  std::uint8_t header[10];
  for (auto _ : state) {
    benchmark::DoNotOptimize(size);
    std::size_t n = ws::encode_header(header, ws::Opcode::binary, size);
    benchmark::DoNotOptimize(n);
    benchmark::DoNotOptimize(header);
  }
  state.SetItemsProcessed(state.iterations());
}

// 16 B .. 4 KiB cover SMQ messages; 64 KiB shows the unmask loop's streaming rate.
void payload_sizes(benchmark::internal::Benchmark* b) {
  b->Arg(16)->Arg(256)->Arg(4096)->Arg(65536);
}

BENCHMARK(BM_WsCopyBaseline)->Apply(payload_sizes);
BENCHMARK(BM_WsDecodeWithCopy)->Apply(payload_sizes);
BENCHMARK(BM_WsDecodeInPlace)->Apply(payload_sizes);
BENCHMARK(BM_WsDecodeTextWithCopy)->Arg(256)->Arg(4096)->Arg(65536);
BENCHMARK(BM_WsEncodeHeader)->Arg(16)->Arg(256)->Arg(65536);

}  // namespace
