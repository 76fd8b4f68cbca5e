// SMQ session: reading, the state machine and the close sequence (see session.hpp; Connect
// and login are in session_login.cpp, the output queue and writes in session_output.cpp).
// Broker thread only.
#include "broker/net/session.hpp"

#include <asio/post.hpp>

#include <algorithm>
#include <cstring>

#include "broker/net/socket_options.hpp"
#include "protocol/byte_order.hpp"
#include "protocol/limits.hpp"

namespace smq {
namespace {

constexpr std::size_t initial_read_buffer = 4096;
constexpr std::size_t min_read_space = 2048;
// After our goodbye is written we keep draining input this long before closing, so that
// unread client bytes do not turn our close into a reset that discards the goodbye.
constexpr std::chrono::milliseconds linger_time{2000};

}  // namespace

Session::Session(NetContext& ctx, std::unique_ptr<Stream> stream, HttpContext http,
                 std::string leftover, Transport transport)
    : ctx_(ctx), log_(ctx.log), stream_(std::move(stream)), http_(std::move(http)),
      timer_(ctx.io) {
  this->transport = transport;
  address = peer_address(stream_->socket());
  rbuf_.assign(leftover.begin(), leftover.end());  // bytes that came with the HTTP head
  rend_ = rbuf_.size();
}

Session::~Session() = default;

void Session::start() {
  ctx_.add(this);
  // Plain TCP reads go through the shared buffer, which must hold the longest unit plus a
  // useful read after it; TLS reads through its stream into rbuf_.
  direct_ = stream_->tls() == nullptr && 2 * max_read_buffer() <= ctx_.shared_input.size();
  if (direct_) {
    asio::error_code ec;
    stream_->socket().non_blocking(true, ec);
    direct_ = !ec;
  }
  if (!direct_ && rbuf_.size() < rend_ + min_read_space) {
    rbuf_.resize(std::max(initial_read_buffer, rend_ + min_read_space));
  }
  // The seed is the nonce of challenge/response logins: without random bytes there is no
  // safe Init to send, so the connection is closed before it starts.
  if (!ctx_.hub.random({reinterpret_cast<std::uint8_t*>(&seed), sizeof seed})) {
    log_.error("{}: no random seed for Init; connection closed", address);
    abort(CloseReason::internal_error);
    return;
  }
  std::string init;
  append_init(init, seed, address);
  send_packet(init);
  connect_deadline_at_ = std::chrono::steady_clock::now() + ctx_.options.connect_deadline;
  timer_.expires_at(connect_deadline_at_);
  timer_.async_wait([self = shared_from_this()](const asio::error_code& ec) {
    if (ec || self->state_ != State::awaiting_connect) return;
    self->log_.debug("{}: no Connect within the deadline", self->address);
    self->refuse(ConnackCode::unavailable, "timeout", CloseReason::connect_timeout);
  });
  if (rend_ > 0) {
    on_read({}, 0);
  } else {
    read_more();
  }
}

void Session::stop_for_shutdown() {
  if (state_ == State::awaiting_connect) {
    refuse(ConnackCode::unavailable, "shutting down");
  } else {
    end(CloseReason::server_shutdown);
  }
}

// ---- input ------------------------------------------------------------------------------

void Session::read_more() {
  if (state_ == State::closed) return;
  if (direct_) {
    wait_readable();
    return;
  }
  if (rbegin_ > 0) {
    std::memmove(rbuf_.data(), rbuf_.data() + rbegin_, rend_ - rbegin_);
    rend_ -= rbegin_;
    rbegin_ = 0;
  }
  if (rbuf_.size() - rend_ < min_read_space && rbuf_.size() < max_read_buffer()) {
    rbuf_.resize(std::min(max_read_buffer(), rbuf_.size() * 2));
  }
  if (rend_ == rbuf_.size()) {
    // The framing promised no unit exceeds max_read_buffer(); a full buffer means a bug.
    log_.error("{}: read buffer full", address);
    abort(CloseReason::protocol_error);
    return;
  }
  reading_ = true;
  stream_->async_read_some(
      asio::buffer(rbuf_.data() + rend_, rbuf_.size() - rend_),
      [self = shared_from_this()](const asio::error_code& ec, std::size_t n) {
        self->reading_ = false;
        self->on_read(ec, n);
      });
}

void Session::on_read(const asio::error_code& ec, std::size_t n) {
  if (state_ == State::closed) return;
  // A TLS stream drains by itself while it shuts down (Stream::shutdown_send); it may start
  // only now that our last read has completed.
  if (state_ == State::lingering && stream_->tls()) {
    shut_down_stream();
    return;
  }
  if (ec) {
    if (state_ == State::closing) {
      peer_eof_ = true;  // still let the goodbye go out; finish_close() then closes
    } else {
      if (open()) log_.debug("etid {:#x} ({}): read ended: {}", etid, address, ec.message());
      abort(CloseReason::peer_closed);
    }
    return;
  }
  if (state_ == State::closing || state_ == State::lingering) {
    rbegin_ = rend_ = 0;  // draining before close: input no longer matters
    read_more();
    return;
  }
  rend_ += n;
  ctx_.counters.bytes_in += n;
  bytes_in_ += n;
  if (byte_budget_.enabled() || message_budget_.enabled()) read_at_ = RateBudget::Clock::now();
  rbegin_ += decode_input({rbuf_.data() + rbegin_, rend_ - rbegin_});
  if (rbegin_ == rend_) {
    rbegin_ = rend_ = 0;
    // A burst of large frames grew the buffer; idle sessions give the memory back. Direct
    // readers need no buffer of their own until a unit arrives in part again.
    if (direct_) {
      rbuf_ = {};
    } else if (rbuf_.size() > 4 * initial_read_buffer) {
      rbuf_.resize(initial_read_buffer);
      rbuf_.shrink_to_fit();
    }
  }
  if (state_ != State::closed) read_more();
}

void Session::wait_readable() {
  reading_ = true;
  stream_->socket().async_wait(asio::socket_base::wait_read,
                               [self = shared_from_this()](const asio::error_code& ec) {
                                 self->reading_ = false;
                                 self->on_readable(ec);
                               });
}

void Session::on_readable(const asio::error_code& ec) {
  if (state_ == State::closed) return;
  if (ec) {
    on_read(ec, 0);
    return;
  }
  // The shared buffer is free: every handler on this thread finishes with it before the
  // next one runs, and decode_input() keeps no view into its input. A unit that arrived in
  // part last time goes in front, so every read is a large one.
  std::vector<std::uint8_t>& input = ctx_.shared_input;
  const std::size_t kept = rend_ - rbegin_;
  if (kept > 0) std::memcpy(input.data(), rbuf_.data() + rbegin_, kept);
  asio::error_code read_error;
  const std::size_t n =
      stream_->socket().read_some(asio::buffer(input.data() + kept, input.size() - kept), read_error);
  if (read_error == asio::error::would_block || read_error == asio::error::try_again) {
    wait_readable();
    return;
  }
  if (read_error) {
    on_read(read_error, 0);
    return;
  }
  if (state_ == State::closing || state_ == State::lingering) {
    rbegin_ = rend_ = 0;
    read_more();  // draining before close: input no longer matters
    return;
  }
  ctx_.counters.bytes_in += n;
  bytes_in_ += n;
  if (byte_budget_.enabled() || message_budget_.enabled()) read_at_ = RateBudget::Clock::now();
  const std::size_t total = kept + n;
  const std::size_t used = decode_input({input.data(), total});
  if (state_ == State::closed) return;
  rbegin_ = rend_ = 0;
  if (used < total && open()) {
    rbuf_.assign(input.begin() + static_cast<std::ptrdiff_t>(used),
                 input.begin() + static_cast<std::ptrdiff_t>(total));
    rend_ = rbuf_.size();
  } else if (rbuf_.capacity() > 0) {
    rbuf_ = {};  // nothing pending: an idle session holds no read buffer
  }
  read_more();
}

// ---- SMQ state machine --------------------------------------------------------------------

void Session::handle_packet(Bytes packet) {
  if (!open()) return;
  ++ctx_.counters.packets_in;
  guarded_dispatch(packet);
}

void Session::guarded_dispatch(Bytes packet) {
  try {
    dispatch(packet);
  } catch (const std::exception& e) {
    fail(e.what());
  } catch (...) {
    fail("unknown exception");
  }
}

void Session::fail(std::string_view what) {
  log_.error("etid {:#x} ({}): internal error, connection closed: {}", etid, address,
             printable(what, 200));
  try {
    if (state_ == State::awaiting_connect) {
      refuse(ConnackCode::unavailable, "internal error", CloseReason::internal_error);
    } else {
      end(CloseReason::internal_error);
    }
  } catch (...) {
    abort(CloseReason::internal_error);  // no goodbye, but never a half-closed session
  }
}

void Session::dispatch(Bytes packet) {
  if (state_ == State::awaiting_connect) {
    if (login_) {
      hold(packet);
    } else {
      handle_connect(packet);
    }
    return;
  }
  const auto type = static_cast<PacketType>(packet[0]);
  if (!within_rate(type, packet.size())) return;
  switch (type) {
    case PacketType::subscribe:
      ctx_.hub.subscribe(*this, body_text(packet));
      return;
    case PacketType::create:
      ctx_.hub.create(*this, body_text(packet));
      return;
    case PacketType::createsub:
      ctx_.hub.createsub(*this, body_text(packet));
      return;
    case PacketType::publish: {
      const auto publish = decode_publish(packet);
      if (!publish) {
        end(CloseReason::malformed_packet);
        return;
      }
      handle_publish(*publish);
      return;
    }
    case PacketType::unsubscribe:
    case PacketType::observe:
    case PacketType::unobserve: {
      const auto id = decode_id(packet);
      if (!id) {
        end(CloseReason::malformed_packet);
      } else if (type == PacketType::unsubscribe) {
        ctx_.hub.unsubscribe(*this, *id);
      } else if (type == PacketType::observe) {
        ctx_.hub.observe(*this, *id);
      } else {
        ctx_.hub.unobserve(*this, *id);
      }
      return;
    }
    case PacketType::ping: {
      std::string pong;
      append_empty(pong, PacketType::pong);
      send_packet(pong);
      return;
    }
    case PacketType::pong:
      return;
    case PacketType::disconnect:
      end(CloseReason::client_disconnect);
      return;
    default:
      // Server-only, reserved and unknown types (PubFrag is handled by the raw framing).
      log_.debug("etid {:#x}: unexpected packet type {} ({})", etid, packet[0],
                 packet_type_name(packet[0]));
      end(CloseReason::protocol_error);
      return;
  }
}

void Session::start_budgets() {
  const BrokerOptions& o = ctx_.options;
  const auto now = RateBudget::Clock::now();
  read_at_ = now;
  message_budget_ = RateBudget(o.max_messages_per_second, o.max_messages_per_second, now);
  // One largest packet must always fit, whatever the rate.
  byte_budget_ = RateBudget(o.max_bytes_per_second,
                            std::max<std::uint64_t>(o.max_bytes_per_second, limits::max_packet),
                            now);
}

bool Session::within_rate(PacketType type, std::size_t size) {
  const bool message = type == PacketType::publish;
  const bool bytes_ok = byte_budget_.take(static_cast<double>(size), read_at_);
  const bool messages_ok = !message || message_budget_.take(1, read_at_);
  if (bytes_ok && messages_ok) return true;
  if (ctx_.options.rate_limit_action == RateLimitAction::drop) {
    // Only messages can be dropped without breaking the protocol: a client waits for the
    // ack of its Subscribe, and Ping/Disconnect cost nothing worth saving.
    if (!message) return true;
    ++ctx_.counters.rate_limited_drops;
    return false;
  }
  log_.info("etid {:#x} ({}): over max_{}_per_second, disconnected", etid, address,
            bytes_ok ? "messages" : "bytes");
  end(CloseReason::rate_limited);
  return false;
}

void Session::handle_publish(const PublishView& publish) {
  ++messages_in_;
  if (publish.ptid != etid) {
    log_.info("etid {:#x}: Publish claims publisher {:#x}: corrupt frame", etid, publish.ptid);
    end(CloseReason::corrupt_frame);
    return;
  }
  if (publish.payload.size() > limits::max_payload) {
    end(CloseReason::payload_too_large);
    return;
  }
  // The forwarded frame is the received packet in raw framing: built once, shared by every
  // recipient.
  Frame frame = Frame::allocate(limits::raw_publish_header + publish.payload.size());
  write_publish_header(frame.data(), publish.payload.size(), publish.tid, publish.ptid,
                       publish.subtid);
  if (!publish.payload.empty()) {
    std::memcpy(frame.data() + limits::raw_publish_header, publish.payload.data(),
                publish.payload.size());
  }
  const Message message{frame.bytes().subspan(limits::raw_publish_header), publish.ptid,
                        publish.tid, publish.subtid};
  ctx_.hub.publish(*this, message, std::move(frame));
}

// ---- closing ----------------------------------------------------------------------------

void Session::end(CloseReason reason, std::string_view text) {
  if (!open()) return;
  ctx_.hub.unregister_peer(*this, reason);
  begin_close(reason, text);
}

void Session::close(CloseReason reason, std::string_view text) {
  // The hub already removed this peer from its tables.
  begin_close(reason, text);
}

void Session::begin_close(CloseReason reason, std::string_view text) {
  if (!open()) return;
  leave_open(reason);
  state_ = State::closing;
  timer_.cancel();
  if (reason == CloseReason::slow_consumer) {
    // Its backlog is exactly what it could not take; only the goodbye is still sent.
    for (const Outgoing& item : pending_) queued_bytes_ -= item.frame.size();
    pending_.clear();
  }
  CloseWire wire = close_wire(reason);
  if (refused_) wire.send_disconnect = false;  // a refusal Connack is SMQ's whole goodbye
  queue_goodbye(wire, text);
  // Whatever happens on the wire, the socket is gone after the close-handshake deadline.
  timer_.expires_after(limits::close_handshake_deadline);
  timer_.async_wait([self = shared_from_this()](const asio::error_code& ec) {
    if (!ec) self->abort(CloseReason::peer_closed);
  });
  schedule_flush();
}

void Session::leave_open(CloseReason reason) {
  // The one place a session's end is counted: begin_close() and abort() both pass here
  // exactly once, when the session stops being open.
  if (state_ == State::awaiting_connect) --ctx_.counters.pending;
  ++ctx_.counters.closes[static_cast<std::size_t>(reason)];
  if (state_ == State::connected) {
    log_.event(LogLevel::info, "connection closed",
               {{"etid", fmt::format("{:#x}", etid)},
                {"uid", printable(uid, 255)},
                {"user", printable(user, 255)},
                {"address", address},
                {"reason", std::string(to_string(reason))}});
  } else {
    log_.event(LogLevel::debug, "connection ended before login",
               {{"address", address}, {"reason", std::string(to_string(reason))}});
  }
}

void Session::finish_close() {
  if (state_ != State::closing) return;
  if (peer_eof_) {
    abort(CloseReason::peer_closed);
    return;
  }
  // Everything is written: stop sending and drain input until the client closes too (or
  // the linger time passes), then close.
  state_ = State::lingering;
  timer_.cancel();
  timer_.expires_after(linger_time);
  timer_.async_wait([self = shared_from_this()](const asio::error_code& ec) {
    if (!ec) self->abort(CloseReason::peer_closed);
  });
  if (stream_->tls() && reading_) {
    // Our read must finish before the TLS shutdown reads; on_read() then starts it.
    asio::error_code ignored;
    stream_->socket().cancel(ignored);
    return;
  }
  shut_down_stream();
}

void Session::shut_down_stream() {
  if (stream_shutdown_) return;
  stream_shutdown_ = true;
  const bool drains_itself =
      stream_->shutdown_send([self = shared_from_this()] { self->abort(CloseReason::peer_closed); });
  if (!drains_itself && !reading_) read_more();
}

void Session::abort(CloseReason reason) {
  if (state_ == State::closed) return;
  if (open()) {
    ctx_.hub.unregister_peer(*this, reason);
    leave_open(reason);
  }
  state_ = State::closed;
  timer_.cancel();
  stream_->close();
  pending_.clear();
  ctx_.remove(this);
}

}  // namespace smq
