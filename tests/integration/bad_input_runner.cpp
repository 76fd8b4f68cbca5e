// Step builders and the interpreter of the bad-input battery (see bad_input.hpp).
#include <gtest/gtest.h>

#include <algorithm>

#include "bad_input.hpp"
#include "smq_ops.hpp"

namespace smqtest::bad {

namespace {
Step make_step(Step::Kind kind, std::string hex = {}) {
  Step s;
  s.kind = kind;
  s.hex = std::move(hex);
  return s;
}
}  // namespace

Step send(std::string hex) { return make_step(Step::Kind::send, std::move(hex)); }
Step send_text(std::string hex) { return make_step(Step::Kind::send_text, std::move(hex)); }
Step send_bytes(std::string hex) { return make_step(Step::Kind::send_bytes, std::move(hex)); }
Step send_chopped(std::string hex, std::size_t chunk) {
  Step s = make_step(Step::Kind::send_chopped, std::move(hex));
  s.chunk = chunk;
  return s;
}
Step send_frames(std::vector<FrameSpec> frames) {
  Step s = make_step(Step::Kind::send_frames);
  s.frames = std::move(frames);
  return s;
}
Step send_frame(FrameSpec frame) { return send_frames({std::move(frame)}); }
Step expect(std::string pattern) { return make_step(Step::Kind::expect, std::move(pattern)); }
Step expect_ws(std::uint8_t opcode, std::string payload_hex) {
  Step s = make_step(Step::Kind::expect_ws, std::move(payload_hex));
  s.opcode = opcode;
  return s;
}
Step quiet() { return make_step(Step::Kind::quiet); }
Step closed(std::vector<std::uint16_t> ws_codes) {
  Step s = make_step(Step::Kind::closed);
  s.codes = std::move(ws_codes);
  return s;
}
Step closed_lenient(std::vector<std::uint16_t> ws_codes) {
  Step s = make_step(Step::Kind::closed_lenient);
  s.codes = std::move(ws_codes);
  return s;
}

std::string refused_connack(std::uint8_t code) {
  return "03 " + to_hex(std::string(1, static_cast<char>(code))) + " 00 00 00 00 *";
}
std::string text_hex(std::string_view text) { return to_hex(text, text.size() + 1); }
std::string disconnect_hex(std::string_view reason) { return "0b " + text_hex(reason); }

namespace {

struct Context {
  std::uint32_t own = 0;
  std::uint32_t bystander = 0;
  std::uint32_t topic = 0;
  std::string fill(const std::string& hex) const {
    std::string s = substitute(hex, "{E}", hex32(own));
    s = substitute(std::move(s), "{X}", hex32(bystander));
    return substitute(std::move(s), "{T}", hex32(topic));
  }
};

std::string codes_text(const std::vector<std::uint16_t>& codes) {
  std::string s;
  for (auto c : codes) {
    if (!s.empty()) s += '/';
    s += std::to_string(c);
  }
  return s;
}

void check_close(SmqConn& conn, const Step& step) {
  CloseResult r = conn.expect_closed(Ms(2000));
  EXPECT_TRUE(r.closed) << "broker did not close the connection within 2 s";
  if (step.kind == Step::Kind::closed) {
    for (const auto& p : r.packets) ADD_FAILURE() << "packet before close: " << pkt::describe(p);
  }
  if (conn.transport() != Transport::ws) return;
  EXPECT_EQ(r.frames_after_close, 0u) << "frames after the Close frame";
  if (step.codes.empty()) return;
  EXPECT_TRUE(r.close_frame) << "expected a Close frame with " << codes_text(step.codes)
                             << " before the TCP close";
  if (r.close_frame) {
    bool ok = r.code && std::find(step.codes.begin(), step.codes.end(), *r.code) != step.codes.end();
    EXPECT_TRUE(ok) << "Close code " << (r.code ? std::to_string(*r.code) : "<none>")
                    << ", expected " << codes_text(step.codes);
  }
}

void run_step(SmqConn& conn, const Step& step, Context& ctx) {
  WsClient* ws = ws_of(conn);
  switch (step.kind) {
    case Step::Kind::send:
      conn.send_packet(from_hex(ctx.fill(step.hex)));
      break;
    case Step::Kind::send_text:
      ASSERT_NE(ws, nullptr) << "send_text on a raw connection";
      ws->send_frame(frame_of(ws::text, from_hex(ctx.fill(step.hex))));
      break;
    case Step::Kind::send_bytes:
      conn.send_bytes(from_hex(ctx.fill(step.hex)));
      break;
    case Step::Kind::send_chopped:
      conn.send_packet_chopped(from_hex(ctx.fill(step.hex)), step.chunk);
      break;
    case Step::Kind::send_frames: {
      ASSERT_NE(ws, nullptr) << "send_frames on a raw connection";
      ws->send_frames(step.frames);
      break;
    }
    case Step::Kind::expect: {
      auto p = conn.recv_packet(Ms(2000));
      std::string pattern = ctx.fill(step.hex);
      ASSERT_TRUE(p) << "no packet; expected " << pattern.substr(0, 120);
      EXPECT_TRUE(hex_matches(pattern, *p))
          << "got " << pkt::describe(*p) << "\nexpected " << pattern.substr(0, 120);
      // A successful Connack tells us our ETID for later {E} substitutions.
      if (auto ack = pkt::parse_connack(*p); ack && ack->code == 0) {
        ctx.own = ack->etid;
        conn.etid = ack->etid;
      }
      break;
    }
    case Step::Kind::expect_ws: {
      ASSERT_NE(ws, nullptr) << "expect_ws on a raw connection";
      auto f = ws->read_frame(Ms(2000));
      ASSERT_TRUE(f) << "no WebSocket frame";
      EXPECT_EQ(f->opcode, step.opcode);
      EXPECT_TRUE(f->fin);
      EXPECT_EQ(to_hex(f->payload, 1000), to_hex(from_hex(step.hex), 1000));
      break;
    }
    case Step::Kind::quiet: {
      auto before = sync(conn);
      ASSERT_TRUE(before) << "no Pong to the barrier Ping (connection closed or stuck?)";
      for (const auto& p : *before) ADD_FAILURE() << "unexpected packet: " << pkt::describe(p);
      break;
    }
    case Step::Kind::closed:
    case Step::Kind::closed_lenient:
      check_close(conn, step);
      break;
  }
}

// The bystander publishes to the shared topic and must see its own message come back
// (messages the case itself routed to it are skipped).
void check_bystander(SmqConn& by, std::uint32_t topic, const std::string& tag) {
  ASSERT_TRUE(publish(by, topic, tag)) << "bystander socket broken";
  auto deadline = Clock::now() + Ms(2000);
  for (;;) {
    auto p = by.recv_packet(remaining(deadline));
    ASSERT_TRUE(p) << "bystander (" << to_string(by.transport()) << ") stopped receiving";
    auto pub = pkt::parse_publish(*p);
    if (pub && pub->payload == tag) {
      EXPECT_EQ(pub->tid, topic);
      EXPECT_EQ(pub->ptid, by.etid);
      return;
    }
  }
}

}  // namespace

void run_case(std::uint16_t port, const Case& c, Transport t) {
  auto by_raw = connect_smq(Transport::raw, port);
  auto by_ws = connect_smq(Transport::ws, port);
  Context ctx;
  ctx.topic = subscribe(*by_raw, "bystander/topic");
  ASSERT_EQ(subscribe(*by_ws, "bystander/topic"), ctx.topic);
  ctx.bystander = by_raw->etid;

  {
    auto conn = c.state == State::fresh ? open_smq(t, port) : connect_smq(t, port);
    ctx.own = conn->etid;
    for (std::size_t i = 0; i < c.steps.size(); ++i) {
      SCOPED_TRACE("step " + std::to_string(i));
      run_step(*conn, c.steps[i], ctx);
      if (::testing::Test::HasFatalFailure()) break;
    }
  }

  SCOPED_TRACE("bystander check after the case");
  check_bystander(*by_raw, ctx.topic, "raw bystander after " + c.name);
  check_bystander(*by_ws, ctx.topic, "ws bystander after " + c.name);
  auto fresh = connect_smq(t, port);
  EXPECT_TRUE(quiet_until_pong(*fresh)) << "a new client cannot talk to the broker";
}

}  // namespace smqtest::bad
