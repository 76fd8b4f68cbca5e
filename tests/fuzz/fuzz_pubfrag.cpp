// libFuzzer target: PubFrag reassembly. The input is a sequence of fragments (a length byte
// then that many bytes, each run through the assembler). A completed message must carry the
// final fragment's header and exactly the chunks since the previous completion; overflow
// must happen exactly when the chunks pass 0xFFF0 bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "protocol/byte_order.hpp"
#include "protocol/limits.hpp"
#include "protocol/pubfrag_assembler.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  smq::PubFragAssembler assembler;
  std::string expected;  // chunks since the last completion
  std::size_t pos = 0;
  while (pos < size) {
    // Fragment size: one byte, scaled so a few fragments can reach the 0xFFF0 limit.
    const std::size_t want = std::size_t{data[pos++]} * 300;
    std::vector<std::uint8_t> packet(1 + 12, 0);
    packet[0] = static_cast<std::uint8_t>(smq::PacketType::pubfrag);
    const std::size_t header_bytes = std::min<std::size_t>(12, size - pos);
    std::memcpy(packet.data() + 1, data + pos, header_bytes);
    pos += header_bytes;
    const bool truncated = pos < size && data[pos - 1] == 0xEE;  // sometimes too short
    if (truncated) {
      packet.resize(5);
    } else {
      packet.resize(packet.size() + want, static_cast<std::uint8_t>(want));
    }
    const std::size_t chunk = truncated ? 0 : want;

    const auto result = assembler.add(packet);
    if (truncated) {
      if (result != smq::PubFragAssembler::Result::malformed) std::abort();
      continue;
    }
    if (expected.size() + chunk > smq::limits::max_payload) {
      if (result != smq::PubFragAssembler::Result::overflow) std::abort();
      expected.clear();
      continue;
    }
    expected.append(reinterpret_cast<const char*>(packet.data()) + 13, chunk);
    const std::uint32_t dest = smq::load_u32(packet.data() + 1);
    if (dest == 0) {
      if (result != smq::PubFragAssembler::Result::pending) std::abort();
      continue;
    }
    if (result != smq::PubFragAssembler::Result::complete) std::abort();
    const auto& m = assembler.message();
    if (m.tid != dest || m.ptid != smq::load_u32(packet.data() + 5) ||
        m.subtid != smq::load_u32(packet.data() + 9)) {
      std::abort();
    }
    if (m.payload.size() != expected.size() ||
        std::memcmp(m.payload.data(), expected.data(), expected.size()) != 0) {
      std::abort();
    }
    expected.clear();
  }
  return 0;
}
