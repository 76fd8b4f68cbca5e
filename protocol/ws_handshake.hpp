// The WebSocket opening handshake (RFC 6455 section 4.2): validation of an upgrade request
// and the server's responses. Pure code, no I/O; runs on the session's thread.
#pragma once

#include <string>
#include <string_view>

#include "http_request.hpp"

namespace smq::ws {

// Sec-WebSocket-Accept for a client key: base64(SHA-1(key + RFC 6455 GUID)), via OpenSSL.
std::string accept_key(std::string_view client_key);

// True when the request asks for a WebSocket upgrade at all (has Sec-WebSocket-Key or an
// Upgrade: websocket header); such a request is then validated by check_upgrade.
bool wants_upgrade(const http::Request& request);

struct UpgradeCheck {
  int status = 0;            // 0 when valid; otherwise the HTTP status to answer (400/405/426)
  std::string_view reason;   // short reason for the log and the response body
};

// Full validation: GET, HTTP/1.1, Host present, Upgrade contains "websocket", Connection
// contains "upgrade" (token lists, case-insensitive), exactly one Sec-WebSocket-Key that is
// base64 of 16 bytes, Sec-WebSocket-Version 13 (else 426), no request body
// (Content-Length > 0 or Transfer-Encoding present → 400).
UpgradeCheck check_upgrade(const http::Request& request);

// "HTTP/1.1 101 Switching Protocols" with Upgrade, Connection and Sec-WebSocket-Accept.
// Never returns a subprotocol or an extension.
std::string upgrade_response(std::string_view client_key);

// A complete small HTTP/1.1 error response with a text body and "Connection: close".
// For 426 it adds "Sec-WebSocket-Version: 13".
std::string error_response(int status, std::string_view reason);

// Reason phrase for the statuses this product emits.
std::string_view status_text(int status);

}  // namespace smq::ws
