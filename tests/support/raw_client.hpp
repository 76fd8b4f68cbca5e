// The raw-TCP SMQ test client: HTTP bootstrap as the C or Python client sends it, then
// [u16 total length][type][body] frames in both directions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "close_result.hpp"
#include "http.hpp"
#include "socket.hpp"

namespace smqtest {

// The exact request of the C client (SMQClient.c): HTTP/1.0, Host, SimpleMQ, User-Agent.
std::string c_bootstrap_request(std::string_view path = "/smq",
                                std::string_view host = "127.0.0.1");
// The Python client's request: HTTP/1.1 with SendSmqHttpResponse: true.
std::string python_bootstrap_request(std::string_view path = "/smq",
                                     std::string_view host = "127.0.0.1");

class RawClient {
 public:
  bool connect(std::uint16_t port, bool ipv6 = false) { return sock_.connect_loopback(port, ipv6); }
  Socket& socket() { return sock_; }

  bool send_bytes(std::string_view bytes) { return sock_.send_all(bytes); }
  bool send_chopped(std::string_view bytes, std::size_t chunk, Ms pause = Ms(0)) {
    return sock_.send_chopped(bytes, chunk, pause);
  }
  // Frames a packet (type + body) with its u16 length and sends it.
  bool send_packet(std::string_view packet);

  std::optional<HttpHead> read_http_head(Ms timeout) { return smqtest::read_http_head(sock_, timeout); }

  // Next complete frame's packet (length bytes removed), or nullopt on timeout/EOF.
  // Throws WireViolation when the broker sends a length below 3.
  std::optional<Bytes> read_packet(Ms timeout);
  // Same, from bytes already buffered only (never blocks).
  std::optional<Bytes> pop_packet();
  // Length field of the last frame returned (to check exact raw sizes).
  std::size_t last_frame_length() const { return last_len_; }

  // Reads frames until EOF; `closed` false when the timeout passed first.
  CloseResult wait_closed(Ms timeout);
  bool eof() const { return sock_.eof(); }

 private:
  Socket sock_;
  std::size_t last_len_ = 0;
};

}  // namespace smqtest
