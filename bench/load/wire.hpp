// The client side of one broker protocol as smq-bench needs it: transport handshake
// (WebSocket upgrade or SMQ's raw bootstrap), protocol connect, subscriptions, publishing to
// one topic, replying to a request, and parsing what the broker sends. One Wire per
// connection, used only on that connection's worker thread. No I/O here: bytes in, bytes out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace smq::bench {

enum class BrokerKind { smq, mqtt, nats };
enum class TransportKind { ws, tcp };

using ByteView = std::span<const std::uint8_t>;

// One message the broker delivered.
struct Incoming {
  ByteView payload;
  std::uint32_t smq_ptid = 0;     // smq: the publisher's ETID, the native reply address
  std::string_view nats_reply;    // nats: the reply subject the publisher asked for
};

class WireEvents {
 public:
  virtual void on_wire_ready() = 0;  // connected, every subscription acknowledged
  virtual void on_wire_message(const Incoming& message) = 0;
  virtual void on_wire_error(std::string what) = 0;

 protected:
  ~WireEvents() = default;
};

struct WireSetup {
  std::string client_id;                   // unique per connection
  std::vector<std::string> subscriptions;  // all confirmed before on_wire_ready()
  std::string publish_topic;               // empty when the connection never publishes
  std::string reply_subject;               // nats: reply-to sent with each publish
  std::string host = "127.0.0.1";
  std::string path = "/";
};

class Wire {
 public:
  virtual ~Wire() = default;
  // The first bytes to send once TCP is connected.
  virtual void start(std::string& out) = 0;
  // Consumes bytes from the broker; returns how many were used (the caller keeps the rest
  // and calls again with more). Bytes to send in answer are appended to `out`.
  virtual std::size_t consume(std::span<std::uint8_t> in, std::string& out) = 0;
  // Appends one publish of `payload` to the publish topic.
  virtual void publish(std::string& out, ByteView payload) = 0;
  // Appends an answer to `request` carrying `payload`; `requester` is the requester's index
  // (MQTT has no reply address, so its replies go to "bench.rep.<requester>").
  virtual void reply(std::string& out, const Incoming& request, std::uint32_t requester,
                     ByteView payload) = 0;
};

std::unique_ptr<Wire> make_wire(BrokerKind broker, TransportKind transport, WireSetup setup,
                                WireEvents& events);

// "smq", "mqtt", "nats"; "ws", "tcp": as on smq-bench's command line.
const char* broker_name(BrokerKind b);
const char* transport_name(TransportKind t);

// Topic names shared by every protocol ('.' separated: valid in SMQ, MQTT and NATS alike).
std::string reply_topic(std::uint32_t requester);

}  // namespace smq::bench
