// The network client's state machine: the ordered command queue, name/id caches, requests
// awaiting acks (matched by type + echoed name, in request order), subscription callbacks
// and their dispatch, observers, the reconnect schedule and the restore after a reconnect.
// Public methods may be called from any thread: they post to the strand, except the cache
// getters (mutex) and the publish admission check (mutex). Everything else, including every
// user callback, runs on the strand; user callbacks run under the "gate" so that none runs
// after kill().
#pragma once

// Standard headers first: asio picks its aligned allocation functions from macros that
// libstdc++'s headers define, so every translation unit must see a standard header before
// asio's, or the inline asio::aligned_new/aligned_delete differ between units (an ODR
// violation that pairs operator new with free).
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/ssl/context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>

#include "smq/network_client.hpp"
#include "src/connection.hpp"

namespace smq::detail {

class Session final : public ConnectionListener, public std::enable_shared_from_this<Session> {
 public:
  Session(asio::io_context& io, Url url, ClientOptions options);
  ~Session() override;

  // ---- any thread ---------------------------------------------------------------------
  void set_on_connect(ConnectHandler h);
  void set_on_reconnect(ConnectHandler h);
  void set_on_close(CloseHandler h);
  void set_on_error(ErrorHandler h);
  void set_default_handler(MessageHandler h);

  void connect();
  // graceful = send Disconnect first. `done` runs on the strand once closed (not gated).
  void close(bool graceful, std::string reason, std::function<void()> done = {});
  // No user callback runs after this returns (waits for one in progress).
  void kill();

  bool connected() const { return connected_; }
  bool closed() const { return closed_; }
  std::uint32_t etid() const { return etid_; }
  const Url& url() const { return url_; }
  const std::string& uid() const { return uid_; }
  bool running_in_executor() const { return strand_.running_in_this_thread(); }
  std::uint64_t refused() const { return refused_; }
  std::size_t queued() const;

  std::size_t publish(std::span<const std::uint8_t> payload, const TopicRef& topic,
                      const TopicRef& subtopic);
  void subscribe(const TopicRef& topic, const TopicRef& subtopic, MessageHandler h,
                 AckHandler done);
  void unsubscribe(const TopicRef& topic);
  void create(const TopicRef& topic, AckHandler done);
  void createsub(const TopicRef& subtopic, AckHandler done);
  void observe(const TopicRef& topic, ChangeHandler h, AckHandler done);
  void unobserve(const TopicRef& topic);
  void flush(std::function<void(bool)> done);
  void deliver_to_default(const Delivery& d);

  std::uint32_t topic2tid(std::string_view name) const;
  std::string tid2topic(std::uint32_t tid) const;
  std::uint32_t subtopic2tid(std::string_view name) const;
  std::string tid2subtopic(std::uint32_t id) const;

  // ---- ConnectionListener (strand) ----------------------------------------------------
  std::string credentials(std::uint32_t seed, std::string_view address) override;
  void on_established(Connection& c, std::uint32_t etid, std::uint32_t seed,
                      std::string_view address) override;
  void on_packet(Connection& c, Bytes packet) override;
  void on_closed(Connection& c, const CloseInfo& info) override;
  void on_released(std::size_t publishes, std::size_t bytes) override;

 private:
  using Waiter = std::function<void(bool ok, std::uint32_t id)>;
  using SubKey = std::variant<std::uint32_t, std::string>;  // sub-topic id (0 = all) or name
  // Which subscription record: "self" (monostate), a number, or a topic name.
  using RecordKey = std::variant<std::monostate, std::uint32_t, std::string>;

  struct Command {
    enum class Kind {
      publish,
      subscribe,
      unsubscribe,
      create,
      createsub,
      observe,
      unobserve,
      flush
    };
    Kind kind;
    std::string payload;
    TopicRef topic{0u};
    TopicRef subtopic{0u};
    MessageHandler on_message;
    ChangeHandler on_change;
    AckHandler done;
    std::function<void(bool)> flushed;
    std::set<std::string> requested;  // names already asked for by this command
    bool denied = false;
  };
  using CommandPtr = std::shared_ptr<Command>;

  struct Pending {
    PacketType ack;
    std::string name;
    std::vector<Waiter> waiters;
  };
  struct TopicRecord {
    std::map<SubKey, MessageHandler> handlers;
    bool subscribed = false;  // named topics: the broker acknowledged the Subscribe
    std::uint32_t tid = 0;
  };
  struct Observer {
    ChangeHandler handler;
    std::string name;  // topic name, empty for ETIDs / unknown numbers
  };

  template <typename F>
  void guarded(F&& f);
  void report_error(std::string message);

  void enqueue(CommandPtr c);
  void pump();
  bool execute(const CommandPtr& c);
  bool exec_publish(const CommandPtr& c);
  bool exec_subscribe(const CommandPtr& c);
  void exec_unsubscribe(const Command& c);
  void exec_create(const CommandPtr& c, bool sub);
  bool exec_observe(const CommandPtr& c);
  void exec_unobserve(const Command& c);
  void fail_command(Command& c);
  std::optional<std::uint32_t> resolve(const CommandPtr& c, const TopicRef& ref, bool sub);
  TopicRecord* record(const RecordKey& key);

  void request(PacketType ack, const std::string& name, Waiter w);
  void send_request(PacketType ack, const std::string& name);
  void send_id(PacketType type, std::uint32_t id);
  void on_ack(PacketType type, bool accepted, std::uint32_t id, std::string name);
  void on_change(std::uint32_t id, std::uint32_t count);
  void on_publish(Bytes packet);

  void start_attempt();
  void restore(bool new_etid);
  void restore_step(std::uint64_t generation);
  void finish_restore();
  void finish(const std::string& reason, bool notify);
  void release(std::size_t publishes, std::size_t bytes);

  void cache_topic(const std::string& name, std::uint32_t id);
  void cache_subtopic(const std::string& name, std::uint32_t id);
  std::uint32_t cached_topic(const std::string& name) const;
  std::uint32_t cached_subtopic(const std::string& name) const;
  std::string topic_name(std::uint32_t id) const;
  std::string subtopic_name(std::uint32_t id) const;

  Strand strand_;
  const Url url_;
  const ClientOptions options_;
  const std::string uid_;
  std::unique_ptr<asio::ssl::context> tls_;
  asio::steady_timer reconnect_timer_;

  // Gate for user callbacks (recursive: callbacks may set callbacks).
  mutable std::recursive_mutex gate_;
  bool dead_ = false;
  ConnectHandler on_connect_;
  ConnectHandler on_reconnect_;
  CloseHandler on_close_;
  ErrorHandler on_error_;
  MessageHandler default_handler_;

  // Shared with other threads.
  std::atomic<bool> connected_{false};
  std::atomic<bool> closed_{false};
  std::atomic<std::uint32_t> etid_{0};
  std::atomic<std::uint64_t> refused_{0};
  mutable std::mutex admit_mu_;
  std::size_t queued_msgs_ = 0;
  std::size_t queued_bytes_ = 0;
  mutable std::mutex cache_mu_;
  std::unordered_map<std::string, std::uint32_t> topic_ids_;
  std::unordered_map<std::uint32_t, std::string> topic_names_;
  std::unordered_map<std::string, std::uint32_t> subtopic_ids_;
  std::unordered_map<std::uint32_t, std::string> subtopic_names_;

  // Strand only.
  std::shared_ptr<Connection> conn_;
  bool started_ = false;
  bool ever_connected_ = false;
  bool user_closing_ = false;
  std::string user_reason_;
  unsigned attempt_ = 0;
  std::uint32_t last_etid_ = 0;
  std::uint32_t seed_ = 0;
  std::string address_;
  bool restoring_ = false;
  bool pumping_ = false;
  std::uint64_t restore_generation_ = 0;
  std::size_t restore_outstanding_ = 0;
  std::deque<CommandPtr> queue_;
  std::deque<Pending> pending_;
  std::deque<Pending> resend_;
  TopicRecord self_;
  std::map<std::uint32_t, TopicRecord> numeric_;
  std::map<std::string, TopicRecord> named_;
  std::map<std::uint32_t, Observer> observers_;
  std::vector<std::function<void()>> finish_waiters_;
};

}  // namespace smq::detail
