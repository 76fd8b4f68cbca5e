// SMQ packet decoders and encoders (see smq_packet.hpp). Pure code, any thread.
#include "protocol/smq_packet.hpp"

#include "protocol/byte_order.hpp"
#include "protocol/limits.hpp"

namespace smq {
namespace {

// Reserves the two length bytes and the type; returns the frame's start offset.
std::size_t begin_frame(std::string& out, PacketType type) {
  const std::size_t start = out.size();
  out.push_back('\0');
  out.push_back('\0');
  out.push_back(static_cast<char>(type));
  return start;
}

void end_frame(std::string& out, std::size_t start) {
  const std::size_t len = out.size() - start;
  store_u16(reinterpret_cast<std::uint8_t*>(out.data() + start),
            static_cast<std::uint16_t>(len));
}

void put_u32(std::string& out, std::uint32_t v) {
  std::uint8_t b[4];
  store_u32(b, v);
  out.append(reinterpret_cast<const char*>(b), 4);
}

std::string_view view(const std::uint8_t* p, std::size_t n) {
  return {reinterpret_cast<const char*>(p), n};
}

}  // namespace

ConnectDecode decode_connect(Bytes packet) {
  ConnectDecode r;
  if (packet.empty() || packet[0] != static_cast<std::uint8_t>(PacketType::connect)) {
    r.error = ConnectError::not_connect;
    return r;
  }
  if (packet.size() < 2 || (packet[1] != 1 && packet[1] != 2)) {
    r.error = ConnectError::bad_version;
    return r;
  }
  const std::uint8_t* p = packet.data() + 2;
  const std::uint8_t* end = packet.data() + packet.size();
  r.packet.version = packet[1];
  if (r.packet.version == 2) {
    if (end - p < 2) {
      r.error = ConnectError::malformed;
      return r;
    }
    r.packet.max_size = load_u16(p);
    p += 2;
  }
  // The uid length byte is mandatory; a missing credentials length byte counts as zero.
  if (p == end) {
    r.error = ConnectError::malformed;
    return r;
  }
  const std::size_t uid_len = *p++;
  if (static_cast<std::size_t>(end - p) < uid_len) {
    r.error = ConnectError::malformed;
    return r;
  }
  r.packet.uid = view(p, uid_len);
  p += uid_len;
  if (p == end) return r;
  const std::size_t cred_len = *p++;
  if (static_cast<std::size_t>(end - p) < cred_len) {
    r.error = ConnectError::malformed;
    return r;
  }
  r.packet.credentials = view(p, cred_len);
  p += cred_len;
  r.packet.info = view(p, static_cast<std::size_t>(end - p));
  return r;
}

std::optional<PublishView> decode_publish(Bytes packet) {
  if (packet.size() < publish_header_size) return std::nullopt;
  const std::uint8_t* p = packet.data() + 1;
  return PublishView{load_u32(p), load_u32(p + 4), load_u32(p + 8),
                     packet.subspan(publish_header_size)};
}

std::optional<std::uint32_t> decode_id(Bytes packet) {
  if (packet.size() < 5) return std::nullopt;
  return load_u32(packet.data() + 1);
}

void append_init(std::string& out, std::uint32_t seed, std::string_view ip) {
  const std::size_t start = begin_frame(out, PacketType::init);
  out.push_back('\x01');
  put_u32(out, seed);
  out.append(ip);
  end_frame(out, start);
}

void append_connack(std::string& out, ConnackCode code, std::uint32_t etid,
                    std::string_view reason) {
  const std::size_t start = begin_frame(out, PacketType::connack);
  out.push_back(static_cast<char>(code));
  put_u32(out, etid);
  // Reason text only accompanies refusals; a successful Connack is exactly code + ETID.
  if (code != ConnackCode::accepted) out.append(reason.substr(0, 1024));
  end_frame(out, start);
}

void append_ack(std::string& out, PacketType type, bool accepted, std::uint32_t id,
                std::string_view name) {
  const std::size_t start = begin_frame(out, type);
  out.push_back(accepted ? '\0' : '\x01');
  put_u32(out, accepted ? id : 0);
  // The echo of an absurdly long (and therefore denied) name is cut so the frame length
  // still fits its u16; a wrapped length would desynchronise a raw client's stream.
  out.append(name.substr(0, max_ack_name));
  end_frame(out, start);
}

void append_change(std::string& out, std::uint32_t id, std::uint32_t count) {
  const std::size_t start = begin_frame(out, PacketType::change);
  put_u32(out, id);
  put_u32(out, count);
  end_frame(out, start);
}

void append_disconnect(std::string& out, std::string_view reason) {
  const std::size_t start = begin_frame(out, PacketType::disconnect);
  out.append(reason.substr(0, 1024));
  end_frame(out, start);
}

void append_empty(std::string& out, PacketType type) {
  end_frame(out, begin_frame(out, type));
}

void append_publish(std::string& out, std::uint32_t tid, std::uint32_t ptid,
                    std::uint32_t subtid, Bytes payload) {
  std::uint8_t header[limits::raw_publish_header];
  write_publish_header(header, payload.size(), tid, ptid, subtid);
  out.append(reinterpret_cast<const char*>(header), sizeof header);
  out.append(reinterpret_cast<const char*>(payload.data()), payload.size());
}

void write_publish_header(std::uint8_t* out, std::size_t payload_size, std::uint32_t tid,
                          std::uint32_t ptid, std::uint32_t subtid) {
  store_u16(out, static_cast<std::uint16_t>(payload_size + limits::raw_publish_header));
  out[2] = static_cast<std::uint8_t>(PacketType::publish);
  store_u32(out + 3, tid);
  store_u32(out + 7, ptid);
  store_u32(out + 11, subtid);
}

void append_connect(std::string& out, std::string_view uid, std::string_view credentials,
                    std::string_view info) {
  const std::size_t start = begin_frame(out, PacketType::connect);
  out.push_back('\x01');
  // Each field has a one-byte length, so longer values are cut at 255 bytes.
  uid = uid.substr(0, 255);
  credentials = credentials.substr(0, 255);
  out.push_back(static_cast<char>(uid.size()));
  out.append(uid);
  out.push_back(static_cast<char>(credentials.size()));
  out.append(credentials);
  out.append(info);
  end_frame(out, start);
}

void append_name(std::string& out, PacketType type, std::string_view name) {
  const std::size_t start = begin_frame(out, type);
  out.append(name);
  end_frame(out, start);
}

void append_id(std::string& out, PacketType type, std::uint32_t id) {
  const std::size_t start = begin_frame(out, type);
  put_u32(out, id);
  end_frame(out, start);
}

const char* packet_type_name(std::uint8_t type) {
  switch (type) {
    case 1: return "Init";
    case 2: return "Connect";
    case 3: return "Connack";
    case 4: return "Subscribe";
    case 5: return "Suback";
    case 6: return "Create";
    case 7: return "Createack";
    case 8: return "Publish";
    case 9: return "Unsubscribe";
    case 11: return "Disconnect";
    case 12: return "Ping";
    case 13: return "Pong";
    case 14: return "Observe";
    case 15: return "Unobserve";
    case 16: return "Change";
    case 17: return "Createsub";
    case 18: return "Createsuback";
    case 19: return "PubFrag";
    default: return "unknown";
  }
}

}  // namespace smq
