// A blocking layer over NetworkClient for simple programs and tools: connect with a timeout,
// subscribe/create returning ids, publish, wait_message() from a bounded receive queue.
//
// Threads: the wrapped NetworkClient runs on its own internal thread. Every method here
// blocks the calling thread, so none may be called from that thread (i.e. from inside a
// callback such as an observe() handler): they throw std::logic_error there. A
// BlockingClient may be used from several threads at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "smq/network_client.hpp"

namespace smq {

// A received message that owns its payload.
struct ReceivedMessage {
  std::vector<std::uint8_t> payload;
  std::uint32_t ptid = 0;    // publisher ETID
  std::uint32_t tid = 0;     // topic TID, or own ETID for direct messages
  std::uint32_t subtid = 0;  // sub-topic id, 0 for none
  std::string_view text() const {
    return {reinterpret_cast<const char*>(payload.data()), payload.size()};
  }
};

// connect() failed: refused by the broker (what() = its reason), network error or timeout.
class ConnectionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A request was denied by the broker or not answered in time (timed_out()).
class RequestError : public std::runtime_error {
 public:
  RequestError(const std::string& what, bool timed_out)
      : std::runtime_error(what), timed_out_(timed_out) {}
  bool timed_out() const { return timed_out_; }

 private:
  bool timed_out_;
};

class BlockingClient {
 public:
  using Ms = std::chrono::milliseconds;

  // Throws std::invalid_argument for a bad URL / TLS files. Does not connect yet.
  explicit BlockingClient(std::string_view url, ClientOptions options = {});
  ~BlockingClient();
  BlockingClient(const BlockingClient&) = delete;
  BlockingClient& operator=(const BlockingClient&) = delete;

  // Connects and waits for the Connack. Throws ConnectionError on refusal, on the first failed
  // attempt (no retry here) or after `timeout`; the client is then closed. Once connected,
  // later losses are repaired in the background (ClientOptions::reconnect).
  void connect(Ms timeout = Ms(10000));

  // Subscribes; messages of the subscription go to the receive queue. Returns the TID (own
  // ETID for "self"). Throws RequestError when denied or unanswered within `timeout`.
  std::uint32_t subscribe(const TopicRef& topic, const TopicRef& subtopic = 0u,
                          Ms timeout = Ms(10000));
  void unsubscribe(const TopicRef& topic);
  std::uint32_t create(const TopicRef& topic, Ms timeout = Ms(10000));
  std::uint32_t createsub(const TopicRef& subtopic, Ms timeout = Ms(10000));
  // `on_change` runs on the client's thread. Returns the observed id.
  std::uint32_t observe(const TopicRef& topic, ChangeHandler on_change, Ms timeout = Ms(10000));

  // Queues the message, waiting up to `timeout` for room in the outgoing queue. Returns
  // false when still full or the client is closed. Throws std::length_error above 0xFFF0.
  bool publish(std::span<const std::uint8_t> payload, const TopicRef& topic,
               const TopicRef& subtopic = 0u, Ms timeout = Ms(10000));
  bool publish(std::string_view text, const TopicRef& topic, const TopicRef& subtopic = 0u,
               Ms timeout = Ms(10000)) {
    return publish({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}, topic,
                   subtopic, timeout);
  }
  // True once everything published so far was written and processed by the broker.
  bool flush(Ms timeout = Ms(10000));

  // The next message (every subscription and every direct message lands here), or nullopt
  // after `timeout` or once the client is closed for good and the queue is empty.
  std::optional<ReceivedMessage> wait_message(Ms timeout);

  // Sends Disconnect after everything queued, waits (at most ~2 s) for the close. Final.
  void close();

  bool connected() const;
  bool closed() const;
  std::uint32_t gettid() const;
  // Messages thrown away because the receive queue was full (ClientOptions::receive_queue).
  std::uint64_t dropped() const;
  // The reason of the last close (empty while none happened).
  std::string close_reason() const;
  // Runs on the client's thread each time an established connection is lost and the client
  // is about to reconnect (before the underlying client's on_reconnect for the new one), so
  // no loss goes unreported however fast the reconnect is.
  void on_connection_lost(std::function<void(std::string_view reason)> handler);
  // The underlying client, e.g. for typed payloads. Do not replace its on_connect/on_close
  // or on_message handlers: the blocking layer uses them.
  NetworkClient& client() { return *client_; }

 private:
  struct State;
  void check_thread() const;
  void wait_closed();
  std::shared_ptr<State> state_;
  std::unique_ptr<NetworkClient> client_;
};

}  // namespace smq
