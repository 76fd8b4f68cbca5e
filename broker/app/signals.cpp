// Signal handling for the executables (see signals.hpp). Broker thread.
#include "broker/app/signals.hpp"

#include <asio/signal_set.hpp>

#include <csignal>
#include <cstdlib>
#include <memory>

#include "broker/broker.hpp"

namespace smq {
namespace {

// Re-armed after each SIGHUP, so repeated ones are all logged and none ends the process.
// While no wait is pending Asio still catches the signal and queues it for the next one.
void log_and_ignore_hangups(Broker& broker, const std::shared_ptr<asio::signal_set>& hup) {
  hup->async_wait([&broker, hup](const asio::error_code& ec, int) {
    if (ec) return;
    broker.logger().info("SIGHUP: configuration reload is not supported yet; carrying on");
    log_and_ignore_hangups(broker, hup);
  });
}

}  // namespace

void stop_on_signals(Broker& broker) {
  auto signals = std::make_shared<asio::signal_set>(broker.context(), SIGINT, SIGTERM);
  signals->async_wait([&broker, signals](const asio::error_code& ec, int number) {
    if (ec) return;
    broker.logger().info("signal {}: shutting down (again to exit at once)", number);
    broker.stop();
    signals->async_wait([](const asio::error_code& e, int) {
      if (!e) std::_Exit(1);
    });
  });
  log_and_ignore_hangups(broker, std::make_shared<asio::signal_set>(broker.context(), SIGHUP));
}

void ignore_sigpipe() { std::signal(SIGPIPE, SIG_IGN); }

}  // namespace smq
