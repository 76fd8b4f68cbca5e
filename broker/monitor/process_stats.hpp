// This process's own resource use for /metrics: CPU time, memory, file descriptors and the
// start time, read from /proc and getrlimit at scrape time. Any thread.
#pragma once

#include <optional>

namespace smq {

struct ProcessStats {
  double cpu_seconds = 0;          // user + system
  double resident_bytes = 0;       // VmRSS
  double virtual_bytes = 0;        // VmSize
  double open_fds = 0;             // entries of /proc/self/fd
  double max_fds = 0;              // RLIMIT_NOFILE soft limit
  double start_time_seconds = 0;   // since the epoch
};

// nullopt when /proc cannot be read (not Linux, or /proc not mounted).
std::optional<ProcessStats> read_process_stats();

}  // namespace smq
