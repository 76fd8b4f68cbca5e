// Prometheus metrics from a stats snapshot (see metrics.hpp). Broker thread.
#include "broker/monitor/metrics.hpp"

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

#include <string>
#include <utility>
#include <vector>

#include "broker/broker.hpp"
#include "broker/hub.hpp"
#include "broker/monitor/endpoints.hpp"
#include "broker/monitor/process_stats.hpp"

namespace smq {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using Labels = std::vector<ClientMetric::Label>;

class Families {
 public:
  void counter(std::string name, std::string help, double value, Labels labels = {}) {
    add(std::move(name), std::move(help), MetricType::Counter, value, std::move(labels));
  }
  void gauge(std::string name, std::string help, double value, Labels labels = {}) {
    add(std::move(name), std::move(help), MetricType::Gauge, value, std::move(labels));
  }
  std::vector<MetricFamily>& all() { return families_; }

 private:
  // Samples of one name go into one family (its HELP and TYPE are written once).
  void add(std::string name, std::string help, MetricType type, double value, Labels labels) {
    if (families_.empty() || families_.back().name != name) {
      families_.push_back(MetricFamily{std::move(name), std::move(help), type, {}});
    }
    ClientMetric m;
    m.label = std::move(labels);
    (type == MetricType::Counter ? m.counter.value : m.gauge.value) = value;
    families_.back().metric.push_back(std::move(m));
  }
  std::vector<MetricFamily> families_;
};

// "slow consumer" -> "slow_consumer": label values that read like identifiers.
std::string label_of(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = c == ' ' ? '_' : c;
  return out;
}

double d(std::uint64_t n) { return static_cast<double>(n); }

}  // namespace

std::string metrics_text(Broker& broker) {
  const BrokerStats s = broker.stats();
  std::size_t subscriptions = 0;
  broker.hub().for_each_topic(
      [&](std::uint32_t, std::string_view, std::size_t count) { subscriptions += count; });
  Families f;
  f.gauge("smq_build_info", "Version of the running broker (always 1).", 1,
          {{"version", broker_version()}});
  f.gauge("smq_uptime_seconds", "Seconds since the broker started.", s.uptime_seconds);
  f.gauge("smq_connections", "Connected SMQ clients by transport.", d(s.websocket_clients),
          {{"transport", "websocket"}});
  f.gauge("smq_connections", "Connected SMQ clients by transport.", d(s.raw_clients),
          {{"transport", "raw"}});
  f.gauge("smq_connections_pending", "Sockets before their Connack (HTTP head, TLS, login).",
          d(s.pending_connections));
  f.counter("smq_connections_accepted_total", "Sockets accepted on the client listeners.",
            d(s.accepted));
  for (std::size_t i = 0; i < close_reason_count; ++i) {
    f.counter("smq_connections_closed_total", "Sessions ended, by reason.", d(s.closes[i]),
              {{"reason", label_of(to_string(static_cast<CloseReason>(i)))}});
  }
  f.gauge("smq_subscriptions", "Subscriptions of all clients to named topics.",
          static_cast<double>(subscriptions));
  f.gauge("smq_topics", "Named topics.", d(s.topics));
  f.gauge("smq_subtopics", "Sub-topic names.", d(s.subtopics));
  f.counter("smq_messages_received_total", "Publish messages accepted for routing.",
            d(s.published));
  f.counter("smq_messages_sent_total", "Message copies queued to recipients.", d(s.delivered));
  f.counter("smq_bytes_received_total", "Bytes read from client sessions.", d(s.bytes_in));
  f.counter("smq_bytes_sent_total", "Bytes written to client sessions.", d(s.bytes_out));
  const std::pair<const char*, std::uint64_t> drops[] = {
      {"no_subscriber", s.dropped},
      {"denied", s.denied_publishes},
      {"rate_limited", s.rate_limited_drops},
  };
  for (const auto& [reason, count] : drops) {
    f.counter("smq_messages_dropped_total",
              "Messages that reached nobody: no subscriber, refused by the permissions, over "
              "the sender's rate.",
              d(count), {{"reason", reason}});
  }
  f.counter("smq_slow_consumers_total", "Clients disconnected for falling behind.",
            d(s.slow_consumers));
  f.counter("smq_auth_logins_total", "Password and token logins accepted.", d(s.auth_logins));
  f.counter("smq_auth_failures_total", "Logins refused for their credentials.", d(s.auth_failures));
  f.counter("smq_auth_throttled_total", "Logins refused with try again later.",
            d(s.auth_throttled));
  if (const auto p = read_process_stats()) {
    f.counter("process_cpu_seconds_total", "User and system CPU time.", p->cpu_seconds);
    f.gauge("process_resident_memory_bytes", "Resident memory.", p->resident_bytes);
    f.gauge("process_virtual_memory_bytes", "Virtual memory.", p->virtual_bytes);
    f.gauge("process_open_fds", "Open file descriptors.", p->open_fds);
    f.gauge("process_max_fds", "Limit of open file descriptors.", p->max_fds);
    f.gauge("process_start_time_seconds", "Start time since the epoch.", p->start_time_seconds);
  }
  return prometheus::TextSerializer().Serialize(f.all());
}

}  // namespace smq
