// The client API shared by every SMQ client in C++: the in-process client inside the broker
// (broker/local_client.hpp) and the network client (clients/cpp). A program written against
// `smq::Client` switches between in-process and network only by how it creates the client.
// Header only, no dependencies. Which thread runs callbacks is up to the implementation (the
// broker thread, or the network client's executor); see each implementation.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

namespace smq {

// A topic or sub-topic given by name ("self" = own ETID for topics) or by number.
class TopicRef {
 public:
  TopicRef(const char* name) : value_(std::string(name)) {}
  TopicRef(std::string_view name) : value_(std::string(name)) {}
  TopicRef(const std::string& name) : value_(name) {}
  TopicRef(std::uint32_t id) : value_(id) {}
  TopicRef(int id) : value_(static_cast<std::uint32_t>(id)) {}

  bool is_name() const { return std::holds_alternative<std::string>(value_); }
  bool is_self() const { return is_name() && name() == "self"; }
  const std::string& name() const { return std::get<std::string>(value_); }
  std::uint32_t id() const { return std::get<std::uint32_t>(value_); }

 private:
  std::variant<std::string, std::uint32_t> value_;
};

// One received message. The payload view is valid only during the callback.
struct Delivery {
  std::span<const std::uint8_t> payload;
  std::uint32_t ptid = 0;    // publisher ETID: reply here
  std::uint32_t tid = 0;     // topic TID, or the receiver's ETID for direct messages
  std::uint32_t subtid = 0;  // sub-topic id, 0 for none
  std::string_view text() const {
    return {reinterpret_cast<const char*>(payload.data()), payload.size()};
  }
};

using MessageHandler = std::function<void(const Delivery&)>;
// count = subscribers of a named topic, or 0 when an observed client left; id = what changed.
using ChangeHandler = std::function<void(std::uint32_t count, std::uint32_t id)>;
// The answer to create/createsub/subscribe/observe: accepted, and the id (0 when denied).
using AckHandler = std::function<void(bool accepted, std::uint32_t id)>;

class Client {
 public:
  virtual ~Client() = default;

  // This client's ETID (0 while a network client is not connected).
  virtual std::uint32_t gettid() const = 0;

  // Resolves a name to its TID / sub-topic id, creating it when new; `done` gets the id.
  virtual void create(const TopicRef& topic, AckHandler done) = 0;
  virtual void createsub(const TopicRef& subtopic, AckHandler done) = 0;

  // Publishes to a topic name or number, "self" or a client's ETID, with an optional
  // sub-topic (name or number). Payloads above 0xFFF0 bytes throw std::length_error.
  // Returns: in-process, the number of recipients; network, 1 when the message was queued
  // for sending and 0 when it was refused (queue full).
  virtual std::size_t publish(std::span<const std::uint8_t> payload, const TopicRef& topic,
                              const TopicRef& subtopic = 0u) = 0;
  std::size_t publish(std::string_view text, const TopicRef& topic,
                      const TopicRef& subtopic = 0u) {
    return publish({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}, topic,
                   subtopic);
  }

  // Subscribes with a callback for the topic (subtopic 0 = every message of the topic not
  // taken by a sub-topic callback). "self" or an ETID installs the callback only.
  virtual void subscribe(const TopicRef& topic, const TopicRef& subtopic,
                         MessageHandler on_message, AckHandler done = {}) = 0;
  virtual void unsubscribe(const TopicRef& topic) = 0;

  // Observes a named topic's subscriber count or a client's ETID (count 0 = it left).
  virtual void observe(const TopicRef& topic, ChangeHandler on_change, AckHandler done = {}) = 0;
  virtual void unobserve(const TopicRef& topic) = 0;

  // Messages no subscription callback matched.
  virtual void on_message(MessageHandler handler) = 0;

  // Name/id translation from what this client knows (0 / empty when unknown).
  virtual std::uint32_t topic2tid(std::string_view name) = 0;
  virtual std::string tid2topic(std::uint32_t tid) = 0;
  virtual std::uint32_t subtopic2tid(std::string_view name) = 0;
  virtual std::string tid2subtopic(std::uint32_t id) = 0;
};

}  // namespace smq
