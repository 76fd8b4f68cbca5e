// Signal handling for the executables (see signals.hpp). Broker thread.
#include "broker/app/signals.hpp"

#include <asio/signal_set.hpp>

#include <csignal>
#include <cstdlib>
#include <memory>

#include "broker/broker.hpp"

namespace smq {

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
}

}  // namespace smq
