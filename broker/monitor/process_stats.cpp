// Process readings from /proc (see process_stats.hpp). Any thread.
#include "broker/monitor/process_stats.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace smq {

std::optional<ProcessStats> read_process_stats() {
  ProcessStats out;
  std::ifstream stat_file("/proc/self/stat");
  std::string stat;
  if (!stat_file || !std::getline(stat_file, stat)) return std::nullopt;
  // The command name (field 2) is in parentheses and may hold spaces: fields are counted
  // from the last ')'.
  const std::size_t close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0, start_ticks = 0, vsize = 0, rss_pages = 0;
  // Field 3 is the first after ')'; utime 14, stime 15, starttime 22, vsize 23, rss 24.
  for (int index = 3; index <= 24 && fields >> field; ++index) {
    if (index == 14) utime = std::stod(field);
    if (index == 15) stime = std::stod(field);
    if (index == 22) start_ticks = std::stod(field);
    if (index == 23) vsize = std::stod(field);
    if (index == 24) rss_pages = std::stod(field);
  }
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  out.cpu_seconds = (utime + stime) / ticks;
  out.virtual_bytes = vsize;
  out.resident_bytes = rss_pages * page;
  // Boot time from /proc/stat's btime, plus the start in ticks since boot.
  std::ifstream boot("/proc/stat");
  for (std::string line; std::getline(boot, line);) {
    if (line.rfind("btime ", 0) == 0) {
      out.start_time_seconds = std::stod(line.substr(6)) + start_ticks / ticks;
      break;
    }
  }
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    out.open_fds += 1;
  }
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) out.max_fds = static_cast<double>(limit.rlim_cur);
  return out;
}

}  // namespace smq
