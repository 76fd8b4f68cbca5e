// Request/response helpers over an SmqConn: acks, publishes, Changes and the Ping "barrier"
// that proves no other reply is pending on a connection. Unexpected packets throw
// UnexpectedPacket so a test fails with a readable description instead of hanging.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "smq_conn.hpp"

namespace smqtest {

class UnexpectedPacket : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr Ms default_wait{2000};

// Next packet; throws UnexpectedPacket when none arrives in time.
Bytes next_packet(SmqConn& c, Ms timeout = default_wait);

// Sends an ack-producing request and returns the next packet parsed as an ack of
// `ack_type`; throws when something else arrives.
pkt::Ack request_ack(SmqConn& c, std::string_view request, std::uint8_t ack_type,
                     Ms timeout = default_wait);
// Subscribe/Create/Createsub that must succeed with the name echoed; return the id.
std::uint32_t subscribe(SmqConn& c, std::string_view name);
std::uint32_t create(SmqConn& c, std::string_view name);
std::uint32_t createsub(SmqConn& c, std::string_view name);

// Publish with the connection's own ETID as publisher.
bool publish(SmqConn& c, std::uint32_t tid, std::string_view payload, std::uint32_t subtid = 0);
// Next packet must be a Publish / a Change; nullopt on timeout, throws on another packet.
std::optional<pkt::Publish> recv_publish(SmqConn& c, Ms timeout = default_wait);
std::optional<pkt::Change> recv_change(SmqConn& c, Ms timeout = default_wait);

// Sends Ping and collects every packet that arrives before the Pong. nullopt when no Pong
// arrives in time. Because the broker answers one connection in order, an empty vector
// proves that nothing else was queued for this connection before the Ping was handled.
std::optional<std::vector<Bytes>> sync(SmqConn& c, Ms timeout = default_wait);
// True when `sync` saw no packet before the Pong.
bool quiet_until_pong(SmqConn& c, Ms timeout = default_wait);
// True when no packet arrives within `wait` (for replies expected on other connections).
bool silent_for(SmqConn& c, Ms wait);

}  // namespace smqtest
