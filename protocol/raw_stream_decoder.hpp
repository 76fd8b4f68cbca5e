// Splits the raw SMQ byte stream ([u16 total length][type][body]...) into packets: frames
// split across reads and several frames per read. Pure code; used on the session's thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace smq {

struct RawFrame {
  enum class Kind {
    need_more,  // no complete frame at the front of the input
    packet,     // `packet` = type byte + body; `consumed` = whole frame incl. length
    error,      // declared length below 3: the stream cannot be resynchronised
  };
  Kind kind = Kind::need_more;
  std::size_t consumed = 0;
  std::span<const std::uint8_t> packet;
};

// Looks at the front of `input` only; the caller drops `consumed` bytes and calls again.
// A frame is never longer than 0xFFFF bytes, so a read buffer of that size always suffices.
RawFrame next_raw_frame(std::span<const std::uint8_t> input);

}  // namespace smq
