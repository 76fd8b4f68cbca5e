// Unit tests of the WebSocket opening handshake: accept key vectors, upgrade validation and
// the exact bytes of the responses.
#include "protocol/ws_handshake.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace {

using smq::http::ParseStatus;
using smq::http::Request;
using smq::http::RequestParser;

constexpr std::string_view rfc_key = "dGhlIHNhbXBsZSBub25jZQ==";

// A parsed request that owns its text (the Request views point into `text`).
struct Parsed {
  std::string text;
  Request request;
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

HeaderList valid_headers() {
  return {{"Host", "server.example.com"},
          {"Upgrade", "websocket"},
          {"Connection", "Upgrade"},
          {"Sec-WebSocket-Key", std::string(rfc_key)},
          {"Origin", "http://example.com"},
          {"Sec-WebSocket-Protocol", "chat, superchat"},
          {"Sec-WebSocket-Version", "13"}};
}

std::unique_ptr<Parsed> make(const HeaderList& headers, std::string_view request_line = "GET /smq HTTP/1.1") {
  auto p = std::make_unique<Parsed>();
  p->text = std::string(request_line) + "\r\n";
  for (const auto& [name, value] : headers) p->text += name + ": " + value + "\r\n";
  p->text += "\r\n";
  RequestParser parser;
  EXPECT_EQ(parser.parse(p->text, p->request).status, ParseStatus::complete) << p->text;
  return p;
}

HeaderList without(HeaderList h, std::string_view name) {
  std::erase_if(h, [&](const auto& kv) { return kv.first == name; });
  return h;
}

HeaderList with(HeaderList h, std::string_view name, std::string_view value) {
  h = without(std::move(h), name);
  h.emplace_back(name, value);
  return h;
}

int status_of(const HeaderList& h, std::string_view request_line = "GET /smq HTTP/1.1") {
  auto p = make(h, request_line);
  const smq::ws::UpgradeCheck c = smq::ws::check_upgrade(p->request);
  if (c.status != 0) {
    EXPECT_FALSE(c.reason.empty());
  }
  return c.status;
}

TEST(WsHandshake, AcceptKeyVectors) {
  EXPECT_EQ(smq::ws::accept_key(rfc_key), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  EXPECT_EQ(smq::ws::accept_key("x3JJHMbDL1EzLkh9GBhXDw=="), "HSmrc0sMlYUkAGmm5OPpG2HaGWk=");
  EXPECT_EQ(smq::ws::accept_key("").size(), 28u);
}

TEST(WsHandshake, UpgradeResponseIsExact) {
  EXPECT_EQ(smq::ws::upgrade_response(rfc_key),
            "HTTP/1.1 101 Switching Protocols\r\n"
            "Upgrade: websocket\r\n"
            "Connection: Upgrade\r\n"
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
            "\r\n");
  const std::string r = smq::ws::upgrade_response(rfc_key);
  EXPECT_EQ(r.find("Sec-WebSocket-Protocol"), std::string::npos);
  EXPECT_EQ(r.find("Sec-WebSocket-Extensions"), std::string::npos);
}

TEST(WsHandshake, ValidRequestsPass) {
  EXPECT_EQ(status_of(valid_headers()), 0);
  EXPECT_EQ(status_of(with(valid_headers(), "Connection", "keep-alive, Upgrade")), 0);
  EXPECT_EQ(status_of(with(valid_headers(), "Connection", "UPGRADE")), 0);
  EXPECT_EQ(status_of(with(valid_headers(), "Upgrade", "WebSocket")), 0);
  EXPECT_EQ(status_of(with(valid_headers(), "Upgrade", "h2c, websocket")), 0);
  EXPECT_EQ(status_of(with(valid_headers(), "Content-Length", "0")), 0);
  EXPECT_EQ(status_of(with(valid_headers(), "Sec-WebSocket-Key", "x3JJHMbDL1EzLkh9GBhXDw==")), 0);
  EXPECT_EQ(status_of(with(valid_headers(), "Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAAAA==")), 0);
  EXPECT_EQ(status_of(with(valid_headers(), "Sec-WebSocket-Key", "/+/+/+/+/+/+/+/+/+/+/w==")), 0);
  // Connection split across two header lines still carries the token.
  HeaderList split = without(valid_headers(), "Connection");
  split.emplace_back("Connection", "keep-alive");
  split.emplace_back("Connection", "Upgrade");
  EXPECT_EQ(status_of(split), 0);
}

TEST(WsHandshake, MethodMustBeGet) {
  EXPECT_EQ(status_of(valid_headers(), "POST /smq HTTP/1.1"), 405);
  EXPECT_EQ(status_of(valid_headers(), "get /smq HTTP/1.1"), 405);
  EXPECT_EQ(status_of(valid_headers(), "HEAD /smq HTTP/1.1"), 405);
}

TEST(WsHandshake, Http10IsRejected) { EXPECT_EQ(status_of(valid_headers(), "GET /smq HTTP/1.0"), 400); }

TEST(WsHandshake, HostIsRequiredOnce) {
  EXPECT_EQ(status_of(without(valid_headers(), "Host")), 400);
  HeaderList two = valid_headers();
  two.emplace_back("host", "other.example.com");
  EXPECT_EQ(status_of(two), 400);
}

TEST(WsHandshake, UpgradeAndConnectionTokens) {
  EXPECT_EQ(status_of(without(valid_headers(), "Upgrade")), 400);
  EXPECT_EQ(status_of(with(valid_headers(), "Upgrade", "h2c")), 400);
  EXPECT_EQ(status_of(with(valid_headers(), "Upgrade", "websockets")), 400);
  EXPECT_EQ(status_of(without(valid_headers(), "Connection")), 400);
  EXPECT_EQ(status_of(with(valid_headers(), "Connection", "keep-alive")), 400);
  EXPECT_EQ(status_of(with(valid_headers(), "Connection", "upgraded")), 400);
  EXPECT_EQ(status_of(with(valid_headers(), "Connection", "close")), 400);
}

TEST(WsHandshake, KeyMustBeOneBase64Of16Bytes) {
  EXPECT_EQ(status_of(without(valid_headers(), "Sec-WebSocket-Key")), 400);
  HeaderList two = valid_headers();
  two.emplace_back("Sec-WebSocket-Key", "x3JJHMbDL1EzLkh9GBhXDw==");
  EXPECT_EQ(status_of(two), 400);
  for (std::string_view bad : {
           "",
           "dGhlIHNhbXBsZSBub25jZQ",          // padding missing
           "dGhlIHNhbXBsZSBub25jZQ=",         // 23 characters
           "dGhlIHNhbXBsZSBub25jZQ===",       // 25 characters
           "AAAAAAAAAAAAAAAAAAAAAAAA",        // 24 characters but 18 bytes
           "AAAAAAAAAAAAAAAAAAAAAAA=",        // 17 bytes
           "AAAAAAAAAAAAAAAAAAAAAAAAAAAA",    // 21 bytes
           "dGhlIHNhbXBsZSBub25jZ*==",        // not base64
           "dGhlIHNhbXBsZSBub25j=Q==",        // padding in the middle
           "dGhlIHNhbXBsZSBub2 jZQ==",        // inner space
           "dGhlIHNhbXBsZSBub25jZQ-_",        // base64url alphabet
           "the sample nonce",
       }) {
    EXPECT_EQ(status_of(with(valid_headers(), "Sec-WebSocket-Key", bad)), 400) << bad;
  }
}

TEST(WsHandshake, VersionMustBe13) {
  EXPECT_EQ(status_of(without(valid_headers(), "Sec-WebSocket-Version")), 426);
  EXPECT_EQ(status_of(with(valid_headers(), "Sec-WebSocket-Version", "8")), 426);
  EXPECT_EQ(status_of(with(valid_headers(), "Sec-WebSocket-Version", "13, 8")), 426);
  EXPECT_EQ(status_of(with(valid_headers(), "Sec-WebSocket-Version", "130")), 426);
  EXPECT_EQ(status_of(with(valid_headers(), "Sec-WebSocket-Version", "")), 426);
  HeaderList two = valid_headers();
  two.emplace_back("Sec-WebSocket-Version", "13");
  EXPECT_EQ(status_of(two), 426);
}

TEST(WsHandshake, RequestBodyIsRejected) {
  EXPECT_EQ(status_of(with(valid_headers(), "Content-Length", "5")), 400);
  EXPECT_EQ(status_of(with(valid_headers(), "Content-Length", "abc")), 400);
  EXPECT_EQ(status_of(with(valid_headers(), "Content-Length", "")), 400);
  EXPECT_EQ(status_of(with(valid_headers(), "Content-Length", "99999999999999999999999")), 400);
  EXPECT_EQ(status_of(with(valid_headers(), "Transfer-Encoding", "chunked")), 400);
  HeaderList two = with(valid_headers(), "Content-Length", "0");
  two.emplace_back("Content-Length", "0");
  EXPECT_EQ(status_of(two), 400);
}

TEST(WsHandshake, WantsUpgrade) {
  auto browser = make(valid_headers());
  EXPECT_TRUE(smq::ws::wants_upgrade(browser->request));
  auto key_only = make({{"Host", "h"}, {"Sec-WebSocket-Key", std::string(rfc_key)}});
  EXPECT_TRUE(smq::ws::wants_upgrade(key_only->request));
  auto upgrade_only = make({{"Host", "h"}, {"upgrade", "WebSocket"}});
  EXPECT_TRUE(smq::ws::wants_upgrade(upgrade_only->request));
  auto c_client = make({{"Host", "h"}, {"SimpleMQ", "1"}, {"User-Agent", "SimpleMQ/1"}}, "GET /smq HTTP/1.0");
  EXPECT_FALSE(smq::ws::wants_upgrade(c_client->request));
  auto h2c = make({{"Host", "h"}, {"Upgrade", "h2c"}, {"Connection", "Upgrade"}});
  EXPECT_FALSE(smq::ws::wants_upgrade(h2c->request));
}

TEST(WsHandshake, ErrorResponseFormat) {
  EXPECT_EQ(smq::ws::error_response(400, "missing Host header"),
            "HTTP/1.1 400 Bad Request\r\n"
            "Content-Type: text/plain\r\n"
            "Content-Length: 20\r\n"
            "Connection: close\r\n"
            "\r\n"
            "missing Host header\n");
  EXPECT_EQ(smq::ws::error_response(405, "GET only"),
            "HTTP/1.1 405 Method Not Allowed\r\n"
            "Content-Type: text/plain\r\n"
            "Content-Length: 9\r\n"
            "Connection: close\r\n"
            "Allow: GET\r\n"
            "\r\n"
            "GET only\n");
  EXPECT_EQ(smq::ws::error_response(426, "version"),
            "HTTP/1.1 426 Upgrade Required\r\n"
            "Content-Type: text/plain\r\n"
            "Content-Length: 8\r\n"
            "Connection: close\r\n"
            "Sec-WebSocket-Version: 13\r\n"
            "\r\n"
            "version\n");
  EXPECT_EQ(smq::ws::error_response(431, "").substr(0, 45), "HTTP/1.1 431 Request Header Fields Too Large\r");
  const std::string r = smq::ws::error_response(404, "no such path");
  EXPECT_EQ(r.find("Allow:"), std::string::npos);
  EXPECT_EQ(r.find("Sec-WebSocket-Version"), std::string::npos);
  // The body is exactly Content-Length bytes after the blank line.
  const std::size_t body = r.find("\r\n\r\n") + 4;
  EXPECT_EQ(r.size() - body, 13u);
  EXPECT_NE(r.find("Content-Length: 13\r\n"), std::string::npos);
}

TEST(WsHandshake, StatusTexts) {
  EXPECT_EQ(smq::ws::status_text(101), "Switching Protocols");
  EXPECT_EQ(smq::ws::status_text(400), "Bad Request");
  EXPECT_EQ(smq::ws::status_text(404), "Not Found");
  EXPECT_EQ(smq::ws::status_text(405), "Method Not Allowed");
  EXPECT_EQ(smq::ws::status_text(414), "URI Too Long");
  EXPECT_EQ(smq::ws::status_text(426), "Upgrade Required");
  EXPECT_EQ(smq::ws::status_text(431), "Request Header Fields Too Large");
  EXPECT_EQ(smq::ws::status_text(503), "Service Unavailable");
  EXPECT_EQ(smq::ws::status_text(505), "HTTP Version Not Supported");
  EXPECT_FALSE(smq::ws::status_text(599).empty());
}

}  // namespace
