// What the libFuzzer targets share: the property check that makes a violation a crash the
// fuzzer reports, and the comparable record of a WebSocket decoder event (the broker's and
// the client's decoders yield the same Event type). Single-threaded, like the targets.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "protocol/ws_frame.hpp"

namespace fuzz {

// abort() rather than assert(): the check must hold in every build type.
inline void check(bool condition) {
  if (!condition) std::abort();
}

// One decoder event with its payload copied (views die at the next decode), so that decoding
// whole and decoding in pieces can be compared.
struct WsEventRecord {
  smq::ws::Event::Kind kind;
  std::size_t consumed;
  std::vector<std::uint8_t> payload;
  bool text;
  std::uint16_t close_code;
  smq::ws::CloseCode error_code;
  bool operator==(const WsEventRecord&) const = default;
};

// After an error or a Close the decoder yields nothing more.
inline bool ends_decoding(smq::ws::Event::Kind k) {
  return k == smq::ws::Event::Kind::error || k == smq::ws::Event::Kind::close;
}

}  // namespace fuzz
