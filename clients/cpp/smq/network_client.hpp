// The network client: an `smq::Client` that talks to a broker over WebSocket (ws://, wss://)
// or raw SMQ after an HTTP bootstrap (http://, https://), with reconnect, keepalive and a
// bounded outgoing queue.
//
// Threads: every public method may be called from any thread. The client's work and every
// callback run on one strand of the io_context (its *executor*): either an io_context you
// pass in (run it yourself, on as many threads as you like) or one the client owns and runs
// on its own thread. Callbacks never run concurrently with each other, and never after the
// destructor returned. Calls made from a callback are queued behind it (nothing re-enters).
// Do not destroy the client from one of its own callbacks.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "smq/client.hpp"
#include "smq/url.hpp"

namespace asio {
class io_context;
}

namespace smq {

namespace detail {
class Session;
}

struct TlsOptions {
  // PEM file of trusted CA certificates. Empty = the system's default verify paths.
  std::string ca_file;
  // Client certificate chain and private key (PEM) for brokers that require mutual TLS.
  std::string cert_file;
  std::string key_file;
  // Name for SNI and certificate verification; empty = the URL's host.
  std::string server_name;
  // DANGER: accept any certificate for any name (no verification at all). Anyone on the
  // path can read and alter the traffic. For tests against self-signed certificates only.
  bool insecure = false;
};

// What happens when the BlockingClient's receive queue is full and a message arrives.
enum class ReceiveOverflow {
  drop_oldest,  // discard the oldest queued message (keep the freshest data)
  drop_newest,  // discard the arriving message
};

struct ClientOptions {
  // Client id sent in Connect (6-255 bytes). Empty = a random "cpp-" + 16 hex digits, drawn
  // once and kept for every reconnect, so a broker that still holds the old connection
  // hands the ETID back.
  std::string uid;
  // Free-form info sent in Connect.
  std::string info;
  // Credentials sent in Connect (at most 255 bytes), unless `onauth` is set.
  std::string credentials;
  // Called on every connection attempt with the broker's Init seed and the client address
  // the broker sees; returns the credentials (for challenge/response schemes). Runs on the
  // executor; an exception fails that attempt.
  std::function<std::string(std::uint32_t seed, std::string_view address)> onauth;
  // Extra HTTP headers for the upgrade / bootstrap request (same name replaces a default).
  std::vector<std::pair<std::string, std::string>> headers;
  TlsOptions tls;

  // Name resolution + TCP connect + TLS handshake must finish within this.
  std::chrono::milliseconds connect_timeout{5000};
  // Each handshake answer (HTTP response, Init, Connack) must arrive within this. After the
  // Connack, idle links are detected by the keepalive below (the broker may stay silent).
  std::chrono::milliseconds read_timeout{5000};
  // Any single socket write that does not complete within this closes the connection.
  std::chrono::milliseconds write_timeout{10000};
  // Largest packet (type + body) accepted from the broker; a larger one closes the link as
  // a protocol error. The default is the protocol's maximum.
  std::size_t max_message_size = 0xFFFD;

  // Keepalive: after `ping_interval` without any received packet send Ping; if nothing
  // arrives within `pong_timeout` the connection is closed ("ping timeout") and, with
  // reconnect on, re-established. 0 = no pings.
  std::chrono::milliseconds ping_interval{60000};
  std::chrono::milliseconds pong_timeout{10000};

  // Automatic reconnect after a recoverable loss, delay uniform in
  // [0, min(max_reconnect_delay, reconnect_delay * 2^attempt)) ("full jitter").
  bool reconnect = true;
  std::chrono::milliseconds reconnect_delay{1000};
  std::chrono::milliseconds max_reconnect_delay{30000};

  // Publishes not yet written to the socket (waiting for a connection, for a name, or for the
  // socket). Beyond either bound publish() refuses the message and returns 0.
  std::size_t max_queued_messages = 1000;
  std::size_t max_queued_bytes = 4 * 1024 * 1024;

  // BlockingClient only: messages waiting for wait_message(), and what happens when full.
  std::size_t receive_queue = 10000;
  ReceiveOverflow receive_overflow = ReceiveOverflow::drop_oldest;
};

// etid = this connection's ETID, seed/address = from the broker's Init.
using ConnectHandler =
    std::function<void(std::uint32_t etid, std::uint32_t seed, std::string_view address)>;
// reason: the broker's Disconnect text, a Connack refusal reason, "ping timeout", a socket
// error, "close"/"disconnect" for your own calls...; will_reconnect: a retry is scheduled.
using CloseHandler = std::function<void(std::string_view reason, bool will_reconnect)>;
// Non-fatal problems: names denied for queued publishes, exceptions thrown by callbacks,
// unexpected packets.
using ErrorHandler = std::function<void(std::string_view message)>;

class NetworkClient final : public Client {
 public:
  // Runs on an internal thread with its own io_context. Throws std::invalid_argument for a
  // bad URL or unusable TLS files. Nothing happens on the network before connect().
  explicit NetworkClient(std::string_view url, ClientOptions options = {});
  // Runs on a strand of `io`, which must outlive the client and be run by the caller.
  NetworkClient(asio::io_context& io, std::string_view url, ClientOptions options = {});
  // Ends the connection (a best-effort Disconnect, at most about 1.5 s when the executor runs
  // on another thread) and stops every callback before returning.
  ~NetworkClient() override;
  NetworkClient(const NetworkClient&) = delete;
  NetworkClient& operator=(const NetworkClient&) = delete;

  // Callbacks; set them before connect(). on_connect: first successful Connack (after the
  // commands queued so far were sent). on_reconnect: every later one, after the session was
  // restored (names re-created, callbacks re-subscribed, observers re-registered).
  void on_connect(ConnectHandler handler);
  void on_reconnect(ConnectHandler handler);
  void on_close(CloseHandler handler);
  void on_error(ErrorHandler handler);

  // Starts connecting in the background and returns at once.
  void connect();
  // Sends Disconnect after everything queued and closes. Final: no reconnect.
  void disconnect();
  // Closes the socket now without Disconnect. Final. Queued commands are dropped (their
  // callbacks get accepted = false).
  void close();

  bool connected() const;
  bool closed() const;  // after a final close (no more reconnects)
  const Url& url() const;
  const std::string& uid() const;
  // True on the executor (inside a callback).
  bool running_in_executor() const;
  // Publishes refused so far because the queue was full.
  std::uint64_t refused() const;
  // Publishes queued and not yet written to the socket.
  std::size_t queued() const;

  // Calls done(true) once every command issued before it was sent and the broker answered
  // a Ping issued after them (the broker handles one connection's packets in order, so it
  // has processed them all); done(false) if the client closes first.
  void flush(std::function<void(bool ok)> done);

  // Hands a message to the on_message() handler (used by typed subscriptions for payloads
  // they cannot decode). Executor only.
  void deliver_to_default(const Delivery& delivery);

  // ---- smq::Client --------------------------------------------------------------------
  // gettid(): the current connection's ETID, 0 while disconnected.
  std::uint32_t gettid() const override;
  // Cached names answer without a round trip; "self" = own ETID; numbers are returned as is.
  void create(const TopicRef& topic, AckHandler done) override;
  void createsub(const TopicRef& subtopic, AckHandler done) override;
  // Returns 1 when queued, 0 when refused (queue full or client closed). Unknown names are
  // resolved first (Create / Createsub); messages leave in call order. Throws
  // std::length_error above 0xFFF0 bytes.
  std::size_t publish(std::span<const std::uint8_t> payload, const TopicRef& topic,
                      const TopicRef& subtopic = 0u) override;
  using Client::publish;
  // Names: Subscribe (and Createsub for a sub-topic name, before it); "self", the own ETID
  // and numbers that are not known topic ids only install the callback. One callback per
  // (topic, sub-topic); an empty callback sends that topic's messages to on_message().
  void subscribe(const TopicRef& topic, const TopicRef& subtopic, MessageHandler on_message,
                 AckHandler done = {}) override;
  void unsubscribe(const TopicRef& topic) override;
  // Names are created if unknown; the handler gets the current count at once and every
  // change. ETIDs: called once with 0 when that client leaves (then dropped). "self" is
  // refused (done(false, 0)).
  void observe(const TopicRef& topic, ChangeHandler on_change, AckHandler done = {}) override;
  void unobserve(const TopicRef& topic) override;
  void on_message(MessageHandler handler) override;
  std::uint32_t topic2tid(std::string_view name) override;
  std::string tid2topic(std::uint32_t tid) override;
  std::uint32_t subtopic2tid(std::string_view name) override;
  std::string tid2subtopic(std::uint32_t id) override;

 private:
  struct OwnedLoop;
  std::unique_ptr<OwnedLoop> loop_;  // destroyed after session_ (declared first)
  std::shared_ptr<detail::Session> session_;
};

}  // namespace smq
