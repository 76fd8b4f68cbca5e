// Signal handling for the executables (see signals.hpp). Broker thread.
#include "broker/app/signals.hpp"

#include <asio/signal_set.hpp>

#include <csignal>
#include <cstdlib>
#include <memory>

#include "broker/app/service_notify.hpp"
#include "broker/broker.hpp"

namespace smq {
namespace {

// Re-armed after each SIGHUP, so repeated ones are all handled and none ends the process.
// While no wait is pending Asio still catches the signal and queues it for the next one.
void on_hangups(Broker& broker, const std::shared_ptr<asio::signal_set>& hup,
                std::function<void()> on_hangup) {
  hup->async_wait([&broker, hup, on_hangup = std::move(on_hangup)](const asio::error_code& ec,
                                                                   int) mutable {
    if (ec) return;
    if (on_hangup) {
      on_hangup();
    } else {
      broker.logger().info("SIGHUP: nothing to reload (no --config file); carrying on");
    }
    on_hangups(broker, hup, std::move(on_hangup));
  });
}

void on_drain_requests(Broker& broker, const std::shared_ptr<asio::signal_set>& usr2) {
  usr2->async_wait([&broker, usr2](const asio::error_code& ec, int) {
    if (ec) return;
    if (broker.draining()) {
      broker.logger().info("SIGUSR2: a lame-duck drain is already under way");
    } else {
      broker.logger().info("SIGUSR2: lame-duck drain");
      // The drain ends in an exit: tell a service manager the stop has begun.
      notify_stopping("lame-duck drain");
      broker.lame_duck();
    }
    on_drain_requests(broker, usr2);
  });
}

}  // namespace

void stop_on_signals(Broker& broker, std::function<void()> on_hangup) {
  auto signals = std::make_shared<asio::signal_set>(broker.context(), SIGINT, SIGTERM);
  signals->async_wait([&broker, signals](const asio::error_code& ec, int number) {
    if (ec) return;
    broker.logger().info("signal {}: shutting down (again to exit at once)", number);
    notify_stopping("shutting down");
    broker.stop();
    signals->async_wait([](const asio::error_code& e, int) {
      if (!e) std::_Exit(1);
    });
  });
  on_hangups(broker, std::make_shared<asio::signal_set>(broker.context(), SIGHUP),
             std::move(on_hangup));
  // One drain per process: later SIGUSR2s are caught (their default action would kill the
  // broker mid-drain) and logged.
  auto usr2 = std::make_shared<asio::signal_set>(broker.context(), SIGUSR2);
  on_drain_requests(broker, usr2);
}

void ignore_sigpipe() { std::signal(SIGPIPE, SIG_IGN); }

}  // namespace smq
