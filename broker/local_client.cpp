// The in-process client (see local_client.hpp). Public methods may be called from any
// thread and run on the broker thread; callbacks run on the broker thread from a posted
// drain of the inbox, never inside the hub's routing loop. A callback that throws is logged,
// counted and skipped.
#include "broker/local_client.hpp"

#include <asio/post.hpp>

#include <future>
#include <stdexcept>

#include "broker/broker.hpp"
#include "broker/hub.hpp"
#include "protocol/byte_order.hpp"
#include "protocol/limits.hpp"

namespace smq {

LocalClient::LocalClient(Broker& broker, Hub& hub, bool random_etid)
    : broker_(broker), hub_(hub) {
  uid = "SMQ server client";
  info = "SMQ server client";
  address = "local";
  transport = Transport::local;
  hub_.register_local(*this, random_etid);
}

LocalClient::~LocalClient() = default;

template <typename F>
auto LocalClient::on_loop(F&& f) {
  if (!broker_.loop_running() || broker_.running_in_this_thread()) return f();
  using R = decltype(f());
  std::packaged_task<R()> task(std::forward<F>(f));
  auto result = task.get_future();
  asio::post(broker_.context(), [&task] { task(); });
  return result.get();
}

std::uint32_t LocalClient::resolve_topic(const TopicRef& topic) {
  if (!topic.is_name()) return topic.id();
  if (topic.name() == "self") return etid;
  return hub_.topic_id(topic.name());
}

std::uint32_t LocalClient::resolve_subtopic(const TopicRef& subtopic) {
  if (!subtopic.is_name()) return subtopic.id();
  return hub_.subtopic_id(subtopic.name());
}

std::uint32_t LocalClient::create(const TopicRef& topic) {
  return on_loop([&] { return resolve_topic(topic); });
}

std::uint32_t LocalClient::createsub(const TopicRef& subtopic) {
  return on_loop([&] { return resolve_subtopic(subtopic); });
}

void LocalClient::create(const TopicRef& topic, AckHandler done) {
  on_loop([&] {
    const std::uint32_t id = resolve_topic(topic);
    if (done) done(id != 0, id);
  });
}

void LocalClient::createsub(const TopicRef& subtopic, AckHandler done) {
  on_loop([&] {
    const std::uint32_t id = resolve_subtopic(subtopic);
    if (done) done(id != 0, id);
  });
}

std::size_t LocalClient::publish(std::span<const std::uint8_t> payload, const TopicRef& topic,
                                 const TopicRef& subtopic) {
  if (payload.size() > limits::max_payload) {
    throw std::length_error("SMQ payload above 0xFFF0 bytes");
  }
  return on_loop([&]() -> std::size_t {
    const Message message{payload, etid, resolve_topic(topic), resolve_subtopic(subtopic)};
    // A named sub-topic that got no id (limits, no random bytes) is not published without it.
    if (message.tid == 0 || (subtopic.is_name() && message.subtid == 0)) return 0;
    return hub_.publish(*this, message);
  });
}

std::size_t LocalClient::publish(std::string_view text, const TopicRef& topic,
                                 const TopicRef& subtopic) {
  return publish({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}, topic,
                 subtopic);
}

std::uint32_t LocalClient::subscribe(const TopicRef& topic, MessageHandler on_message) {
  return subscribe(topic, 0u, std::move(on_message));
}

std::uint32_t LocalClient::subscribe(const TopicRef& topic, const TopicRef& subtopic,
                                     MessageHandler on_message) {
  return on_loop([&]() -> std::uint32_t {
    const std::uint32_t tid = resolve_topic(topic);
    if (tid == 0) return 0;
    // A named sub-topic without an id would install the topic's catch-all instead.
    const std::uint32_t subtid = resolve_subtopic(subtopic);
    if (subtopic.is_name() && subtid == 0) return 0;
    // Named topics get a real subscription (one per client, however many sub-topic
    // callbacks); "self" and ETIDs only need the callback.
    if (hub_.is_topic(tid)) hub_.subscribe_tid(*this, tid);
    handlers_[tid][subtid] = std::move(on_message);
    return tid;
  });
}

void LocalClient::subscribe(const TopicRef& topic, const TopicRef& subtopic,
                            MessageHandler on_message, AckHandler done) {
  on_loop([&] {
    const std::uint32_t tid = subscribe(topic, subtopic, std::move(on_message));
    if (done) done(tid != 0, tid);
  });
}

void LocalClient::unsubscribe(const TopicRef& topic) {
  on_loop([&] {
    const std::uint32_t tid = topic.is_name()
                                  ? (topic.name() == "self" ? etid : hub_.find_topic(topic.name()))
                                  : topic.id();
    if (tid == 0) return;
    hub_.unsubscribe_tid(*this, tid);
    handlers_.erase(tid);
  });
}

bool LocalClient::observe(const TopicRef& topic, ChangeHandler on_change) {
  return on_loop([&] {
    const std::uint32_t id = resolve_topic(topic);
    if (id == 0 || id == etid) return false;
    observers_[id] = std::move(on_change);
    if (!hub_.observe_id(*this, id)) {
      observers_.erase(id);
      return false;
    }
    return true;
  });
}

void LocalClient::observe(const TopicRef& topic, ChangeHandler on_change, AckHandler done) {
  on_loop([&] {
    const bool ok = observe(topic, std::move(on_change));
    if (done) done(ok, ok ? resolve_topic(topic) : 0);
  });
}

void LocalClient::unobserve(const TopicRef& topic) {
  on_loop([&] {
    const std::uint32_t id = topic.is_name() ? hub_.find_topic(topic.name()) : topic.id();
    hub_.unobserve(*this, id);
    observers_.erase(id);
  });
}

void LocalClient::on_message(MessageHandler handler) {
  on_loop([&] { default_handler_ = std::move(handler); });
}

std::uint32_t LocalClient::topic2tid(std::string_view name) {
  return on_loop([&] { return name == "self" ? etid : hub_.find_topic(name); });
}

std::string LocalClient::tid2topic(std::uint32_t tid) {
  return on_loop([&] { return std::string(hub_.topic_name(tid)); });
}

std::uint32_t LocalClient::subtopic2tid(std::string_view name) {
  return on_loop([&] { return hub_.find_subtopic(name); });
}

std::string LocalClient::tid2subtopic(std::uint32_t id) {
  return on_loop([&] { return std::string(hub_.subtopic_name(id)); });
}

bool LocalClient::deliver(const Frame& frame) {
  inbox_.push_back(frame);
  if (!drain_posted_) {
    drain_posted_ = true;
    asio::post(broker_.context(), [this] { drain(); });
  }
  return true;
}

void LocalClient::drain() {
  drain_posted_ = false;
  std::deque<Frame> batch;
  batch.swap(inbox_);
  for (const Frame& frame : batch) dispatch(frame);
}

template <typename Callback>
void LocalClient::run_callback(std::string_view kind, std::uint32_t id, Callback&& callback) {
  // The boundary between the broker and server code: a callback that throws loses only its
  // own message; the rest of the batch and the broker carry on.
  std::string what;
  try {
    callback();
    return;
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
    what = "unknown exception";
  }
  hub_.note_callback_error();
  broker_.logger().error("server client: {} callback for {:#x} threw: {}; carrying on", kind, id,
                         printable(what, 200));
}

void LocalClient::dispatch(const Frame& frame) {
  const auto packet = frame.packet();
  if (packet[0] == static_cast<std::uint8_t>(PacketType::change)) {
    const std::uint32_t id = load_u32(packet.data() + 1);
    const std::uint32_t count = load_u32(packet.data() + 5);
    const auto it = observers_.find(id);
    if (it == observers_.end()) return;
    const ChangeHandler handler = it->second;  // the callback may unobserve
    // A client that left ends its observation; named topics keep theirs.
    if (count == 0 && !hub_.is_topic(id)) observers_.erase(id);
    run_callback("change", id, [&] { handler(count, id); });
    return;
  }
  const auto message = decode_publish(packet);
  if (!message) return;
  const Delivery delivery{message->payload, message->ptid, message->tid, message->subtid};
  MessageHandler handler;
  if (const auto topic = handlers_.find(message->tid); topic != handlers_.end()) {
    if (const auto exact = topic->second.find(message->subtid); exact != topic->second.end()) {
      handler = exact->second;
    } else if (const auto any = topic->second.find(0); any != topic->second.end()) {
      handler = any->second;
    }
  }
  if (!handler) handler = default_handler_;
  if (handler) {
    run_callback("message", message->tid, [&] { handler(delivery); });
  } else {
    broker_.logger().debug("server client: unhandled message for {:#x}", message->tid);
  }
}

}  // namespace smq
