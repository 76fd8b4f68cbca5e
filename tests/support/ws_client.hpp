// The WebSocket test client: RFC 6455 upgrade (own SHA-1/base64 accept check via OpenSSL,
// independent of the broker's code), masked frames of any shape (opcode, FIN, RSV bits,
// length encodings, chopping) and strict reading of server frames.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "close_result.hpp"
#include "http.hpp"
#include "socket.hpp"

namespace smqtest {

namespace ws {
inline constexpr std::uint8_t continuation = 0, text = 1, binary = 2, close = 8, ping = 9,
                              pong = 10;
}

// Sec-WebSocket-Accept for a key: base64(SHA-1(key + GUID)).
std::string websocket_accept(std::string_view key);
std::string base64(std::string_view bytes);
// A fresh random 16-byte key, base64 encoded.
std::string random_websocket_key();

struct WsFrame {
  bool fin = true;
  std::uint8_t rsv = 0;  // the three RSV bits, as bits 2..0
  std::uint8_t opcode = 0;
  bool masked = false;
  Bytes payload;
};

// How to encode one outgoing frame; defaults give a normal masked final frame.
struct FrameSpec {
  std::uint8_t opcode = ws::binary;
  Bytes payload;
  bool fin = true;
  std::uint8_t rsv = 0;
  bool mask = true;
  // Force a length form: 0 = minimal, 126 = 16-bit, 127 = 64-bit.
  int length_form = 0;
  // Declared length instead of payload.size() (to lie about the size).
  std::optional<std::uint64_t> declared_length;
};

// A normal masked final frame with this opcode and payload.
FrameSpec frame_of(std::uint8_t opcode, std::string_view payload);

// Encodes a client frame (random mask key unless spec.mask is false).
Bytes encode_frame(const FrameSpec& spec);
Bytes close_payload(std::uint16_t code, std::string_view reason = {});

struct UpgradeRequest {
  std::string path = "/smq";
  std::string method = "GET";
  std::string version = "HTTP/1.1";
  std::string host = "127.0.0.1";
  std::string key;  // empty = random
  // Replaces the default header set when non-empty (lets tests drop or duplicate headers).
  std::optional<std::vector<std::pair<std::string, std::string>>> headers;
  std::vector<std::pair<std::string, std::string>> extra_headers;
};

// The request text for an upgrade; `key_out` receives the key used.
std::string upgrade_request_text(const UpgradeRequest& req, std::string* key_out = nullptr);

class WsClient {
 public:
  bool connect(std::uint16_t port, bool ipv6 = false) { return sock_.connect_loopback(port, ipv6); }
  Socket& socket() { return sock_; }

  // Sends the upgrade and reads the response head. Returns true only for a valid 101 with
  // the right Sec-WebSocket-Accept; the head (if any) is kept in response().
  bool upgrade(const UpgradeRequest& req = {}, Ms timeout = Ms(2000));
  const std::optional<HttpHead>& response() const { return response_; }
  const std::string& error() const { return error_; }

  bool send_frame(const FrameSpec& spec);
  // Several frames in a single write (to test parsing of back-to-back frames).
  bool send_frames(const std::vector<FrameSpec>& specs);
  bool send_frame_chopped(const FrameSpec& spec, std::size_t chunk, Ms pause = Ms(0));
  bool send_binary(std::string_view payload) { return send_frame(frame_of(ws::binary, payload)); }
  bool send_bytes(std::string_view bytes) { return sock_.send_all(bytes); }
  bool send_close(std::optional<std::uint16_t> code = 1000, std::string_view reason = {});
  // Answers a Close from the broker unless this side already sent one.
  void reply_close(std::uint16_t code) {
    if (!close_sent_) send_close(code);
  }

  // Next frame, or nullopt on timeout/EOF. Throws WireViolation on a masked server frame.
  std::optional<WsFrame> read_frame(Ms timeout);
  std::optional<WsFrame> pop_frame();

  // Reads frames until TCP EOF. Binary frames are collected as packets; a Close frame is
  // recorded and, if `reply` is set, answered with a Close echoing its code.
  CloseResult wait_closed(Ms timeout, bool reply = true);
  bool eof() const { return sock_.eof(); }

 private:
  Socket sock_;
  std::optional<HttpHead> response_;
  std::string error_;
  bool close_sent_ = false;  // a Close went out: never send a second one
};

}  // namespace smqtest
