// The monitoring listener (see monitor_server.hpp). Broker thread only.
#include "broker/monitor/monitor_server.hpp"

#include <asio/steady_timer.hpp>
#include <asio/write.hpp>
#include <fmt/format.h>

#include "protocol/http_request.hpp"

namespace smq {
namespace {

constexpr std::size_t read_chunk = 2048;

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    default: return "Error";
  }
}

// One accepted socket: reads the request head, writes the answer, closes.
class MonitorConnection : public std::enable_shared_from_this<MonitorConnection> {
 public:
  MonitorConnection(std::shared_ptr<MonitorServer> server, asio::ip::tcp::socket socket,
                    asio::io_context& io)
      : server_(std::move(server)), socket_(std::move(socket)), deadline_(io) {}
  ~MonitorConnection() { server_->connection_closed(); }

  void start() {
    deadline_.expires_after(monitor_deadline);
    deadline_.async_wait([weak = weak_from_this()](const asio::error_code& ec) {
      if (const auto self = weak.lock(); self && !ec) self->close();
    });
    read();
  }

 private:
  void read() {
    buffer_.resize(received_ + read_chunk);
    socket_.async_read_some(asio::buffer(buffer_.data() + received_, read_chunk),
                            [self = shared_from_this()](const asio::error_code& ec, std::size_t n) {
                              if (ec) {
                                self->close();
                                return;
                              }
                              self->received_ += n;
                              self->on_data();
                            });
  }

  void on_data() {
    http::Request request;
    const http::ParseResult result =
        parser_.parse(std::string_view(buffer_.data(), received_), request);
    if (result.status == http::ParseStatus::need_more) {
      read();
      return;
    }
    MonitorResponse response;
    bool head = false;
    if (result.status == http::ParseStatus::error) {
      response = {result.error_status, "text/plain", std::string(result.error) + "\n", {}};
    } else {
      head = request.method == "HEAD";
      const MonitorRequest r{request.method, request.target, request.path(),
                             request.find("Authorization").value_or("")};
      response = server_->answer(r);
    }
    out_ = format_response(response, head);
    asio::async_write(socket_, asio::buffer(out_),
                      [self = shared_from_this()](const asio::error_code&, std::size_t) {
                        self->close();
                      });
  }

  void close() {
    deadline_.cancel();
    asio::error_code ignored;
    socket_.shutdown(asio::socket_base::shutdown_both, ignored);
    socket_.close(ignored);
  }

  std::shared_ptr<MonitorServer> server_;
  asio::ip::tcp::socket socket_;
  asio::steady_timer deadline_;
  std::string buffer_;
  std::size_t received_ = 0;
  http::RequestParser parser_;
  std::string out_;
};

}  // namespace

std::string format_response(const MonitorResponse& response, bool head) {
  std::string out = fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n"
                                "Cache-Control: no-store\r\nConnection: close\r\n",
                                response.status, reason_phrase(response.status),
                                response.content_type, response.body.size());
  for (const std::string& line : response.headers) out += line + "\r\n";
  out += "\r\n";
  if (!head) out += response.body;
  return out;
}

MonitorServer::MonitorServer(asio::io_context& io, Logger& log,
                             const asio::ip::tcp::endpoint& endpoint, Handler handler)
    : io_(io), log_(log), acceptor_(io), retry_(io), handler_(std::move(handler)) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
}

void MonitorServer::start() { accept(); }

void MonitorServer::stop() {
  asio::error_code ignored;
  acceptor_.close(ignored);
  retry_.cancel();
}

void MonitorServer::accept() {
  acceptor_.async_accept([self = shared_from_this()](const asio::error_code& ec,
                                                     asio::ip::tcp::socket socket) {
    if (!self->acceptor_.is_open()) return;
    if (!ec) {
      if (self->open_ >= max_monitor_connections) {
        asio::error_code ignored;
        socket.close(ignored);
      } else {
        ++self->open_;
        std::make_shared<MonitorConnection>(self, std::move(socket), self->io_)->start();
      }
    } else {
      // Out of file descriptors, say: try again shortly instead of spinning.
      self->log_.warn("monitor: accept failed: {}", ec.message());
      self->retry_.expires_after(monitor_accept_retry);
      self->retry_.async_wait([self](const asio::error_code& e) {
        if (!e) self->accept();
      });
      return;
    }
    self->accept();
  });
}

MonitorResponse MonitorServer::answer(const MonitorRequest& request) const {
  if (request.method != "GET" && request.method != "HEAD") {
    return {405, "text/plain", "only GET and HEAD\n", {"Allow: GET, HEAD"}};
  }
  try {
    return handler_(request);
  } catch (const std::exception& e) {
    log_.error("monitor: {} failed: {}", printable(request.path), e.what());
    return {503, "text/plain", "internal error\n", {}};
  }
}

}  // namespace smq
