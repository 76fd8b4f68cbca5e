// One listening socket: accepts connections and hands each to an HttpConnection. Accept
// errors (such as running out of file descriptors) back off from 10 ms to 1 s instead of
// spinning. Broker thread only.
#pragma once

#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <string_view>

#include "broker/net/net_context.hpp"

namespace smq {

// "127.0.0.1:9700", "[::1]:9700", "0.0.0.0:0", "localhost:9700". Throws on bad syntax.
asio::ip::tcp::endpoint parse_listen_address(std::string_view text);

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  // Binds at once; throws std::system_error when the address is unusable.
  // `tls`: connections on this listener start with a TLS handshake (ctx.tls must be set).
  Listener(NetContext& ctx, const asio::ip::tcp::endpoint& endpoint, bool tls = false);
  bool tls() const { return tls_; }
  void start() { accept(); }
  void stop();
  asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

 private:
  void accept();
  void on_accept(const asio::error_code& ec, asio::ip::tcp::socket socket);

  NetContext& ctx_;
  asio::ip::tcp::acceptor acceptor_;
  asio::steady_timer backoff_timer_;
  std::chrono::milliseconds backoff_{0};
  bool tls_ = false;
};

}  // namespace smq
