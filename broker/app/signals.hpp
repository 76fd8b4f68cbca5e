// Signal handling for the executables. SIGINT/SIGTERM: the first signal stops the broker
// gracefully (clients get Disconnect "shutdown"), a second one exits at once. SIGHUP is
// logged and ignored (configuration reload is not supported), however often it comes.
// Signals are delivered through Asio on the broker thread. SIGPIPE is ignored by the
// executables' main() (ignore_sigpipe) so a write to a vanished peer never kills them.
#pragma once

namespace smq {

class Broker;

void stop_on_signals(Broker& broker);
void ignore_sigpipe();

}  // namespace smq
