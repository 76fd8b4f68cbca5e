// smq-broker: the standalone broker executable. Reads its settings (command line, --config
// file), validates them and the files they name (--check stops there), starts the broker and runs it on the main
// thread until SIGINT/SIGTERM. SIGHUP re-reads the file (on the broker thread).
#include <fmt/core.h>

#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include "broker/app/options_parser.hpp"
#include "broker/app/service_notify.hpp"
#include "broker/app/signals.hpp"
#include "broker/app/web_app_dir.hpp"
#include "broker/broker.hpp"
#include "broker/examples/hello5.hpp"

namespace {

// The options the broker runs with: the settings, plus the bundled web app (installed, or
// built in the source tree) when no web root was named.
smq::BrokerOptions effective_options(const smq::Settings& settings) {
  smq::BrokerOptions options = settings.options;
  if (options.web_root.empty()) options.web_root = smq::bundled_web_app_dir();
  return options;
}

// SIGHUP: the command line and the file are read again, as at start-up; the file's new
// values apply where they can change while running. A file that does not parse or validate
// changes nothing.
void reload(smq::Broker& broker, const std::vector<std::string>& args, bool hello5) {
  const smq::ReloadNotice notice;  // RELOADING=1 now, READY=1 however this returns
  smq::Logger& log = broker.logger();
  const smq::CommandLine cl = smq::parse_command_line(args);
  if (cl.error.empty() && cl.settings.hello5 != hello5) {
    log.warn("reload: hello5: cannot change while running (restart to apply)");
  }
  std::string error = cl.error;
  if (error.empty()) {
    if (const auto files = smq::check_files(cl.settings)) error = *files;
  }
  if (!error.empty()) {
    log.error("reload rejected, the running configuration stays: {}", error);
    return;
  }
  try {
    const std::vector<std::string> changes = broker.reconfigure(effective_options(cl.settings));
    // At warn, so that a reload which lowers the log level still shows what it did.
    if (changes.empty()) log.warn("reload: {}: nothing changed", cl.config_file);
    for (const std::string& line : changes) log.warn("reload: {}", line);
  } catch (const std::exception& e) {
    log.error("reload rejected, the running configuration stays: {}", e.what());
  }
}

}  // namespace

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
    if (const auto error = smq::check_files(cl.settings)) {
      fmt::print(stderr, "smq-broker: {}\n", *error);
      return 2;
    }
    fmt::print("{}: settings are valid\n", cl.config_file.empty() ? "command line" : cl.config_file);
    return 0;
  }
  const smq::BrokerOptions options = effective_options(cl.settings);
  try {
    smq::Broker broker(options);
    if (cl.settings.hello5) smq::install_hello5(broker);
    // Signals first: once "listening" is logged an operator (or a supervisor) may send
    // SIGHUP or SIGTERM at any moment, and their default action would kill the process.
    std::function<void()> on_hangup;
    if (!cl.config_file.empty()) {
      on_hangup = [&broker, &args, hello5 = cl.settings.hello5] { reload(broker, args, hello5); };
    }
    smq::stop_on_signals(broker, std::move(on_hangup));
    broker.start();
    smq::notify_ready(fmt::format("serving on {} listener(s)", broker.endpoints().size()));
    if (!options.web_root.empty()) broker.logger().info("web root: {}", options.web_root);
    if (!cl.config_file.empty()) broker.logger().info("configuration: {}", cl.config_file);
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
