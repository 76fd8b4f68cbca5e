// NATS client side for smq-bench: INFO, then CONNECT (verbose off, no echo), SUB per
// subscription and PING; the PONG confirms them all. PUB with an optional reply subject;
// replies go to the reply subject the request carried, as NATS applications do. Over
// WebSocket the frames form one byte stream. Worker thread only.
#include <fmt/format.h>

#include <charconv>

#include "wire_base.hpp"

namespace smq::bench {
namespace {

std::string_view as_view(std::span<std::uint8_t> s) {
  return {reinterpret_cast<const char*>(s.data()), s.size()};
}

class NatsWire final : public WireBase {
 public:
  NatsWire(TransportKind t, WireSetup s, WireEvents& e) : WireBase(t, std::move(s), e) {
    pub_prefix_ = setup_.reply_subject.empty()
                      ? fmt::format("PUB {} ", setup_.publish_topic)
                      : fmt::format("PUB {} {} ", setup_.publish_topic, setup_.reply_subject);
  }

  void publish(std::string& out, ByteView payload) override {
    send_pub(out, pub_prefix_, payload);
  }

  void reply(std::string& out, const Incoming& request, std::uint32_t, ByteView payload) override {
    send_pub(out, fmt::format("PUB {} ", request.nats_reply), payload);
  }

 private:
  bool message_oriented() const override { return false; }
  void on_open(std::string&) override {}  // the server speaks first (INFO)
  void on_message(std::span<std::uint8_t>, std::string&) override {}

  std::size_t on_stream(std::span<std::uint8_t> in, std::string& out) override {
    std::size_t pos = 0;
    const std::string_view text = as_view(in);
    while (!failed() && pos < text.size()) {
      const auto eol = text.find("\r\n", pos);
      if (eol == std::string_view::npos) {
        if (text.size() - pos > 64 * 1024) fail("NATS control line too long");
        break;
      }
      const std::string_view line = text.substr(pos, eol - pos);
      if (line.starts_with("MSG ")) {
        // MSG <subject> <sid> [reply-to] <#bytes>
        std::string_view fields[5];
        std::size_t count = 0;
        for (std::size_t at = 4; at < line.size() && count < 5;) {
          const auto space = line.find(' ', at);
          const auto end = space == std::string_view::npos ? line.size() : space;
          if (end > at) fields[count++] = line.substr(at, end - at);
          at = end + 1;
        }
        if (count < 3) return fail("bad NATS MSG line"), pos;
        std::size_t size = 0;
        const auto sz = fields[count - 1];
        if (std::from_chars(sz.data(), sz.data() + sz.size(), size).ec != std::errc{})
          return fail("bad NATS MSG size"), pos;
        const std::size_t start = eol + 2;
        if (text.size() - start < size + 2) break;  // payload and its CRLF not all here yet
        events_.on_wire_message(Incoming{.payload = in.subspan(start, size), .smq_ptid = 0,
                                         .nats_reply = count == 4 ? fields[2] : std::string_view{}});
        pos = start + size + 2;
        continue;
      }
      pos = eol + 2;
      if (line == "PING") {
        unit(out, "PONG\r\n");
      } else if (line == "PONG") {
        if (!ready_) {
          ready_ = true;
          events_.on_wire_ready();
        }
      } else if (line.starts_with("INFO ")) {
        if (!connected_) send_connect(out);
      } else if (line.starts_with("-ERR")) {
        return fail(fmt::format("NATS error: {}", line)), pos;
      }  // +OK: ignored
    }
    return pos;
  }

  void send_connect(std::string& out) {
    connected_ = true;
    std::string text = fmt::format(
        "CONNECT {{\"verbose\":false,\"pedantic\":false,\"echo\":false,\"headers\":false,"
        "\"protocol\":1,\"name\":\"{}\"}}\r\n",
        setup_.client_id);
    int sid = 1;
    for (const auto& topic : setup_.subscriptions) text += fmt::format("SUB {} {}\r\n", topic, sid++);
    text += "PING\r\n";
    unit(out, text);
  }

  void unit(std::string& out, std::string_view text) {
    begin_unit(out, text.size());
    out.append(text);
  }

  void send_pub(std::string& out, std::string_view prefix, ByteView payload) {
    char digits[16];
    const auto n = std::to_chars(digits, digits + sizeof digits, payload.size()).ptr - digits;
    begin_unit(out, prefix.size() + n + 2 + payload.size() + 2);
    out.append(prefix);
    out.append(digits, n);
    out.append("\r\n");
    out.append(reinterpret_cast<const char*>(payload.data()), payload.size());
    out.append("\r\n");
  }

  std::string pub_prefix_;
  bool connected_ = false;
  bool ready_ = false;
};

}  // namespace

std::unique_ptr<Wire> make_nats_wire(TransportKind t, WireSetup s, WireEvents& e) {
  return std::make_unique<NatsWire>(t, std::move(s), e);
}

}  // namespace smq::bench
