// JSON and text reports of a run (see report.hpp). Main thread.
#include "report.hpp"

#include <fmt/format.h>

namespace smq::bench {
namespace {

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", c);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

double per_second(double count, double seconds) { return seconds > 0 ? count / seconds : 0; }

std::uint64_t lost(const RunResult& r) { return r.expected > r.delivered ? r.expected - r.delivered : 0; }

}  // namespace

bool run_ok(const RunResult& r) {
  return r.reached && r.errors.empty() && r.duplicates == 0 && r.out_of_order == 0 &&
         r.delivered == r.expected;
}

std::string result_json(const BenchOptions& o, const RunResult& r) {
  const double seconds = r.measured_seconds;
  std::string errors = "[";
  for (std::size_t i = 0; i < r.errors.size(); ++i) {
    if (i > 0) errors += ',';
    errors += json_string(r.errors[i]);
  }
  errors += "]";
  const std::string rss_per_conn =
      r.rss_per_conn_bytes < 0 ? "null" : fmt::format("{:.1f}", r.rss_per_conn_bytes);
  return fmt::format(
      R"({{"broker":"{}","transport":"{}","scenario":"{}","clients":{},"payload":{},)"
      R"("offered_rate":{},"duration_s":{:.3f},"published":{},"deliveries":{},"expected":{},)"
      R"("measured_published":{},"measured_deliveries":{},)"
      R"("messages_per_s":{:.1f},"deliveries_per_s":{:.1f},)"
      R"("latency_us":{{"count":{},"p50":{:.1f},"p90":{:.1f},"p99":{:.1f},"p999":{:.1f},"max":{:.1f}}},)"
      R"("lost":{},"duplicates":{},"out_of_order":{},"throttled":{},"errors":{},"ok":{},)"
      R"("connections":{},"threads":{},)"
      R"("broker_cpu_s":{:.3f},"broker_cpu_pct":{:.1f},"broker_rss_kib":{},"broker_peak_rss_kib":{},)"
      R"("rss_per_conn_bytes":{},"bench_cpu_s":{:.3f},"bench_cpu_pct":{:.1f}}})",
      broker_name(o.broker), transport_name(o.transport), scenario_name(o.scenario), o.clients, o.payload,
      o.rate, seconds, r.published, r.delivered, r.expected, r.measured_published, r.measured_deliveries,
      per_second(static_cast<double>(r.measured_published), seconds),
      per_second(static_cast<double>(r.measured_deliveries), seconds), r.latency_count, r.p50_us, r.p90_us,
      r.p99_us, r.p999_us, r.max_us, lost(r), r.duplicates, r.out_of_order, r.throttled, errors,
      run_ok(r) ? "true" : "false", r.connections, o.threads, r.broker_cpu_s,
      100.0 * per_second(r.broker_cpu_s, seconds), r.broker_rss_kib, r.broker_peak_rss_kib, rss_per_conn,
      r.bench_cpu_s, 100.0 * per_second(r.bench_cpu_s, seconds));
}

std::string result_summary(const BenchOptions& o, const RunResult& r) {
  const double seconds = r.measured_seconds;
  std::string s = fmt::format("{} over {}, {} x{} ({} connections), {} B payload, {}\n",
                              broker_name(o.broker), transport_name(o.transport), scenario_name(o.scenario),
                              o.clients, r.connections, o.payload,
                              o.rate > 0 ? fmt::format("offered {:.0f} msg/s", o.rate) : "saturation");
  s += fmt::format("  deliveries/s {:.0f}   publishes/s {:.0f}   (over {:.2f} s)\n",
                   per_second(static_cast<double>(r.measured_deliveries), seconds),
                   per_second(static_cast<double>(r.measured_published), seconds), seconds);
  s += fmt::format("  latency us   p50 {:.1f}  p90 {:.1f}  p99 {:.1f}  p99.9 {:.1f}  max {:.1f}  ({} samples)\n",
                   r.p50_us, r.p90_us, r.p99_us, r.p999_us, r.max_us, r.latency_count);
  s += fmt::format("  delivered {} of {}   lost {}   duplicates {}   out of order {}{}\n", r.delivered,
                   r.expected, lost(r), r.duplicates, r.out_of_order,
                   r.throttled ? fmt::format("   held back {}", r.throttled) : "");
  if (o.broker_pid > 0) {
    s += fmt::format("  broker cpu {:.0f}%   rss {} KiB   peak {} KiB", 100.0 * per_second(r.broker_cpu_s, seconds),
                     r.broker_rss_kib, r.broker_peak_rss_kib);
    if (r.rss_per_conn_bytes >= 0) s += fmt::format("   {:.0f} B per connection", r.rss_per_conn_bytes);
    s += "\n";
  }
  s += fmt::format("  generator cpu {:.0f}% ({} thread{})\n", 100.0 * per_second(r.bench_cpu_s, seconds),
                   o.threads, o.threads > 1 ? "s" : "");
  for (const auto& e : r.errors) s += fmt::format("  error: {}\n", e);
  s += run_ok(r) ? "  ok: every message arrived once, in order\n" : "  NOT OK\n";
  return s;
}

}  // namespace smq::bench
