// Parser for the broker's HTTP response head: the "101 Switching Protocols" of a WebSocket
// upgrade or the "200 OK" + SmqBroker of a raw bootstrap. Bounded (16 KiB, 100 headers),
// strict CRLF lines. Pure code; runs on the client's executor during the handshake.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smq::detail {

struct ResponseHead {
  int status = 0;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> headers;  // values trimmed

  std::optional<std::string_view> find(std::string_view name) const;  // case-insensitive
  // True when the comma-separated header contains `token` (case-insensitive).
  bool has_token(std::string_view name, std::string_view token) const;
};

struct ResponseParse {
  enum class Status { need_more, complete, error };
  Status status = Status::need_more;
  std::size_t head_size = 0;  // complete: bytes up to and including the blank line
  ResponseHead head;
  std::string error;
};

inline constexpr std::size_t max_response_head = 16 * 1024;

// Looks at everything received so far. Bytes after the head are not part of it (they are
// the start of the SMQ stream).
ResponseParse parse_response_head(std::string_view buffer);

}  // namespace smq::detail
