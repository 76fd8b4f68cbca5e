// The two SmqConn implementations and the session helpers (see smq_conn.hpp).
#include "smq_conn.hpp"

#include <atomic>
#include <stdexcept>

namespace smqtest {

std::string to_string(Transport t) { return t == Transport::raw ? "raw" : "ws"; }

namespace {

class RawConn final : public SmqConn {
 public:
  Transport transport() const override { return Transport::raw; }
  bool send_packet(std::string_view p) override { return client.send_packet(p); }
  bool send_packet_chopped(std::string_view p, std::size_t chunk) override {
    return client.send_chopped(pkt::raw_frame(p), chunk);
  }
  bool send_bytes(std::string_view b) override { return client.send_bytes(b); }
  Bytes frame_packet(std::string_view p) override { return pkt::raw_frame(p); }
  std::optional<Bytes> recv_packet(Ms timeout) override { return client.read_packet(timeout); }
  CloseResult expect_closed(Ms timeout) override { return client.wait_closed(timeout); }
  int fd() override { return client.socket().fd(); }
  bool read_available() override { return client.socket().read_available(); }
  std::optional<Bytes> pop_packet() override { return client.pop_packet(); }
  void close_socket() override { client.socket().close(); }

  RawClient client;
};

class WsConn final : public SmqConn {
 public:
  Transport transport() const override { return Transport::ws; }
  bool send_packet(std::string_view p) override { return client.send_binary(p); }
  bool send_packet_chopped(std::string_view p, std::size_t chunk) override {
    return client.send_frame_chopped(frame_of(ws::binary, p), chunk);
  }
  bool send_bytes(std::string_view b) override { return client.send_bytes(b); }
  Bytes frame_packet(std::string_view p) override { return encode_frame(frame_of(ws::binary, p)); }

  std::optional<Bytes> pop_packet() override {
    if (closing_) return std::nullopt;
    auto f = client.pop_frame();
    if (!f) return std::nullopt;
    return accept(std::move(*f));
  }

  std::optional<Bytes> recv_packet(Ms timeout) override {
    if (closing_) return std::nullopt;
    auto f = client.read_frame(timeout);
    if (!f) return std::nullopt;
    return accept(std::move(*f));
  }

  CloseResult expect_closed(Ms timeout) override {
    CloseResult r = client.wait_closed(timeout);
    if (closing_) {  // a Close consumed by recv_packet earlier
      r.close_frame = true;
      r.code = pending_code_;
    }
    return r;
  }
  int fd() override { return client.socket().fd(); }
  bool read_available() override { return client.socket().read_available(); }
  void close_socket() override { client.socket().close(); }

  WsClient client;

 private:
  // The broker must send one SMQ packet per final binary frame (smq-wire.md 2.2).
  std::optional<Bytes> accept(WsFrame f) {
    if (f.opcode == ws::close) {
      closing_ = true;
      if (f.payload.size() >= 2) pending_code_ = get_u16(f.payload, 0);
      client.reply_close(pending_code_.value_or(1000));
      return std::nullopt;
    }
    if (f.opcode != ws::binary) {
      throw WireViolation("broker sent WebSocket opcode " + std::to_string(f.opcode) +
                          " where a binary SMQ message was expected");
    }
    if (!f.fin || f.rsv != 0) throw WireViolation("broker sent a fragmented or RSV frame");
    return std::move(f.payload);
  }
  bool closing_ = false;
  std::optional<std::uint16_t> pending_code_;
};

pkt::Init read_init(SmqConn& c, Ms timeout) {
  auto p = c.recv_packet(timeout);
  if (!p) throw std::runtime_error("no Init from broker (" + to_string(c.transport()) + ")");
  auto init = pkt::parse_init(*p);
  if (!init) throw std::runtime_error("first packet is not Init: " + pkt::describe(*p));
  return *init;
}

}  // namespace

std::string unique_uid() {
  static std::atomic<unsigned> counter{0};
  return "test-uid-" + std::to_string(counter.fetch_add(1) + 1);
}

RawClient* raw_of(SmqConn& c) {
  auto* r = dynamic_cast<RawConn*>(&c);
  return r ? &r->client : nullptr;
}

WsClient* ws_of(SmqConn& c) {
  auto* w = dynamic_cast<WsConn*>(&c);
  return w ? &w->client : nullptr;
}

std::unique_ptr<SmqConn> open_smq(Transport t, std::uint16_t port, const OpenOptions& o) {
  std::unique_ptr<SmqConn> conn;
  if (t == Transport::raw) {
    auto raw = std::make_unique<RawConn>();
    if (!raw->client.connect(port, o.ipv6)) throw std::runtime_error("raw connect failed");
    std::string host = o.ipv6 ? "::1" : "127.0.0.1";
    if (o.python_bootstrap) {
      raw->client.send_bytes(python_bootstrap_request(o.path, host));
      auto head = raw->client.read_http_head(o.timeout);
      if (!head || head->status != 200)
        throw std::runtime_error("raw bootstrap: no 200 response");
    } else {
      raw->client.send_bytes(c_bootstrap_request(o.path, host));
    }
    conn = std::move(raw);
  } else {
    auto ws = std::make_unique<WsConn>();
    if (!ws->client.connect(port, o.ipv6)) throw std::runtime_error("ws connect failed");
    UpgradeRequest req;
    req.path = o.path;
    req.host = o.ipv6 ? "[::1]" : "127.0.0.1";
    if (!ws->client.upgrade(req, o.timeout))
      throw std::runtime_error("ws upgrade failed: " + ws->client.error());
    conn = std::move(ws);
  }
  conn->init = read_init(*conn, o.timeout);
  return conn;
}

std::unique_ptr<SmqConn> connect_smq(Transport t, std::uint16_t port, std::string uid,
                                     const OpenOptions& o) {
  auto conn = open_smq(t, port, o);
  if (uid.empty()) uid = unique_uid();
  conn->uid = uid;
  conn->send_packet(pkt::connect_v1(uid));
  auto p = conn->recv_packet(o.timeout);
  if (!p) throw std::runtime_error("no Connack");
  auto ack = pkt::parse_connack(*p);
  if (!ack || ack->code != 0 || p->size() != 6)
    throw std::runtime_error("Connect refused or malformed Connack: " + pkt::describe(*p));
  conn->etid = ack->etid;
  return conn;
}

}  // namespace smqtest
