// SMQ packet builders and parsers for tests, written from smq-wire.md section 1 without
// using the broker's codec. A "packet" is the type byte plus body (a WebSocket payload,
// or a raw frame without its two length bytes).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bytes.hpp"

namespace smqtest::pkt {

// Message types (smq-wire.md 1.2).
inline constexpr std::uint8_t init = 1, connect = 2, connack = 3, subscribe = 4, suback = 5,
                              create = 6, createack = 7, publish = 8, unsubscribe = 9,
                              reserved10 = 10, disconnect = 11, ping = 12, pong = 13,
                              observe = 14, unobserve = 15, change = 16, createsub = 17,
                              createsuback = 18, pubfrag = 19;

Bytes connect_v1(std::string_view uid, std::string_view cred = {}, std::string_view info = {});
Bytes connect_v2(std::string_view uid, std::string_view cred = {}, std::string_view info = {},
                 std::uint16_t max_size = 0);
Bytes subscribe_to(std::string_view name);
Bytes create_topic(std::string_view name);
Bytes create_sub(std::string_view name);
Bytes publish_to(std::uint32_t tid, std::uint32_t ptid, std::uint32_t subtid,
                 std::string_view payload);
Bytes pubfrag_to(std::uint32_t tid, std::uint32_t ptid, std::uint32_t subtid,
                 std::string_view chunk);
Bytes unsubscribe_from(std::uint32_t tid);
Bytes observe_id(std::uint32_t id);
Bytes unobserve_id(std::uint32_t id);
Bytes ping_packet(std::string_view body = {});
Bytes pong_packet();
Bytes disconnect_packet(std::string_view reason = {});
// Any type with any body.
Bytes make(std::uint8_t type, std::string_view body = {});
// Raw framing: [u16 total length][packet]. The length is truncated to 16 bits like a
// careless sender would do, so oversize packets can be built on purpose.
Bytes raw_frame(std::string_view packet);

struct Init {
  std::uint8_t version = 0;
  std::uint32_t seed = 0;
  std::string ip;
};
struct Connack {
  std::uint8_t code = 0;
  std::uint32_t etid = 0;
  std::string reason;
};
// Suback, Createack, Createsuback.
struct Ack {
  std::uint8_t type = 0;
  std::uint8_t status = 0;
  std::uint32_t id = 0;
  std::string name;
};
struct Change {
  std::uint32_t id = 0;
  std::uint32_t count = 0;
};
struct Publish {
  std::uint32_t tid = 0;
  std::uint32_t ptid = 0;
  std::uint32_t subtid = 0;
  std::string payload;
};

// Each parser checks the type and the exact layout; nullopt when the packet differs.
std::optional<Init> parse_init(std::string_view p);
std::optional<Connack> parse_connack(std::string_view p);
std::optional<Ack> parse_ack(std::string_view p);  // any of the three ack types
std::optional<Change> parse_change(std::string_view p);  // body must be exactly 8 bytes
std::optional<Publish> parse_publish(std::string_view p);
std::optional<std::string> parse_disconnect(std::string_view p);  // the reason text

// A readable one-line description for failure messages.
std::string describe(std::string_view packet);

}  // namespace smqtest::pkt
