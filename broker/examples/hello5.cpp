// hello5 server code (see hello5.hpp). Broker thread.
#include "broker/examples/hello5.hpp"

#include <asio/steady_timer.hpp>
#include <fmt/format.h>

#include <memory>
#include <string>

#include "broker/broker.hpp"
#include "broker/local_client.hpp"

namespace smq {
namespace {

// Sends message number `n` (1..5) to `etid`, then schedules the next one.
void send_next(Broker& broker, std::shared_ptr<asio::steady_timer> timer,
               std::chrono::milliseconds interval, std::uint32_t etid, std::string greeting,
               int n) {
  broker.server().publish(fmt::format("{} ({} of 5)", greeting, n), etid);
  if (n == 5) return;
  timer->expires_after(interval);
  timer->async_wait([&broker, timer, interval, etid, greeting, n](const asio::error_code& ec) {
    if (!ec) send_next(broker, timer, interval, etid, greeting, n + 1);
  });
}

}  // namespace

void install_hello5(Broker& broker, std::chrono::milliseconds interval) {
  broker.server().subscribe("hello", [&broker, interval](const Delivery& m) {
    const std::string greeting = fmt::format("Hello, you said '{}'", m.text());
    auto timer = std::make_shared<asio::steady_timer>(broker.context());
    send_next(broker, timer, interval, m.ptid, greeting, 1);
  });
}

}  // namespace smq
