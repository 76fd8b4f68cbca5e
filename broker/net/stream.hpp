// The byte stream under a connection: plain TCP or TLS over TCP, behind one small interface
// so that classification and sessions are written once. TLS adds the server handshake, the
// client-certificate result (for Connack 0x04/0x05) and close_notify on close. Broker
// thread only.
#pragma once

#include <asio/ip/tcp.hpp>
#include <asio/ssl/context.hpp>
#include <asio/ssl/stream.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "broker/net/address_limits.hpp"

namespace smq {

// What the TLS handshake learnt about the client's certificate.
struct TlsPeer {
  bool certificate = false;  // the client presented one
  bool verified = false;     // ... and it chains to the configured client CA
  std::string subject;       // one-line subject name, for logs and hooks
};

class Stream {
 public:
  using Handler = std::function<void(const asio::error_code&, std::size_t)>;

  virtual ~Stream() = default;
  // TLS: runs the server handshake; plain TCP: completes at once.
  virtual void async_handshake(std::function<void(const asio::error_code&)> done) = 0;
  virtual void async_read_some(asio::mutable_buffer buffer, Handler handler) = 0;
  // Writes every byte of `buffers` (which must stay valid until the handler runs).
  virtual void async_write(const std::vector<asio::const_buffer>& buffers, Handler handler) = 0;
  // Ends our sending side after the last write. Plain TCP: sends FIN and returns false; the
  // caller then drains input itself until EOF. TLS: sends close_notify and waits for the
  // peer's (or EOF), then calls `done`; returns true. With TLS no read of the caller may be
  // outstanding (the shutdown reads itself): wait for it to complete first.
  virtual bool shutdown_send(std::function<void()> done) = 0;
  virtual void close() = 0;
  virtual asio::ip::tcp::socket& socket() = 0;
  // nullptr for plain TCP.
  virtual const TlsPeer* tls() const { return nullptr; }

  // The socket's place in its address's connection count (AddressLimits): it goes with the
  // stream from the HTTP connection to the session and is given back when the stream is
  // destroyed. Null when the address is not limited.
  std::unique_ptr<AddressLimits::Slot> address_slot;
};

std::unique_ptr<Stream> make_tcp_stream(asio::ip::tcp::socket socket);
std::unique_ptr<Stream> make_tls_stream(asio::ip::tcp::socket socket, asio::ssl::context& tls);

}  // namespace smq
