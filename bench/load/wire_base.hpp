// What every protocol's Wire shares: the transport layer. Over WebSocket it writes the
// upgrade request, checks the 101 answer, frames outgoing units (masked with a zero key, so
// masking costs the generator nothing while the broker still unmasks every frame) and
// unwraps incoming frames. Over TCP it passes bytes through. Worker thread only.
#pragma once

#include <string>

#include "wire.hpp"

namespace smq::bench {

class WireBase : public Wire {
 public:
  void start(std::string& out) final;
  std::size_t consume(std::span<std::uint8_t> in, std::string& out) final;

 protected:
  WireBase(TransportKind transport, WireSetup setup, WireEvents& events);

  // The protocol's own first bytes, once the transport is open (may append nothing).
  virtual void on_open(std::string& out) = 0;
  // TCP, and stream protocols over WebSocket: parses whole units from the front of `in`;
  // returns the bytes used.
  virtual std::size_t on_stream(std::span<std::uint8_t> in, std::string& out) = 0;
  // Message protocols over WebSocket (SMQ): one whole WebSocket message.
  virtual void on_message(std::span<std::uint8_t> message, std::string& out) = 0;
  // SMQ maps one packet to one WebSocket message; MQTT and NATS treat WebSocket as a stream.
  virtual bool message_oriented() const = 0;
  // WebSocket subprotocol to ask for ("" for none).
  virtual std::string_view subprotocol() const { return {}; }
  // SMQ's raw transport starts with an HTTP bootstrap request instead of nothing.
  virtual void tcp_preamble(std::string& /*out*/) {}

  // Starts one outgoing unit of `size` bytes: over WebSocket appends the frame header; the
  // caller then appends exactly `size` bytes.
  void begin_unit(std::string& out, std::size_t size) const;
  void fail(std::string what);
  bool failed() const { return failed_; }

  const TransportKind transport_;
  const WireSetup setup_;
  WireEvents& events_;

 private:
  std::size_t consume_frames(std::span<std::uint8_t> in, std::string& out);
  void stream_bytes(std::span<std::uint8_t> bytes, std::string& out);

  bool upgraded_ = false;
  bool failed_ = false;
  std::string message_;                // fragmented WebSocket message being assembled
  std::basic_string<std::uint8_t> stream_;  // stream bytes left over between frames
};

}  // namespace smq::bench
