// SMQ packets (smq-wire.md section 1): type codes, decoders that return views into the
// received bytes, and encoders that append raw-framed packets ([u16 total length][type]
// [body]) to a buffer. The broker encodes every outgoing packet once in raw framing; a
// WebSocket session sends the same bytes minus the two length bytes. Pure code, any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace smq {

using Bytes = std::span<const std::uint8_t>;

enum class PacketType : std::uint8_t {
  init = 1,
  connect = 2,
  connack = 3,
  subscribe = 4,
  suback = 5,
  create = 6,
  createack = 7,
  publish = 8,
  unsubscribe = 9,
  disconnect = 11,
  ping = 12,
  pong = 13,
  observe = 14,
  unobserve = 15,
  change = 16,
  createsub = 17,
  createsuback = 18,
  pubfrag = 19,
};

enum class ConnackCode : std::uint8_t {
  accepted = 0,
  bad_version = 1,      // also used for UIDs shorter than 6 bytes, as the reference does
  unavailable = 2,      // Connect deadline passed, or the broker is full / stopping
  bad_credentials = 3,
  cert_required = 4,
  cert_rejected = 5,
  denied = 6,           // default refusal
};

// Longest name an ack can echo: a raw frame of 0xFFFF bytes minus length, type, status, id.
inline constexpr std::size_t max_ack_name = 0xFFFF - 8;

// Publish and PubFrag share this fixed header; the payload is everything after it.
inline constexpr std::size_t publish_header_size = 1 + 12;  // type + dest + ptid + subtid

struct ConnectPacket {
  std::uint8_t version = 0;   // 1 or 2
  std::uint16_t max_size = 0; // v2 only; 0 means "no preference"
  std::string_view uid;
  std::string_view credentials;
  std::string_view info;
};

enum class ConnectError {
  none,
  not_connect,  // first packet is of another type
  bad_version,  // version not 1 or 2
  malformed,    // a length field points past the end
};

struct ConnectDecode {
  ConnectError error = ConnectError::none;
  ConnectPacket packet;
};

// `packet` = type byte + body (a WebSocket payload, or a raw frame without its length).
ConnectDecode decode_connect(Bytes packet);

struct PublishView {
  std::uint32_t tid = 0;     // destination topic TID or client ETID
  std::uint32_t ptid = 0;    // publisher ETID
  std::uint32_t subtid = 0;  // sub-topic id, 0 for none
  Bytes payload;
};

// Publish and PubFrag; nullopt when shorter than the 13-byte header.
std::optional<PublishView> decode_publish(Bytes packet);

// The u32 carried by Unsubscribe, Observe and Unobserve; nullopt when the body has fewer
// than 4 bytes (the reference broker closes such connections).
std::optional<std::uint32_t> decode_id(Bytes packet);

// Subscribe, Create, Createsub, Disconnect: the rest of the packet as text (may be empty).
inline std::string_view body_text(Bytes packet) {
  return {reinterpret_cast<const char*>(packet.data()) + 1, packet.size() - 1};
}

inline std::string_view as_text(Bytes bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// ---- Encoders: each appends one raw-framed packet to `out` -------------------------------

void append_init(std::string& out, std::uint32_t seed, std::string_view ip);
void append_connack(std::string& out, ConnackCode code, std::uint32_t etid,
                    std::string_view reason = {});
// Suback, Createack and Createsuback share a layout: status, id, echoed name.
void append_ack(std::string& out, PacketType type, bool accepted, std::uint32_t id,
                std::string_view name);
void append_change(std::string& out, std::uint32_t id, std::uint32_t count);
void append_disconnect(std::string& out, std::string_view reason = {});
void append_empty(std::string& out, PacketType type);  // Ping, Pong
// A Publish frame; the payload must not exceed limits::max_payload.
void append_publish(std::string& out, std::uint32_t tid, std::uint32_t ptid,
                    std::uint32_t subtid, Bytes payload);

// Client-side packets, for the C++ clients and benchmarks.
void append_connect(std::string& out, std::string_view uid, std::string_view credentials,
                    std::string_view info);  // version 1
void append_name(std::string& out, PacketType type, std::string_view name);  // Subscribe...
void append_id(std::string& out, PacketType type, std::uint32_t id);  // Unsubscribe, Observe

// Writes the 15-byte raw Publish header into `out`.
void write_publish_header(std::uint8_t* out, std::size_t payload_size, std::uint32_t tid,
                          std::uint32_t ptid, std::uint32_t subtid);

const char* packet_type_name(std::uint8_t type);

}  // namespace smq
