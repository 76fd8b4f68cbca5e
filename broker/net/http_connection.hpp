// A freshly accepted socket until we know what it is: runs the TLS handshake on TLS
// listeners, reads the HTTP request head (both within one absolute deadline) and classifies it: WebSocket upgrade -> WsSession, `SimpleMQ` header ->
// RawSession (with the optional HTTP 200 first), any other GET -> a static file or 404.
// Broker thread only.
#pragma once

#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include <memory>
#include <string>

#include "broker/net/net_context.hpp"
#include "broker/net/stream.hpp"
#include "protocol/http_request.hpp"

namespace smq {

class HttpConnection final : public Connection,
                             public std::enable_shared_from_this<HttpConnection> {
 public:
  HttpConnection(NetContext& ctx, std::unique_ptr<Stream> stream);
  void start();
  void stop_for_shutdown() override { close(); }

 private:
  void read_head();
  void on_head(const http::Request& request, std::size_t head_size);
  void start_websocket(const http::Request& request, std::size_t head_size);
  void start_raw(const http::Request& request, std::size_t head_size);
  void serve_static(const http::Request& request);
  // Writes a complete response, then closes gracefully.
  void respond(std::string response);
  void drain_input();
  void close();

  NetContext& ctx_;
  std::unique_ptr<Stream> stream_;
  asio::steady_timer deadline_;
  std::string buffer_;
  std::size_t received_ = 0;
  http::RequestParser parser_;
  bool done_ = false;  // handed off or closed
};

}  // namespace smq
