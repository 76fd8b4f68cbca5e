// The scenario as connections: who subscribes to what, who publishes where and with which
// window, who answers requests. Main thread, before the workers start.
#pragma once

#include <asio/ip/tcp.hpp>

#include "engine.hpp"

namespace smq::bench {

// Creates the scenario's clients on the engine's workers (round robin) and its publishers;
// returns the number of connections.
int build_plan(Engine& engine, const asio::ip::tcp::endpoint& broker);

}  // namespace smq::bench
