// SIGINT/SIGTERM handling for the executables: the first signal stops the broker gracefully
// (clients get Disconnect "shutdown"), a second one exits at once. Signals are delivered
// through Asio on the broker thread.
#pragma once

namespace smq {

class Broker;

void stop_on_signals(Broker& broker);

}  // namespace smq
