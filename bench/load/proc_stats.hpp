// Readings from /proc: a broker process's CPU time and resident memory, and this process's
// own CPU time (so a saturated generator is never mistaken for a slow broker). Any thread.
#pragma once

#include <optional>

namespace smq::bench {

struct ProcessSample {
  double cpu_seconds = 0;   // user + system
  long rss_kib = 0;         // VmRSS
  long peak_rss_kib = 0;    // VmHWM
};

// nullopt when the process does not exist or /proc cannot be read.
std::optional<ProcessSample> sample_process(int pid);
// This process's user + system CPU time.
double own_cpu_seconds();

}  // namespace smq::bench
