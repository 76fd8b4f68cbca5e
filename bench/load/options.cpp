// smq-bench command-line parsing (see options.hpp). Main thread.
#include "options.hpp"

#include <fmt/format.h>

#include <charconv>
#include <string_view>

namespace smq::bench {
namespace {

template <typename T>
bool parse_number(std::string_view text, T& out) {
  const auto r = std::from_chars(text.data(), text.data() + text.size(), out);
  return r.ec == std::errc{} && r.ptr == text.data() + text.size();
}

}  // namespace

const char* usage() {
  return R"(usage: smq-bench --broker smq|mqtt|nats --transport ws|tcp --port N
                 --scenario fanout|fanin|pairs|reqrep|idle --clients N [options]

Load generator for SMQ brokers and, for comparison, MQTT 3.1.1 (QoS 0) and NATS brokers,
over WebSocket or each protocol's own TCP transport. Loopback use only.

Scenarios (--clients N means):
  fanout   1 publisher -> N subscribers of one topic
  fanin    N publishers -> 1 subscriber
  pairs    N publisher/subscriber pairs, one topic each
  reqrep   N requesters, each with one request outstanding, -> 1 responder that echoes
           (SMQ replies to the requester's ETID, NATS to the reply subject, MQTT to a
           per-requester topic)
  idle     N connections, each subscribed to one topic, no traffic: the broker's RSS
           per connection; then one message to all of them checks they are alive

Options:
  --host ADDR          broker address (default 127.0.0.1)
  --path PATH          HTTP path of the WebSocket/bootstrap request (default /)
  --payload BYTES      message size, 16..16384 (default 64); the first 16 bytes carry the
                       send time, sequence number and publisher index
  --rate N             total offered publishes per second; 0 = saturation (default): each
                       publisher keeps at most --window messages in flight
  --window N           saturation: messages in flight per publisher (default 256)
  --duration S         measured seconds (default 5)
  --warmup S           seconds of traffic before measuring (default 1)
  --threads N          generator event-loop threads (default 1)
  --source-addrs N     spread connections over 127.0.0.1..127.0.0.N (default: one more
                       per 25,000 connections)
  --broker-pid PID     read the broker's CPU time and RSS from /proc/PID
  --json FILE          write the result as JSON ('-' = stdout)
  --drain-timeout S    wait this long for messages still in flight (default 10)

Exit status: 0 every message arrived; 1 loss, reordering or connection errors; 2 usage
error or the broker could not be reached.
)";
}

const char* scenario_name(Scenario s) {
  switch (s) {
    case Scenario::fanout: return "fanout";
    case Scenario::fanin: return "fanin";
    case Scenario::pairs: return "pairs";
    case Scenario::reqrep: return "reqrep";
    case Scenario::idle: return "idle";
  }
  return "?";
}

ParsedCommandLine parse_command_line(int argc, char** argv) {
  ParsedCommandLine cl;
  BenchOptions& o = cl.options;
  auto fail = [&](std::string message) {
    if (cl.error.empty()) cl.error = std::move(message);
  };
  for (int i = 1; i < argc && cl.error.empty(); ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      cl.help = true;
      return cl;
    }
    if (i + 1 >= argc) {
      fail(fmt::format("{} needs a value (or is unknown)", arg));
      break;
    }
    const std::string_view v = argv[++i];
    auto number = [&](auto& out) {
      if (!parse_number(v, out)) fail(fmt::format("{}: '{}' is not a valid number", arg, v));
    };
    if (arg == "--broker") {
      if (v == "smq") o.broker = BrokerKind::smq;
      else if (v == "mqtt") o.broker = BrokerKind::mqtt;
      else if (v == "nats") o.broker = BrokerKind::nats;
      else fail(fmt::format("--broker: '{}' is not smq, mqtt or nats", v));
    } else if (arg == "--transport") {
      if (v == "ws") o.transport = TransportKind::ws;
      else if (v == "tcp") o.transport = TransportKind::tcp;
      else fail(fmt::format("--transport: '{}' is not ws or tcp", v));
    } else if (arg == "--scenario") {
      bool found = false;
      for (auto s : {Scenario::fanout, Scenario::fanin, Scenario::pairs, Scenario::reqrep, Scenario::idle}) {
        if (v == scenario_name(s)) o.scenario = s, found = true;
      }
      if (!found) fail(fmt::format("--scenario: '{}' is not a scenario", v));
    } else if (arg == "--host") {
      o.host = v;
    } else if (arg == "--path") {
      o.path = v;
    } else if (arg == "--json") {
      o.json_path = v;
    } else if (arg == "--port") {
      number(o.port);
    } else if (arg == "--clients") {
      number(o.clients);
    } else if (arg == "--payload") {
      number(o.payload);
    } else if (arg == "--rate") {
      number(o.rate);
    } else if (arg == "--duration") {
      number(o.duration);
    } else if (arg == "--warmup") {
      number(o.warmup);
    } else if (arg == "--window") {
      number(o.window);
    } else if (arg == "--threads") {
      number(o.threads);
    } else if (arg == "--source-addrs") {
      number(o.source_addrs);
    } else if (arg == "--broker-pid") {
      number(o.broker_pid);
    } else if (arg == "--drain-timeout") {
      number(o.drain_timeout);
    } else {
      fail(fmt::format("unknown option {}", arg));
    }
  }
  if (!cl.error.empty()) return cl;
  if (o.port <= 0 || o.port > 65535) fail("--port is required (1..65535)");
  if (o.clients < 1 || o.clients > 200000) fail("--clients must be 1..200000");
  if (o.payload < 16 || o.payload > 16384) fail("--payload must be 16..16384 bytes");
  if (o.rate < 0) fail("--rate must be >= 0");
  if (o.duration <= 0 || o.warmup < 0 || o.drain_timeout < 0) fail("durations must be positive");
  if (o.window < 1) fail("--window must be >= 1");
  if (o.threads < 1 || o.threads > 64) fail("--threads must be 1..64");
  if (o.source_addrs < 0 || o.source_addrs > 250) fail("--source-addrs must be 0..250");
  return cl;
}

}  // namespace smq::bench
