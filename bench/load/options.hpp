// smq-bench's command line: what to run against which broker, and how hard. Main thread.
#pragma once

#include <string>

#include "wire.hpp"

namespace smq::bench {

enum class Scenario { fanout, fanin, pairs, reqrep, idle };

struct BenchOptions {
  BrokerKind broker = BrokerKind::smq;
  TransportKind transport = TransportKind::ws;
  std::string host = "127.0.0.1";
  int port = 0;
  std::string path = "/";
  Scenario scenario = Scenario::pairs;
  int clients = 10;            // see usage(): its meaning depends on the scenario
  std::size_t payload = 64;    // bytes, 16..16384
  double rate = 0;             // total offered publishes per second; 0 = saturation
  double duration = 5;         // measured seconds
  double warmup = 1;           // seconds before measuring
  int window = 256;            // saturation: most messages a publisher has in flight
  int threads = 1;             // worker threads (event loops)
  int source_addrs = 0;        // 127.0.0.1..127.0.0.N as source addresses; 0 = automatic
  int broker_pid = 0;
  std::string json_path;       // "-" = stdout
  double drain_timeout = 10;   // seconds to wait for in-flight messages after the run
};

struct ParsedCommandLine {
  BenchOptions options;
  std::string error;  // non-empty: print with usage, exit 2
  bool help = false;
};

ParsedCommandLine parse_command_line(int argc, char** argv);
const char* usage();
const char* scenario_name(Scenario s);

}  // namespace smq::bench
