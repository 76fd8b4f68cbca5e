// Signal handling for the executables. SIGINT/SIGTERM: the first signal stops the broker
// gracefully (clients get Disconnect "shutdown"), a second one exits at once. SIGHUP runs
// `on_hangup` (smq-broker: reload the configuration file), however often it comes; without
// one it is logged and ignored. SIGUSR2 starts a lame-duck drain (Broker::lame_duck): the
// clients are disconnected over lame_duck_duration, then the broker stops.
// Signals are delivered through Asio on the broker thread. SIGPIPE is ignored by the
// executables' main() (ignore_sigpipe) so a write to a vanished peer never kills them.
#pragma once

#include <functional>

namespace smq {

class Broker;

void stop_on_signals(Broker& broker, std::function<void()> on_hangup = {});
void ignore_sigpipe();

}  // namespace smq
