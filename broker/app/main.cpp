// smq-broker: the standalone broker executable. Reads its settings (command line, --config
// file), validates them (--check stops there), starts the broker and runs it on the main
// thread until SIGINT/SIGTERM.
#include <fmt/core.h>

#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include "broker/app/options_parser.hpp"
#include "broker/app/signals.hpp"
#include "broker/broker.hpp"
#include "broker/examples/hello5.hpp"

int main(int argc, char** argv) {
  smq::ignore_sigpipe();
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
  if (cl.check) {
    if (const auto error = smq::check_tls_files(cl.settings)) {
      fmt::print(stderr, "smq-broker: {}\n", *error);
      return 2;
    }
    fmt::print("{}: settings are valid\n", cl.config_file.empty() ? "command line" : cl.config_file);
    return 0;
  }
  smq::BrokerOptions options = cl.settings.options;
#ifdef SMQ_WEB_APP_DIR
  // Built from source: serve the web app built next to it unless told otherwise.
  std::error_code ec;
  if (options.web_root.empty() && std::filesystem::is_directory(SMQ_WEB_APP_DIR, ec)) {
    options.web_root = SMQ_WEB_APP_DIR;
  }
#endif
  try {
    smq::Broker broker(options);
    if (cl.settings.hello5) smq::install_hello5(broker);
    // Signals first: once "listening" is logged an operator (or a supervisor) may send
    // SIGHUP or SIGTERM at any moment, and their default action would kill the process.
    smq::stop_on_signals(broker);
    broker.start();
    if (!options.web_root.empty()) broker.logger().info("web root: {}", options.web_root);
    if (cl.settings.hello5) {
      broker.logger().info("hello5 demo active: publish to topic \"hello\" to get five replies");
    }
    broker.run();
    broker.logger().info("stopped");
  } catch (const std::exception& e) {
    fmt::print(stderr, "smq-broker: {}\n", e.what());
    return 1;
  }
  return 0;
}
