// The byte stream under one connection: a TCP socket, or TLS over it (asio::ssl with SNI and
// host name verification). Name resolution, connect and TLS handshake as one awaitable.
// Used only on the client's strand (all completions run there).
#pragma once

// Standard headers first: asio picks its aligned allocation functions from macros that
// libstdc++'s headers define, so every translation unit must see a standard header before
// asio's, or the inline asio::aligned_new/aligned_delete differ between units (an ODR
// violation that pairs operator new with free).
#include <memory>
#include <stdexcept>
#include <string>

#include <asio/any_io_executor.hpp>
#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/context.hpp>
#include <asio/ssl/stream.hpp>
#include <asio/write.hpp>

#include "smq/network_client.hpp"
#include "smq/url.hpp"

namespace smq::detail {

// Builds the TLS client context from the options (TLS 1.2+, CA file or system default verify
// paths, optional client certificate). Throws std::invalid_argument with the file problem.
std::unique_ptr<asio::ssl::context> make_tls_context(const TlsOptions& options);

// The broker's certificate did not verify (untrusted, expired, wrong name): retrying will
// not help, so the connection ends for good.
class TlsVerifyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Transport {
 public:
  // `tls` is null for ws:// and http://.
  Transport(asio::any_io_executor executor, asio::ssl::context* tls, const TlsOptions& options);

  // Resolves, connects (every resolved address in turn) and, with TLS, handshakes. Throws
  // std::system_error, std::runtime_error for other TLS handshake failures, TlsVerifyError
  // (with the X.509 reason) when the certificate does not verify.
  asio::awaitable<void> open(const Url& url);

  template <typename Buffer, typename Token>
  auto async_read_some(const Buffer& buffer, Token&& token) {
    if (tls_) return tls_->async_read_some(buffer, std::forward<Token>(token));
    return socket_.async_read_some(buffer, std::forward<Token>(token));
  }

  template <typename Buffers, typename Token>
  auto async_write(const Buffers& buffers, Token&& token) {
    if (tls_) return asio::async_write(*tls_, buffers, std::forward<Token>(token));
    return asio::async_write(socket_, buffers, std::forward<Token>(token));
  }

  // Half-close of the sending side (graceful end; TCP only, a no-op under TLS); errors
  // ignored.
  void shutdown_send();
  // Cancels everything pending and closes the socket; errors ignored. Idempotent.
  void close();
  // Reason of a failed TLS certificate verification, empty if none.
  std::string verify_error() const;

 private:
  asio::any_io_executor executor_;
  asio::ip::tcp::socket socket_;
  asio::ssl::context* tls_context_;
  TlsOptions options_;
  std::unique_ptr<asio::ssl::stream<asio::ip::tcp::socket&>> tls_;
};

}  // namespace smq::detail
