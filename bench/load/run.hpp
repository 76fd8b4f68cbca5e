// Runs one benchmark: builds the scenario's connections on the worker threads, drives
// publishers (saturation with a per-publisher window, or a fixed offered rate), measures
// deliveries, latency, loss and CPU, and returns the result. Called from the main thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "options.hpp"

namespace smq::bench {

struct RunResult {
  bool reached = false;  // every connection was set up
  std::uint64_t published = 0;          // all publishes, warm-up and drain included
  std::uint64_t measured_published = 0;  // publishes sent inside the measured window
  std::uint64_t expected = 0;           // deliveries every publish should have caused
  std::uint64_t delivered = 0;
  std::uint64_t measured_deliveries = 0;  // deliveries received inside the measured window
  std::uint64_t duplicates = 0;
  std::uint64_t out_of_order = 0;
  std::uint64_t throttled = 0;  // fixed rate: publishes held back because too many were in flight
  double measured_seconds = 0;
  std::uint64_t latency_count = 0;
  double p50_us = 0, p90_us = 0, p99_us = 0, p999_us = 0, max_us = 0;
  int connections = 0;
  double broker_cpu_s = 0;
  long broker_rss_kib = 0;
  long broker_peak_rss_kib = 0;
  double rss_per_conn_bytes = -1;  // idle only
  double bench_cpu_s = 0;
  std::vector<std::string> errors;
};

RunResult run_benchmark(const BenchOptions& options);

}  // namespace smq::bench
