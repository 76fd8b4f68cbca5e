// Listening sockets and the accept loop (see listener.hpp). Broker thread only.
#include "broker/net/listener.hpp"

#include <charconv>
#include <stdexcept>
#include <string>

#include <asio/ip/v6_only.hpp>

#include "broker/net/http_connection.hpp"
#include "broker/net/socket_options.hpp"

namespace smq {
namespace {

constexpr std::chrono::milliseconds min_backoff{10};
constexpr std::chrono::milliseconds max_backoff{1000};

}  // namespace

asio::ip::tcp::endpoint parse_listen_address(std::string_view text) {
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      throw std::invalid_argument("bad listen address (want [V6]:PORT): " + std::string(text));
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      throw std::invalid_argument("bad listen address (want HOST:PORT): " + std::string(text));
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  unsigned number = 0;
  const auto [end, err] = std::from_chars(port.data(), port.data() + port.size(), number);
  if (err != std::errc() || end != port.data() + port.size() || number > 65535) {
    throw std::invalid_argument("bad port in listen address: " + std::string(text));
  }
  if (host == "localhost") host = "127.0.0.1";
  asio::error_code ec;
  const auto address = asio::ip::make_address(std::string(host), ec);
  if (ec) throw std::invalid_argument("bad host in listen address: " + std::string(text));
  return {address, static_cast<unsigned short>(number)};
}

Listener::Listener(NetContext& ctx, const asio::ip::tcp::endpoint& endpoint, bool tls)
    : ctx_(ctx), acceptor_(ctx.io), backoff_timer_(ctx.io), tls_(tls) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  if (endpoint.address().is_v6()) acceptor_.set_option(asio::ip::v6_only(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
}

void Listener::stop() {
  asio::error_code ignored;
  acceptor_.close(ignored);
  backoff_timer_.cancel();
}

void Listener::accept() {
  acceptor_.async_accept([self = shared_from_this()](const asio::error_code& ec,
                                                     asio::ip::tcp::socket socket) {
    self->on_accept(ec, std::move(socket));
  });
}

void Listener::on_accept(const asio::error_code& ec, asio::ip::tcp::socket socket) {
  if (!acceptor_.is_open()) return;
  if (ec) {
    backoff_ = std::min(max_backoff, std::max(min_backoff, backoff_ * 2));
    ctx_.log.warn("accept failed: {}; retrying in {} ms", ec.message(), backoff_.count());
    backoff_timer_.expires_after(backoff_);
    backoff_timer_.async_wait([self = shared_from_this()](const asio::error_code& e) {
      if (!e) self->accept();
    });
    return;
  }
  backoff_ = std::chrono::milliseconds{0};
  ++ctx_.counters.accepted;
  if (ctx_.stopping || ctx_.counters.pending >= ctx_.options.max_pending_connections) {
    // Too many sockets still handshaking: shed this one before it costs anything.
    ctx_.log.debug("dropping new connection: {} pending", ctx_.counters.pending);
    asio::error_code ignored;
    socket.close(ignored);
  } else {
    // Whatever this socket's set-up throws (no memory, SSL_new failing) loses this socket
    // only: the next accept must be armed either way, or the broker would stop accepting.
    try {
      const std::string address = peer_address(socket);
      const AddressLimitOptions limits{ctx_.options.max_connections_per_address,
                                       ctx_.options.max_new_connections_per_second,
                                       ctx_.options.limit_loopback};
      AddressLimits::Admission admission =
          ctx_.address_limits->admit(address, std::chrono::steady_clock::now(), limits);
      if (admission.verdict != AddressLimits::Verdict::admitted) {
        const bool too_many = admission.verdict == AddressLimits::Verdict::too_many;
        ++(too_many ? ctx_.counters.address_too_many : ctx_.counters.address_too_fast);
        ctx_.log.debug("dropping new connection from {}: {}", address,
                       too_many ? "max_connections_per_address" : "max_new_connections_per_second");
        asio::error_code ignored;
        socket.close(ignored);
        accept();
        return;
      }
      tune_socket(socket, ctx_.options.keepalive_idle, ctx_.options.keepalive_interval,
                  ctx_.options.write_deadline);
      auto stream = tls_ ? make_tls_stream(std::move(socket), *ctx_.tls)
                         : make_tcp_stream(std::move(socket));
      stream->address_slot = std::move(admission.slot);
      std::make_shared<HttpConnection>(ctx_, std::move(stream))->start();
    } catch (const std::exception& e) {
      ctx_.log.error("accepted connection dropped: {}", e.what());
    }
  }
  accept();
}

}  // namespace smq
