// RFC 6455 framing for the CLIENT side: masked client frames (keys from OpenSSL RAND_bytes)
// and an incremental decoder of server frames (which must NOT be masked). The server-side
// codec in protocol/ws_frame.hpp is the mirror image. Pure code; one decoder per connection,
// used on the client's executor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/limits.hpp"
#include "protocol/ws_frame.hpp"

namespace smq::detail {

// Supplies 4-byte masking keys, refilled in blocks from RAND_bytes (throws std::runtime_error
// if the RNG fails).
class MaskSource {
 public:
  void next(std::uint8_t key[4]);

 private:
  std::uint8_t pool_[256];
  std::size_t used_ = sizeof(pool_);
};

// Appends one masked client frame with FIN set (header, key, masked payload) to `out`.
void append_client_frame(std::string& out, ws::Opcode opcode, std::span<const std::uint8_t> payload,
                         MaskSource& masks);

// A masked client Close frame: code plus reason (cut to 123 bytes).
void append_client_close(std::string& out, std::uint16_t code, std::string_view reason,
                         MaskSource& masks);

// Decoder of server-to-client frames. Same contract as ws::FrameDecoder (see ws_frame.hpp):
// feed the unread bytes, drop `consumed`, repeat until need_more. Errors: masked frames, RSV
// bits, reserved opcodes, bad control frames (incl. a Close with a 1-byte payload or a code
// outside ws::is_valid_close_code), stray continuations (1002), messages over max_message
// (1009). Text messages are accepted like binary ones (not UTF-8 checked: the payload is an
// SMQ packet, not text).
class ServerFrameDecoder {
 public:
  explicit ServerFrameDecoder(std::size_t max_message = limits::max_ws_message)
      : max_message_(max_message) {}
  ws::Event decode(std::span<std::uint8_t> input);

 private:
  std::size_t max_message_;
  bool in_message_ = false;
  bool message_text_ = false;
  std::vector<std::uint8_t> assembly_;
};

}  // namespace smq::detail
