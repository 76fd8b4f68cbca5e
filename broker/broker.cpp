// Broker assembly: hub, in-process client, listeners and the run/stop life cycle (see
// broker.hpp). start()/run() on the owning thread; stop() from anywhere.
#include "broker/broker.hpp"

#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <fmt/ranges.h>

#include <stdexcept>

#include "broker/auth/authenticator.hpp"
#include "broker/hub.hpp"
#include "broker/lame_duck.hpp"
#include "broker/local_client.hpp"
#include "broker/monitor/endpoints.hpp"
#include "broker/net/listener.hpp"
#include "broker/net/net_context.hpp"
#include "broker/net/tls_context.hpp"
#include "broker/stats_publisher.hpp"

namespace smq {
namespace {

// How long stop() waits for clients to receive their goodbye before dropping them.
constexpr std::chrono::milliseconds shutdown_grace{3000};

}  // namespace

Broker::Broker(BrokerOptions options, Hooks hooks)
    : options_(std::move(options)), log_(options_.log_level, options_.log_sink, options_.log_format) {
  hub_ = std::make_unique<Hub>(log_, std::move(hooks), options_.hub);
  net_ = std::make_unique<NetContext>(io_, options_, log_, *hub_);
  auth_ = std::make_unique<auth::Authenticator>(io_, log_, net_->counters);
  net_->auth = auth_.get();
  server_ = std::make_unique<LocalClient>(*this, *hub_, options_.random_server_etid);
}

Broker::~Broker() {
  stop();
  if (thread_.joinable()) thread_.join();
  // Connections still referenced by queued handlers are released with io_, after the hub;
  // none of them touches the hub on destruction.
  listeners_.clear();
  if (monitor_) monitor_->stop();
  stats_publisher_.reset();
}

void Broker::start() {
  if (!listeners_.empty()) throw std::logic_error("Broker::start called twice");
  // No listener of any kind named: the loopback default. TLS listeners alone: TLS only.
  const std::vector<std::string> plain =
      options_.listen.empty() && options_.tls_listen.empty()
          ? std::vector<std::string>{default_listen_address}
          : options_.listen;
  if (!options_.tls_listen.empty()) net_->tls = make_tls_context(options_);
  auth_->configure(options_.auth);
  if (!options_.auth.password_file.empty()) {
    log_.info("logins checked against {} ({} users); anonymous clients {}",
              options_.auth.password_file, auth_->user_count(),
              options_.auth.allows_anonymous() ? "accepted" : "refused");
  }
  if (options_.auth.accepts_tokens()) {
    log_.info("tokens accepted ({}); anonymous clients {}",
              fmt::join(auth_->token_algorithms(), ", "),
              options_.auth.allows_anonymous() ? "accepted" : "refused");
  }
  if (options_.auth.checks_credentials()) {
    for (const std::string& exposed : auth::exposed_plain_listeners(options_)) {
      log_.warn("credentials are accepted on the plain listener {}, which is not loopback: "
                "passwords and tokens cross the network readable (use tls_listen for remote "
                "clients)", exposed);
    }
  }
  auto listen = [&](const std::string& text, bool tls) {
    const auto endpoint = parse_listen_address(text);
    try {
      listeners_.push_back(std::make_shared<Listener>(*net_, endpoint, tls));
    } catch (const std::system_error& e) {
      throw std::runtime_error("cannot listen on " + text + ": " + e.code().message());
    }
  };
  for (const auto& text : plain) listen(text, false);
  for (const auto& text : options_.tls_listen) listen(text, true);
  if (!options_.monitor.empty()) start_monitor();
  if (options_.stats_interval.count() > 0) {
    stats_publisher_ = std::make_unique<StatsPublisher>(*this, options_.stats_interval);
    stats_publisher_->start();
  }
  for (auto& listener : listeners_) {
    listener->start();
    const auto ep = listener->local_endpoint();
    const std::string host = ep.address().to_string();
    const bool v6 = ep.address().is_v6();
    const bool tls = listener->tls();
    log_.info("listening on {}{}{}:{} ({}WebSocket, raw SMQ and HTTP{}): open http{}://{}{}{}:{}/",
              v6 ? "[" : "", host, v6 ? "]" : "", ep.port(), tls ? "TLS: " : "",
              tls ? "S" : "", tls ? "s" : "", v6 ? "[" : "", host, v6 ? "]" : "", ep.port());
  }
}

void Broker::run() {
  loop_thread_ = std::this_thread::get_id();
  running_ = true;
  // The last line of defence: sessions and the in-process client catch what their packets
  // and callbacks throw, but a handler posted by embedding code, a timer or an accept may
  // still throw out of run(). Asio allows run() to be called again at once; the loop's
  // state is intact, only the throwing handler is lost.
  for (;;) {
    try {
      io_.run();
      break;
    } catch (const std::exception& e) {
      ++net_->counters.loop_exceptions;
      log_.error("a handler threw out of the event loop: {}; carrying on", printable(e.what(), 200));
    } catch (...) {
      ++net_->counters.loop_exceptions;
      log_.error("a handler threw an unknown exception out of the event loop; carrying on");
    }
  }
  running_ = false;
  loop_thread_ = std::thread::id{};
}

void Broker::start_thread() {
  // Mark the loop as running before the thread starts so that calls made right after
  // start_thread() are posted to it rather than run on the caller's thread.
  running_ = true;
  thread_ = std::thread([this] { run(); });
}

void Broker::stop() {
  asio::post(io_, [this] {
    if (net_->stopping) return;
    net_->stopping = true;
    if (lame_duck_) lame_duck_->cancel();
    log_.info("stopping: closing {} connections", net_->connections.size());
    for (auto& listener : listeners_) listener->stop();
    if (stats_publisher_) stats_publisher_->stop();
    auto grace = std::make_shared<asio::steady_timer>(io_, shutdown_grace);
    net_->on_drained = [this, grace] {
      grace->cancel();
      io_.stop();
    };
    grace->async_wait([this](const asio::error_code& ec) {
      if (!ec) io_.stop();
    });
    const std::vector<Connection*> all(net_->connections.begin(), net_->connections.end());
    for (Connection* c : all) c->stop_for_shutdown();
    if (net_->connections.empty()) net_->on_drained();
  });
}

void Broker::lame_duck() {
  asio::post(io_, [this] {
    if (net_->stopping || lame_duck_) return;
    for (auto& listener : listeners_) listener->stop();
    lame_duck_ = std::make_unique<LameDuck>(*net_, options_.lame_duck_duration, [this] {
      log_.info("lame duck: every client was told; stopping");
      stop();
    });
    log_.info("lame duck: stopped accepting; ending {} connections over {} ms",
              net_->connections.size(), options_.lame_duck_duration.count());
    lame_duck_->start();
  });
}

void Broker::start_monitor() {
  monitor_token_ = read_monitor_token(options_.monitor_token_file);
  const auto endpoint = parse_listen_address(options_.monitor);
  try {
    monitor_ = std::make_shared<MonitorServer>(io_, log_, endpoint, monitor_endpoints(*this));
  } catch (const std::system_error& e) {
    throw std::runtime_error("cannot listen on " + options_.monitor + " (monitor): " +
                             e.code().message());
  }
  monitor_->start();
  const auto ep = monitor_->local_endpoint();
  const bool v6 = ep.address().is_v6();
  log_.info("monitoring on {}{}{}:{} (/healthz, /varz){}", v6 ? "[" : "", ep.address().to_string(),
            v6 ? "]" : "", ep.port(), monitor_token_.empty() ? "" : ", bearer token required");
  if (!ep.address().is_loopback() && monitor_token_.empty()) {
    log_.warn("the monitoring listener {} is not loopback and has no monitor_token_file: anyone "
              "who reaches it reads the configuration and counters", options_.monitor);
  }
}

std::optional<asio::ip::tcp::endpoint> Broker::monitor_endpoint() const {
  if (!monitor_) return std::nullopt;
  return monitor_->local_endpoint();
}

bool Broker::stopping() const { return net_->stopping; }
bool Broker::draining() const { return lame_duck_ != nullptr; }

std::vector<asio::ip::tcp::endpoint> Broker::endpoints() const {
  std::vector<asio::ip::tcp::endpoint> out;
  for (const auto& l : listeners_) out.push_back(l->local_endpoint());
  return out;
}

BrokerStats Broker::stats() const {
  const double uptime =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  return collect_stats(*hub_, net_->counters, uptime);
}

LocalClient& Broker::server() { return *server_; }
Hub& Broker::hub() { return *hub_; }
Logger& Broker::logger() { return log_; }

bool Broker::running_in_this_thread() const {
  return loop_thread_.load() == std::this_thread::get_id();
}

bool Broker::loop_running() const { return running_; }

}  // namespace smq
