// Pure client-side codecs: URL parsing, the HTTP response head parser, the handshake checks,
// client WebSocket frames (checked against the broker's own decoder), broker packet
// decoders and the backoff rule.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocol/smq_packet.hpp"
#include "protocol/ws_frame.hpp"
#include "protocol/ws_handshake.hpp"
#include "smq/url.hpp"
#include "src/backoff.hpp"
#include "src/broker_packets.hpp"
#include "src/handshake.hpp"
#include "src/http_response.hpp"
#include "src/ws_client_frame.hpp"

namespace {

using smq::Url;
using namespace smq::detail;

std::span<std::uint8_t> bytes_of(std::string& s) {
  return {reinterpret_cast<std::uint8_t*>(s.data()), s.size()};
}

TEST(Url, ParsesSchemesPortsAndPaths) {
  auto u = smq::parse_url("ws://Example.com/smq?x=1");
  ASSERT_TRUE(u.url) << u.error;
  EXPECT_EQ(u.url->scheme, Url::Scheme::ws);
  EXPECT_EQ(u.url->host, "example.com");
  EXPECT_EQ(u.url->port, 80);
  EXPECT_FALSE(u.url->explicit_port);
  EXPECT_EQ(u.url->target, "/smq?x=1");
  EXPECT_EQ(u.url->host_header(), "example.com");
  EXPECT_TRUE(u.url->websocket());
  EXPECT_FALSE(u.url->tls());

  u = smq::parse_url("HTTPS://broker:8443");
  ASSERT_TRUE(u.url);
  EXPECT_EQ(u.url->scheme, Url::Scheme::https);
  EXPECT_EQ(u.url->port, 8443);
  EXPECT_EQ(u.url->target, "/");
  EXPECT_EQ(u.url->host_header(), "broker:8443");
  EXPECT_TRUE(u.url->tls());
  EXPECT_FALSE(u.url->websocket());

  u = smq::parse_url("wss://h");
  ASSERT_TRUE(u.url);
  EXPECT_EQ(u.url->port, 443);

  u = smq::parse_url("http://h?q");
  ASSERT_TRUE(u.url);
  EXPECT_EQ(u.url->target, "/?q");

  u = smq::parse_url("ws://h/p#frag");
  ASSERT_TRUE(u.url);
  EXPECT_EQ(u.url->target, "/p");
}

TEST(Url, ParsesIpv6Literals) {
  auto u = smq::parse_url("ws://[::1]:9700/");
  ASSERT_TRUE(u.url) << u.error;
  EXPECT_EQ(u.url->host, "::1");
  EXPECT_EQ(u.url->port, 9700);
  EXPECT_TRUE(u.url->ipv6_literal());
  EXPECT_EQ(u.url->host_header(), "[::1]:9700");
  EXPECT_EQ(u.url->str(), "ws://[::1]:9700/");
  u = smq::parse_url("http://[fe80::1%25eth0]");
  ASSERT_TRUE(u.url) << u.error;
  EXPECT_EQ(u.url->host, "fe80::1%eth0");
  EXPECT_EQ(u.url->port, 80);
}

TEST(Url, RejectsBadInput) {
  for (const char* bad : {"", "127.0.0.1:9700", "ftp://h/", "ws://", "ws://:80/", "ws://h:/",
                          "ws://h:0/", "ws://h:65536/", "ws://h:12a/", "ws://user@h/", "ws://[::1/",
                          "ws://[::1]x/", "ws://[]/", "ws://h h/", "ws://h/a b"}) {
    EXPECT_FALSE(smq::parse_url(bad).url) << bad;
    EXPECT_FALSE(smq::parse_url(bad).error.empty()) << bad;
  }
}

TEST(ResponseHead, ParsesStatusAndHeaders) {
  const std::string text = "HTTP/1.1 200 OK\r\nSmqBroker: true\r\nX-A:  b  \r\n\r\nREST";
  const auto r = parse_response_head(text);
  ASSERT_EQ(r.status, ResponseParse::Status::complete) << r.error;
  EXPECT_EQ(r.head_size, text.size() - 4);
  EXPECT_EQ(r.head.status, 200);
  EXPECT_EQ(r.head.reason, "OK");
  EXPECT_EQ(r.head.find("smqbroker").value_or(""), "true");
  EXPECT_EQ(r.head.find("x-a").value_or(""), "b");
  EXPECT_FALSE(r.head.find("missing"));
}

TEST(ResponseHead, IncrementalAndErrors) {
  EXPECT_EQ(parse_response_head("HTTP/1.1 101 Swi").status, ResponseParse::Status::need_more);
  EXPECT_EQ(parse_response_head("HT").status, ResponseParse::Status::need_more);
  // An SMQ Init frame where HTTP was expected is recognised at once.
  EXPECT_EQ(parse_response_head(std::string("\x00\x11\x01\x01", 4)).status,
            ResponseParse::Status::error);
  EXPECT_EQ(parse_response_head("HTTP/1.1 2x0 OK\r\n\r\n").status, ResponseParse::Status::error);
  EXPECT_EQ(parse_response_head("HTTP/1.1 200 OK\r\nNoColon\r\n\r\n").status,
            ResponseParse::Status::error);
  EXPECT_EQ(parse_response_head(std::string(20000, 'H')).status, ResponseParse::Status::error);
  const auto r = parse_response_head("HTTP/1.0 404\r\n\r\n");
  ASSERT_EQ(r.status, ResponseParse::Status::complete);
  EXPECT_EQ(r.head.status, 404);
  EXPECT_EQ(r.head_size, 16u);
}

TEST(Handshake, UpgradeRequestAndResponseCheck) {
  auto url = *smq::parse_url("ws://[::1]:9700/smq").url;
  const std::string key = make_websocket_key();
  EXPECT_EQ(key.size(), 24u);
  const std::string req = upgrade_request(url, key, {{"X-Extra", "1"}, {"user-agent", "me"}});
  EXPECT_EQ(req.rfind("GET /smq HTTP/1.1\r\n", 0), 0u);
  EXPECT_NE(req.find("Host: [::1]:9700\r\n"), std::string::npos);
  EXPECT_NE(req.find("Sec-WebSocket-Key: " + key + "\r\n"), std::string::npos);
  EXPECT_NE(req.find("Sec-WebSocket-Version: 13\r\n"), std::string::npos);
  EXPECT_NE(req.find("X-Extra: 1\r\n"), std::string::npos);
  EXPECT_NE(req.find("User-Agent: me\r\n"), std::string::npos);  // user header replaces
  EXPECT_EQ(req.find("smq-cpp"), std::string::npos);
  EXPECT_EQ(req.substr(req.size() - 4), "\r\n\r\n");

  // The broker's own response passes; a wrong accept key does not.
  const std::string good = smq::ws::upgrade_response(key);
  const auto parsed = parse_response_head(good);
  ASSERT_EQ(parsed.status, ResponseParse::Status::complete);
  EXPECT_EQ(check_upgrade_response(parsed.head, key), "");
  EXPECT_NE(check_upgrade_response(parsed.head, make_websocket_key()), "");
  const auto refused = parse_response_head("HTTP/1.1 404 Not Found\r\n\r\n");
  EXPECT_NE(check_upgrade_response(refused.head, key).find("404"), std::string::npos);
}

TEST(Handshake, BootstrapRequestAndResponseCheck) {
  auto url = *smq::parse_url("http://h/").url;
  const std::string req = bootstrap_request(url, {});
  EXPECT_EQ(req.rfind("GET / HTTP/1.1\r\nHost: h\r\n", 0), 0u);
  EXPECT_NE(req.find("SimpleMQ: 1\r\n"), std::string::npos);
  EXPECT_NE(req.find("SendSmqHttpResponse: true\r\n"), std::string::npos);
  auto ok = parse_response_head("HTTP/1.1 200 OK\r\nSmqBroker: true\r\n\r\n");
  EXPECT_EQ(check_bootstrap_response(ok.head), "");
  auto no_header = parse_response_head("HTTP/1.1 200 OK\r\n\r\n");
  EXPECT_NE(check_bootstrap_response(no_header.head), "");
  auto body = parse_response_head("HTTP/1.1 200 OK\r\nSmqBroker: 1\r\nContent-Length: 5\r\n\r\n");
  EXPECT_NE(check_bootstrap_response(body.head), "");
}

TEST(WsClientFrame, MaskedFramesDecodeWithTheBrokerDecoder) {
  MaskSource masks;
  std::string wire;
  const std::string small = "hello";
  const std::string medium(300, 'm');
  const std::string large(70000, 'L');
  append_client_frame(wire, smq::ws::Opcode::binary,
                      {reinterpret_cast<const std::uint8_t*>(small.data()), small.size()}, masks);
  append_client_frame(wire, smq::ws::Opcode::binary,
                      {reinterpret_cast<const std::uint8_t*>(medium.data()), medium.size()}, masks);
  append_client_close(wire, 1000, "bye", masks);
  // Masked: the plain text must not appear on the wire.
  EXPECT_EQ(wire.find("hello"), std::string::npos);

  smq::ws::FrameDecoder server;
  auto input = bytes_of(wire);
  auto e = server.decode(input);
  ASSERT_EQ(e.kind, smq::ws::Event::Kind::message);
  EXPECT_EQ(smq::as_text(e.payload), small);
  input = input.subspan(e.consumed);
  e = server.decode(input);
  ASSERT_EQ(e.kind, smq::ws::Event::Kind::message);
  EXPECT_EQ(smq::as_text(e.payload), medium);
  input = input.subspan(e.consumed);
  e = server.decode(input);
  ASSERT_EQ(e.kind, smq::ws::Event::Kind::close);
  EXPECT_EQ(e.close_code, 1000);
  EXPECT_EQ(smq::as_text(e.payload), "bye");

  // 64-bit length form (beyond the broker's limit, so only the header is checked).
  std::string big;
  append_client_frame(big, smq::ws::Opcode::binary,
                      {reinterpret_cast<const std::uint8_t*>(large.data()), large.size()}, masks);
  EXPECT_EQ(static_cast<std::uint8_t>(big[1]), 0x80 | 127);
  EXPECT_EQ(big.size(), 2 + 8 + 4 + large.size());
}

TEST(WsClientFrame, DecodesServerFrames) {
  ServerFrameDecoder d;
  const std::uint8_t payload[] = {0x0D};
  std::string wire = smq::ws::encode_frame(smq::ws::Opcode::binary, payload);
  wire += smq::ws::encode_frame(smq::ws::Opcode::ping, std::span<const std::uint8_t>());
  wire += smq::ws::encode_close(smq::ws::CloseCode::going_away, "stop");
  auto input = bytes_of(wire);
  // Byte by byte: need_more until a frame is complete.
  auto e = d.decode(input.subspan(0, 1));
  EXPECT_EQ(e.kind, smq::ws::Event::Kind::need_more);
  e = d.decode(input);
  ASSERT_EQ(e.kind, smq::ws::Event::Kind::message);
  EXPECT_EQ(e.payload.size(), 1u);
  input = input.subspan(e.consumed);
  e = d.decode(input);
  EXPECT_EQ(e.kind, smq::ws::Event::Kind::ping);
  input = input.subspan(e.consumed);
  e = d.decode(input);
  ASSERT_EQ(e.kind, smq::ws::Event::Kind::close);
  EXPECT_EQ(e.close_code, 1001);
  EXPECT_EQ(smq::as_text(e.payload), "stop");
}

TEST(WsClientFrame, ReassemblesFragmentsAndRejectsViolations) {
  ServerFrameDecoder d;
  std::string wire;
  wire += std::string("\x02\x02", 2) + "ab";  // binary, not FIN
  wire += std::string("\x89\x00", 2);         // ping in between
  wire += std::string("\x80\x01", 2) + "c";   // final continuation
  auto input = bytes_of(wire);
  auto e = d.decode(input);
  EXPECT_EQ(e.kind, smq::ws::Event::Kind::consumed);
  input = input.subspan(e.consumed);
  e = d.decode(input);
  EXPECT_EQ(e.kind, smq::ws::Event::Kind::ping);
  input = input.subspan(e.consumed);
  e = d.decode(input);
  ASSERT_EQ(e.kind, smq::ws::Event::Kind::message);
  EXPECT_EQ(smq::as_text(e.payload), "abc");

  auto error_of = [](std::string frame) {
    ServerFrameDecoder fresh(100);
    return fresh.decode(bytes_of(frame)).kind;
  };
  using K = smq::ws::Event::Kind;
  EXPECT_EQ(error_of(std::string("\x82\x81\x00\x00\x00\x00x", 7)), K::error);  // masked
  EXPECT_EQ(error_of(std::string("\xC2\x00", 2)), K::error);                   // RSV1
  EXPECT_EQ(error_of(std::string("\x83\x00", 2)), K::error);                   // opcode 3
  EXPECT_EQ(error_of(std::string("\x80\x00", 2)), K::error);                   // stray continuation
  EXPECT_EQ(error_of(std::string("\x09\x00", 2)), K::error);                   // fragmented ping
  EXPECT_EQ(error_of(std::string("\x82\x7E\x01\x00", 4)), K::error);           // 256 > max 100
}

// Found by fuzz_ws_client_frame: a Close carrying a code no endpoint may send was reported as
// a close, and the connection echoed that code (1005 here) back in its own Close frame.
TEST(WsClientFrame, RejectsInvalidCloseCodes) {
  for (const std::uint16_t code : {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 0xFFFF}) {
    std::string frame("\x88\x02", 2);
    frame += static_cast<char>(code >> 8);
    frame += static_cast<char>(code & 0xFF);
    ServerFrameDecoder d;
    const auto e = d.decode(bytes_of(frame));
    ASSERT_EQ(e.kind, smq::ws::Event::Kind::error) << code;
    EXPECT_EQ(e.error_code, smq::ws::CloseCode::protocol_error) << code;
    EXPECT_EQ(e.consumed, 0u);
  }
  // The fuzzer's frame: code 0x7573 (30067) with a 10-byte reason.
  std::string fuzzed("\x88\x0C\x75\x73" "e_derivati", 14);
  ServerFrameDecoder d;
  EXPECT_EQ(d.decode(bytes_of(fuzzed)).kind, smq::ws::Event::Kind::error);
  for (const std::uint16_t code : {1000, 1003, 1007, 1014, 3000, 4999}) {
    std::string frame("\x88\x02", 2);
    frame += static_cast<char>(code >> 8);
    frame += static_cast<char>(code & 0xFF);
    ServerFrameDecoder ok;
    const auto e = ok.decode(bytes_of(frame));
    ASSERT_EQ(e.kind, smq::ws::Event::Kind::close) << code;
    EXPECT_EQ(e.close_code, code);
  }
}

TEST(BrokerPackets, DecodesWhatTheBrokerEncodes) {
  std::string f;
  smq::append_init(f, 0xA1B2C3D4u, "127.0.0.1");
  auto packet = smq::Bytes(reinterpret_cast<const std::uint8_t*>(f.data()) + 2, f.size() - 2);
  const auto init = decode_init(packet);
  ASSERT_TRUE(init);
  EXPECT_EQ(init->version, 1);
  EXPECT_EQ(init->seed, 0xA1B2C3D4u);
  EXPECT_EQ(init->address, "127.0.0.1");

  f.clear();
  smq::append_connack(f, smq::ConnackCode::bad_credentials, 0, "nope");
  packet = smq::Bytes(reinterpret_cast<const std::uint8_t*>(f.data()) + 2, f.size() - 2);
  const auto connack = decode_connack(packet);
  ASSERT_TRUE(connack);
  EXPECT_EQ(connack->code, 3);
  EXPECT_EQ(connack->reason, "nope");
  EXPECT_EQ(connack_message(3, ""), "connection refused: bad credentials (code 3)");

  f.clear();
  smq::append_ack(f, smq::PacketType::createsuback, false, 0, "n");
  packet = smq::Bytes(reinterpret_cast<const std::uint8_t*>(f.data()) + 2, f.size() - 2);
  const auto ack = decode_ack(packet);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->type, smq::PacketType::createsuback);
  EXPECT_FALSE(ack->accepted);
  EXPECT_EQ(ack->name, "n");

  f.clear();
  smq::append_change(f, 7, 2);
  packet = smq::Bytes(reinterpret_cast<const std::uint8_t*>(f.data()) + 2, f.size() - 2);
  const auto change = decode_change(packet);
  ASSERT_TRUE(change);
  EXPECT_EQ(change->id, 7u);
  EXPECT_EQ(change->count, 2u);
  EXPECT_FALSE(decode_change(packet.subspan(0, 8)));
}

TEST(Backoff, FullJitterWithinTheDoublingCap) {
  using std::chrono::milliseconds;
  const milliseconds initial(1000), max(30000);
  for (unsigned attempt = 0; attempt < 10; ++attempt) {
    const long long cap = std::min<long long>(30000, 1000LL << attempt);
    EXPECT_EQ(backoff_delay(attempt, initial, max, 0.0).count(), 0);
    EXPECT_LT(backoff_delay(attempt, initial, max, 0.999999).count(), cap);
    EXPECT_GE(backoff_delay(attempt, initial, max, 0.999999).count(), cap - 1);
    EXPECT_EQ(backoff_delay(attempt, initial, max, 0.5).count(), cap / 2);
  }
  EXPECT_LT(backoff_delay(100, initial, max, 0.999).count(), 30000);
  const double u = random_unit();
  EXPECT_GE(u, 0.0);
  EXPECT_LT(u, 1.0);
  const std::string uid = random_uid();
  EXPECT_EQ(uid.size(), 20u);
  EXPECT_NE(uid, random_uid());
}

}  // namespace
