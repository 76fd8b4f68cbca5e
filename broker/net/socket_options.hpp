// Socket set-up shared by every accepted connection: no Nagle delay, TCP keepalive with the
// configured timings (dead devices are found by keepalive, never by an SMQ idle timeout),
// and the peer's address as text. Broker thread.
#pragma once

#include <asio/ip/tcp.hpp>

#include <chrono>
#include <string>

namespace smq {

// `user_timeout` becomes TCP_USER_TIMEOUT: how long sent data may stay unacknowledged before
// the kernel drops the connection (it also bounds keepalive's unanswered probes).
void tune_socket(asio::ip::tcp::socket& socket, std::chrono::seconds keepalive_idle,
                 std::chrono::seconds keepalive_interval, std::chrono::milliseconds user_timeout);

// "127.0.0.1", "::1"; IPv4-mapped IPv6 addresses are shown as plain IPv4.
std::string peer_address(const asio::ip::tcp::socket& socket);

}  // namespace smq
