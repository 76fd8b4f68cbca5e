// Picks the protocol wire for a broker kind, and names shared by every protocol. Any thread.
#include "wire.hpp"

#include <fmt/format.h>

namespace smq::bench {

std::unique_ptr<Wire> make_smq_wire(TransportKind t, WireSetup s, WireEvents& e);
std::unique_ptr<Wire> make_mqtt_wire(TransportKind t, WireSetup s, WireEvents& e);
std::unique_ptr<Wire> make_nats_wire(TransportKind t, WireSetup s, WireEvents& e);

std::unique_ptr<Wire> make_wire(BrokerKind broker, TransportKind transport, WireSetup setup,
                                WireEvents& events) {
  switch (broker) {
    case BrokerKind::smq: return make_smq_wire(transport, std::move(setup), events);
    case BrokerKind::mqtt: return make_mqtt_wire(transport, std::move(setup), events);
    case BrokerKind::nats: return make_nats_wire(transport, std::move(setup), events);
  }
  return nullptr;
}

std::string reply_topic(std::uint32_t requester) { return fmt::format("bench.rep.{}", requester); }

const char* broker_name(BrokerKind b) {
  switch (b) {
    case BrokerKind::smq: return "smq";
    case BrokerKind::mqtt: return "mqtt";
    case BrokerKind::nats: return "nats";
  }
  return "?";
}

const char* transport_name(TransportKind t) { return t == TransportKind::ws ? "ws" : "tcp"; }

}  // namespace smq::bench
