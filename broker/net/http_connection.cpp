// Request-head reading and connection classification (see http_connection.hpp). Broker
// thread only.
#include "broker/net/http_connection.hpp"

#include <asio/write.hpp>

#include "broker/net/origin_policy.hpp"
#include "broker/net/raw_session.hpp"
#include "broker/net/socket_options.hpp"
#include "broker/net/ws_session.hpp"
#include "broker/web/static_files.hpp"
#include "protocol/ws_handshake.hpp"

namespace smq {
namespace {

constexpr std::size_t read_chunk = 2048;
// After an error response, how long we drain the client's input before closing, so the
// response is not lost to a reset.
constexpr std::chrono::milliseconds response_linger{1000};

HttpContext capture(const http::Request& request) {
  HttpContext http;
  http.target = std::string(request.target);
  http.headers.reserve(request.headers.size());
  for (const auto& h : request.headers) {
    http.headers.emplace_back(std::string(h.name), std::string(h.value));
  }
  return http;
}

bool has_body(const http::Request& request) {
  if (request.find("Transfer-Encoding")) return true;
  const auto length = request.find("Content-Length");
  return length && *length != "0";
}

}  // namespace

HttpConnection::HttpConnection(NetContext& ctx, std::unique_ptr<Stream> stream)
    : ctx_(ctx), stream_(std::move(stream)), deadline_(ctx.io),
      parser_(http::ParserLimits{}) {}

void HttpConnection::start() {
  ctx_.add(this);
  ++ctx_.counters.pending;
  // An absolute deadline: trickling bytes does not extend it.
  deadline_.expires_after(ctx_.options.http_head_deadline);
  deadline_.async_wait([self = shared_from_this()](const asio::error_code& ec) {
    if (!ec) self->close();
  });
  stream_->async_handshake([self = shared_from_this()](const asio::error_code& ec) {
    if (self->done_) return;
    if (ec) {
      self->ctx_.log.debug("tls handshake failed: {}", ec.message());
      self->close();
      return;
    }
    self->read_head();
  });
}

void HttpConnection::read_head() {
  buffer_.resize(received_ + read_chunk);
  stream_->async_read_some(
      asio::buffer(buffer_.data() + received_, read_chunk),
      [self = shared_from_this()](const asio::error_code& ec, std::size_t n) {
        if (self->done_) return;
        if (ec) {
          self->close();
          return;
        }
        self->received_ += n;
        const std::string_view data(self->buffer_.data(), self->received_);
        http::Request request;
        const http::ParseResult result = self->parser_.parse(data, request);
        switch (result.status) {
          case http::ParseStatus::need_more:
            self->read_head();
            return;
          case http::ParseStatus::error:
            self->ctx_.log.debug("http: bad request head: {}", result.error);
            self->respond(ws::error_response(result.error_status, result.error));
            return;
          case http::ParseStatus::complete:
            self->on_head(request, result.head_size);
            return;
        }
      });
}

void HttpConnection::on_head(const http::Request& request, std::size_t head_size) {
  const bool smq_path =
      ctx_.options.smq_path.empty() || request.path() == ctx_.options.smq_path;
  if (smq_path && ws::wants_upgrade(request)) {
    start_websocket(request, head_size);
  } else if (smq_path && request.find("SimpleMQ")) {
    start_raw(request, head_size);
  } else {
    serve_static(request);
  }
}

void HttpConnection::start_websocket(const http::Request& request, std::size_t head_size) {
  const ws::UpgradeCheck check = ws::check_upgrade(request);
  if (check.status != 0) {
    respond(ws::error_response(check.status, check.reason));
    return;
  }
  const auto origin = request.find("Origin");
  if (request.count("Origin") > 1 ||
      !origin_allowed(origin, request.find("Host").value_or(""), ctx_.options.allowed_origins)) {
    // A page from another site must not ride on the visitor's browser (cookies, network).
    ++ctx_.counters.origins_refused;
    ctx_.log.info("{}: WebSocket upgrade refused: origin '{}' is not allowed",
                  peer_address(stream_->socket()), printable(origin.value_or("")));
    respond(ws::error_response(403, "origin not allowed"));
    return;
  }
  if (ctx_.stopping) {
    respond(ws::error_response(503, "shutting down"));
    return;
  }
  auto response = std::make_shared<std::string>(
      ws::upgrade_response(*request.find("Sec-WebSocket-Key")));
  auto http = std::make_shared<HttpContext>(capture(request));
  auto leftover = std::make_shared<std::string>(buffer_.substr(head_size, received_ - head_size));
  deadline_.cancel();
  stream_->async_write({asio::buffer(*response)},
                    [self = shared_from_this(), response, http, leftover](
                        const asio::error_code& ec, std::size_t) {
                      if (self->done_) return;
                      if (ec) {
                        self->close();
                        return;
                      }
                      self->done_ = true;
                      self->ctx_.remove(self.get());
                      std::make_shared<WsSession>(self->ctx_, std::move(self->stream_),
                                                  std::move(*http), std::move(*leftover))
                          ->start();
                    });
}

void HttpConnection::start_raw(const http::Request& request, std::size_t head_size) {
  if (request.count("SimpleMQ") > 1 || has_body(request)) {
    respond(ws::error_response(400, "bad SMQ bootstrap"));
    return;
  }
  // Only clients that ask for it get an HTTP response; the C client expects the Init frame
  // as the very first bytes.
  const auto send_response = request.find("SendSmqHttpResponse");
  auto response = std::make_shared<std::string>(
      send_response && *send_response == "true" ? "HTTP/1.1 200 OK\r\nSmqBroker: true\r\n\r\n"
                                                : "");
  auto http = std::make_shared<HttpContext>(capture(request));
  auto leftover = std::make_shared<std::string>(buffer_.substr(head_size, received_ - head_size));
  deadline_.cancel();
  auto hand_off = [self = shared_from_this(), http, leftover] {
    self->done_ = true;
    self->ctx_.remove(self.get());
    std::make_shared<RawSession>(self->ctx_, std::move(self->stream_), std::move(*http),
                                 std::move(*leftover))
        ->start();
  };
  if (response->empty()) {
    hand_off();
    return;
  }
  // Written on its own before Init: some HTTP stacks buffer the socket while reading the
  // response head.
  stream_->async_write({asio::buffer(*response)},
                    [self = shared_from_this(), response, hand_off](const asio::error_code& ec,
                                                                    std::size_t) {
                      if (self->done_) return;
                      if (ec) {
                        self->close();
                        return;
                      }
                      hand_off();
                    });
}

void HttpConnection::serve_static(const http::Request& request) {
  const bool head = request.method == "HEAD";
  if (request.method != "GET" && !head) {
    respond(ws::error_response(405, "method not allowed"));
    return;
  }
  const auto file = find_static_file(ctx_.options.web_root, request.path());
  if (!file) {
    respond(ws::error_response(404, "not found"));
    return;
  }
  std::string response = fmt::format(
      "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: {}\r\n"
      "X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n",
      file->content_type, file->body.size());
  if (!head) response += file->body;
  respond(std::move(response));
}

void HttpConnection::respond(std::string response) {
  auto bytes = std::make_shared<std::string>(std::move(response));
  deadline_.cancel();
  stream_->async_write({asio::buffer(*bytes)},
                    [self = shared_from_this(), bytes](const asio::error_code& ec, std::size_t) {
                      if (self->done_) return;
                      if (ec) {
                        self->close();
                        return;
                      }
                      self->deadline_.expires_after(response_linger);
                      self->deadline_.async_wait([self](const asio::error_code& e) {
                        if (!e) self->close();
                      });
                      if (!self->stream_->shutdown_send([self] { self->close(); })) {
                        self->drain_input();
                      }
                    });
}

void HttpConnection::drain_input() {
  // Until the client closes or the linger time passes; the bytes are of no interest.
  buffer_.resize(read_chunk);
  stream_->async_read_some(asio::buffer(buffer_.data(), read_chunk),
                          [self = shared_from_this()](const asio::error_code& ec, std::size_t) {
                            if (self->done_) return;
                            if (ec) {
                              self->close();
                              return;
                            }
                            self->drain_input();
                          });
}

void HttpConnection::close() {
  if (done_) return;
  done_ = true;
  --ctx_.counters.pending;
  deadline_.cancel();
  if (stream_) stream_->close();
  ctx_.remove(this);
}

}  // namespace smq
