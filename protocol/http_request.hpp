// A strict, bounded parser for an HTTP/1.1 request head (request line + headers), used to
// classify every new connection. Pure code, no I/O; runs on the session's thread.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "limits.hpp"

namespace smq::http {

struct Header {
  std::string_view name;   // as sent (compare case-insensitively)
  std::string_view value;  // leading/trailing spaces and tabs trimmed
};

// Views into the caller's buffer: valid while that buffer is unchanged.
struct Request {
  std::string_view method;
  std::string_view target;   // request-target as sent, e.g. "/smq?x=1"
  int version_minor = 1;     // HTTP/1.<minor>; only 1.0 and 1.1 are accepted
  std::vector<Header> headers;

  // First header with this name (case-insensitive), if any.
  std::optional<std::string_view> find(std::string_view name) const;
  // How many headers carry this name (case-insensitive).
  std::size_t count(std::string_view name) const;
  // True when a comma-separated header (e.g. Connection) contains `token`, case-insensitive.
  bool has_token(std::string_view name, std::string_view token) const;
  // Target without the query string.
  std::string_view path() const;
};

// The raw (still percent-encoded) value of the first `key=value` pair in the query string of
// `target` (after '?', before any '#'), if there is one. A pair without '=' has no value.
std::optional<std::string_view> query_parameter(std::string_view target, std::string_view key);

enum class ParseStatus {
  need_more,  // no complete head yet and the limit is not reached
  complete,   // `request` filled; `head_size` bytes belong to the head
  error,      // malformed or too large; answer `error_status` and close
};

struct ParseResult {
  ParseStatus status = ParseStatus::need_more;
  std::size_t head_size = 0;  // bytes up to and including the blank line
  int error_status = 0;       // 400, 414 (request line too long), 431 (head too large), 505
  std::string_view error;     // short human-readable reason
};

struct ParserLimits {
  std::size_t max_head = limits::max_http_head;
  std::size_t max_headers = limits::max_http_headers;
};

// Incremental, single-pass head parser. Feed it the whole buffer received so far each time
// (it remembers how far it scanned for the terminating blank line, so total work stays
// linear in the input). Lines must end in CRLF; obsolete line folding, bare CR or LF, NUL
// and other control characters in the head are errors.
class RequestParser {
 public:
  explicit RequestParser(ParserLimits limits = {}) : limits_(limits) {}

  // `buffer` holds every byte received so far (it may only grow between calls).
  ParseResult parse(std::string_view buffer, Request& request);

 private:
  ParserLimits limits_;
  std::size_t scanned_ = 0;  // bytes already searched for the end of the head
};

// Case-insensitive ASCII comparison of header names and tokens.
bool iequals(std::string_view a, std::string_view b);

}  // namespace smq::http
