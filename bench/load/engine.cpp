// Flow control, pacing and delivery accounting (see engine.hpp). Worker threads, except
// Engine::error(), which any thread may call.
#include "engine.hpp"

#include <asio/post.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "stamp.hpp"

namespace smq::bench {
namespace {

constexpr int connects_in_flight_per_worker = 64;
constexpr auto tick = std::chrono::microseconds(250);  // fixed-rate schedule and wake-up safety net

}  // namespace

void Engine::error(std::string what) {
  std::lock_guard lock(errors_mutex);
  ++error_count;
  if (errors.size() < 20) errors.push_back(std::move(what));
}

std::uint64_t Engine::outstanding(const Publisher& p) const {
  std::uint64_t received = 0;
  const auto index = p.client->index;
  for (const auto& w : workers) received += w->received[index].load(std::memory_order_relaxed);
  const std::uint64_t expected = p.sent.load(std::memory_order_relaxed) * p.fanout;
  return expected > received ? expected - received : 0;
}

void Engine::send_one(Publisher& p, std::uint64_t now) {
  const std::uint64_t seq = p.sent.load(std::memory_order_relaxed);
  write_stamp(p.payload.data(), {now, static_cast<std::uint32_t>(seq), p.client->index});
  p.client->connection->wire().publish(p.client->connection->out(), p.payload);
  bump(p.sent);
  if (now >= measure_from.load(std::memory_order_relaxed) && now < measure_to.load(std::memory_order_relaxed))
    bump(p.measured_sent);
}

void Engine::pump(Publisher& p) {
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

void Engine::pace(Publisher& p, std::uint64_t now) {
  if (!running.load(std::memory_order_relaxed)) return;
  const double elapsed = static_cast<double>(now - start_ns.load()) / 1e9;
  // Publishers are spread over the period (phase) rather than all sending on one tick.
  const auto due = std::min<std::uint64_t>(static_cast<std::uint64_t>(elapsed * p.rate + p.phase),
                                           p.quota) -
                   p.skipped;
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
    // Stamped when actually sent: a tick that sends many messages must not count its own
    // work as the broker's latency.
    send_one(p, now_ns());
    any = true;
  }
  if (any) p.client->connection->flush();
}

void Engine::wake(Publisher& p, Worker& here) {
  if (outstanding(p) > p.resume || !p.blocked.exchange(false)) return;
  if (p.worker == &here) {
    pump(p);
  } else {
    asio::post(p.worker->io, [this, &p] { pump(p); });
  }
}

void Engine::start_ticker(Worker& w) {
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

void Engine::connect_next(Worker& w) {
  while (w.connecting < connects_in_flight_per_worker && !w.to_connect.empty()) {
    Client* c = w.to_connect.front();
    w.to_connect.pop_front();
    ++w.connecting;
    c->connection->start();
  }
}

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

}  // namespace smq::bench
