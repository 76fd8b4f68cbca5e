// The monitoring listener (--monitor HOST:PORT): a small HTTP/1.1 server for operators'
// tools (Prometheus, health checks, curl), apart from the client listeners so that it can
// stay on loopback or a management network. One request per connection, GET or HEAD only,
// answered by a handler and closed; a bounded number of connections at once, each within a
// deadline. Broker thread only.
#pragma once

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "broker/log.hpp"

namespace smq {

// Monitoring connections open at once; more are closed at accept. Scrapers and health
// checks hold one each for milliseconds.
inline constexpr std::size_t max_monitor_connections = 32;
// A monitoring request must arrive and be answered within this time.
inline constexpr std::chrono::milliseconds monitor_deadline{5'000};
// After a failed accept (no file descriptors left), wait this long before the next.
inline constexpr std::chrono::milliseconds monitor_accept_retry{100};

struct MonitorRequest {
  std::string_view method;         // GET or HEAD
  std::string_view target;         // "/varz?x=1"
  std::string_view path;           // "/varz"
  std::string_view authorization;  // the Authorization header, if any
};

struct MonitorResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  // Extra header lines ("WWW-Authenticate: Bearer"), each without CRLF.
  std::vector<std::string> headers;
};

class MonitorServer : public std::enable_shared_from_this<MonitorServer> {
 public:
  using Handler = std::function<MonitorResponse(const MonitorRequest&)>;

  // Binds `endpoint` (throws std::system_error). Accepts once start() runs.
  MonitorServer(asio::io_context& io, Logger& log, const asio::ip::tcp::endpoint& endpoint,
                Handler handler);
  void start();
  void stop();
  asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

  // For connections: answers one request (the handler, or a 4xx of our own).
  MonitorResponse answer(const MonitorRequest& request) const;
  void connection_closed() { --open_; }
  Logger& log() { return log_; }

 private:
  void accept();

  asio::io_context& io_;
  Logger& log_;
  asio::ip::tcp::acceptor acceptor_;
  asio::steady_timer retry_;
  Handler handler_;
  std::size_t open_ = 0;
};

// The response as bytes on the wire (status line, Content-Type, Content-Length,
// Connection: close, extra headers); `head` leaves out the body (HEAD requests).
std::string format_response(const MonitorResponse& response, bool head);

}  // namespace smq
