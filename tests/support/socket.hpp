// A blocking loopback TCP socket with a read buffer, where every read is bounded by a poll()
// timeout. The building block of the raw and WebSocket test clients.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bytes.hpp"

namespace smqtest {

using Ms = std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// Remaining time until a deadline, never negative.
Ms remaining(Clock::time_point deadline);

class Socket {
 public:
  Socket() = default;
  ~Socket();
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  Socket(Socket&& other) noexcept;
  Socket& operator=(Socket&& other) noexcept;

  // Connects to 127.0.0.1:port (or [::1]:port). TCP_NODELAY is set so that chopped sends
  // leave as separate segments. Returns false on failure.
  bool connect_loopback(std::uint16_t port, bool ipv6 = false);
  bool is_open() const { return fd_ >= 0; }
  int fd() const { return fd_; }

  // Sends everything; false when the peer is gone (no SIGPIPE).
  bool send_all(std::string_view bytes);
  // Sends in pieces of `chunk` bytes, pausing `pause` between them.
  bool send_chopped(std::string_view bytes, std::size_t chunk, Ms pause = Ms(0));
  void shutdown_write();
  void close();

  // ---- buffered reading ------------------------------------------------------------------
  // Bytes received but not yet consumed (valid until the next read or take).
  std::string_view pending() const { return std::string_view(in_).substr(pos_); }
  // Reads once (waiting up to `timeout`) and appends to the buffer. Returns false on
  // timeout, EOF or error; eof()/failed() tell which.
  bool fill(Ms timeout);
  // Reads whatever is available right now without waiting; false on EOF/error.
  bool read_available();
  // Ensures at least n buffered bytes before the deadline.
  bool ensure(std::size_t n, Clock::time_point deadline);
  // Removes and returns the first n buffered bytes (n must be buffered).
  Bytes take(std::size_t n);
  // Reads up to and including `delim`, at most `max` bytes.
  std::optional<Bytes> read_until(std::string_view delim, std::size_t max, Ms timeout);
  // The peer closed (orderly FIN or reset).
  bool eof() const { return eof_; }
  bool reset() const { return reset_; }

 private:
  int fd_ = -1;
  Bytes in_;
  std::size_t pos_ = 0;  // consumed prefix of in_; compacted lazily so parsing stays O(n)
  bool eof_ = false;
  bool reset_ = false;
};

}  // namespace smqtest
