// Request/response helpers (see smq_ops.hpp).
#include "smq_ops.hpp"

namespace smqtest {

Bytes next_packet(SmqConn& c, Ms timeout) {
  auto p = c.recv_packet(timeout);
  if (!p) throw UnexpectedPacket("no packet within " + std::to_string(timeout.count()) + " ms");
  return *p;
}

pkt::Ack request_ack(SmqConn& c, std::string_view request, std::uint8_t ack_type, Ms timeout) {
  c.send_packet(request);
  Bytes p = next_packet(c, timeout);
  auto ack = pkt::parse_ack(p);
  if (!ack || ack->type != ack_type)
    throw UnexpectedPacket("expected ack type " + std::to_string(ack_type) + ", got " +
                           pkt::describe(p));
  return *ack;
}

namespace {

std::uint32_t accepted_id(SmqConn& c, std::string_view request, std::uint8_t ack_type,
                          std::string_view name) {
  auto ack = request_ack(c, request, ack_type);
  if (ack.status != 0 || ack.id == 0 || ack.name != name)
    throw UnexpectedPacket("request for '" + std::string(name) + "' not accepted: status " +
                           std::to_string(ack.status) + " id " + std::to_string(ack.id));
  return ack.id;
}

}  // namespace

std::uint32_t subscribe(SmqConn& c, std::string_view name) {
  return accepted_id(c, pkt::subscribe_to(name), pkt::suback, name);
}
std::uint32_t create(SmqConn& c, std::string_view name) {
  return accepted_id(c, pkt::create_topic(name), pkt::createack, name);
}
std::uint32_t createsub(SmqConn& c, std::string_view name) {
  return accepted_id(c, pkt::create_sub(name), pkt::createsuback, name);
}

bool publish(SmqConn& c, std::uint32_t tid, std::string_view payload, std::uint32_t subtid) {
  return c.send_packet(pkt::publish_to(tid, c.etid, subtid, payload));
}

std::optional<pkt::Publish> recv_publish(SmqConn& c, Ms timeout) {
  auto p = c.recv_packet(timeout);
  if (!p) return std::nullopt;
  auto pub = pkt::parse_publish(*p);
  if (!pub) throw UnexpectedPacket("expected Publish, got " + pkt::describe(*p));
  return pub;
}

std::optional<pkt::Change> recv_change(SmqConn& c, Ms timeout) {
  auto p = c.recv_packet(timeout);
  if (!p) return std::nullopt;
  auto ch = pkt::parse_change(*p);
  if (!ch) throw UnexpectedPacket("expected Change, got " + pkt::describe(*p));
  return ch;
}

std::optional<std::vector<Bytes>> sync(SmqConn& c, Ms timeout) {
  if (!c.send_packet(pkt::ping_packet())) return std::nullopt;
  std::vector<Bytes> before;
  auto deadline = Clock::now() + timeout;
  for (;;) {
    auto p = c.recv_packet(remaining(deadline));
    if (!p) return std::nullopt;
    if (*p == pkt::pong_packet()) return before;
    before.push_back(std::move(*p));
  }
}

bool quiet_until_pong(SmqConn& c, Ms timeout) {
  auto r = sync(c, timeout);
  return r && r->empty();
}

bool silent_for(SmqConn& c, Ms wait) { return !c.recv_packet(wait).has_value(); }

}  // namespace smqtest
