// libFuzzer target: the raw SMQ stream splitter and every packet decoder. The input is fed
// as a byte stream in chunks whose sizes come from the input itself; every packet found is
// run through all decoders, whose views must stay inside the packet. Framing must not depend
// on how the stream was chunked.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "protocol/raw_stream_decoder.hpp"
#include "protocol/smq_packet.hpp"

namespace {

void check_inside(smq::Bytes packet, std::string_view part) {
  if (part.empty()) return;
  const auto* begin = reinterpret_cast<const char*>(packet.data());
  if (part.data() < begin || part.data() + part.size() > begin + packet.size()) std::abort();
}

void decode_all(smq::Bytes packet) {
  const auto connect = smq::decode_connect(packet);
  if (connect.error == smq::ConnectError::none) {
    check_inside(packet, connect.packet.uid);
    check_inside(packet, connect.packet.credentials);
    check_inside(packet, connect.packet.info);
    if (connect.packet.version != 1 && connect.packet.version != 2) std::abort();
  }
  if (const auto publish = smq::decode_publish(packet)) {
    if (publish->payload.size() + smq::publish_header_size != packet.size()) std::abort();
  }
  (void)smq::decode_id(packet);
  (void)smq::body_text(packet);
}

// Splits the stream, returning the (offset, size) of each packet and whether it ended in a
// framing error.
std::vector<std::size_t> frame(const std::uint8_t* data, std::size_t size,
                               std::size_t chunk_seed) {
  std::vector<std::size_t> boundaries;
  std::vector<std::uint8_t> buffer;
  std::size_t fed = 0;
  std::size_t seed = chunk_seed;
  while (fed < size) {
    // A seed of 0 feeds everything at once; others give chunks of 1..97 bytes.
    const std::size_t chunk = chunk_seed == 0 ? size - fed : std::min(size - fed, 1 + seed % 97);
    seed = seed * 1103515245u + 12345u;
    buffer.insert(buffer.end(), data + fed, data + fed + chunk);
    fed += chunk;
    std::size_t used = 0;
    for (;;) {
      const auto f = smq::next_raw_frame({buffer.data() + used, buffer.size() - used});
      if (f.kind == smq::RawFrame::Kind::need_more) break;
      if (f.kind == smq::RawFrame::Kind::error) {
        boundaries.push_back(0);
        return boundaries;
      }
      if (f.consumed < 3 || f.consumed > buffer.size() - used) std::abort();
      if (f.packet.size() + 2 != f.consumed) std::abort();
      decode_all(f.packet);
      used += f.consumed;
      boundaries.push_back(f.consumed);
    }
    buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(used));
  }
  return boundaries;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto whole = frame(data + 1, size - 1, 0);
  const auto chunked = frame(data + 1, size - 1, std::size_t{data[0]} + 1);
  if (whole != chunked) std::abort();
  decode_all({data, size});
  return 0;
}
