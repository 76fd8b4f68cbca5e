// Minimal HTTP/1.x pieces the tests need: building request heads, reading and parsing a
// response head (status line + headers) from a test socket.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "socket.hpp"

namespace smqtest {

struct HttpHead {
  std::string raw;          // the head as received, including the final CRLFCRLF
  std::string status_line;  // first line without CRLF
  std::string version;      // "HTTP/1.1"
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;

  // First header with this name (case-insensitive), value trimmed.
  std::optional<std::string> header(std::string_view name) const;
  std::size_t count(std::string_view name) const;
};

// Parses "HTTP/1.1 200 OK\r\nA: b\r\n\r\n". Returns nullopt on a malformed head.
std::optional<HttpHead> parse_http_head(std::string_view raw);

// Reads a response head (up to CRLFCRLF, at most 64 KiB) from the socket; bytes after it stay
// buffered in the socket.
std::optional<HttpHead> read_http_head(Socket& s, Ms timeout);

bool iequals(std::string_view a, std::string_view b);

// A response to a one-shot request: head, the body bytes received until close or
// Content-Length, and whether the server closed the connection afterwards.
struct HttpResponse {
  HttpHead head;
  std::string body;
  bool closed = false;
};

// Connects, sends `request` verbatim, reads the head and then the body (Content-Length) and
// waits up to `close_wait` for the server to close. nullopt when no head arrived.
std::optional<HttpResponse> http_exchange(std::uint16_t port, std::string_view request,
                                          Ms timeout = Ms(2000), Ms close_wait = Ms(0));

}  // namespace smqtest
