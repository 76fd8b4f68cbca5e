// Runs one benchmark (see run.hpp): starts the workers, connects the plan's clients, drives
// the warm-up, measured and drain phases, and collects the result. Main thread; the
// connections live on the worker threads (engine.hpp).
#include "run.hpp"

#include <asio/executor_work_guard.hpp>
#include <asio/post.hpp>
#include <fmt/format.h>

#include <chrono>
#include <optional>
#include <thread>

#include "engine.hpp"
#include "plan.hpp"
#include "proc_stats.hpp"
#include "stamp.hpp"

namespace smq::bench {

RunResult run_benchmark(const BenchOptions& o) {
  RunResult result;
  Engine engine(o);
  const int threads = o.threads;
  for (int t = 0; t < threads; ++t) engine.workers.push_back(std::make_unique<Worker>());

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

  result.connections = build_plan(engine, broker);

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

  const double setup_limit = 20.0 + result.connections / 500.0;
  const auto setup_start = std::chrono::steady_clock::now();
  while (engine.ready.load() + engine.failed.load() < result.connections &&
         std::chrono::duration<double>(std::chrono::steady_clock::now() - setup_start).count() < setup_limit) {
    sleep_s(0.005);
  }
  if (engine.ready.load() < result.connections) {
    stop_workers();
    result.errors = engine.errors;
    result.errors.push_back(fmt::format("only {} of {} connections were set up", engine.ready.load(),
                                        result.connections));
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
                                    static_cast<double>(o.clients);
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
