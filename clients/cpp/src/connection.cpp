// One connection: handshake, framing, writes, keepalive (see connection.hpp). Runs on the
// client's strand only.
#include "src/connection.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>

#include <algorithm>
#include <cstring>
#include <system_error>

#include "protocol/raw_stream_decoder.hpp"
#include "src/broker_packets.hpp"
#include "src/handshake.hpp"
#include "src/http_response.hpp"

namespace smq::detail {

namespace {

constexpr std::size_t initial_buffer = 16 * 1024;
constexpr std::size_t max_gather = 64;
constexpr auto graceful_deadline = std::chrono::milliseconds(1000);

std::string describe(const std::system_error& e) {
  if (e.code() == asio::error::eof) return "connection closed by broker";
  if (e.code() == asio::error::connection_refused) return "connection refused";
  if (e.code() == asio::error::connection_reset) return "connection reset by broker";
  return e.code().message();
}

}  // namespace

Connection::Connection(Strand strand, const Url& url, const ClientOptions& options,
                       asio::ssl::context* tls, std::shared_ptr<ConnectionListener> listener,
                       std::string uid)
    : strand_(strand),
      url_(url),
      options_(options),
      listener_(std::move(listener)),
      uid_(std::move(uid)),
      transport_(strand, tls, options.tls),
      ws_decoder_(options.max_message_size),
      deadline_(strand),
      write_timer_(strand),
      keepalive_(strand) {}

Connection::~Connection() = default;

void Connection::start() {
  asio::co_spawn(
      strand_, [self = shared_from_this()] { return self->run(); }, asio::detached);
}

asio::awaitable<void> Connection::run() {
  auto self = shared_from_this();
  try {
    arm_deadline(options_.connect_timeout, "connect timeout");
    co_await transport_.open(url_);
    if (closed_) co_return;
    phase_ = Phase::http;
    arm_deadline(options_.read_timeout, "handshake timeout (no HTTP response)");
    HeaderList extra(options_.headers.begin(), options_.headers.end());
    if (url_.websocket()) {
      ws_key_ = make_websocket_key();
      send_bytes(upgrade_request(url_, ws_key_, extra));
    } else {
      send_bytes(bootstrap_request(url_, extra));
    }
    in_.resize(initial_buffer);
    const std::size_t max_buffer =
        url_.websocket() ? std::max(options_.max_message_size, limits::max_control_payload) + 14
                         : limits::max_raw_frame;
    const std::size_t limit = std::max(max_buffer, max_response_head);
    while (!closed_) {
      if (in_len_ == in_.size()) {
        if (in_.size() >= limit) {
          fail("protocol error: frame exceeds the receive buffer", true);
          co_return;
        }
        in_.resize(std::min(limit, in_.size() * 2));
      }
      const std::size_t n = co_await transport_.async_read_some(
          asio::buffer(in_.data() + in_len_, in_.size() - in_len_), asio::use_awaitable);
      in_len_ += n;
      process_input();
    }
  } catch (const std::system_error& e) {
    fail(describe(e), true);
  } catch (const TlsVerifyError& e) {
    fail(e.what(), false);
  } catch (const std::exception& e) {
    fail(e.what(), true);
  }
}

bool Connection::handle_http() {
  const auto parsed =
      parse_response_head(std::string_view(reinterpret_cast<const char*>(in_.data()), in_len_));
  if (parsed.status == ResponseParse::Status::need_more) return false;
  if (parsed.status == ResponseParse::Status::error) {
    fail("handshake failed: " + parsed.error, true);
    return false;
  }
  const std::string problem = url_.websocket() ? check_upgrade_response(parsed.head, ws_key_)
                                               : check_bootstrap_response(parsed.head);
  if (!problem.empty()) {
    fail(problem, true);
    return false;
  }
  std::memmove(in_.data(), in_.data() + parsed.head_size, in_len_ - parsed.head_size);
  in_len_ -= parsed.head_size;
  phase_ = Phase::init;
  arm_deadline(options_.read_timeout, "handshake timeout (no Init)");
  return true;
}

void Connection::process_input() {
  if (phase_ == Phase::http && !handle_http()) return;
  std::size_t pos = 0;
  while (!closed_ && pos < in_len_) {
    const std::span<std::uint8_t> input(in_.data() + pos, in_len_ - pos);
    if (url_.websocket()) {
      const ws::Event ev = ws_decoder_.decode(input);
      using Kind = ws::Event::Kind;
      if (ev.kind == Kind::need_more) break;
      pos += ev.consumed;
      switch (ev.kind) {
        case Kind::message:
          handle_packet(ev.payload);
          break;
        case Kind::ping: {
          std::string frame;
          append_client_frame(frame, ws::Opcode::pong, ev.payload, masks_);
          send_bytes(std::move(frame));
          break;
        }
        case Kind::close: {
          if (!graceful_) {  // a graceful close already sent ours
            std::string frame;
            const std::uint16_t code =
                ev.close_code == static_cast<std::uint16_t>(ws::CloseCode::no_status)
                    ? 1000
                    : ev.close_code;
            append_client_close(frame, code, {}, masks_);
            send_bytes(std::move(frame));
          }
          std::string reason =
              "connection closed by broker (WebSocket close " + std::to_string(ev.close_code);
          if (!ev.payload.empty()) reason += ": " + std::string(as_text(ev.payload));
          reason += ")";
          fail(std::move(reason), true);
          return;
        }
        case Kind::error: {
          std::string frame;
          append_client_close(frame, static_cast<std::uint16_t>(ev.error_code), ev.error, masks_);
          send_bytes(std::move(frame));
          fail("protocol error: " + std::string(ev.error), true);
          return;
        }
        default:
          break;
      }
    } else {
      const RawFrame f = next_raw_frame(input);
      if (f.kind == RawFrame::Kind::need_more) break;
      if (f.kind == RawFrame::Kind::error) {
        fail("protocol error: raw frame length below 3", true);
        return;
      }
      pos += f.consumed;
      if (f.packet.size() > options_.max_message_size) {
        fail("protocol error: packet larger than max_message_size", true);
        return;
      }
      handle_packet(f.packet);
    }
  }
  if (closed_) return;
  if (pos > 0) {
    std::memmove(in_.data(), in_.data() + pos, in_len_ - pos);
    in_len_ -= pos;
  }
}

void Connection::handle_packet(Bytes packet) {
  if (packet.empty()) {
    fail("protocol error: empty message", true);
    return;
  }
  last_rx_ = std::chrono::steady_clock::now();
  ping_outstanding_ = false;
  const auto type = static_cast<PacketType>(packet[0]);
  switch (phase_) {
    case Phase::init: {
      const auto init = decode_init(packet);
      if (!init) {
        fail(std::string("protocol error: expected Init, got ") + packet_type_name(packet[0]),
             true);
        return;
      }
      if (init->version != 1) {
        fail("unsupported Init version " + std::to_string(init->version), false);
        return;
      }
      seed_ = init->seed;
      address_ = std::string(init->address);
      std::string credentials;
      try {
        credentials = listener_->credentials(seed_, address_);
      } catch (const std::exception& e) {
        fail(std::string("onauth failed: ") + e.what(), false);
        return;
      }
      if (closed_) return;
      std::string connect;
      append_connect(connect, uid_, credentials, options_.info);
      send(std::move(connect));
      phase_ = Phase::connack;
      arm_deadline(options_.read_timeout, "handshake timeout (no Connack)");
      return;
    }
    case Phase::connack: {
      const auto connack = decode_connack(packet);
      if (!connack) {
        fail(std::string("protocol error: expected Connack, got ") + packet_type_name(packet[0]),
             true);
        return;
      }
      if (connack->code != 0) {
        // Code 2 (unavailable, busy, shutting down, timeout) is worth retrying.
        fail(connack_message(connack->code, connack->reason), connack->code == 2);
        return;
      }
      deadline_.cancel();
      phase_ = Phase::established;
      last_rx_ = std::chrono::steady_clock::now();
      arm_keepalive();
      listener_->on_established(*this, connack->etid, seed_, address_);
      return;
    }
    case Phase::established:
      break;
    default:
      return;
  }
  switch (type) {
    case PacketType::pong:
      if (!pong_waiters_.empty()) {
        auto done = std::move(pong_waiters_.front());
        pong_waiters_.pop_front();
        if (done) done(true);
      }
      return;
    case PacketType::ping: {
      std::string pong;
      append_empty(pong, PacketType::pong);
      send(std::move(pong));
      return;
    }
    case PacketType::disconnect: {
      std::string reason(body_text(packet));
      // A stopping broker usually comes back; any other reason ("reconnect": the same UID
      // logged in elsewhere, "corrupt frame") is final.
      const bool retry = reason == "shutdown";
      fail(reason.empty() ? "disconnect" : std::move(reason), retry);
      return;
    }
    default:
      listener_->on_packet(*this, packet);
  }
}

void Connection::send(std::string raw_frames, std::size_t publishes, std::size_t publish_bytes) {
  if (closed_) {
    if (publishes) listener_->on_released(publishes, publish_bytes);
    return;
  }
  OutItem item;
  item.publishes = publishes;
  item.publish_bytes = publish_bytes;
  if (url_.websocket()) {
    std::span<const std::uint8_t> rest(reinterpret_cast<const std::uint8_t*>(raw_frames.data()),
                                       raw_frames.size());
    while (!rest.empty()) {
      const RawFrame f = next_raw_frame(rest);
      if (f.kind != RawFrame::Kind::packet) break;  // our own encoders never produce this
      append_client_frame(item.bytes, ws::Opcode::binary, f.packet, masks_);
      rest = rest.subspan(f.consumed);
    }
  } else {
    item.bytes = std::move(raw_frames);
  }
  out_.push_back(std::move(item));
  start_write();
}

void Connection::send_bytes(std::string bytes) {
  if (closed_) return;
  out_.push_back(OutItem{std::move(bytes), 0, 0});
  start_write();
}

void Connection::ping(std::function<void(bool)> done) {
  if (!established()) {
    if (done) done(false);
    return;
  }
  pong_waiters_.push_back(std::move(done));
  std::string ping;
  append_empty(ping, PacketType::ping);
  send(std::move(ping));
}

void Connection::start_write() {
  if (writing_ || closed_ || out_.empty()) return;
  out_buffers_.clear();
  writing_items_ = 0;
  for (const OutItem& item : out_) {
    if (writing_items_ == max_gather) break;
    out_buffers_.push_back(asio::buffer(item.bytes));
    ++writing_items_;
  }
  writing_ = true;
  write_timer_.expires_after(options_.write_timeout);
  write_timer_.async_wait([self = shared_from_this()](const asio::error_code& ec) {
    if (!ec && self->writing_) self->fail("write timeout", true);
  });
  transport_.async_write(out_buffers_,
                         [self = shared_from_this()](const asio::error_code& ec, std::size_t) {
                           self->writing_ = false;
                           self->write_timer_.cancel();
                           if (self->closed_) return;
                           if (ec) {
                             self->fail("write failed: " + ec.message(), true);
                             return;
                           }
                           std::size_t publishes = 0;
                           std::size_t bytes = 0;
                           for (std::size_t i = 0; i < self->writing_items_; ++i) {
                             publishes += self->out_.front().publishes;
                             bytes += self->out_.front().publish_bytes;
                             self->out_.pop_front();
                           }
                           if (publishes) self->listener_->on_released(publishes, bytes);
                           if (self->out_.empty() && self->graceful_) {
                             // Everything is written: half-close and let the read loop wait for the
                             // broker's EOF (closing with unread input could reset the link before
                             // the broker read our bytes).
                             self->transport_.shutdown_send();
                             return;
                           }
                           self->start_write();
                         });
}

void Connection::disconnect(std::string reason) {
  if (closed_) return;
  if (!established()) {
    fail(std::move(reason), false);
    return;
  }
  std::string packet;
  append_disconnect(packet);
  send(std::move(packet));
  if (url_.websocket()) {
    std::string frame;
    append_client_close(frame, 1000, {}, masks_);
    send_bytes(std::move(frame));
  }
  graceful_ = true;
  graceful_reason_ = reason;
  deadline_.expires_after(graceful_deadline);
  deadline_.async_wait([self = shared_from_this(), reason](const asio::error_code& ec) {
    if (!ec) self->fail(reason, false);
  });
}

void Connection::close(std::string reason, bool retryable) { fail(std::move(reason), retryable); }

void Connection::arm_deadline(std::chrono::milliseconds after, std::string what) {
  deadline_.expires_after(after);
  deadline_.async_wait(
      [self = shared_from_this(), what = std::move(what)](const asio::error_code& ec) {
        if (!ec) self->fail(what, true);
      });
}

void Connection::arm_keepalive() {
  if (options_.ping_interval.count() <= 0 || closed_) return;
  keepalive_.expires_at(ping_outstanding_ ? ping_sent_ + options_.pong_timeout
                                          : last_rx_ + options_.ping_interval);
  keepalive_.async_wait([self = shared_from_this()](const asio::error_code& ec) {
    if (ec || self->closed_) return;
    const auto now = std::chrono::steady_clock::now();
    if (self->ping_outstanding_) {
      if (now >= self->ping_sent_ + self->options_.pong_timeout) {
        self->fail("ping timeout", true);
        return;
      }
    } else if (now >= self->last_rx_ + self->options_.ping_interval) {
      self->ping_outstanding_ = true;
      self->ping_sent_ = now;
      self->ping(nullptr);
    }
    self->arm_keepalive();
  });
}

void Connection::fail(std::string reason, bool retryable) {
  if (closed_) return;
  closed_ = true;
  if (graceful_) {
    reason = graceful_reason_;
    retryable = false;
  }
  const bool was_established = phase_ == Phase::established;
  deadline_.cancel();
  write_timer_.cancel();
  keepalive_.cancel();
  transport_.close();
  // Unwritten publishes are lost with the link; the session gets their accounting back. The
  // items stay in out_ until destruction: a cancelled write may still refer to them.
  std::size_t publishes = 0;
  std::size_t bytes = 0;
  for (const OutItem& item : out_) {
    publishes += item.publishes;
    bytes += item.publish_bytes;
  }
  if (publishes) listener_->on_released(publishes, bytes);
  auto waiters = std::move(pong_waiters_);
  pong_waiters_.clear();
  CloseInfo info{std::move(reason), retryable, was_established};
  asio::post(strand_, [self = shared_from_this(), info = std::move(info),
                       waiters = std::move(waiters)]() mutable {
    for (auto& w : waiters) {
      if (w) w(false);
    }
    self->listener_->on_closed(*self, info);
  });
}

}  // namespace smq::detail
