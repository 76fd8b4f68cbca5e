// WebSocket opening handshake (RFC 6455 4.2): upgrade request validation and the server's
// responses. Pure code, runs on the session's thread.
#include "ws_handshake.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <charconv>
#include <cstdint>

namespace smq::ws {

namespace {

constexpr std::string_view websocket_guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         c == '+' || c == '/';
}

// The key must be base64 of exactly 16 bytes: 22 alphabet characters and "==". The shape is
// checked by hand first because EVP_DecodeBlock skips surrounding whitespace and always
// reports a multiple of 3 bytes (padding included), so on its own it cannot tell 16 from 18.
bool is_valid_key(std::string_view key) {
  if (key.size() != 24 || key[22] != '=' || key[23] != '=') return false;
  for (std::size_t i = 0; i < 22; ++i) {
    if (!is_base64_char(key[i])) return false;
  }
  unsigned char decoded[18];
  const int n = EVP_DecodeBlock(decoded, reinterpret_cast<const unsigned char*>(key.data()),
                                static_cast<int>(key.size()));
  // 18 = 16 key bytes + the 2 zero bytes EVP_DecodeBlock emits for the "==" padding.
  return n == 18;
}

}  // namespace

std::string accept_key(std::string_view client_key) {
  std::string input;
  input.reserve(client_key.size() + websocket_guid.size());
  input.append(client_key);
  input.append(websocket_guid);
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  unsigned char encoded[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];  // 28 chars + NUL
  const int n = EVP_EncodeBlock(encoded, digest, SHA_DIGEST_LENGTH);
  return std::string(reinterpret_cast<const char*>(encoded), static_cast<std::size_t>(n));
}

bool wants_upgrade(const http::Request& request) {
  return request.count("Sec-WebSocket-Key") > 0 || request.has_token("Upgrade", "websocket");
}

UpgradeCheck check_upgrade(const http::Request& request) {
  // Methods are case-sensitive (RFC 9110 9.1): "get" is not GET.
  if (request.method != "GET") return {405, "WebSocket upgrade requires GET"};
  if (request.version_minor != 1) return {400, "WebSocket upgrade requires HTTP/1.1"};
  const std::size_t hosts = request.count("Host");
  if (hosts == 0) return {400, "missing Host header"};
  if (hosts > 1) return {400, "duplicate Host header"};
  if (!request.has_token("Upgrade", "websocket")) return {400, "Upgrade must be websocket"};
  if (!request.has_token("Connection", "upgrade")) return {400, "Connection must include upgrade"};
  const std::size_t keys = request.count("Sec-WebSocket-Key");
  if (keys == 0) return {400, "missing Sec-WebSocket-Key"};
  if (keys > 1) return {400, "duplicate Sec-WebSocket-Key"};
  if (!is_valid_key(*request.find("Sec-WebSocket-Key"))) return {400, "invalid Sec-WebSocket-Key"};
  if (request.count("Sec-WebSocket-Version") != 1 || *request.find("Sec-WebSocket-Version") != "13") {
    return {426, "Sec-WebSocket-Version must be 13"};
  }
  // A body would be read as WebSocket frames after the 101: refuse rather than guess.
  if (request.count("Transfer-Encoding") > 0) return {400, "request body not allowed"};
  const std::size_t lengths = request.count("Content-Length");
  if (lengths > 1) return {400, "duplicate Content-Length"};
  if (lengths == 1) {
    const std::string_view v = *request.find("Content-Length");
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty() || ec != std::errc{} || end != v.data() + v.size()) {
      return {400, "invalid Content-Length"};
    }
    if (n > 0) return {400, "request body not allowed"};
  }
  return {};
}

std::string upgrade_response(std::string_view client_key) {
  std::string out;
  out.reserve(160);
  out.append(
      "HTTP/1.1 101 Switching Protocols\r\n"
      "Upgrade: websocket\r\n"
      "Connection: Upgrade\r\n"
      "Sec-WebSocket-Accept: ");
  out.append(accept_key(client_key));
  out.append("\r\n\r\n");
  return out;
}

std::string error_response(int status, std::string_view reason) {
  std::string out;
  out.reserve(160 + reason.size());
  out.append("HTTP/1.1 ");
  out.append(std::to_string(status));
  out.push_back(' ');
  out.append(status_text(status));
  out.append("\r\nContent-Type: text/plain\r\nContent-Length: ");
  out.append(std::to_string(reason.size() + 1));
  out.append("\r\nConnection: close\r\n");
  if (status == 405) out.append("Allow: GET\r\n");
  if (status == 426) out.append("Sec-WebSocket-Version: 13\r\n");
  out.append("\r\n");
  out.append(reason);
  out.push_back('\n');
  return out;
}

std::string_view status_text(int status) {
  switch (status) {
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 426: return "Upgrade Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Error";
  }
}

}  // namespace smq::ws
