// smq-broker: the standalone broker executable. Parses options, starts the broker and runs
// it on the main thread until SIGINT/SIGTERM.
#include <fmt/core.h>

#include <exception>
#include <string>
#include <vector>

#include "broker/app/options_parser.hpp"
#include "broker/app/signals.hpp"
#include "broker/broker.hpp"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  const smq::CommandLine cl = smq::parse_command_line(args);
  if (!cl.error.empty()) {
    fmt::print(stderr, "smq-broker: {}\n", cl.error);
    return 2;
  }
  if (cl.help) {
    fmt::print("{}", smq::usage("smq-broker"));
    return 0;
  }
  if (cl.version) {
    fmt::print("{}\n", smq::version_text());
    return 0;
  }
  try {
    smq::Broker broker(cl.options);
    broker.start();
    smq::stop_on_signals(broker);
    broker.run();
  } catch (const std::exception& e) {
    fmt::print(stderr, "smq-broker: {}\n", e.what());
    return 1;
  }
  return 0;
}
