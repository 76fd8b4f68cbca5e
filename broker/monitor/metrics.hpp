// /metrics: the broker's counters in the Prometheus text exposition format, collected at
// scrape time from the counters the broker keeps anyway (the hot path pays nothing) and
// serialized by prometheus-cpp's core library. Names follow Prometheus conventions: smq_
// prefix, _total for counters, base units, no per-topic or per-client labels. Broker thread.
#pragma once

#include <string>

namespace smq {

class Broker;

// The exposition text (content type "text/plain; version=0.0.4").
std::string metrics_text(Broker& broker);

}  // namespace smq
