// WebSocket test client (see ws_client.hpp). The accept check uses OpenSSL's SHA1 and
// EVP_EncodeBlock directly, so it shares no code with the broker's handshake.
#include "ws_client.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <random>

namespace smqtest {

namespace {

std::mt19937_64& rng() {
  thread_local std::mt19937_64 gen{std::random_device{}()};
  return gen;
}

}  // namespace

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string websocket_accept(std::string_view key) {
  std::string input(key);
  input += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  return base64(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

std::string random_websocket_key() {
  std::string raw(16, '\0');
  for (auto& c : raw) c = static_cast<char>(rng()() & 0xFF);
  return base64(raw);
}

FrameSpec frame_of(std::uint8_t opcode, std::string_view payload) {
  FrameSpec f;
  f.opcode = opcode;
  f.payload = Bytes(payload);
  return f;
}

Bytes encode_frame(const FrameSpec& spec) {
  Bytes out;
  put_u8(out, static_cast<std::uint8_t>((spec.fin ? 0x80 : 0) | ((spec.rsv & 7) << 4) |
                                        (spec.opcode & 0x0F)));
  std::uint64_t len = spec.declared_length.value_or(spec.payload.size());
  std::uint8_t mask_bit = spec.mask ? 0x80 : 0;
  int form = spec.length_form;
  if (form == 0) form = len < 126 ? 0 : (len <= 0xFFFF ? 126 : 127);
  if (form == 126) {
    put_u8(out, mask_bit | 126);
    put_u16(out, static_cast<std::uint16_t>(len));
  } else if (form == 127) {
    put_u8(out, mask_bit | 127);
    put_u64(out, len);
  } else {
    put_u8(out, static_cast<std::uint8_t>(mask_bit | (len & 0x7F)));
  }
  if (!spec.mask) {
    out.append(spec.payload);
    return out;
  }
  std::uint32_t key = static_cast<std::uint32_t>(rng()());
  Bytes k = u32_bytes(key);
  out.append(k);
  for (std::size_t i = 0; i < spec.payload.size(); ++i)
    out.push_back(static_cast<char>(spec.payload[i] ^ k[i % 4]));
  return out;
}

Bytes close_payload(std::uint16_t code, std::string_view reason) {
  Bytes p;
  put_u16(p, code);
  p.append(reason);
  return p;
}

std::string upgrade_request_text(const UpgradeRequest& req, std::string* key_out) {
  std::string key = req.key.empty() ? random_websocket_key() : req.key;
  if (key_out) *key_out = key;
  std::vector<std::pair<std::string, std::string>> headers;
  if (req.headers) {
    headers = *req.headers;
  } else {
    headers = {{"Host", req.host},
               {"Upgrade", "websocket"},
               {"Connection", "Upgrade"},
               {"Sec-WebSocket-Key", key},
               {"Sec-WebSocket-Version", "13"}};
  }
  for (const auto& h : req.extra_headers) headers.push_back(h);
  std::string r = req.method + " " + req.path + " " + req.version + "\r\n";
  for (const auto& [k, v] : headers) r += k + ": " + v + "\r\n";
  r += "\r\n";
  return r;
}

bool WsClient::upgrade(const UpgradeRequest& req, Ms timeout) {
  std::string key;
  std::string text = upgrade_request_text(req, &key);
  if (!sock_.send_all(text)) {
    error_ = "send failed";
    return false;
  }
  response_ = read_http_head(sock_, timeout);
  if (!response_) {
    error_ = "no HTTP response head";
    return false;
  }
  if (response_->status != 101) {
    error_ = "status " + std::to_string(response_->status);
    return false;
  }
  auto accept = response_->header("Sec-WebSocket-Accept");
  if (!accept || *accept != websocket_accept(key)) {
    error_ = "bad Sec-WebSocket-Accept '" + accept.value_or("<none>") + "'";
    return false;
  }
  return true;
}

bool WsClient::send_frame(const FrameSpec& spec) {
  if (spec.opcode == ws::close && spec.fin) close_sent_ = true;
  return sock_.send_all(encode_frame(spec));
}

bool WsClient::send_frames(const std::vector<FrameSpec>& specs) {
  Bytes all;
  for (const auto& spec : specs) {
    if (spec.opcode == ws::close && spec.fin) close_sent_ = true;
    all += encode_frame(spec);
  }
  return sock_.send_all(all);
}

bool WsClient::send_frame_chopped(const FrameSpec& spec, std::size_t chunk, Ms pause) {
  return sock_.send_chopped(encode_frame(spec), chunk, pause);
}

bool WsClient::send_close(std::optional<std::uint16_t> code, std::string_view reason) {
  FrameSpec f;
  f.opcode = ws::close;
  if (code) f.payload = close_payload(*code, reason);
  return send_frame(f);
}

std::optional<WsFrame> WsClient::pop_frame() {
  std::string_view in = sock_.pending();
  if (in.size() < 2) return std::nullopt;
  auto b0 = static_cast<std::uint8_t>(in[0]);
  auto b1 = static_cast<std::uint8_t>(in[1]);
  WsFrame f;
  f.fin = (b0 & 0x80) != 0;
  f.rsv = static_cast<std::uint8_t>((b0 >> 4) & 7);
  f.opcode = b0 & 0x0F;
  f.masked = (b1 & 0x80) != 0;
  if (f.masked) throw WireViolation("broker sent a masked WebSocket frame");
  std::uint64_t len = b1 & 0x7F;
  std::size_t header = 2;
  if (len == 126) {
    if (in.size() < 4) return std::nullopt;
    len = get_u16(in, 2);
    header = 4;
  } else if (len == 127) {
    if (in.size() < 10) return std::nullopt;
    len = (static_cast<std::uint64_t>(get_u32(in, 2)) << 32) | get_u32(in, 6);
    header = 10;
    if (len > (1u << 24)) throw WireViolation("broker sent an absurd WebSocket length");
  }
  if (in.size() < header + len) return std::nullopt;
  sock_.take(header);
  f.payload = sock_.take(static_cast<std::size_t>(len));
  return f;
}

std::optional<WsFrame> WsClient::read_frame(Ms timeout) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    if (auto f = pop_frame()) return f;
    if (!sock_.fill(remaining(deadline))) return pop_frame();
  }
}

CloseResult WsClient::wait_closed(Ms timeout, bool reply) {
  CloseResult r;
  auto deadline = Clock::now() + timeout;
  for (;;) {
    while (auto f = pop_frame()) {
      if (r.close_frame) {
        ++r.frames_after_close;
        continue;
      }
      if (f->opcode == ws::close) {
        r.close_frame = true;
        if (f->payload.size() >= 2) {
          r.code = get_u16(f->payload, 0);
          r.reason = f->payload.substr(2);
        }
        if (reply && !close_sent_) send_close(r.code.value_or(1000));
      } else if (f->opcode == ws::binary) {
        r.packets.push_back(std::move(f->payload));
      } else if (f->opcode == ws::text) {
        throw WireViolation("broker sent a text frame");
      }
    }
    if (sock_.eof()) break;
    if (!sock_.fill(remaining(deadline)) && !sock_.eof()) return r;  // timeout
  }
  r.closed = true;
  r.reset = sock_.reset();
  r.junk = Bytes(sock_.pending());
  return r;
}

}  // namespace smqtest
