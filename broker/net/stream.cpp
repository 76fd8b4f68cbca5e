// Plain and TLS streams (see stream.hpp). Broker thread only.
#include "broker/net/stream.hpp"

#include <asio/write.hpp>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace smq {
namespace {

class TcpStream final : public Stream {
 public:
  explicit TcpStream(asio::ip::tcp::socket socket) : socket_(std::move(socket)) {}

  void async_handshake(std::function<void(const asio::error_code&)> done) override {
    done({});
  }
  void async_read_some(asio::mutable_buffer buffer, Handler handler) override {
    socket_.async_read_some(buffer, std::move(handler));
  }
  void async_write(const std::vector<asio::const_buffer>& buffers, Handler handler) override {
    asio::async_write(socket_, buffers, std::move(handler));
  }
  bool shutdown_send(std::function<void()>) override {
    asio::error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    return false;
  }
  void close() override {
    asio::error_code ignored;
    socket_.close(ignored);
  }
  asio::ip::tcp::socket& socket() override { return socket_; }

 private:
  asio::ip::tcp::socket socket_;
};

class TlsStream final : public Stream {
 public:
  TlsStream(asio::ip::tcp::socket socket, asio::ssl::context& tls)
      : stream_(std::move(socket), tls) {}

  void async_handshake(std::function<void(const asio::error_code&)> done) override {
    stream_.async_handshake(asio::ssl::stream_base::server,
                            [this, done = std::move(done)](const asio::error_code& ec) {
                              if (!ec) read_peer_certificate();
                              done(ec);
                            });
  }
  void async_read_some(asio::mutable_buffer buffer, Handler handler) override {
    stream_.async_read_some(buffer, std::move(handler));
  }
  void async_write(const std::vector<asio::const_buffer>& buffers, Handler handler) override {
    asio::async_write(stream_, buffers, std::move(handler));
  }
  bool shutdown_send(std::function<void()> done) override {
    stream_.async_shutdown([done = std::move(done)](const asio::error_code&) { done(); });
    return true;
  }
  void close() override {
    asio::error_code ignored;
    stream_.lowest_layer().close(ignored);
  }
  asio::ip::tcp::socket& socket() override { return stream_.next_layer(); }
  const TlsPeer* tls() const override { return &peer_; }

 private:
  void read_peer_certificate() {
    SSL* ssl = stream_.native_handle();
    X509* cert = SSL_get1_peer_certificate(ssl);
    if (!cert) return;
    peer_.certificate = true;
    peer_.verified = SSL_get_verify_result(ssl) == X509_V_OK;
    char line[256];
    X509_NAME_oneline(X509_get_subject_name(cert), line, sizeof line);
    peer_.subject = line;
    X509_free(cert);
  }

  asio::ssl::stream<asio::ip::tcp::socket> stream_;
  TlsPeer peer_;
};

}  // namespace

std::unique_ptr<Stream> make_tcp_stream(asio::ip::tcp::socket socket) {
  return std::make_unique<TcpStream>(std::move(socket));
}

std::unique_ptr<Stream> make_tls_stream(asio::ip::tcp::socket socket, asio::ssl::context& tls) {
  return std::make_unique<TlsStream>(std::move(socket), tls);
}

}  // namespace smq
