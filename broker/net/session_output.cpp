// SMQ session output (see session.hpp): the queue with its slow-consumer cap, one posted
// flush per loop turn for every session with output, and gather writes of coalesced small
// frames and in-place large ones. Broker thread only.
#include <asio/post.hpp>
#include <asio/write.hpp>

#include <algorithm>
#include <cstring>

#include "broker/net/session.hpp"

namespace smq {
namespace {

// Frames up to this size are copied into one contiguous buffer per write; larger ones are
// referenced in place. Copying small frames keeps the gather list short (the kernel takes at
// most 1024 iovecs and Asio hands over 64 per call).
constexpr std::size_t coalesce_limit = 4 * 1024;
// Longest header frame_parts() writes (a WebSocket header for a 64-bit length).
constexpr std::size_t max_frame_header = 14;

}  // namespace

// ---- output -----------------------------------------------------------------------------

bool Session::deliver(const Frame& frame) {
  if (!send(frame)) return false;
  // Raw framing: two length bytes, then the packet type.
  if (frame.size() > 2 && frame.data()[2] == static_cast<std::uint8_t>(PacketType::publish)) {
    ++messages_out_;
  }
  return true;
}

PeerTraffic Session::traffic() const {
  return {messages_in_, bytes_in_, messages_out_, bytes_out_, queued_bytes_, stream_->tls() != nullptr};
}

bool Session::send(Frame frame, bool verbatim) {
  // A connected session that the hub no longer lists is being torn down: the Changes its
  // own departure causes are not for it.
  if (!open() || (connected() && !registered)) return false;
  if (queued_bytes_ + frame.size() > ctx_.options.output_queue_bytes) {
    // Slow-consumer policy: a client that cannot keep up is disconnected rather than
    // silently missing messages or growing the broker's memory. The close is posted
    // because the hub may be iterating subscribers right now.
    if (!overflow_posted_) {
      overflow_posted_ = true;
      log_.warn("etid {:#x} ({}): slow consumer, {} bytes queued; disconnecting", etid,
                address, queued_bytes_);
      asio::post(ctx_.io, [self = shared_from_this()] { self->end(CloseReason::slow_consumer); });
    }
    return false;
  }
  queued_bytes_ += frame.size();
  pending_.push_back({std::move(frame), verbatim});
  schedule_flush();
  return true;
}

void Session::push_goodbye(Frame frame, bool verbatim) {
  queued_bytes_ += frame.size();
  pending_.push_back({std::move(frame), verbatim});
}

void Session::schedule_flush() {
  if (writing_ || flush_posted_) return;
  // Deferred to the end of this loop turn so that everything queued meanwhile (a whole
  // read's worth of packets, a fan-out) leaves in one write. One posted handler flushes
  // every session queued this turn: a fan-out to N subscribers costs one post, not N.
  flush_posted_ = true;
  ctx_.flush_queue.push_back(shared_from_this());
  if (ctx_.flush_queue.size() == 1) {
    asio::post(ctx_.io, [&ctx = ctx_] { flush_queued(ctx); });
  }
}

void Session::flush_queued(NetContext& ctx) {
  // Sessions queued while these flush (a failed write's teardown notifying observers) go
  // to the emptied queue and get their own post. The two vectors trade places so neither
  // allocates again once it has grown.
  std::vector<std::shared_ptr<Session>>& batch = ctx.flushing;
  batch.swap(ctx.flush_queue);
  for (const auto& session : batch) {
    session->flush_posted_ = false;
    try {
      session->flush();
    } catch (const std::exception& e) {
      // Only this session is lost; the batch must still be emptied, or no flush would ever
      // be posted again (schedule_flush posts when the queue goes from empty to one).
      session->log_.error("etid {:#x}: write failed: {}", session->etid, e.what());
      session->abort(CloseReason::internal_error);
    }
  }
  batch.clear();
}

std::uint8_t* Session::scratch_space(std::size_t size) {
  if (scratch_capacity_ < size) {
    scratch_capacity_ = std::max(size, 2 * scratch_capacity_);
    scratch_ = std::make_unique_for_overwrite<std::uint8_t[]>(scratch_capacity_);
  }
  return scratch_.get();
}

void Session::flush() {
  if (writing_ || state_ == State::closed) return;
  if (pending_.empty()) {
    if (state_ == State::closing) finish_close();
    return;
  }
  inflight_.swap(pending_);
  inflight_bytes_ = 0;
  // Headers and small frames are copied into one contiguous scratch area; larger frames are
  // referenced in place. The scratch area is sized once, for the worst case.
  std::size_t bound = 0;
  for (const Outgoing& item : inflight_) {
    bound += max_frame_header + std::min(item.frame.size(), coalesce_limit);
  }
  std::uint8_t* const scratch = scratch_space(bound);
  std::uint8_t* out = scratch;
  std::uint8_t* run = scratch;  // start of the scratch bytes not yet in buffers_
  buffers_.clear();
  for (const Outgoing& item : inflight_) {
    inflight_bytes_ += item.frame.size();
    std::span<const std::uint8_t> body;
    out += frame_parts(item, out, body);
    if (body.size() <= coalesce_limit) {
      std::memcpy(out, body.data(), body.size());
      out += body.size();
    } else {
      if (out > run) buffers_.emplace_back(run, static_cast<std::size_t>(out - run));
      buffers_.emplace_back(body.data(), body.size());
      run = out;
    }
  }
  if (out > run) buffers_.emplace_back(run, static_cast<std::size_t>(out - run));
  // From here on the batch counts against the cap by its bytes not yet written, so what
  // the kernel has taken stops counting at once, not when the last byte of a large batch
  // is out (which would count a draining batch twice with everything queued behind it).
  const std::size_t wire_bytes = asio::buffer_size(buffers_);
  queued_bytes_ = queued_bytes_ - inflight_bytes_ + wire_bytes;
  inflight_bytes_ = wire_bytes;
  writing_ = true;
  ctx_.counters.packets_out += inflight_.size();
  first_unwritten_ = 0;
  if (direct_) {
    write_direct();
    return;
  }
  // TLS: the stream writes the whole batch; the deadline covers the whole of it.
  note_write_blocked();
  stream_->async_write(buffers_, [self = shared_from_this()](const asio::error_code& ec,
                                                             std::size_t n) {
    self->ctx_.counters.bytes_out += n;
    self->bytes_out_ += n;
    self->on_written(ec);
  });
}

// Plain TCP: writes all the socket takes now, in as many calls as that needs (Asio passes at
// most 64 buffers per call), and waits only when the kernel's buffer is full. Neither a cap
// on buffers nor one on bytes per loop turn may slow a session down: a subscriber receives
// up to a whole read's worth of publishes per turn, and a writer that falls behind that once
// never catches up (asio::async_write moves at most 64 KiB per turn).
void Session::write_direct() {
  asio::error_code ec;
  bool progressed = false;
  while (first_unwritten_ < buffers_.size()) {
    const std::span<const asio::const_buffer> rest(buffers_.data() + first_unwritten_,
                                                   buffers_.size() - first_unwritten_);
    const std::size_t n = stream_->socket().write_some(rest, ec);
    if (ec) break;
    ctx_.counters.bytes_out += n;
    bytes_out_ += n;
    queued_bytes_ -= n;
    inflight_bytes_ -= n;
    progressed = progressed || n > 0;
    consume_buffers(n);
  }
  if (first_unwritten_ == buffers_.size()) {
    on_written({});
    return;
  }
  if (ec != asio::error::would_block && ec != asio::error::try_again) {
    on_written(ec);
    return;
  }
  if (progressed) write_progress_ = std::chrono::steady_clock::now();
  note_write_blocked();
  stream_->socket().async_wait(asio::socket_base::wait_write,
                               [self = shared_from_this()](const asio::error_code& wait_error) {
                                 if (wait_error) {
                                   self->on_written(wait_error);
                                 } else {
                                   self->write_direct();
                                 }
                               });
}

// Drops the first `n` bytes of the unwritten buffers after a write.
void Session::consume_buffers(std::size_t n) {
  while (first_unwritten_ < buffers_.size() && buffers_[first_unwritten_].size() <= n) {
    n -= buffers_[first_unwritten_++].size();
  }
  if (n > 0) buffers_[first_unwritten_] += n;
}

// ---- write deadline ---------------------------------------------------------------------

void Session::note_write_blocked() {
  if (!write_blocked_) {
    write_blocked_ = true;
    write_progress_ = std::chrono::steady_clock::now();
  }
  if (write_timer_armed_) return;
  // One timer per session, made the first time a write has to wait: idle sessions and
  // sessions whose writes complete at once never hold one.
  if (!write_timer_) write_timer_ = std::make_unique<asio::steady_timer>(ctx_.io);
  write_timer_armed_ = true;
  write_timer_->expires_at(write_progress_ + ctx_.options.write_deadline);
  write_timer_->async_wait([self = shared_from_this()](const asio::error_code& ec) {
    self->on_write_deadline(ec);
  });
}

void Session::on_write_deadline(const asio::error_code& ec) {
  write_timer_armed_ = false;
  if (ec || state_ == State::closed || !write_blocked_) return;
  const auto idle = std::chrono::steady_clock::now() - write_progress_;
  if (idle < ctx_.options.write_deadline) {
    note_write_blocked();  // bytes went out meanwhile: wait for the rest of the deadline
    return;
  }
  log_.warn("etid {:#x} ({}): no write progress for {} ms, {} bytes queued; disconnecting",
            etid, address,
            std::chrono::duration_cast<std::chrono::milliseconds>(idle).count(), queued_bytes_);
  // The peer takes nothing, so no goodbye could reach it: the socket is closed at once.
  abort(CloseReason::write_timeout);
}

void Session::on_written(const asio::error_code& ec) {
  writing_ = false;
  write_blocked_ = false;  // the batch is over, written or failed: nothing waits any more
  queued_bytes_ -= inflight_bytes_;
  inflight_bytes_ = 0;
  inflight_.clear();
  if (scratch_capacity_ > 256 * 1024) {  // a burst is over; do not keep its scratch area
    scratch_.reset();
    scratch_capacity_ = 0;
  }
  if (state_ == State::closed) return;
  if (ec) {
    log_.debug("etid {:#x} ({}): write failed: {}", etid, address, ec.message());
    abort(CloseReason::peer_closed);
    return;
  }
  flush();
}

}  // namespace smq
