// RFC 6455 frame decoder (client frames) and encoders (server frames). Pure code, used on
// the session's thread that owns the decoder.
#include "ws_frame.hpp"

#include <cstring>

#include "byte_order.hpp"

namespace smq::ws {

namespace {

constexpr std::uint8_t fin_bit = 0x80;
constexpr std::uint8_t rsv_bits = 0x70;
constexpr std::uint8_t opcode_bits = 0x0F;
constexpr std::uint8_t mask_bit = 0x80;

Event fail(CloseCode code, std::string_view why) {
  Event e;
  e.kind = Event::Kind::error;
  e.error_code = code;
  e.error = why;
  // The connection is failed: nothing is consumed and the caller stops decoding.
  e.consumed = 0;
  return e;
}

bool is_known_opcode(std::uint8_t op) {
  return op <= 0x2 || (op >= 0x8 && op <= 0xA);
}

// XOR with the 4-byte key repeated. The key is laid twice into 8 bytes in memory order, so
// a word XOR via memcpy touches the same bytes as the byte loop would on any endianness.
void unmask(std::uint8_t* p, std::size_t n, const std::uint8_t key[4]) {
  std::uint8_t key8[8];
  std::memcpy(key8, key, 4);
  std::memcpy(key8 + 4, key, 4);
  std::uint64_t k;
  std::memcpy(&k, key8, 8);
  std::size_t i = 0;
  for (; n - i >= 8; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    w ^= k;
    std::memcpy(p + i, &w, 8);
  }
  for (; i < n; ++i) p[i] ^= key[i & 3];
}

}  // namespace

bool is_valid_close_code(std::uint16_t code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
         (code >= 3000 && code <= 4999);
}

Event FrameDecoder::decode(std::span<std::uint8_t> input) {
  // The previous fragmented message, if any, has been handed out already.
  if (!in_message_) assembly_.clear();

  const std::size_t avail = input.size();
  if (avail < 2) return Event{};
  const std::uint8_t b0 = input[0];
  const std::uint8_t b1 = input[1];
  const bool fin = (b0 & fin_bit) != 0;
  const auto op = static_cast<std::uint8_t>(b0 & opcode_bits);
  const bool control = (op & 0x8) != 0;

  // Everything decidable from the first two bytes is decided before waiting for more, so a
  // hostile peer cannot make us buffer a frame we would reject anyway.
  if (b0 & rsv_bits) return fail(CloseCode::protocol_error, "RSV bits set without extension");
  if (!is_known_opcode(op)) return fail(CloseCode::protocol_error, "reserved opcode");
  if (!(b1 & mask_bit)) return fail(CloseCode::protocol_error, "client frame not masked");
  const std::uint8_t len7 = b1 & 0x7F;
  if (control) {
    if (!fin) return fail(CloseCode::protocol_error, "fragmented control frame");
  } else if (op == static_cast<std::uint8_t>(Opcode::continuation)) {
    if (!in_message_) return fail(CloseCode::protocol_error, "continuation without message");
    if (fragments_ >= limits_.max_fragments) {
      return fail(CloseCode::message_too_big, "too many fragments");
    }
  } else if (in_message_) {
    return fail(CloseCode::protocol_error, "new data frame inside fragmented message");
  }

  // Non-minimal length encodings (e.g. 126 followed by 5) are accepted: RFC 6455 5.2 asks
  // for the minimal form but gives no failure rule for it, and browsers never send them.
  std::size_t header = 2;
  std::uint64_t length = len7;
  if (len7 == 126) {
    if (avail < 4) return Event{};
    length = load_u16(&input[2]);
    header = 4;
  } else if (len7 == 127) {
    if (avail < 10) return Event{};
    length = load_u64(&input[2]);
    if (length >> 63) return fail(CloseCode::protocol_error, "64-bit length with top bit set");
    header = 10;
  }

  if (control) {
    // Checked on the decoded length, not len7, to treat non-minimal encodings alike.
    if (length > limits::max_control_payload) {
      return fail(CloseCode::protocol_error, "control frame too long");
    }
  } else {
    // assembly_ never exceeds max_message, so the subtraction cannot wrap; comparing this
    // way round keeps a 63-bit length from overflowing the sum.
    const std::size_t used = op == 0 ? assembly_.size() : 0;
    if (length > limits_.max_message - used) {
      return fail(CloseCode::message_too_big, "message too big");
    }
  }

  // From here `length` <= max(max_message, 125), so it fits std::size_t and the frame fits
  // max_frame_bytes().
  const auto payload_size = static_cast<std::size_t>(length);
  const std::size_t key_at = header;
  const std::size_t payload_at = header + 4;
  if (avail < payload_at || avail - payload_at < payload_size) return Event{};
  const std::size_t frame_size = payload_at + payload_size;

  std::uint8_t* payload = input.data() + payload_at;
  unmask(payload, payload_size, input.data() + key_at);
  const std::span<const std::uint8_t> bytes(payload, payload_size);

  Event e;
  e.consumed = frame_size;
  switch (static_cast<Opcode>(op)) {
    case Opcode::ping:
      e.kind = Event::Kind::ping;
      e.payload = bytes;
      return e;
    case Opcode::pong:
      e.kind = Event::Kind::pong;
      e.payload = bytes;
      return e;
    case Opcode::close:
      if (payload_size == 0) {
        e.kind = Event::Kind::close;
        e.close_code = static_cast<std::uint16_t>(CloseCode::no_status);
        return e;
      }
      if (payload_size == 1) return fail(CloseCode::protocol_error, "close payload of 1 byte");
      e.close_code = load_u16(payload);
      if (!is_valid_close_code(e.close_code)) {
        return fail(CloseCode::protocol_error, "invalid close code");
      }
      e.payload = bytes.subspan(2);
      if (!is_valid_utf8(e.payload)) {
        return fail(CloseCode::invalid_payload, "close reason is not valid UTF-8");
      }
      e.kind = Event::Kind::close;
      return e;
    case Opcode::text:
    case Opcode::binary: {
      const bool text = op == static_cast<std::uint8_t>(Opcode::text);
      if (fin) {
        if (text && !is_valid_utf8(bytes)) {
          return fail(CloseCode::invalid_payload, "text message is not valid UTF-8");
        }
        e.kind = Event::Kind::message;
        e.payload = bytes;
        e.text = text;
        return e;
      }
      in_message_ = true;
      message_text_ = text;
      fragments_ = 1;
      utf8_.reset();
      break;
    }
    case Opcode::continuation:
      ++fragments_;
      break;
  }

  // A fragment of a data message: check its text as it comes so bad UTF-8 fails here.
  if (message_text_ && !utf8_.feed(bytes)) {
    return fail(CloseCode::invalid_payload, "text message is not valid UTF-8");
  }
  assembly_.insert(assembly_.end(), bytes.begin(), bytes.end());
  if (!fin) {
    e.kind = Event::Kind::consumed;
    return e;
  }
  if (message_text_ && !utf8_.complete()) {
    return fail(CloseCode::invalid_payload, "text message ends inside a character");
  }
  in_message_ = false;
  e.kind = Event::Kind::message;
  e.text = message_text_;
  e.payload = std::span<const std::uint8_t>(assembly_.data(), assembly_.size());
  return e;
}

std::size_t encode_header(std::uint8_t* out, Opcode opcode, std::size_t payload_size) {
  out[0] = static_cast<std::uint8_t>(fin_bit | static_cast<std::uint8_t>(opcode));
  if (payload_size <= 125) {
    out[1] = static_cast<std::uint8_t>(payload_size);
    return 2;
  }
  if (payload_size <= 0xFFFF) {
    out[1] = 126;
    store_u16(out + 2, static_cast<std::uint16_t>(payload_size));
    return 4;
  }
  out[1] = 127;
  store_u64(out + 2, static_cast<std::uint64_t>(payload_size));
  return 10;
}

std::string encode_frame(Opcode opcode, std::span<const std::uint8_t> payload) {
  std::uint8_t header[10];
  const std::size_t n = encode_header(header, opcode, payload.size());
  std::string out;
  out.reserve(n + payload.size());
  out.append(reinterpret_cast<const char*>(header), n);
  out.append(reinterpret_cast<const char*>(payload.data()), payload.size());
  return out;
}

std::string encode_close(CloseCode code, std::string_view reason) {
  constexpr std::size_t max_reason = 123;  // 125-byte control payload minus the code
  if (reason.size() > max_reason) {
    // Cut at a code point boundary: a split character would make the peer fail us with 1007.
    std::size_t n = max_reason;
    for (int back = 0; back < 3 && n > 0 && (static_cast<unsigned char>(reason[n]) & 0xC0) == 0x80;
         ++back) {
      --n;
    }
    reason = reason.substr(0, n);
  }
  std::uint8_t payload[2 + max_reason];
  store_u16(payload, static_cast<std::uint16_t>(code));
  if (!reason.empty()) std::memcpy(payload + 2, reason.data(), reason.size());
  return encode_frame(Opcode::close, std::span<const std::uint8_t>(payload, 2 + reason.size()));
}

}  // namespace smq::ws
