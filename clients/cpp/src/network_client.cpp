// NetworkClient: the public facade over the session (see smq/network_client.hpp), plus the
// optional owned io_context and its thread. Constructor/destructor run on the caller's
// thread; everything else is forwarded to the session (any thread).
#include "smq/network_client.hpp"

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>

#include <future>
#include <stdexcept>
#include <thread>

#include "src/session.hpp"

namespace smq {

struct NetworkClient::OwnedLoop {
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> work = asio::make_work_guard(io);
  std::thread thread;
};

namespace {

Url checked_url(std::string_view text) {
  auto parsed = parse_url(text);
  if (!parsed.url) {
    throw std::invalid_argument("bad SMQ URL '" + std::string(text) + "': " + parsed.error);
  }
  return std::move(*parsed.url);
}

}  // namespace

NetworkClient::NetworkClient(std::string_view url, ClientOptions options)
    : loop_(std::make_unique<OwnedLoop>()) {
  session_ = std::make_shared<detail::Session>(loop_->io, checked_url(url), std::move(options));
  loop_->thread = std::thread([loop = loop_.get()] { loop->io.run(); });
}

NetworkClient::NetworkClient(asio::io_context& io, std::string_view url, ClientOptions options)
    : session_(std::make_shared<detail::Session>(io, checked_url(url), std::move(options))) {}

NetworkClient::~NetworkClient() {
  session_->kill();  // no user callback from here on
  const bool can_wait =
      loop_ && loop_->thread.joinable() && loop_->thread.get_id() != std::this_thread::get_id();
  auto closed = std::make_shared<std::promise<void>>();
  auto future = closed->get_future();
  session_->close(true, "close", [closed] { closed->set_value(); });
  if (!loop_) return;  // the caller's io_context finishes the close
  if (can_wait) {
    // Best effort: the Disconnect gets about a second to leave.
    future.wait_for(std::chrono::milliseconds(1500));
    loop_->work.reset();
    loop_->io.stop();
    loop_->thread.join();
  } else if (loop_->thread.joinable()) {
    // Destroyed from its own callback (documented as unsupported): do not deadlock.
    loop_->work.reset();
    loop_->io.stop();
    loop_->thread.detach();
    (void)loop_.release();  // leaked: the detached thread still uses it
  }
  session_.reset();
}

void NetworkClient::on_connect(ConnectHandler handler) {
  session_->set_on_connect(std::move(handler));
}
void NetworkClient::on_reconnect(ConnectHandler handler) {
  session_->set_on_reconnect(std::move(handler));
}
void NetworkClient::on_close(CloseHandler handler) { session_->set_on_close(std::move(handler)); }
void NetworkClient::on_error(ErrorHandler handler) { session_->set_on_error(std::move(handler)); }
void NetworkClient::on_message(MessageHandler handler) {
  session_->set_default_handler(std::move(handler));
}

void NetworkClient::connect() { session_->connect(); }
void NetworkClient::disconnect() { session_->close(true, "disconnect"); }
void NetworkClient::close() { session_->close(false, "close"); }

bool NetworkClient::connected() const { return session_->connected(); }
bool NetworkClient::closed() const { return session_->closed(); }
const Url& NetworkClient::url() const { return session_->url(); }
const std::string& NetworkClient::uid() const { return session_->uid(); }
bool NetworkClient::running_in_executor() const { return session_->running_in_executor(); }
std::uint64_t NetworkClient::refused() const { return session_->refused(); }
std::size_t NetworkClient::queued() const { return session_->queued(); }
void NetworkClient::flush(std::function<void(bool)> done) { session_->flush(std::move(done)); }
void NetworkClient::deliver_to_default(const Delivery& delivery) {
  session_->deliver_to_default(delivery);
}

std::uint32_t NetworkClient::gettid() const { return session_->etid(); }
void NetworkClient::create(const TopicRef& topic, AckHandler done) {
  session_->create(topic, std::move(done));
}
void NetworkClient::createsub(const TopicRef& subtopic, AckHandler done) {
  session_->createsub(subtopic, std::move(done));
}
std::size_t NetworkClient::publish(std::span<const std::uint8_t> payload, const TopicRef& topic,
                                   const TopicRef& subtopic) {
  return session_->publish(payload, topic, subtopic);
}
void NetworkClient::subscribe(const TopicRef& topic, const TopicRef& subtopic,
                              MessageHandler on_message, AckHandler done) {
  session_->subscribe(topic, subtopic, std::move(on_message), std::move(done));
}
void NetworkClient::unsubscribe(const TopicRef& topic) { session_->unsubscribe(topic); }
void NetworkClient::observe(const TopicRef& topic, ChangeHandler on_change, AckHandler done) {
  session_->observe(topic, std::move(on_change), std::move(done));
}
void NetworkClient::unobserve(const TopicRef& topic) { session_->unobserve(topic); }
std::uint32_t NetworkClient::topic2tid(std::string_view name) { return session_->topic2tid(name); }
std::string NetworkClient::tid2topic(std::uint32_t tid) { return session_->tid2topic(tid); }
std::uint32_t NetworkClient::subtopic2tid(std::string_view name) {
  return session_->subtopic2tid(name);
}
std::string NetworkClient::tid2subtopic(std::uint32_t id) { return session_->tid2subtopic(id); }

}  // namespace smq
