// smq-bench: load generator for SMQ brokers, with MQTT and NATS drivers for side-by-side
// comparisons (bench/compare runs it). Parses the command line, runs one benchmark and
// reports it. Main thread; the connections run on worker threads (run.cpp).
#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <fstream>

#include "options.hpp"
#include "report.hpp"
#include "run.hpp"

int main(int argc, char** argv) {
  using namespace smq::bench;
  const ParsedCommandLine cl = parse_command_line(argc, argv);
  if (cl.help) {
    std::fputs(usage(), stdout);
    return 0;
  }
  if (!cl.error.empty()) {
    std::fprintf(stderr, "smq-bench: %s\n\n%s", cl.error.c_str(), usage());
    return 2;
  }
  std::signal(SIGPIPE, SIG_IGN);
  // Thousands of connections need thousands of descriptors: use all the hard limit allows.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }

  const BenchOptions& o = cl.options;
  const RunResult result = run_benchmark(o);
  std::fputs(result_summary(o, result).c_str(), stderr);
  const std::string json = result_json(o, result) + "\n";
  if (o.json_path == "-") {
    std::fputs(json.c_str(), stdout);
  } else if (!o.json_path.empty()) {
    std::ofstream(o.json_path) << json;
  }
  if (!result.reached) return 2;
  return run_ok(result) ? 0 : 1;
}
