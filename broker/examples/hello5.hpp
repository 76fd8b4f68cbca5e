// The classic SMQ server-side example as a reusable piece: server code subscribes to
// "hello"; when a client publishes there, it sends that client five messages, one per
// interval, to the client's ETID (the publisher's ptid). Runs on the broker thread.
#pragma once

#include <chrono>

namespace smq {

class Broker;

void install_hello5(Broker& broker,
                    std::chrono::milliseconds interval = std::chrono::milliseconds(1000));

}  // namespace smq
