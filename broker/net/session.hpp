// An SMQ session over an accepted socket: the SMQ state machine (Init, Connect deadline,
// Connack, packets to the hub), the output queue with its slow-consumer cap, batched
// gather writes, and the close sequence. WebSocket and raw framing are supplied by the
// subclasses (ws_session, raw_session). Broker thread only.
#pragma once

#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "broker/auth/authenticator.hpp"
#include "broker/auth/secret.hpp"
#include "broker/net/net_context.hpp"
#include "broker/net/rate_budget.hpp"
#include "broker/net/stream.hpp"
#include "broker/peer.hpp"
#include "protocol/smq_packet.hpp"

namespace smq {

// What the upgrade or bootstrap request said, kept for the authenticate hook.
struct HttpContext {
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;
};

class Session : public Peer, public Connection, public std::enable_shared_from_this<Session> {
 public:
  Session(NetContext& ctx, std::unique_ptr<Stream> stream, HttpContext http,
          std::string leftover, Transport transport);
  ~Session() override;

  // Sends Init, arms the Connect deadline and starts reading (bytes that arrived with the
  // HTTP head are processed first).
  void start();

  bool deliver(const Frame& frame) override;
  PeerTraffic traffic() const override;
  // Connected clients get Disconnect "shutdown"; clients still expected to Connect get
  // Connack 0x02 (unavailable), which every client understands at that point.
  void stop_for_shutdown() override;

 protected:
  void close(CloseReason reason, std::string_view text) override;

  // One queued item: an SMQ packet in raw framing, or (verbatim) bytes written as they are
  // (WebSocket control frames).
  struct Outgoing {
    Frame frame;
    bool verbatim = false;
  };

  // Decodes as many whole units as `input` holds, handing SMQ packets to handle_packet();
  // returns the bytes used. May end the session.
  virtual std::size_t decode_input(std::span<std::uint8_t> input) = 0;
  // Largest read buffer the framing can ever need.
  virtual std::size_t max_read_buffer() const = 0;
  // Splits one queued item into a small header (written into `header`, returns its size)
  // and the body bytes that follow it on the wire.
  virtual std::size_t frame_parts(const Outgoing& item, std::uint8_t* header,
                                  std::span<const std::uint8_t>& body) const = 0;
  // Queues what the wire says before the socket closes (Disconnect, WebSocket Close).
  virtual void queue_goodbye(const CloseWire& wire, std::string_view text) = 0;

  // One packet (type byte + body) through the state machine. The boundary for exceptions:
  // whatever handling this packet throws (a hook, say) ends this session only, with
  // CloseReason::internal_error.
  void handle_packet(Bytes packet);
  // Our decision to end the session: hub teardown, goodbye bytes, flush, close.
  void end(CloseReason reason, std::string_view text = {});
  // Queues bytes for the client, subject to the slow-consumer cap (so a client that sends
  // pings but never reads is cut off like any slow reader). False when not queued.
  bool send(Frame frame, bool verbatim = false);
  bool send_packet(const std::string& raw_framed) { return send(Frame::copy_of(raw_framed)); }
  // Queues goodbye bytes while closing: no cap, the session is ending anyway.
  void push_goodbye(Frame frame, bool verbatim = false);
  bool open() const { return state_ == State::awaiting_connect || state_ == State::connected; }
  bool connected() const { return state_ == State::connected; }
  NetContext& ctx_;
  Logger& log_;

 private:
  // closing: goodbye bytes being written; lingering: send side shut, draining input.
  enum class State { awaiting_connect, connected, closing, lingering, closed };

  // dispatch() inside the exception boundary handle_packet() describes.
  void guarded_dispatch(Bytes packet);
  void dispatch(Bytes packet);
  void fail(std::string_view what);
  void handle_connect(Bytes packet);
  // False (and the Connect refused) while stopping or full.
  bool admissible(std::string_view connecting_uid);
  // With the broker's own authentication: asks it, holding later packets until the verdict.
  void start_login(const ConnectPacket& connect);
  void on_login(const auth::LoginVerdict& verdict);
  // The hook and the registration, once the credentials are accepted (`user` empty for an
  // anonymous client).
  // `grants`: the rights a token's "smq" claim gave, instead of the [[acl]] rules.
  void complete_connect(std::string_view uid, std::string_view credentials,
                        std::string_view info, std::string_view user,
                        const auth::TokenGrants* grants = nullptr);
  // Packets that came after Connect while its credentials are checked, replayed in order.
  void hold(Bytes packet);
  void refuse(ConnackCode code, std::string_view reason,
              CloseReason why = CloseReason::refused);
  void handle_publish(const PublishView& publish);
  // Charges one packet against the connection's message and byte budgets. False when it
  // must not be handled: dropped (rate_limit_action drop, Publish only) or the session
  // ended (disconnect).
  bool within_rate(PacketType type, std::size_t size);
  // Starts the budgets from the options, at login.
  void start_budgets();
  void read_more();
  void on_read(const asio::error_code& ec, std::size_t n);
  // Plain TCP: wait until readable, then read into the shared input buffer.
  void wait_readable();
  void on_readable(const asio::error_code& ec);
  void schedule_flush();
  static void flush_queued(NetContext& ctx);
  void flush();
  std::uint8_t* scratch_space(std::size_t size);
  void write_direct();
  void consume_buffers(std::size_t n);
  // Starts (or keeps) the write deadline while a write waits for the peer.
  void note_write_blocked();
  void on_write_deadline(const asio::error_code& ec);
  void on_written(const asio::error_code& ec);
  void begin_close(CloseReason reason, std::string_view text);
  // Bookkeeping of the step out of awaiting_connect/connected (pending count, per-reason
  // close counters). Called once per session.
  void leave_open(CloseReason reason);
  void finish_close();
  // Starts the stream's own shutdown once no read of ours is outstanding (TLS).
  void shut_down_stream();
  void abort(CloseReason reason);

  std::unique_ptr<Stream> stream_;
  HttpContext http_;
  State state_ = State::awaiting_connect;
  bool refused_ = false;  // a refusal Connack was queued: it is the whole goodbye
  asio::steady_timer timer_;  // Connect deadline, then the lingering close
  std::chrono::steady_clock::time_point connect_deadline_at_;

  // While the Authenticator checks the credentials (awaiting_connect): what the Connect
  // said, and the packets that followed it.
  struct PendingLogin {
    std::string uid;
    auth::Secret credentials;  // wiped however the login ends
    std::string info;
    std::vector<std::vector<std::uint8_t>> held;
    std::size_t held_bytes = 0;
  };
  std::unique_ptr<PendingLogin> login_;

  // Per-connection rate limits (max_messages_per_second, max_bytes_per_second), charged
  // with the time of the read the packets came in (one clock read per read, not per packet).
  RateBudget message_budget_;
  RateBudget byte_budget_;
  RateBudget::Clock::time_point read_at_{};

  // Per-connection counters for /connz (the broker-wide ones are in NetCounters).
  std::uint64_t messages_in_ = 0;
  std::uint64_t bytes_in_ = 0;
  std::uint64_t messages_out_ = 0;
  std::uint64_t bytes_out_ = 0;

  // Plain TCP reads straight from the socket into NetContext::shared_input; rbuf_ then only
  // holds a unit that arrived in part. TLS reads through the stream into rbuf_.
  bool direct_ = false;
  std::vector<std::uint8_t> rbuf_;
  std::size_t rbegin_ = 0;
  std::size_t rend_ = 0;

  std::vector<Outgoing> pending_;
  std::vector<Outgoing> inflight_;
  std::size_t queued_bytes_ = 0;    // pending + inflight, against the slow-consumer cap
  std::size_t inflight_bytes_ = 0;  // wire bytes of the batch being written, not yet written
  bool writing_ = false;
  bool reading_ = false;
  bool peer_eof_ = false;  // the client's side ended while our goodbye was still queued
  bool stream_shutdown_ = false;  // shut_down_stream() has run
  bool flush_posted_ = false;
  bool overflow_posted_ = false;
  // Headers and small frames coalesced for one write.
  std::unique_ptr<std::uint8_t[]> scratch_;
  std::size_t scratch_capacity_ = 0;
  std::vector<asio::const_buffer> buffers_;
  std::size_t first_unwritten_ = 0;  // buffers_ before this index are on the wire

  // Write deadline: a write that waits for the peer must make progress within
  // options.write_deadline, or the session ends (CloseReason::write_timeout).
  std::unique_ptr<asio::steady_timer> write_timer_;
  std::chrono::steady_clock::time_point write_progress_;  // last byte out while blocked
  bool write_blocked_ = false;
  bool write_timer_armed_ = false;
};

}  // namespace smq
