// Raw SMQ stream framing (see raw_stream_decoder.hpp). Pure code, session's thread.
#include "protocol/raw_stream_decoder.hpp"

#include "protocol/byte_order.hpp"

namespace smq {

RawFrame next_raw_frame(std::span<const std::uint8_t> input) {
  RawFrame f;
  if (input.size() < 2) return f;
  const std::size_t len = load_u16(input.data());
  // The length counts itself, so anything below 3 cannot even hold a type byte.
  if (len < 3) {
    f.kind = RawFrame::Kind::error;
    return f;
  }
  if (input.size() < len) return f;
  f.kind = RawFrame::Kind::packet;
  f.consumed = len;
  f.packet = input.subspan(2, len - 2);
  return f;
}

}  // namespace smq
