// RFC 6455 framing for the server side: an incremental decoder of client frames (masking
// required, unmasked in place) and encoders for server frames (never masked). Pure code, no
// I/O; one decoder per WebSocket session, used on that session's thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "limits.hpp"
#include "utf8.hpp"

namespace smq::ws {

enum class Opcode : std::uint8_t {
  continuation = 0x0,
  text = 0x1,
  binary = 0x2,
  close = 0x8,
  ping = 0x9,
  pong = 0xA,
};

// Close status codes this server sends (RFC 6455 7.4.1).
enum class CloseCode : std::uint16_t {
  normal = 1000,
  going_away = 1001,
  protocol_error = 1002,
  unsupported_data = 1003,
  no_status = 1005,        // never sent; reported when a Close had no payload
  invalid_payload = 1007,  // bad UTF-8
  policy_violation = 1008,
  message_too_big = 1009,
  internal_error = 1011,
  try_again_later = 1013,
};

// True for codes a peer may legitimately send in a Close frame: 1000-1003, 1007-1014,
// 3000-4999. Everything else (0-999, 1004-1006, 1015, 1016-2999, >= 5000) is a protocol error.
bool is_valid_close_code(std::uint16_t code);

struct DecoderLimits {
  std::size_t max_message = limits::max_ws_message;  // assembled message payload
  std::size_t max_fragments = limits::max_ws_fragments;
};

// One step of decoding.
struct Event {
  enum class Kind {
    need_more,  // the front of the input holds no complete frame yet; read more
    consumed,   // a frame was used up without producing anything (a non-final fragment)
    message,    // a complete data message: `payload`, `text`
    ping,       // `payload` (<= 125 bytes); answer with a pong carrying the same bytes
    pong,       // `payload`; ignore
    close,      // peer's Close: `close_code` (1005 when absent), `payload` = reason bytes
    error,      // protocol violation: fail the connection with `error_code`
  };
  Kind kind = Kind::need_more;
  std::size_t consumed = 0;               // bytes of the input used by this step
  std::span<const std::uint8_t> payload;  // view; valid until the next decode() call
  bool text = false;                      // message: it was a text message (validated UTF-8)
  std::uint16_t close_code = 0;           // close: the peer's code
  CloseCode error_code = CloseCode::protocol_error;  // error: what to send in our Close
  std::string_view error;                 // error: short reason (<= 123 bytes, ASCII)
};

// Decoder of client-to-server frames.
//
// Call decode() with the unread bytes at the front of the session's read buffer. A step needs
// the whole frame in `input` before it reports it (frames are bounded by max_message + 14);
// the caller drops `consumed` bytes and calls again until need_more. Payloads are unmasked in
// place inside `input`. An unfragmented message's payload is a view into `input`; a
// fragmented message is assembled in an internal buffer (bounded by max_message) and the
// view points there. Control frames may be interleaved with fragments.
//
// Rejected (Kind::error): unmasked frames (1002), RSV bits (1002), reserved opcodes (1002),
// control frames longer than 125 bytes or fragmented (1002), continuation without a message
// in progress or a new data frame inside one (1002), 64-bit lengths with the top bit set
// (1002), messages over max_message or too many fragments (1009), invalid UTF-8 in text
// messages (1007, reported at the fragment that makes it invalid), Close payload of 1 byte
// or with an invalid code (1002) or an invalid UTF-8 reason (1007). Header checks happen as
// soon as the header bytes are present, before any payload arrives. After an error or a
// close the decoder must not be used again.
class FrameDecoder {
 public:
  explicit FrameDecoder(DecoderLimits limits = {}) : limits_(limits) {}
  Event decode(std::span<std::uint8_t> input);

  // Largest number of bytes a single frame can occupy with the configured limits; the
  // session's read buffer never needs to grow beyond this.
  std::size_t max_frame_bytes() const {
    // A control frame (up to 125 bytes) can outgrow a data frame when max_message is tiny.
    return (limits_.max_message > limits::max_control_payload ? limits_.max_message
                                                               : limits::max_control_payload) +
           14;
  }

 private:
  DecoderLimits limits_;
  bool in_message_ = false;     // a fragmented data message is open
  bool message_text_ = false;
  std::size_t fragments_ = 0;
  std::vector<std::uint8_t> assembly_;
  Utf8Validator utf8_;
};

// Writes the header of an unmasked server frame with FIN set into `out` (room for 10 bytes)
// and returns its size: 2 for payloads up to 125, 4 up to 65535, else 10.
std::size_t encode_header(std::uint8_t* out, Opcode opcode, std::size_t payload_size);

// A complete server frame (header + payload), for control frames and tests.
std::string encode_frame(Opcode opcode, std::span<const std::uint8_t> payload);

// A complete server Close frame: code plus reason (truncated to 123 bytes).
std::string encode_close(CloseCode code, std::string_view reason = {});

}  // namespace smq::ws
