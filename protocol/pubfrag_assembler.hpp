// Reassembly of PubFrag (type 19) sequences on the raw transport (smq-wire.md 2.6): chunks
// accumulate until a fragment with a non-zero destination arrives; that FINAL fragment's
// header (dest, publisher, subtid) becomes the header of the assembled Publish. Pure code;
// one assembler per raw session, on that session's thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "limits.hpp"
#include "smq_packet.hpp"

namespace smq {

class PubFragAssembler {
 public:
  enum class Result {
    pending,   // more fragments expected
    complete,  // `message()` holds the assembled Publish
    overflow,  // accumulated chunks exceed the payload limit: close the connection
    malformed, // fragment shorter than the 13-byte header: close the connection
  };

  // `packet` = type byte + body of one PubFrag.
  Result add(Bytes packet);

  // Valid after Result::complete until the next add(): header from the final fragment,
  // payload = every chunk in order.
  const PublishView& message() const { return message_; }

  // Bytes held for an unfinished sequence (counted against the connection's memory).
  std::size_t pending_bytes() const { return completed_ ? 0 : chunks_.size(); }

 private:
  std::string chunks_;
  bool completed_ = false;
  PublishView message_;
};

}  // namespace smq
