// Transport layer shared by the protocol wires (see wire_base.hpp). Worker thread only.
#include "wire_base.hpp"

#include <fmt/format.h>

#include <cstring>

namespace smq::bench {
namespace {

constexpr std::size_t max_http_head = 16 * 1024;
constexpr std::size_t max_message = 4 * 1024 * 1024;

}  // namespace

WireBase::WireBase(TransportKind transport, WireSetup setup, WireEvents& events)
    : transport_(transport), setup_(std::move(setup)), events_(events) {}

void WireBase::start(std::string& out) {
  if (transport_ == TransportKind::tcp) {
    upgraded_ = true;
    tcp_preamble(out);
    on_open(out);
    return;
  }
  // The key's value does not matter to the benchmark; the broker's accept hash is not checked.
  out += fmt::format(
      "GET {} HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n",
      setup_.path, setup_.host);
  if (!subprotocol().empty()) out += fmt::format("Sec-WebSocket-Protocol: {}\r\n", subprotocol());
  out += "\r\n";
}

std::size_t WireBase::consume(std::span<std::uint8_t> in, std::string& out) {
  std::size_t used = 0;
  if (!upgraded_) {
    const std::string_view text(reinterpret_cast<const char*>(in.data()), in.size());
    const auto end = text.find("\r\n\r\n");
    if (end == std::string_view::npos) {
      if (text.size() > max_http_head) fail("WebSocket upgrade: response head too long");
      return 0;
    }
    if (!text.starts_with("HTTP/1.1 101")) {
      fail(fmt::format("WebSocket upgrade refused: {}", text.substr(0, text.find("\r\n"))));
      return 0;
    }
    upgraded_ = true;
    used = end + 4;
    on_open(out);
  }
  if (failed_) return used;
  if (transport_ == TransportKind::tcp) return used + on_stream(in.subspan(used), out);
  return used + consume_frames(in.subspan(used), out);
}

std::size_t WireBase::consume_frames(std::span<std::uint8_t> in, std::string& out) {
  std::size_t pos = 0;
  while (!failed_ && in.size() - pos >= 2) {
    const std::uint8_t* p = in.data() + pos;
    const bool fin = p[0] & 0x80;
    const std::uint8_t opcode = p[0] & 0x0F;
    if (p[1] & 0x80) return fail("broker sent a masked frame"), pos;
    std::size_t header = 2;
    std::uint64_t length = p[1] & 0x7F;
    if (length == 126) {
      if (in.size() - pos < 4) break;
      length = (std::uint64_t{p[2]} << 8) | p[3];
      header = 4;
    } else if (length == 127) {
      if (in.size() - pos < 10) break;
      length = 0;
      for (int i = 0; i < 8; ++i) length = (length << 8) | p[2 + i];
      header = 10;
    }
    if (length > max_message) return fail("broker sent an oversized frame"), pos;
    if (in.size() - pos < header + length) break;
    std::span<std::uint8_t> payload = in.subspan(pos + header, static_cast<std::size_t>(length));
    pos += header + static_cast<std::size_t>(length);

    if (opcode == 0x8) return fail("broker sent WebSocket Close"), pos;
    if (opcode == 0x9) {  // ping: answer with a pong carrying the same bytes
      begin_unit(out, payload.size());
      out.append(reinterpret_cast<const char*>(payload.data()), payload.size());
      out[out.size() - payload.size() - 6] = static_cast<char>(0x8A);
      continue;
    }
    if (opcode == 0xA) continue;
    if (!message_oriented()) {
      stream_bytes(payload, out);
      continue;
    }
    if (fin && message_.empty() && opcode != 0x0) {
      on_message(payload, out);
      continue;
    }
    message_.append(reinterpret_cast<const char*>(payload.data()), payload.size());
    if (message_.size() > max_message) return fail("WebSocket message too long"), pos;
    if (fin) {
      std::string whole;
      whole.swap(message_);
      on_message({reinterpret_cast<std::uint8_t*>(whole.data()), whole.size()}, out);
    }
  }
  return pos;
}

void WireBase::stream_bytes(std::span<std::uint8_t> bytes, std::string& out) {
  if (stream_.empty()) {
    const std::size_t used = on_stream(bytes, out);
    stream_.append(bytes.data() + used, bytes.size() - used);
    return;
  }
  stream_.append(bytes.data(), bytes.size());
  const std::size_t used = on_stream({stream_.data(), stream_.size()}, out);
  stream_.erase(0, used);
  if (stream_.size() > max_message) fail("protocol unit too long");
}

void WireBase::begin_unit(std::string& out, std::size_t size) const {
  if (transport_ == TransportKind::tcp) return;
  char header[14];
  std::size_t n = 0;
  header[n++] = static_cast<char>(0x82);  // FIN + binary
  if (size < 126) {
    header[n++] = static_cast<char>(0x80 | size);
  } else if (size <= 0xFFFF) {
    header[n++] = static_cast<char>(0x80 | 126);
    header[n++] = static_cast<char>(size >> 8);
    header[n++] = static_cast<char>(size);
  } else {
    header[n++] = static_cast<char>(0x80 | 127);
    for (int i = 7; i >= 0; --i) header[n++] = static_cast<char>(std::uint64_t{size} >> (8 * i));
  }
  std::memset(header + n, 0, 4);  // zero masking key: XOR with it leaves the payload as is
  n += 4;
  out.append(header, n);
}

void WireBase::fail(std::string what) {
  if (failed_) return;
  failed_ = true;
  events_.on_wire_error(std::move(what));
}

}  // namespace smq::bench
