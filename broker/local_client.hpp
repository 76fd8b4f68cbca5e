// The in-process client: server code's peer inside the broker (ETID 1 by default). Its API
// reads like the network clients' (smq-wire.md section 8): create, createsub, publish,
// subscribe with a callback per (topic, sub-topic), unsubscribe, observe, and the name/id
// translators. Every method may be called from any thread: off the broker thread the call is
// posted to it and waited for (so never call from the broker thread while blocking it).
// Callbacks always run on the broker thread, after the packet that caused them was routed.
// A callback that throws is logged and counted (stats "errors"."callbacks"); the next
// message is delivered as usual.
// Besides the shared `Client` interface (callbacks for answers) it offers synchronous forms
// that return ids directly, since in-process answers need no round trip.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "broker/peer.hpp"
#include "smq/client.hpp"

namespace asio { class io_context; }

namespace smq {

class Broker;
class Hub;

class LocalClient final : public Peer, public Client {
 public:
  LocalClient(Broker& broker, Hub& hub, bool random_etid);
  ~LocalClient() override;

  std::uint32_t gettid() const override { return etid; }

  // Topic TID for a name (created if new) or the number itself; "self" = own ETID.
  std::uint32_t create(const TopicRef& topic);
  std::uint32_t createsub(const TopicRef& subtopic);
  void create(const TopicRef& topic, AckHandler done) override;
  void createsub(const TopicRef& subtopic, AckHandler done) override;

  // Publishes through the same path as a client Publish (on_publish, routing, on_drop).
  // Returns the number of recipients; throws std::length_error above 0xFFF0 bytes.
  std::size_t publish(std::span<const std::uint8_t> payload, const TopicRef& topic,
                      const TopicRef& subtopic = 0u) override;
  std::size_t publish(std::string_view text, const TopicRef& topic,
                      const TopicRef& subtopic = 0u);

  // Subscribes (counts as one subscriber of a named topic; "self" or an ETID only installs
  // the callback). With a sub-topic the callback receives only that sub-topic; several
  // sub-topics share one subscription. Returns the TID.
  std::uint32_t subscribe(const TopicRef& topic, MessageHandler on_message);
  std::uint32_t subscribe(const TopicRef& topic, const TopicRef& subtopic,
                          MessageHandler on_message);
  void subscribe(const TopicRef& topic, const TopicRef& subtopic, MessageHandler on_message,
                 AckHandler done) override;
  // Drops the subscription and every callback of the topic.
  void unsubscribe(const TopicRef& topic) override;

  // Observes a named topic (initial count delivered at once) or a client ETID (told 0 when
  // it leaves, then the registration ends). Returns false for unknown ids and own ETID.
  bool observe(const TopicRef& topic, ChangeHandler on_change);
  void observe(const TopicRef& topic, ChangeHandler on_change, AckHandler done) override;
  void unobserve(const TopicRef& topic) override;

  // Handler for messages no subscription callback matched (default: logged at debug).
  void on_message(MessageHandler handler) override;

  std::uint32_t topic2tid(std::string_view name) override;
  std::string tid2topic(std::uint32_t tid) override;
  std::uint32_t subtopic2tid(std::string_view name) override;
  std::string tid2subtopic(std::uint32_t id) override;

  // Peer: messages and Changes routed to the server client.
  bool deliver(const Frame& frame) override;

 protected:
  void close(CloseReason, std::string_view) override {}

 private:
  template <typename F>
  auto on_loop(F&& f);
  std::uint32_t resolve_topic(const TopicRef& topic);
  std::uint32_t resolve_subtopic(const TopicRef& subtopic);
  void drain();
  void dispatch(const Frame& frame);
  template <typename Callback>
  void run_callback(std::string_view kind, std::uint32_t id, Callback&& callback);

  Broker& broker_;
  Hub& hub_;
  // Per topic: callbacks by sub-topic id (0 = the topic's catch-all).
  std::unordered_map<std::uint32_t, std::map<std::uint32_t, MessageHandler>> handlers_;
  std::unordered_map<std::uint32_t, ChangeHandler> observers_;
  MessageHandler default_handler_;
  std::deque<Frame> inbox_;
  bool drain_posted_ = false;
};

}  // namespace smq
