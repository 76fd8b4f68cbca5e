// Turns a scenario into connections and publishers (see plan.hpp). Main thread, before
// the workers start.
#include "plan.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>

namespace smq::bench {
namespace {

WireSetup subscribing(std::string topic) {
  WireSetup s;
  s.subscriptions.push_back(std::move(topic));
  return s;
}

WireSetup publishing(std::string topic) {
  WireSetup s;
  s.publish_topic = std::move(topic);
  return s;
}

// How many 127.0.0.x source addresses to spread `connections` over.
int source_address_count(const BenchOptions& o, int connections) {
  if (o.source_addrs > 0) return o.source_addrs;
  return 1 + connections / 25000;
}

}  // namespace

int build_plan(Engine& engine, const asio::ip::tcp::endpoint& broker) {
  const BenchOptions& o = engine.options;
  const auto n = static_cast<std::uint32_t>(o.clients);
  std::uint32_t publisher_count = 0;
  switch (o.scenario) {
    case Scenario::fanout: publisher_count = 1; break;
    case Scenario::fanin: publisher_count = n; break;
    case Scenario::pairs: publisher_count = n; break;
    case Scenario::reqrep: publisher_count = n; break;
    case Scenario::idle: publisher_count = 1; break;
  }
  for (auto& w : engine.workers) w->received = std::vector<Counter>(publisher_count);

  const int total_connections =
      o.scenario == Scenario::pairs ? 2 * o.clients : o.clients + 1;
  const int sources = source_address_count(o, total_connections);
  int next_worker = 0;
  int connection_number = 0;
  auto add_client = [&](Role role, WireSetup setup) -> Client& {
    Worker& w = *engine.workers[next_worker];
    next_worker = (next_worker + 1) % static_cast<int>(engine.workers.size());
    auto client = std::make_unique<Client>();
    client->engine = &engine;
    client->worker = &w;
    client->role = role;
    client->number = connection_number;
    setup.host = o.host;
    setup.path = o.path;
    setup.client_id = fmt::format("bench-{}-{}", ::getpid(), connection_number);
    // Unspecified (the kernel chooses) unless connections are spread over 127.0.0.x.
    asio::ip::address source;
    if (sources > 1) {
      source = asio::ip::address_v4((127u << 24) | static_cast<unsigned>(1 + connection_number % sources));
    }
    ++connection_number;
    // Large reads keep the generator's syscalls per message low; idle connections only
    // ever read their set-up replies and one message.
    const std::size_t read_buffer = o.scenario == Scenario::idle ? 4096 : 64 * 1024;
    client->connection = std::make_unique<Connection>(w.io, *client, o.broker, o.transport,
                                                      std::move(setup), broker, source, read_buffer);
    Client& ref = *client;
    w.clients.push_back(std::move(client));
    return ref;
  };
  auto add_publisher = [&](Client& c, std::uint32_t index, std::uint64_t fanout, int window) {
    auto p = std::make_unique<Publisher>();
    c.index = index;
    p->client = &c;
    p->worker = c.worker;
    p->fanout = fanout;
    p->limit = static_cast<std::uint64_t>(window) * fanout;
    p->resume = p->limit / 2;
    p->rate = o.rate / static_cast<double>(publisher_count);
    p->phase = static_cast<double>(index) / static_cast<double>(publisher_count);
    p->payload.assign(o.payload, 0xA5);
    c.worker->publishers.push_back(p.get());
    engine.publishers.push_back(std::move(p));
  };
  auto subscriber = [&](std::string topic, std::uint32_t first, std::uint32_t count) {
    Client& c = add_client(Role::subscriber, subscribing(std::move(topic)));
    c.first_source = first;
    c.next_seq.assign(count, 0);
  };
  // A subscriber's window: keep what one subscriber has queued in the broker around 1 MiB
  // at most, so no broker's slow-consumer limit is reached at saturation.
  auto window_for = [&](std::uint32_t publishers_per_subscriber) {
    const std::size_t per_message = o.payload + 32;
    const std::size_t cap = (1u << 20) / (per_message * publishers_per_subscriber);
    return static_cast<int>(std::clamp<std::size_t>(cap, 1, static_cast<std::size_t>(o.window)));
  };

  switch (o.scenario) {
    case Scenario::fanout: {
      for (std::uint32_t i = 0; i < n; ++i) subscriber("bench.fan", 0, 1);
      Client& pub = add_client(Role::publisher, publishing("bench.fan"));
      add_publisher(pub, 0, n, window_for(1));
      break;
    }
    case Scenario::fanin: {
      subscriber("bench.fanin", 0, n);
      for (std::uint32_t i = 0; i < n; ++i) {
        Client& pub = add_client(Role::publisher, publishing("bench.fanin"));
        add_publisher(pub, i, 1, window_for(n));
      }
      break;
    }
    case Scenario::pairs: {
      for (std::uint32_t i = 0; i < n; ++i) subscriber(fmt::format("bench.pair.{}", i), i, 1);
      for (std::uint32_t i = 0; i < n; ++i) {
        Client& pub = add_client(Role::publisher, publishing(fmt::format("bench.pair.{}", i)));
        add_publisher(pub, i, 1, window_for(1));
      }
      break;
    }
    case Scenario::reqrep: {
      add_client(Role::responder, subscribing("bench.req"));
      for (std::uint32_t i = 0; i < n; ++i) {
        WireSetup setup = publishing("bench.req");
        // SMQ replies reach the requester's ETID without a subscription.
        if (o.broker != BrokerKind::smq) setup.subscriptions = {reply_topic(i)};
        if (o.broker == BrokerKind::nats) setup.reply_subject = reply_topic(i);
        Client& c = add_client(Role::requester, std::move(setup));
        c.first_source = i;
        c.next_seq.assign(1, 0);
        add_publisher(c, i, 1, 1);  // one request outstanding per requester
      }
      break;
    }
    case Scenario::idle: {
      for (std::uint32_t i = 0; i < n; ++i) subscriber("bench.idle", 0, 1);
      Client& pub = add_client(Role::publisher, publishing("bench.idle"));
      add_publisher(pub, 0, n, 1);
      engine.publishers.back()->quota = 1;
      break;
    }
  }
  return connection_number;
}

}  // namespace smq::bench
