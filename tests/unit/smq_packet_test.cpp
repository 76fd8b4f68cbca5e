// SMQ packet codec: byte-level vectors for every encoder and decoder (smq-wire.md 1.2).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocol/smq_packet.hpp"

namespace smq {
namespace {

std::vector<std::uint8_t> bytes(std::initializer_list<int> list) {
  std::vector<std::uint8_t> out;
  for (int b : list) out.push_back(static_cast<std::uint8_t>(b));
  return out;
}

std::vector<std::uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }

TEST(SmqPacket, InitFrame) {
  std::string out;
  append_init(out, 0x01020304, "127.0.0.1");
  EXPECT_EQ(bytes(out), bytes({0, 17, 1, 1, 1, 2, 3, 4, '1', '2', '7', '.', '0', '.', '0', '.', '1'}));
}

TEST(SmqPacket, ConnackAcceptedIsExactlyCodeAndEtid) {
  std::string out;
  append_connack(out, ConnackCode::accepted, 0xA1B2C3D4, "ignored");
  EXPECT_EQ(bytes(out), bytes({0, 8, 3, 0, 0xA1, 0xB2, 0xC3, 0xD4}));
}

TEST(SmqPacket, ConnackRefusalKeepsZeroEtidBeforeReason) {
  std::string out;
  append_connack(out, ConnackCode::bad_credentials, 0, "no");
  EXPECT_EQ(bytes(out), bytes({0, 10, 3, 3, 0, 0, 0, 0, 'n', 'o'}));
}

TEST(SmqPacket, AcksEchoNameAndZeroIdWhenDenied) {
  std::string out;
  append_ack(out, PacketType::suback, true, 0x11223344, "a/b");
  EXPECT_EQ(bytes(out), bytes({0, 11, 5, 0, 0x11, 0x22, 0x33, 0x44, 'a', '/', 'b'}));
  out.clear();
  append_ack(out, PacketType::createsuback, false, 0x11223344, "x");
  EXPECT_EQ(bytes(out), bytes({0, 9, 18, 1, 0, 0, 0, 0, 'x'}));
  out.clear();
  append_ack(out, PacketType::createack, true, 7, "");
  EXPECT_EQ(bytes(out), bytes({0, 8, 7, 0, 0, 0, 0, 7}));
}

TEST(SmqPacket, AckEchoNeverOverflowsTheRawLength) {
  std::string out;
  append_ack(out, PacketType::suback, false, 0, std::string(0xFFFA, 'n'));
  ASSERT_EQ(out.size(), 0xFFFFu);
  EXPECT_EQ(static_cast<std::uint8_t>(out[0]), 0xFF);
  EXPECT_EQ(static_cast<std::uint8_t>(out[1]), 0xFF);
}

TEST(SmqPacket, ChangeIsElevenBytes) {
  std::string out;
  append_change(out, 0x0A0B0C0D, 3);
  EXPECT_EQ(bytes(out), bytes({0, 11, 16, 0x0A, 0x0B, 0x0C, 0x0D, 0, 0, 0, 3}));
}

TEST(SmqPacket, PingPongDisconnect) {
  std::string out;
  append_empty(out, PacketType::pong);
  EXPECT_EQ(bytes(out), bytes({0, 3, 13}));
  out.clear();
  append_disconnect(out, "reconnect");
  EXPECT_EQ(bytes(out), bytes({0, 12, 11, 'r', 'e', 'c', 'o', 'n', 'n', 'e', 'c', 't'}));
  out.clear();
  append_disconnect(out);
  EXPECT_EQ(bytes(out), bytes({0, 3, 11}));
}

TEST(SmqPacket, PublishRoundTrip) {
  const auto payload = bytes("hi");
  std::string out;
  append_publish(out, 0x01000002, 0x03000004, 5, payload);
  EXPECT_EQ(bytes(out), bytes({0, 17, 8, 1, 0, 0, 2, 3, 0, 0, 4, 0, 0, 0, 5, 'h', 'i'}));
  const auto packet = Bytes(reinterpret_cast<const std::uint8_t*>(out.data()) + 2, out.size() - 2);
  const auto view = decode_publish(packet);
  ASSERT_TRUE(view);
  EXPECT_EQ(view->tid, 0x01000002u);
  EXPECT_EQ(view->ptid, 0x03000004u);
  EXPECT_EQ(view->subtid, 5u);
  EXPECT_EQ(as_text(view->payload), "hi");
}

TEST(SmqPacket, PublishShorterThanHeaderIsRejected) {
  const auto packet = bytes({8, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0});  // 12 bytes
  EXPECT_FALSE(decode_publish(packet));
  const auto empty_payload = bytes({8, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0});
  ASSERT_TRUE(decode_publish(empty_payload));
  EXPECT_TRUE(decode_publish(empty_payload)->payload.empty());
}

TEST(SmqPacket, ConnectV1) {
  const auto packet = bytes({2, 1, 6, 'u', 'i', 'd', '0', '0', '1', 3, 'p', 'w', 'd', 'i', 'n'});
  const auto c = decode_connect(packet);
  ASSERT_EQ(c.error, ConnectError::none);
  EXPECT_EQ(c.packet.version, 1);
  EXPECT_EQ(c.packet.uid, "uid001");
  EXPECT_EQ(c.packet.credentials, "pwd");
  EXPECT_EQ(c.packet.info, "in");
}

TEST(SmqPacket, ConnectV2AsTheCClientSendsIt) {
  const auto packet = bytes({2, 2, 0, 0, 6, 'd', 'e', 'v', 'i', 'c', 'e', 0});
  const auto c = decode_connect(packet);
  ASSERT_EQ(c.error, ConnectError::none);
  EXPECT_EQ(c.packet.version, 2);
  EXPECT_EQ(c.packet.max_size, 0);
  EXPECT_EQ(c.packet.uid, "device");
  EXPECT_TRUE(c.packet.credentials.empty());
  EXPECT_TRUE(c.packet.info.empty());
}

TEST(SmqPacket, ConnectMissingCredentialLengthCountsAsEmpty) {
  const auto packet = bytes({2, 1, 6, 'a', 'b', 'c', 'd', 'e', 'f'});
  const auto c = decode_connect(packet);
  ASSERT_EQ(c.error, ConnectError::none);
  EXPECT_EQ(c.packet.uid, "abcdef");
  EXPECT_TRUE(c.packet.credentials.empty());
}

TEST(SmqPacket, ConnectErrors) {
  EXPECT_EQ(decode_connect(bytes({4, 1})).error, ConnectError::not_connect);
  EXPECT_EQ(decode_connect(bytes({2})).error, ConnectError::bad_version);
  EXPECT_EQ(decode_connect(bytes({2, 0, 6})).error, ConnectError::bad_version);
  EXPECT_EQ(decode_connect(bytes({2, 3, 6})).error, ConnectError::bad_version);
  EXPECT_EQ(decode_connect(bytes({2, 1})).error, ConnectError::malformed);
  EXPECT_EQ(decode_connect(bytes({2, 1, 7, 'a', 'b'})).error, ConnectError::malformed);
  EXPECT_EQ(decode_connect(bytes({2, 1, 1, 'a', 5, 'x'})).error, ConnectError::malformed);
  EXPECT_EQ(decode_connect(bytes({2, 2, 0})).error, ConnectError::malformed);
}

TEST(SmqPacket, IdBodies) {
  EXPECT_EQ(decode_id(bytes({9, 0, 0, 1, 2})), 0x102u);
  EXPECT_EQ(decode_id(bytes({14, 0, 0, 1, 2, 9})), 0x102u);  // extra bytes tolerated
  EXPECT_FALSE(decode_id(bytes({15, 0, 0, 1})));
}

TEST(SmqPacket, ClientEncoders) {
  std::string out;
  append_connect(out, "uid001", "pw", "i");
  EXPECT_EQ(bytes(out), bytes({0, 15, 2, 1, 6, 'u', 'i', 'd', '0', '0', '1', 2, 'p', 'w', 'i'}));
  out.clear();
  append_name(out, PacketType::subscribe, "t");
  EXPECT_EQ(bytes(out), bytes({0, 4, 4, 't'}));
  out.clear();
  append_id(out, PacketType::observe, 0x01020304);
  EXPECT_EQ(bytes(out), bytes({0, 7, 14, 1, 2, 3, 4}));
}

TEST(SmqPacket, TypeNames) {
  EXPECT_STREQ(packet_type_name(19), "PubFrag");
  EXPECT_STREQ(packet_type_name(10), "unknown");
}

}  // namespace
}  // namespace smq
