// SMQ packet builders and strict parsers (see packets.hpp).
#include "packets.hpp"

namespace smqtest::pkt {

Bytes make(std::uint8_t type, std::string_view body) {
  Bytes out;
  put_u8(out, type);
  out.append(body);
  return out;
}

namespace {

Bytes with_id(std::uint8_t type, std::uint32_t id) { return make(type, u32_bytes(id)); }

Bytes connect_body(std::uint8_t version, bool v2, std::uint16_t max_size, std::string_view uid,
                   std::string_view cred, std::string_view info) {
  Bytes out;
  put_u8(out, connect);
  put_u8(out, version);
  if (v2) put_u16(out, max_size);
  put_u8(out, static_cast<std::uint8_t>(uid.size()));
  out.append(uid);
  put_u8(out, static_cast<std::uint8_t>(cred.size()));
  out.append(cred);
  out.append(info);
  return out;
}

Bytes fixed_publish(std::uint8_t type, std::uint32_t tid, std::uint32_t ptid,
                    std::uint32_t subtid, std::string_view payload) {
  Bytes out;
  put_u8(out, type);
  put_u32(out, tid);
  put_u32(out, ptid);
  put_u32(out, subtid);
  out.append(payload);
  return out;
}

}  // namespace

Bytes connect_v1(std::string_view uid, std::string_view cred, std::string_view info) {
  return connect_body(1, false, 0, uid, cred, info);
}
Bytes connect_v2(std::string_view uid, std::string_view cred, std::string_view info,
                 std::uint16_t max_size) {
  return connect_body(2, true, max_size, uid, cred, info);
}
Bytes subscribe_to(std::string_view name) { return make(subscribe, name); }
Bytes create_topic(std::string_view name) { return make(create, name); }
Bytes create_sub(std::string_view name) { return make(createsub, name); }
Bytes publish_to(std::uint32_t tid, std::uint32_t ptid, std::uint32_t subtid,
                 std::string_view payload) {
  return fixed_publish(publish, tid, ptid, subtid, payload);
}
Bytes pubfrag_to(std::uint32_t tid, std::uint32_t ptid, std::uint32_t subtid,
                 std::string_view chunk) {
  return fixed_publish(pubfrag, tid, ptid, subtid, chunk);
}
Bytes unsubscribe_from(std::uint32_t tid) { return with_id(unsubscribe, tid); }
Bytes observe_id(std::uint32_t id) { return with_id(observe, id); }
Bytes unobserve_id(std::uint32_t id) { return with_id(unobserve, id); }
Bytes ping_packet(std::string_view body) { return make(ping, body); }
Bytes pong_packet() { return make(pong); }
Bytes disconnect_packet(std::string_view reason) { return make(disconnect, reason); }

Bytes raw_frame(std::string_view packet) {
  Bytes out;
  put_u16(out, static_cast<std::uint16_t>((packet.size() + 2) & 0xFFFF));
  out.append(packet);
  return out;
}

std::optional<Init> parse_init(std::string_view p) {
  if (p.size() < 6 || static_cast<std::uint8_t>(p[0]) != init) return std::nullopt;
  return Init{static_cast<std::uint8_t>(p[1]), get_u32(p, 2), std::string(p.substr(6))};
}

std::optional<Connack> parse_connack(std::string_view p) {
  if (p.size() < 6 || static_cast<std::uint8_t>(p[0]) != connack) return std::nullopt;
  return Connack{static_cast<std::uint8_t>(p[1]), get_u32(p, 2), std::string(p.substr(6))};
}

std::optional<Ack> parse_ack(std::string_view p) {
  if (p.size() < 6) return std::nullopt;
  auto t = static_cast<std::uint8_t>(p[0]);
  if (t != suback && t != createack && t != createsuback) return std::nullopt;
  return Ack{t, static_cast<std::uint8_t>(p[1]), get_u32(p, 2), std::string(p.substr(6))};
}

std::optional<Change> parse_change(std::string_view p) {
  if (p.size() != 9 || static_cast<std::uint8_t>(p[0]) != change) return std::nullopt;
  return Change{get_u32(p, 1), get_u32(p, 5)};
}

std::optional<Publish> parse_publish(std::string_view p) {
  if (p.size() < 13 || static_cast<std::uint8_t>(p[0]) != publish) return std::nullopt;
  return Publish{get_u32(p, 1), get_u32(p, 5), get_u32(p, 9), std::string(p.substr(13))};
}

std::optional<std::string> parse_disconnect(std::string_view p) {
  if (p.empty() || static_cast<std::uint8_t>(p[0]) != disconnect) return std::nullopt;
  return std::string(p.substr(1));
}

std::string describe(std::string_view p) {
  if (p.empty()) return "<empty packet>";
  static const char* names[] = {"type0",      "Init",      "Connect",     "Connack",
                                "Subscribe",  "Suback",    "Create",      "Createack",
                                "Publish",    "Unsubscribe", "type10",    "Disconnect",
                                "Ping",       "Pong",      "Observe",     "Unobserve",
                                "Change",     "Createsub", "Createsuback", "PubFrag"};
  auto t = static_cast<std::uint8_t>(p[0]);
  std::string name = t < 20 ? names[t] : "type" + std::to_string(t);
  return name + "[" + std::to_string(p.size()) + "]: " + to_hex(p, 48);
}

}  // namespace smqtest::pkt
