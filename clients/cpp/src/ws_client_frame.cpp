// Client-side WebSocket frames (see ws_client_frame.hpp). Pure code, used on the client's
// executor.
#include "src/ws_client_frame.hpp"

#include <openssl/rand.h>

#include <cstring>
#include <stdexcept>

#include "protocol/byte_order.hpp"

namespace smq::detail {

namespace {

ws::Event fail(ws::CloseCode code, std::string_view why) {
  ws::Event e;
  e.kind = ws::Event::Kind::error;
  e.error_code = code;
  e.error = why;
  return e;
}

bool is_known_opcode(std::uint8_t op) { return op <= 0x2 || (op >= 0x8 && op <= 0xA); }

}  // namespace

void MaskSource::next(std::uint8_t key[4]) {
  if (used_ + 4 > sizeof(pool_)) {
    if (RAND_bytes(pool_, static_cast<int>(sizeof(pool_))) != 1) {
      throw std::runtime_error("RAND_bytes failed");
    }
    used_ = 0;
  }
  std::memcpy(key, pool_ + used_, 4);
  used_ += 4;
}

void append_client_frame(std::string& out, ws::Opcode opcode, std::span<const std::uint8_t> payload,
                         MaskSource& masks) {
  std::uint8_t header[14];
  std::size_t n = ws::encode_header(header, opcode, payload.size());
  header[1] |= 0x80;  // MASK bit
  masks.next(header + n);
  const std::uint8_t* key = header + n;
  n += 4;
  const std::size_t start = out.size();
  out.append(reinterpret_cast<const char*>(header), n);
  out.append(reinterpret_cast<const char*>(payload.data()), payload.size());
  auto* p = reinterpret_cast<std::uint8_t*>(out.data() + start + n);
  for (std::size_t i = 0; i < payload.size(); ++i) p[i] ^= key[i & 3];
}

void append_client_close(std::string& out, std::uint16_t code, std::string_view reason,
                         MaskSource& masks) {
  std::uint8_t payload[125];
  store_u16(payload, code);
  const std::size_t n = std::min<std::size_t>(reason.size(), 123);
  if (n > 0) std::memcpy(payload + 2, reason.data(), n);
  append_client_frame(out, ws::Opcode::close, std::span<const std::uint8_t>(payload, 2 + n), masks);
}

ws::Event ServerFrameDecoder::decode(std::span<std::uint8_t> input) {
  if (!in_message_) assembly_.clear();
  if (input.size() < 2) return {};
  const std::uint8_t b0 = input[0];
  const std::uint8_t b1 = input[1];
  const bool fin = (b0 & 0x80) != 0;
  const auto op = static_cast<std::uint8_t>(b0 & 0x0F);
  const bool control = (op & 0x8) != 0;
  if (b0 & 0x70) return fail(ws::CloseCode::protocol_error, "RSV bits set");
  if (!is_known_opcode(op)) return fail(ws::CloseCode::protocol_error, "reserved opcode");
  if (b1 & 0x80) return fail(ws::CloseCode::protocol_error, "server frame is masked");
  if (control) {
    if (!fin) return fail(ws::CloseCode::protocol_error, "fragmented control frame");
  } else if (op == 0) {
    if (!in_message_) return fail(ws::CloseCode::protocol_error, "continuation without message");
  } else if (in_message_) {
    return fail(ws::CloseCode::protocol_error, "new data frame inside fragmented message");
  }
  std::size_t header = 2;
  std::uint64_t length = b1 & 0x7F;
  if (length == 126) {
    if (input.size() < 4) return {};
    length = load_u16(&input[2]);
    header = 4;
  } else if (length == 127) {
    if (input.size() < 10) return {};
    length = load_u64(&input[2]);
    if (length >> 63) return fail(ws::CloseCode::protocol_error, "64-bit length with top bit set");
    header = 10;
  }
  if (control) {
    if (length > limits::max_control_payload) {
      return fail(ws::CloseCode::protocol_error, "control frame too long");
    }
  } else {
    const std::size_t used = op == 0 ? assembly_.size() : 0;
    if (length > max_message_ - used) {
      return fail(ws::CloseCode::message_too_big, "message too big");
    }
  }
  const auto size = static_cast<std::size_t>(length);
  if (input.size() - header < size) return {};
  const std::span<const std::uint8_t> bytes(input.data() + header, size);

  ws::Event e;
  e.consumed = header + size;
  switch (static_cast<ws::Opcode>(op)) {
    case ws::Opcode::ping:
      e.kind = ws::Event::Kind::ping;
      e.payload = bytes;
      return e;
    case ws::Opcode::pong:
      e.kind = ws::Event::Kind::pong;
      e.payload = bytes;
      return e;
    case ws::Opcode::close:
      e.kind = ws::Event::Kind::close;
      if (size == 0) {
        e.close_code = static_cast<std::uint16_t>(ws::CloseCode::no_status);
        return e;
      }
      if (size == 1) return fail(ws::CloseCode::protocol_error, "close payload of 1 byte");
      e.close_code = load_u16(bytes.data());
      // The connection echoes the code in its own Close: a code no endpoint may send
      // (1005/1006/1015, unassigned ranges) would be echoed onto the wire (RFC 6455 7.4).
      if (!ws::is_valid_close_code(e.close_code)) {
        return fail(ws::CloseCode::protocol_error, "invalid close code");
      }
      e.payload = bytes.subspan(2);
      return e;
    case ws::Opcode::text:
    case ws::Opcode::binary:
      if (fin) {
        e.kind = ws::Event::Kind::message;
        e.payload = bytes;
        e.text = op == 1;
        return e;
      }
      in_message_ = true;
      message_text_ = op == 1;
      break;
    case ws::Opcode::continuation:
      break;
  }
  assembly_.insert(assembly_.end(), bytes.begin(), bytes.end());
  if (!fin) {
    e.kind = ws::Event::Kind::consumed;
    return e;
  }
  in_message_ = false;
  e.kind = ws::Event::Kind::message;
  e.text = message_text_;
  e.payload = std::span<const std::uint8_t>(assembly_.data(), assembly_.size());
  return e;
}

}  // namespace smq::detail
