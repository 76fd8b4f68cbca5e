// The blocking layer (see smq/blocking_client.hpp). Public methods run on the caller's
// thread and wait on futures / a condition variable fed by callbacks on the client's thread.
#include "smq/blocking_client.hpp"

#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

namespace smq {

struct BlockingClient::State {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<ReceivedMessage> inbox;
  std::size_t capacity = 0;
  ReceiveOverflow overflow = ReceiveOverflow::drop_oldest;
  std::uint64_t dropped = 0;
  bool started = false;  // connect() was called
  bool ever_connected = false;
  bool failed = false;  // the first attempt failed (connect() throws)
  bool final = false;   // closed for good
  std::string reason;
  // Runs on the client's thread, so it is ordered with on_reconnect's output.
  std::function<void(std::string_view)> on_lost;

  void push(const Delivery& d) {
    {
      std::lock_guard lock(mu);
      if (capacity == 0 || inbox.size() >= capacity) {
        ++dropped;
        if (overflow == ReceiveOverflow::drop_newest || inbox.empty()) return;
        inbox.pop_front();
      }
      inbox.push_back(
          ReceivedMessage{{d.payload.begin(), d.payload.end()}, d.ptid, d.tid, d.subtid});
    }
    cv.notify_all();
  }
};

BlockingClient::BlockingClient(std::string_view url, ClientOptions options)
    : state_(std::make_shared<State>()) {
  state_->capacity = options.receive_queue;
  state_->overflow = options.receive_overflow;
  client_ = std::make_unique<NetworkClient>(url, std::move(options));
  auto st = state_;
  client_->on_message([st](const Delivery& d) { st->push(d); });
  client_->on_connect([st](std::uint32_t, std::uint32_t, std::string_view) {
    {
      std::lock_guard lock(st->mu);
      st->ever_connected = true;
    }
    st->cv.notify_all();
  });
  client_->on_close([st](std::string_view reason, bool will_reconnect) {
    std::function<void(std::string_view)> lost;
    {
      std::lock_guard lock(st->mu);
      st->reason = std::string(reason);
      if (!st->ever_connected) st->failed = true;
      if (!will_reconnect) st->final = true;
      if (will_reconnect && st->ever_connected) lost = st->on_lost;
    }
    st->cv.notify_all();
    if (lost) lost(reason);  // outside the lock: it may call back into this client
  });
}

BlockingClient::~BlockingClient() = default;

void BlockingClient::on_connection_lost(std::function<void(std::string_view reason)> handler) {
  std::lock_guard lock(state_->mu);
  state_->on_lost = std::move(handler);
}

void BlockingClient::check_thread() const {
  if (client_->running_in_executor()) {
    throw std::logic_error("BlockingClient called from the client's own thread (a callback)");
  }
}

void BlockingClient::connect(Ms timeout) {
  check_thread();
  {
    std::lock_guard lock(state_->mu);
    state_->started = true;
  }
  client_->connect();
  std::unique_lock lock(state_->mu);
  const bool done = state_->cv.wait_for(
      lock, timeout, [&] { return state_->ever_connected || state_->failed || state_->final; });
  if (state_->ever_connected) return;
  const std::string reason = done ? state_->reason : "connect timeout";
  lock.unlock();
  client_->close();
  wait_closed();
  throw ConnectionError(reason);
}

void BlockingClient::wait_closed() {
  // A started client reports its final close through on_close (which records the reason);
  // one that was never started closes without a callback: poll closed() then.
  const auto deadline = std::chrono::steady_clock::now() + Ms(2000);
  std::unique_lock lock(state_->mu);
  while (!state_->final && !(!state_->started && client_->closed()) &&
         std::chrono::steady_clock::now() < deadline) {
    state_->cv.wait_for(lock, Ms(5));
  }
  state_->final = true;
  state_->cv.notify_all();
}

namespace {

struct AckResult {
  bool ok = false;
  std::uint32_t id = 0;
};

template <typename Start>
std::uint32_t wait_ack(Start&& start, std::chrono::milliseconds timeout, const std::string& what) {
  auto promise = std::make_shared<std::promise<AckResult>>();
  auto future = promise->get_future();
  start([promise](bool ok, std::uint32_t id) { promise->set_value(AckResult{ok, id}); });
  if (future.wait_for(timeout) != std::future_status::ready) {
    throw RequestError(what + ": no answer", true);
  }
  const AckResult r = future.get();
  if (!r.ok) throw RequestError(what + ": denied", false);
  return r.id;
}

std::string describe(const TopicRef& ref) {
  return ref.is_name() ? "'" + ref.name() + "'" : std::to_string(ref.id());
}

}  // namespace

std::uint32_t BlockingClient::subscribe(const TopicRef& topic, const TopicRef& subtopic,
                                        Ms timeout) {
  check_thread();
  auto st = state_;
  return wait_ack(
      [&](AckHandler done) {
        client_->subscribe(
            topic, subtopic, [st](const Delivery& d) { st->push(d); }, std::move(done));
      },
      timeout, "subscribe " + describe(topic));
}

void BlockingClient::unsubscribe(const TopicRef& topic) {
  check_thread();
  client_->unsubscribe(topic);
}

std::uint32_t BlockingClient::create(const TopicRef& topic, Ms timeout) {
  check_thread();
  return wait_ack([&](AckHandler done) { client_->create(topic, std::move(done)); }, timeout,
                  "create " + describe(topic));
}

std::uint32_t BlockingClient::createsub(const TopicRef& subtopic, Ms timeout) {
  check_thread();
  return wait_ack([&](AckHandler done) { client_->createsub(subtopic, std::move(done)); }, timeout,
                  "createsub " + describe(subtopic));
}

std::uint32_t BlockingClient::observe(const TopicRef& topic, ChangeHandler on_change, Ms timeout) {
  check_thread();
  return wait_ack(
      [&](AckHandler done) { client_->observe(topic, std::move(on_change), std::move(done)); },
      timeout, "observe " + describe(topic));
}

bool BlockingClient::publish(std::span<const std::uint8_t> payload, const TopicRef& topic,
                             const TopicRef& subtopic, Ms timeout) {
  check_thread();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (client_->publish(payload, topic, subtopic)) return true;
    if (client_->closed() || std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(Ms(1));
  }
}

bool BlockingClient::flush(Ms timeout) {
  check_thread();
  auto promise = std::make_shared<std::promise<bool>>();
  auto future = promise->get_future();
  client_->flush([promise](bool ok) { promise->set_value(ok); });
  return future.wait_for(timeout) == std::future_status::ready && future.get();
}

std::optional<ReceivedMessage> BlockingClient::wait_message(Ms timeout) {
  check_thread();
  std::unique_lock lock(state_->mu);
  // `final` is set by the on_close callback (so close_reason() is known by then) or by
  // close() / a failed connect().
  state_->cv.wait_for(lock, timeout, [&] { return !state_->inbox.empty() || state_->final; });
  if (state_->inbox.empty()) return std::nullopt;
  ReceivedMessage m = std::move(state_->inbox.front());
  state_->inbox.pop_front();
  return m;
}

void BlockingClient::close() {
  check_thread();
  client_->disconnect();
  wait_closed();
}

bool BlockingClient::connected() const { return client_->connected(); }
bool BlockingClient::closed() const { return client_->closed(); }
std::uint32_t BlockingClient::gettid() const { return client_->gettid(); }
std::uint64_t BlockingClient::dropped() const {
  std::lock_guard lock(state_->mu);
  return state_->dropped;
}
std::string BlockingClient::close_reason() const {
  std::lock_guard lock(state_->mu);
  return state_->reason;
}

}  // namespace smq
