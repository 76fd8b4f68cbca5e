// One connection attempt and, if it succeeds, the established link: transport, HTTP
// handshake (WebSocket upgrade or raw bootstrap), Init/Connect/Connack, packet framing in
// both directions, the write queue with its timeout, and the keepalive Ping. It knows
// nothing about topics: established packets go to its Listener (the session). Lives on the
// client's strand; every method must be called there.
#pragma once

// Standard headers first: asio picks its aligned allocation functions from macros that
// libstdc++'s headers define, so every translation unit must see a standard header before
// asio's, or the inline asio::aligned_new/aligned_delete differ between units (an ODR
// violation that pairs operator new with free).
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <asio/awaitable.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <asio/io_context.hpp>

#include "protocol/smq_packet.hpp"
#include "smq/network_client.hpp"
#include "src/transport.hpp"
#include "src/ws_client_frame.hpp"

namespace smq::detail {

using Strand = asio::strand<asio::io_context::executor_type>;

struct CloseInfo {
  std::string reason;
  bool retryable = true;     // a reconnect makes sense
  bool established = false;  // the Connack had been accepted
};

class Connection;

// Implemented by the session. Called on the strand.
class ConnectionListener {
 public:
  virtual ~ConnectionListener() = default;
  // Credentials for Connect (may call the user's onauth; may throw).
  virtual std::string credentials(std::uint32_t seed, std::string_view address) = 0;
  virtual void on_established(Connection& c, std::uint32_t etid, std::uint32_t seed,
                              std::string_view address) = 0;
  // Publish, acks, Change and anything else after the Connack (not Ping/Pong/Disconnect).
  // `packet` = type + body, valid during the call.
  virtual void on_packet(Connection& c, Bytes packet) = 0;
  // Exactly once per connection, posted (never from inside another call).
  virtual void on_closed(Connection& c, const CloseInfo& info) = 0;
  // Publish accounting: frames written to the socket or discarded.
  virtual void on_released(std::size_t publishes, std::size_t bytes) = 0;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Strand strand, const Url& url, const ClientOptions& options, asio::ssl::context* tls,
             std::shared_ptr<ConnectionListener> listener, std::string uid);
  ~Connection();

  void start();
  bool established() const { return phase_ == Phase::established && !closed_; }
  bool is_closed() const { return closed_; }

  // Sends raw-framed packets ([u16 len][type][body]...); converted to one WebSocket message
  // per packet on ws/wss. `publishes`/`publish_bytes` are handed back through on_released.
  void send(std::string raw_frames, std::size_t publishes = 0, std::size_t publish_bytes = 0);
  // Sends Ping; `done(true)` when its Pong arrives, `done(false)` if the link closes first.
  void ping(std::function<void(bool)> done);
  // Graceful end: Disconnect (and a WebSocket Close), flush, then close (at most ~1 s).
  void disconnect(std::string reason);
  // Abrupt end with this reason.
  void close(std::string reason, bool retryable);

 private:
  enum class Phase { connecting, http, init, connack, established };
  struct OutItem {
    std::string bytes;
    std::size_t publishes = 0;
    std::size_t publish_bytes = 0;
  };

  asio::awaitable<void> run();
  void process_input();
  bool handle_http();
  void handle_packet(Bytes packet);
  void send_bytes(std::string bytes);
  void start_write();
  void arm_deadline(std::chrono::milliseconds after, std::string what);
  void arm_keepalive();
  void fail(std::string reason, bool retryable);

  Strand strand_;
  Url url_;
  const ClientOptions& options_;
  std::shared_ptr<ConnectionListener> listener_;
  std::string uid_;
  Transport transport_;
  Phase phase_ = Phase::connecting;
  bool closed_ = false;
  bool graceful_ = false;  // disconnect(): close once the queue is empty
  std::string graceful_reason_;
  std::string ws_key_;

  // Input
  std::vector<std::uint8_t> in_;
  std::size_t in_len_ = 0;
  ServerFrameDecoder ws_decoder_;

  // Output
  MaskSource masks_;
  std::deque<OutItem> out_;
  std::vector<asio::const_buffer> out_buffers_;
  std::size_t writing_items_ = 0;
  bool writing_ = false;

  // Timers: handshake deadline / graceful close, write timeout, keepalive.
  asio::steady_timer deadline_;
  asio::steady_timer write_timer_;
  asio::steady_timer keepalive_;
  std::chrono::steady_clock::time_point last_rx_;
  std::chrono::steady_clock::time_point ping_sent_;
  bool ping_outstanding_ = false;
  std::deque<std::function<void(bool)>> pong_waiters_;
  std::uint32_t seed_ = 0;
  std::string address_;
};

}  // namespace smq::detail
