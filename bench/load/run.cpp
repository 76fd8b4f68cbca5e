// The benchmark engine (see run.hpp). Each connection belongs to one worker thread (one
// event loop); a publisher's flow-control counters are written by the threads of its
// subscribers (one counter per worker, single writer each) and read by the publisher.
#include "run.hpp"

#include <asio/executor_work_guard.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <limits>
#include <mutex>
#include <thread>

#include "connection.hpp"
#include "histogram.hpp"
#include "proc_stats.hpp"
#include "stamp.hpp"

namespace smq::bench {
namespace {

using Counter = std::atomic<std::uint64_t>;
constexpr std::uint64_t never = std::numeric_limits<std::uint64_t>::max();
constexpr int connects_in_flight_per_worker = 64;
constexpr auto tick = std::chrono::microseconds(250);  // fixed-rate schedule and wake-up safety net

// Single-writer increment: no locked instruction, readers on other threads see it promptly.
inline void bump(Counter& c, std::uint64_t n = 1) {
  c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

enum class Role { publisher, subscriber, requester, responder };

struct Engine;
struct Worker;

// One connection's part in the scenario.
struct Client final : ConnectionHandler {
  Engine* engine = nullptr;
  Worker* worker = nullptr;
  Role role = Role::subscriber;
  std::unique_ptr<Connection> connection;
  int number = 0;  // connection number, for error messages
  // Publishers and requesters: the publisher index.
  std::uint32_t index = 0;
  // Subscribers and requesters: the publishers they hear from, and the next sequence
  // number expected from each.
  std::uint32_t first_source = 0;
  std::vector<std::uint32_t> next_seq;

  void on_ready(Connection& c) override;
  void on_message(Connection& c, const Incoming& message) override;
  void on_error(Connection& c, const std::string& what) override;
};

struct Publisher {
  Client* client = nullptr;
  Worker* worker = nullptr;
  std::uint64_t fanout = 1;     // deliveries each publish causes
  std::uint64_t limit = 0;      // most deliveries in flight (window x fanout)
  std::uint64_t resume = 0;     // a blocked publisher resumes at or below this
  std::uint64_t quota = never;  // most publishes in total
  double rate = 0;              // fixed-rate mode: publishes per second
  std::uint64_t skipped = 0;    // fixed-rate mode: publishes dropped from the schedule
  Counter sent{0};
  Counter measured_sent{0};
  std::atomic<bool> blocked{false};
  std::vector<std::uint8_t> payload;
};

struct Worker {
  asio::io_context io{1};
  std::thread thread;
  std::vector<std::unique_ptr<Client>> clients;
  std::deque<Client*> to_connect;
  int connecting = 0;
  std::vector<Counter> received;  // per publisher: deliveries seen on this worker
  Counter delivered{0};
  Counter measured{0};
  Counter duplicates{0};
  Counter out_of_order{0};
  Counter throttled{0};
  Histogram latency;
  std::vector<Publisher*> publishers;  // the ones this worker drives
  std::unique_ptr<asio::steady_timer> ticker;
};

struct Engine {
  const BenchOptions& options;
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<std::unique_ptr<Publisher>> publishers;
  std::atomic<int> ready{0};
  std::atomic<int> failed{0};
  std::atomic<bool> running{false};
  std::atomic<std::uint64_t> start_ns{never};    // publishing began (fixed-rate clock)
  std::atomic<std::uint64_t> measure_from{never};
  std::atomic<std::uint64_t> measure_to{never};
  std::mutex errors_mutex;
  std::vector<std::string> errors;
  std::uint64_t error_count = 0;

  explicit Engine(const BenchOptions& o) : options(o) {}

  void error(std::string what) {
    std::lock_guard lock(errors_mutex);
    ++error_count;
    if (errors.size() < 20) errors.push_back(std::move(what));
  }

  std::uint64_t outstanding(const Publisher& p) const {
    std::uint64_t received = 0;
    const auto index = p.client->index;
    for (const auto& w : workers) received += w->received[index].load(std::memory_order_relaxed);
    const std::uint64_t expected = p.sent.load(std::memory_order_relaxed) * p.fanout;
    return expected > received ? expected - received : 0;
  }

  void send_one(Publisher& p, std::uint64_t now) {
    const std::uint64_t seq = p.sent.load(std::memory_order_relaxed);
    write_stamp(p.payload.data(), {now, static_cast<std::uint32_t>(seq), p.client->index});
    p.client->connection->wire().publish(p.client->connection->out(), p.payload);
    bump(p.sent);
    if (now >= measure_from.load(std::memory_order_relaxed) && now < measure_to.load(std::memory_order_relaxed))
      bump(p.measured_sent);
  }

  // Saturation: send until the window is full, then mark the publisher blocked; whoever
  // sees its deliveries arrive (or the worker's ticker) wakes it.
  void pump(Publisher& p) {
    if (!running.load(std::memory_order_relaxed)) return;
    bool any = false;
    while (p.sent.load(std::memory_order_relaxed) < p.quota) {
      if (outstanding(p) >= p.limit) {
        p.blocked.store(true);
        if (outstanding(p) > p.resume) break;
        p.blocked.store(false);
      }
      send_one(p, now_ns());
      any = true;
    }
    if (any) p.client->connection->flush();
  }

  // Fixed rate: catch up with the schedule, holding back while too much is in flight.
  void pace(Publisher& p, std::uint64_t now) {
    if (!running.load(std::memory_order_relaxed)) return;
    const double elapsed = static_cast<double>(now - start_ns.load()) / 1e9;
    const auto due =
        std::min<std::uint64_t>(static_cast<std::uint64_t>(elapsed * p.rate), p.quota) - p.skipped;
    bool any = false;
    while (p.sent.load(std::memory_order_relaxed) < due) {
      if (outstanding(p) >= p.limit) {
        // The broker is not keeping up: drop the rest of this tick's schedule and count it,
        // rather than queueing without bound.
        const std::uint64_t behind = due - p.sent.load(std::memory_order_relaxed);
        p.skipped += behind;
        bump(p.worker->throttled, behind);
        break;
      }
      send_one(p, now);
      any = true;
    }
    if (any) p.client->connection->flush();
  }

  void wake(Publisher& p, Worker& here) {
    if (outstanding(p) > p.resume || !p.blocked.exchange(false)) return;
    if (p.worker == &here) {
      pump(p);
    } else {
      asio::post(p.worker->io, [this, &p] { pump(p); });
    }
  }

  void start_ticker(Worker& w) {
    w.ticker->expires_after(tick);
    w.ticker->async_wait([this, &w](const asio::error_code& ec) {
      if (ec) return;
      const std::uint64_t now = now_ns();
      for (Publisher* p : w.publishers) {
        if (options.rate > 0) {
          pace(*p, now);
        } else if (p->blocked.load() && outstanding(*p) <= p->resume) {
          p->blocked.store(false);  // a wake-up lost to a race is recovered here
          pump(*p);
        }
      }
      start_ticker(w);
    });
  }

  void connect_next(Worker& w) {
    while (w.connecting < connects_in_flight_per_worker && !w.to_connect.empty()) {
      Client* c = w.to_connect.front();
      w.to_connect.pop_front();
      ++w.connecting;
      c->connection->start();
    }
  }
};

void Client::on_ready(Connection&) {
  --worker->connecting;
  engine->ready.fetch_add(1);
  engine->connect_next(*worker);
}

void Client::on_error(Connection&, const std::string& what) {
  if (!connection->ready()) {
    --worker->connecting;
    engine->connect_next(*worker);
  }
  engine->failed.fetch_add(1);
  engine->error(fmt::format("connection {}: {}", number, what));
}

void Client::on_message(Connection& c, const Incoming& message) {
  if (message.payload.size() < stamp_size) {
    engine->error("a delivery shorter than the 16-byte stamp");
    return;
  }
  const Stamp stamp = read_stamp(message.payload.data());
  if (role == Role::responder) {
    c.wire().reply(c.out(), message, stamp.source, message.payload);
    return;  // the connection flushes after the read
  }
  const std::uint64_t now = now_ns();
  const std::uint32_t slot = stamp.source - first_source;
  if (stamp.source < first_source || slot >= next_seq.size() ||
      stamp.source >= worker->received.size()) {
    engine->error(fmt::format("delivery from unexpected publisher {}", stamp.source));
    return;
  }
  std::uint32_t& expected = next_seq[slot];
  if (stamp.seq != expected) bump(stamp.seq < expected ? worker->duplicates : worker->out_of_order);
  if (stamp.seq >= expected) expected = stamp.seq + 1;

  bump(worker->delivered);
  bump(worker->received[stamp.source]);
  const std::uint64_t from = engine->measure_from.load(std::memory_order_relaxed);
  const std::uint64_t to = engine->measure_to.load(std::memory_order_relaxed);
  if (now >= from && now < to) {
    bump(worker->measured);
    if (stamp.send_ns >= from) worker->latency.record(now - stamp.send_ns);
  }
  Publisher& p = *engine->publishers[stamp.source];
  if (p.blocked.load(std::memory_order_relaxed)) engine->wake(p, *worker);
}

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

RunResult run_benchmark(const BenchOptions& o) {
  RunResult result;
  Engine engine(o);
  const int threads = o.threads;
  for (int t = 0; t < threads; ++t) engine.workers.push_back(std::make_unique<Worker>());

  // ---- The plan: who publishes where, who listens to whom -------------------------------
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

  asio::ip::tcp::endpoint broker;
  {
    asio::error_code ec;
    const auto address = asio::ip::make_address(o.host, ec);
    if (ec) {
      result.errors.push_back(fmt::format("--host '{}' is not an IP address", o.host));
      return result;
    }
    broker = {address, static_cast<unsigned short>(o.port)};
  }

  const int total_connections =
      o.scenario == Scenario::pairs ? 2 * o.clients : o.clients + 1;
  const int sources = source_address_count(o, total_connections);
  int next_worker = 0;
  int connection_number = 0;
  auto add_client = [&](Role role, WireSetup setup) -> Client& {
    Worker& w = *engine.workers[next_worker];
    next_worker = (next_worker + 1) % threads;
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
  result.connections = connection_number;

  // ---- Start the workers and connect -------------------------------------------------------
  std::optional<ProcessSample> broker_before;
  if (o.broker_pid > 0) broker_before = sample_process(o.broker_pid);

  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  for (auto& w : engine.workers) {
    guards.push_back(asio::make_work_guard(w->io));
    w->ticker = std::make_unique<asio::steady_timer>(w->io);
    for (auto& c : w->clients) w->to_connect.push_back(c.get());
    Worker* wp = w.get();
    asio::post(w->io, [&engine, wp] { engine.connect_next(*wp); });
    w->thread = std::thread([wp] { wp->io.run(); });
  }

  auto stop_workers = [&] {
    for (auto& w : engine.workers) {
      asio::post(w->io, [wp = w.get()] {
        wp->ticker->cancel();
        for (auto& c : wp->clients) c->connection->close();
      });
    }
    guards.clear();
    for (auto& w : engine.workers) {
      w->io.stop();
      if (w->thread.joinable()) w->thread.join();
    }
  };
  auto sleep_s = [](double s) { std::this_thread::sleep_for(std::chrono::duration<double>(s)); };

  const double setup_limit = 20.0 + connection_number / 500.0;
  const auto setup_start = std::chrono::steady_clock::now();
  while (engine.ready.load() + engine.failed.load() < connection_number &&
         std::chrono::duration<double>(std::chrono::steady_clock::now() - setup_start).count() < setup_limit) {
    sleep_s(0.005);
  }
  if (engine.ready.load() < connection_number) {
    stop_workers();
    result.errors = engine.errors;
    result.errors.push_back(fmt::format("only {} of {} connections were set up", engine.ready.load(),
                                        connection_number));
    return result;
  }
  result.reached = true;

  // ---- Run -------------------------------------------------------------------------------
  std::optional<ProcessSample> broker_start;
  double own_start = 0;
  auto begin_publishing = [&] {
    engine.start_ns.store(now_ns());
    engine.running.store(true);
    for (auto& w : engine.workers) {
      asio::post(w->io, [&engine, wp = w.get()] {
        if (engine.options.rate == 0)
          for (Publisher* p : wp->publishers) engine.pump(*p);
        engine.start_ticker(*wp);
      });
    }
  };

  if (o.scenario == Scenario::idle) {
    sleep_s(1.0);  // let the broker settle before reading its memory
    if (broker_before) {
      if (auto after = sample_process(o.broker_pid)) {
        result.rss_per_conn_bytes = static_cast<double>(after->rss_kib - broker_before->rss_kib) * 1024.0 /
                                    static_cast<double>(n);
      }
    }
    broker_start = o.broker_pid > 0 ? sample_process(o.broker_pid) : std::nullopt;
    own_start = own_cpu_seconds();
    engine.measure_from.store(now_ns());
    begin_publishing();
    // The one publish is sent on the publisher's worker; wait for it before stopping.
    for (int i = 0; i < 1000 && engine.publishers.front()->sent.load() == 0; ++i) sleep_s(0.002);
  } else {
    begin_publishing();
    sleep_s(o.warmup);
    broker_start = o.broker_pid > 0 ? sample_process(o.broker_pid) : std::nullopt;
    own_start = own_cpu_seconds();
    const auto from = now_ns();
    engine.measure_from.store(from);
    sleep_s(o.duration);
    const auto to = now_ns();
    engine.measure_to.store(to);
    result.measured_seconds = static_cast<double>(to - from) / 1e9;
  }
  std::optional<ProcessSample> broker_end = o.broker_pid > 0 ? sample_process(o.broker_pid) : std::nullopt;
  const double own_end = own_cpu_seconds();
  engine.running.store(false);

  // ---- Drain: every publish must arrive ----------------------------------------------------
  auto totals = [&] {
    std::uint64_t expected = 0, delivered = 0;
    for (auto& p : engine.publishers) expected += p->sent.load() * p->fanout;
    for (auto& w : engine.workers) delivered += w->delivered.load();
    return std::pair{expected, delivered};
  };
  const auto drain_start = std::chrono::steady_clock::now();
  while (std::chrono::duration<double>(std::chrono::steady_clock::now() - drain_start).count() < o.drain_timeout) {
    const auto [expected, delivered] = totals();
    if (delivered >= expected && (o.scenario != Scenario::idle || expected > 0)) break;
    if (engine.failed.load() > 0) break;
    sleep_s(0.005);
  }
  if (o.scenario == Scenario::idle) {
    engine.measure_to.store(now_ns());
    result.measured_seconds = static_cast<double>(engine.measure_to.load() - engine.measure_from.load()) / 1e9;
  }
  stop_workers();

  // ---- Collect -----------------------------------------------------------------------------
  const auto [expected, delivered] = totals();
  result.expected = expected;
  result.delivered = delivered;
  Histogram latency;
  for (auto& w : engine.workers) {
    result.measured_deliveries += w->measured.load();
    result.duplicates += w->duplicates.load();
    result.out_of_order += w->out_of_order.load();
    result.throttled += w->throttled.load();
    latency.merge(w->latency);
  }
  for (auto& p : engine.publishers) {
    result.published += p->sent.load();
    result.measured_published += p->measured_sent.load();
  }
  if (o.scenario == Scenario::idle) result.measured_deliveries = delivered;
  result.latency_count = latency.count();
  result.p50_us = latency.quantile(0.50) / 1e3;
  result.p90_us = latency.quantile(0.90) / 1e3;
  result.p99_us = latency.quantile(0.99) / 1e3;
  result.p999_us = latency.quantile(0.999) / 1e3;
  result.max_us = latency.max() / 1e3;
  result.bench_cpu_s = own_end - own_start;
  if (broker_start && broker_end) {
    result.broker_cpu_s = broker_end->cpu_seconds - broker_start->cpu_seconds;
    result.broker_rss_kib = broker_end->rss_kib;
    result.broker_peak_rss_kib = broker_end->peak_rss_kib;
  }
  result.errors = engine.errors;
  if (engine.error_count > engine.errors.size())
    result.errors.push_back(fmt::format("... and {} more errors", engine.error_count - engine.errors.size()));
  return result;
}

}  // namespace smq::bench
