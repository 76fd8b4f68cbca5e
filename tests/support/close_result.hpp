// What a test client observed while waiting for the broker to end a connection; shared by
// the raw and WebSocket clients.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "bytes.hpp"

namespace smqtest {

struct CloseResult {
  bool closed = false;           // TCP EOF or reset seen before the timeout
  bool reset = false;            // the close was a reset, not a FIN
  std::vector<Bytes> packets;    // SMQ packets received before the close
  bool close_frame = false;      // WebSocket: a Close frame arrived
  std::optional<std::uint16_t> code;  // its status code (none when the payload was empty)
  std::string reason;            // its reason text
  std::size_t frames_after_close = 0;  // WebSocket frames sent after the Close (a violation)
  std::string junk;              // trailing bytes that did not form a complete frame
};

// The broker broke the wire format (bad raw length, masked server frame...). Thrown by the
// clients; Google Test reports it as a failure of the running test.
class WireViolation : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace smqtest
