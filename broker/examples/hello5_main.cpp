// hello5: the broker with the classic example server code. Publish anything to the topic
// "hello" and the server sends you five messages, one second apart, to your ETID.
#include <fmt/core.h>

#include <exception>
#include <string>
#include <vector>

#include "broker/app/options_parser.hpp"
#include "broker/app/signals.hpp"
#include "broker/broker.hpp"
#include "broker/examples/hello5.hpp"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  const smq::CommandLine cl = smq::parse_command_line(args);
  if (!cl.error.empty()) {
    fmt::print(stderr, "hello5: {}\n", cl.error);
    return 2;
  }
  if (cl.help || cl.version) {
    fmt::print("{}", cl.help ? smq::usage("hello5") : smq::version_text() + "\n");
    return 0;
  }
  if (cl.check) {
    fmt::print("hello5: settings are valid\n");
    return 0;
  }
  try {
    smq::Broker broker(cl.settings.options);
    smq::install_hello5(broker);
    smq::stop_on_signals(broker);  // before "listening" is logged (see smq-broker's main)
    broker.start();
    broker.logger().info("hello5: publish to topic \"hello\" to get five replies");
    broker.run();
  } catch (const std::exception& e) {
    fmt::print(stderr, "hello5: {}\n", e.what());
    return 1;
  }
  return 0;
}
