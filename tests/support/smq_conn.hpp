// SmqConn: one SMQ session seen from the client side, independent of the transport, so most
// tests are written once and run over raw TCP and WebSocket. Also the open/connect helpers
// that produce a ready session (bootstrap or upgrade, Init read, Connect, Connack).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "close_result.hpp"
#include "packets.hpp"
#include "raw_client.hpp"
#include "ws_client.hpp"

namespace smqtest {

enum class Transport { raw, ws };
std::string to_string(Transport t);
// Lets Google Test print a Transport parameter by name.
inline void PrintTo(Transport t, std::ostream* os) { *os << to_string(t); }

class SmqConn {
 public:
  virtual ~SmqConn() = default;
  virtual Transport transport() const = 0;

  // Sends one packet (type + body) in the transport's framing.
  virtual bool send_packet(std::string_view packet) = 0;
  // Same, with the encoded bytes written `chunk` bytes at a time.
  virtual bool send_packet_chopped(std::string_view packet, std::size_t chunk) = 0;
  // The bytes send_packet would write (to batch many packets into one write).
  virtual Bytes frame_packet(std::string_view packet) = 0;
  // Writes bytes to the socket as they are (hand-made raw frames or WebSocket frames).
  virtual bool send_bytes(std::string_view bytes) = 0;

  // Next SMQ packet, or nullopt on timeout or close. WebSocket: only binary messages carry
  // packets; anything else from the broker throws WireViolation, a Close frame is kept and
  // ends reading.
  virtual std::optional<Bytes> recv_packet(Ms timeout) = 0;
  // Waits for the broker to close; see CloseResult. WebSocket replies to a Close.
  virtual CloseResult expect_closed(Ms timeout) = 0;

  // For poll loops: the socket, a non-blocking read and a parse of buffered bytes.
  virtual int fd() = 0;
  virtual bool read_available() = 0;
  virtual std::optional<Bytes> pop_packet() = 0;
  virtual void close_socket() = 0;

  pkt::Init init;        // the Init received when the session opened
  std::uint32_t etid = 0;  // set once connected
  std::string uid;
};

struct OpenOptions {
  std::string path = "/smq";
  bool python_bootstrap = false;  // raw: send SendSmqHttpResponse: true and read the 200
  bool ipv6 = false;
  Ms timeout = Ms(2000);
};

// Opens a transport to the broker and reads Init. Throws std::runtime_error on failure.
std::unique_ptr<SmqConn> open_smq(Transport t, std::uint16_t port, const OpenOptions& o = {});
// open_smq + Connect v1 with `uid` (a unique one if empty) + successful Connack.
std::unique_ptr<SmqConn> connect_smq(Transport t, std::uint16_t port, std::string uid = {},
                                     const OpenOptions& o = {});
// A UID nobody else uses in this process.
std::string unique_uid();

// Direct access to the underlying clients (for tests that mix SMQ and transport details).
RawClient* raw_of(SmqConn& c);
WsClient* ws_of(SmqConn& c);

}  // namespace smqtest
