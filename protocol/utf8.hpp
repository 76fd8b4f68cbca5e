// Incremental UTF-8 validation (RFC 3629: no overlongs, no surrogates, nothing above
// U+10FFFF), for WebSocket text messages and close reasons. Pure code, any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace smq {

class Utf8Validator {
 public:
  // Consumes more bytes; returns false as soon as the input can no longer be valid UTF-8
  // (fail fast: an invalid sequence is reported at the byte that makes it invalid).
  bool feed(std::span<const std::uint8_t> bytes);
  // True when everything fed so far is valid and does not end inside a code point.
  bool complete() const { return state_ == 0; }
  void reset() { state_ = 0; }

 private:
  std::uint32_t state_ = 0;
};

// Whole-buffer check.
bool is_valid_utf8(std::span<const std::uint8_t> bytes);

}  // namespace smq
