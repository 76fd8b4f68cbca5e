// Lame-duck drain (see lame_duck.hpp). Broker thread.
#include "broker/lame_duck.hpp"

#include <algorithm>
#include <cmath>

#include "broker/net/net_context.hpp"

namespace smq {

LameDuck::LameDuck(NetContext& net, std::chrono::milliseconds duration, std::function<void()> done)
    : net_(net), duration_(duration), done_(std::move(done)), timer_(net.io) {}

void LameDuck::start() {
  started_ = std::chrono::steady_clock::now();
  targets_.assign(net_.connections.begin(), net_.connections.end());
  tick();
}

void LameDuck::cancel() {
  cancelled_ = true;
  timer_.cancel();
}

void LameDuck::tick() {
  if (cancelled_) return;
  const auto elapsed = std::chrono::steady_clock::now() - started_;
  if (elapsed >= duration_ || next_ >= targets_.size()) {
    end_up_to(targets_.size());
    // The broker's stop() waits for these last goodbyes to be written.
    done_();
    return;
  }
  // The share due by now, rounded up, so the first batch goes at once and the last one
  // before the duration is over.
  const double fraction = std::chrono::duration<double>(elapsed) / duration_;
  const auto due = static_cast<std::size_t>(
      std::ceil(fraction * static_cast<double>(targets_.size())));
  end_up_to(std::max<std::size_t>(due, 1));
  timer_.expires_after(std::min<std::chrono::steady_clock::duration>(lame_duck_tick, duration_));
  timer_.async_wait([this](const asio::error_code& ec) {
    if (!ec) tick();
  });
}

void LameDuck::end_up_to(std::size_t count) {
  count = std::min(count, targets_.size());
  while (next_ < count) {
    Connection* c = targets_[next_++];
    // Gone on its own since the drain began: it counts as told.
    if (net_.connections.contains(c)) c->stop_for_shutdown();
  }
}

}  // namespace smq
