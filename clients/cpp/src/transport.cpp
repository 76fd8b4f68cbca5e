// TCP / TLS transport of one connection (see transport.hpp). Runs on the client's strand.
#include "src/transport.hpp"

#include <asio/connect.hpp>
#include <asio/ssl/host_name_verification.hpp>
#include <asio/use_awaitable.hpp>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <stdexcept>
#include <system_error>

namespace smq::detail {

std::unique_ptr<asio::ssl::context> make_tls_context(const TlsOptions& options) {
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                   asio::ssl::context::no_tlsv1_1);
  asio::error_code ec;
  if (!options.ca_file.empty()) {
    ctx->load_verify_file(options.ca_file, ec);
    if (ec) {
      throw std::invalid_argument("cannot load CA file '" + options.ca_file + "': " + ec.message());
    }
  } else {
    ctx->set_default_verify_paths(ec);
    if (ec) throw std::invalid_argument("cannot use the system CA paths: " + ec.message());
  }
  if (!options.cert_file.empty()) {
    ctx->use_certificate_chain_file(options.cert_file, ec);
    if (ec) {
      throw std::invalid_argument("cannot load certificate '" + options.cert_file +
                                  "': " + ec.message());
    }
    const std::string& key = options.key_file.empty() ? options.cert_file : options.key_file;
    ctx->use_private_key_file(key, asio::ssl::context::pem, ec);
    if (ec) throw std::invalid_argument("cannot load private key '" + key + "': " + ec.message());
  } else if (!options.key_file.empty()) {
    throw std::invalid_argument("a TLS key file needs a certificate file");
  }
  return ctx;
}

Transport::Transport(asio::any_io_executor executor, asio::ssl::context* tls,
                     const TlsOptions& options)
    : executor_(executor), socket_(executor), tls_context_(tls), options_(options) {}

asio::awaitable<void> Transport::open(const Url& url) {
  asio::ip::tcp::resolver resolver(executor_);
  const auto endpoints = co_await resolver.async_resolve(url.host, std::to_string(url.port),
                                                         asio::ip::resolver_base::numeric_service,
                                                         asio::use_awaitable);
  co_await asio::async_connect(socket_, endpoints, asio::use_awaitable);
  asio::error_code ignored;
  socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
  if (!tls_context_) co_return;

  tls_ = std::make_unique<asio::ssl::stream<asio::ip::tcp::socket&>>(socket_, *tls_context_);
  const std::string name = options_.server_name.empty() ? url.host : options_.server_name;
  asio::error_code not_ip;
  asio::ip::make_address(name, not_ip);
  // SNI carries host names only (RFC 6066 3), never IP literals.
  if (not_ip && !SSL_set_tlsext_host_name(tls_->native_handle(), name.c_str())) {
    throw std::runtime_error("cannot set TLS server name");
  }
  if (options_.insecure) {
    tls_->set_verify_mode(asio::ssl::verify_none);
  } else {
    tls_->set_verify_mode(asio::ssl::verify_peer);
    // asio's check of the leaf certificate against the name; a mismatch is recorded as the
    // verification error so that it can be reported (and treated as final).
    tls_->set_verify_callback([check = asio::ssl::host_name_verification(name), ip = !not_ip](
                                  bool preverified, asio::ssl::verify_context& ctx) mutable {
      const bool ok = check(preverified, ctx);
      if (!ok && preverified) {
        X509_STORE_CTX_set_error(ctx.native_handle(), ip ? X509_V_ERR_IP_ADDRESS_MISMATCH
                                                         : X509_V_ERR_HOSTNAME_MISMATCH);
      }
      return ok;
    });
  }
  try {
    co_await tls_->async_handshake(asio::ssl::stream_base::client, asio::use_awaitable);
  } catch (const std::system_error& e) {
    const std::string detail = verify_error();
    if (!detail.empty()) {
      throw TlsVerifyError("TLS handshake failed: certificate verify failed (" + detail + ")");
    }
    throw std::runtime_error(std::string("TLS handshake failed: ") + e.code().message());
  }
}

std::string Transport::verify_error() const {
  if (!tls_) return {};
  const long result = SSL_get_verify_result(tls_->native_handle());
  if (result == X509_V_OK) return {};
  return X509_verify_cert_error_string(result);
}

void Transport::shutdown_send() {
  // Under TLS a bare TCP half-close (without close_notify) only confuses the peer's TLS
  // shutdown; the broker closes after our Disconnect anyway, so let it go first.
  if (tls_) return;
  asio::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
}

void Transport::close() {
  asio::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

}  // namespace smq::detail
