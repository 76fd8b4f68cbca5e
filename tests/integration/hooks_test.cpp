// Policy hooks seen from the wire (smq-wire.md 6.1/6.2): authenticate input and refusal
// codes, permit_topic / permit_subtopic denials, on_publish dropping, on_drop, on_connect and
// on_close with their reasons. Hooks run on the broker thread; Recorders hand results over.
#include <gtest/gtest.h>

#include <thread>

#include "broker_fixture.hpp"

namespace smqtest {
namespace {

using namespace std::chrono_literals;

class Hooks : public TransportTest {};

struct SeenConnect {
  std::string uid, credentials, info, address, target;
  std::uint32_t seed = 0;
  smq::Transport transport = smq::Transport::local;
  bool has_bootstrap_header = false;
};

TEST_P(Hooks, AuthenticateSeesConnectFieldsSeedAndRequest) {
  auto& seen = recorder<SeenConnect>();
  smq::Hooks hooks;
  hooks.authenticate = [&](const smq::ConnectInfo& i) {
    SeenConnect s{std::string(i.uid), std::string(i.credentials), std::string(i.info),
                  std::string(i.address), std::string(i.target), i.seed, i.transport, false};
    if (i.headers) {
      for (const auto& [k, v] : *i.headers)
        if (iequals(k, "SimpleMQ") || iequals(k, "Sec-WebSocket-Key")) s.has_bootstrap_header = true;
    }
    seen.push(s);
    return smq::AuthResult{};
  };
  start_broker(hooks);
  OpenOptions o;
  o.path = "/smq?room=7";
  auto c = open(tp(), o);
  c->send_packet(pkt::connect_v2("hook-uid-1", std::string("pw\0x", 4), "client info"));
  ASSERT_TRUE(hex_matches("03 00 ?? ?? ?? ??", next_packet(*c)));
  ASSERT_TRUE(seen.wait_for(1));
  SeenConnect s = seen.items()[0];
  EXPECT_EQ(s.uid, "hook-uid-1");
  EXPECT_EQ(s.credentials, std::string("pw\0x", 4));
  EXPECT_EQ(s.info, "client info");
  EXPECT_EQ(s.seed, c->init.seed) << "authenticate must see the seed sent in Init";
  EXPECT_EQ(s.address, "127.0.0.1");
  EXPECT_EQ(s.target, "/smq?room=7");
  EXPECT_EQ(s.transport, tp() == Transport::raw ? smq::Transport::raw : smq::Transport::websocket);
  EXPECT_TRUE(s.has_bootstrap_header) << "request headers not handed to authenticate";
}

TEST_P(Hooks, AuthenticateRefusalCodesCarryReasonAfterZeroEtid) {
  smq::Hooks hooks;
  hooks.authenticate = [](const smq::ConnectInfo& i) {
    smq::AuthResult r;
    r.code = static_cast<smq::ConnackCode>(i.credentials.empty() ? 0 : i.credentials[0] - '0');
    if (r.code != smq::ConnackCode::accepted) r.reason = "reason " + std::string(i.credentials);
    return r;
  };
  start_broker(hooks);
  for (int code = 2; code <= 6; ++code) {
    SCOPED_TRACE("code " + std::to_string(code));
    auto c = open(tp());
    std::string cred = std::to_string(code);
    c->send_packet(pkt::connect_v1(unique_uid(), cred));
    Bytes p = next_packet(*c);
    Bytes want = pkt::make(pkt::connack, std::string(1, static_cast<char>(code)) + from_hex("00000000") + "reason " + cred);
    EXPECT_EQ(to_hex(p), to_hex(want));
    CloseResult r = c->expect_closed(2s);
    EXPECT_TRUE(r.closed);
    EXPECT_TRUE(r.packets.empty());
  }
  // Code 0 still connects.
  auto ok = open(tp());
  ok->send_packet(pkt::connect_v1(unique_uid(), "0"));
  EXPECT_TRUE(hex_matches("03 00 ?? ?? ?? ??", next_packet(*ok)));
}

TEST_P(Hooks, RefusalWithoutReasonIsExactlySixBytes) {
  smq::Hooks hooks;
  hooks.authenticate = [](const smq::ConnectInfo&) { return smq::AuthResult{smq::ConnackCode::denied, ""}; };
  start_broker(hooks);
  auto c = open(tp());
  c->send_packet(pkt::connect_v1(unique_uid()));
  EXPECT_EQ(to_hex(next_packet(*c)), "03 06 00 00 00 00");
  EXPECT_TRUE(c->expect_closed(2s).closed);
}

TEST_P(Hooks, PermitTopicDistinguishesSubscribeFromCreate) {
  auto& asked_by = recorder<std::uint32_t>();
  smq::Hooks hooks;
  hooks.permit_topic = [&](std::string_view name, bool is_subscribe, const smq::Peer& p) {
    asked_by.push(p.etid);
    return !(name == "readonly" && is_subscribe);
  };
  start_broker(hooks);
  auto c = client(tp());
  auto sub = request_ack(*c, pkt::subscribe_to("readonly"), pkt::suback);
  EXPECT_EQ(sub.status, 1);
  EXPECT_EQ(sub.id, 0u);
  EXPECT_EQ(sub.name, "readonly");
  std::uint32_t tid = create(*c, "readonly");
  EXPECT_NE(tid, 0u);
  for (auto e : asked_by.items()) EXPECT_EQ(e, c->etid);
  // Denied subscriber gets nothing published there.
  auto pub = client(other());
  ASSERT_TRUE(publish(*pub, tid, "not for you"));
  EXPECT_TRUE(quiet_until_pong(*c));
}

TEST_P(Hooks, PermitSubtopicDenialEchoesName) {
  smq::Hooks hooks;
  hooks.permit_subtopic = [](std::string_view name, const smq::Peer&) { return name != "forbidden"; };
  start_broker(hooks);
  auto c = client(tp());
  auto d = request_ack(*c, pkt::create_sub("forbidden"), pkt::createsuback);
  EXPECT_EQ(d.status, 1);
  EXPECT_EQ(d.id, 0u);
  EXPECT_EQ(d.name, "forbidden");
  EXPECT_NE(createsub(*c, "allowed"), 0u);
}

TEST_P(Hooks, OnPublishCanDropAndSeesTheMessage) {
  auto& seen = recorder<std::tuple<std::string, std::uint32_t, std::uint32_t, std::uint32_t, std::uint32_t>>();
  auto& drops = recorder<std::string>();
  smq::Hooks hooks;
  hooks.on_publish = [&](const smq::Message& m, const smq::Peer& p) {
    std::string text(reinterpret_cast<const char*>(m.payload.data()), m.payload.size());
    seen.push({text, m.ptid, m.tid, m.subtid, p.etid});
    return text != "drop me";
  };
  hooks.on_drop = [&](const smq::Message& m, const smq::Peer&) {
    drops.push(std::string(reinterpret_cast<const char*>(m.payload.data()), m.payload.size()));
  };
  start_broker(hooks);
  auto pub = client(tp());
  auto sub = client(other());
  std::uint32_t tid = subscribe(*sub, "filtered");
  ASSERT_TRUE(publish(*pub, tid, "drop me", 3));
  ASSERT_TRUE(publish(*pub, tid, "keep me", 4));
  auto m = recv_publish(*sub);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->payload, "keep me");
  EXPECT_TRUE(quiet_until_pong(*sub));
  ASSERT_TRUE(seen.wait_for(2));
  auto first = seen.items()[0];
  EXPECT_EQ(first, std::make_tuple(std::string("drop me"), pub->etid, tid, 3u, pub->etid));
  EXPECT_TRUE(drops.items().empty()) << "on_drop called for a message on_publish rejected";
}

TEST_P(Hooks, OnDropForUnknownTidAndEmptyTopicOnly) {
  auto& drops = recorder<std::pair<std::uint32_t, std::uint32_t>>();
  smq::Hooks hooks;
  hooks.on_drop = [&](const smq::Message& m, const smq::Peer& p) { drops.push({m.tid, p.etid}); };
  start_broker(hooks);
  auto c = client(tp());
  std::uint32_t empty = create(*c, "nobody/here");
  std::uint32_t self_tid = subscribe(*c, "me/here");
  ASSERT_TRUE(publish(*c, 0x0f0f0f0f, "unknown"));
  ASSERT_TRUE(publish(*c, empty, "empty"));
  ASSERT_TRUE(publish(*c, self_tid, "delivered"));
  ASSERT_TRUE(recv_publish(*c));
  ASSERT_TRUE(quiet_until_pong(*c));
  ASSERT_TRUE(drops.wait_for(2));
  loop_barrier();  // after the Pong: every publish above has been handled
  auto items = drops.items();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0], std::make_pair(0x0f0f0f0fu, c->etid));
  EXPECT_EQ(items[1], std::make_pair(empty, c->etid));
}

TEST_P(Hooks, OnConnectAndOnCloseReasons) {
  auto& connects = recorder<std::pair<std::uint32_t, std::string>>();
  auto& closes = recorder<std::tuple<std::uint32_t, smq::CloseReason, std::size_t>>();
  smq::Hooks hooks;
  hooks.on_connect = [&](const smq::Peer& p) { connects.push({p.etid, p.uid}); };
  hooks.on_close = [&](const smq::Peer& p, smq::CloseReason r) { closes.push({p.etid, r, p.subscriptions.size()}); };
  start_broker(hooks);
  // Returns the number of subscriptions the peer still had inside on_close.
  auto expect_close = [&](std::size_t index, std::uint32_t etid, smq::CloseReason reason) -> std::size_t {
    if (!closes.wait_for(index + 1)) {
      ADD_FAILURE() << "on_close not called for " << smq::to_string(reason);
      return 0;
    }
    auto [e, r, subs] = closes.items()[index];
    EXPECT_EQ(e, etid);
    EXPECT_EQ(r, reason) << "got " << smq::to_string(r) << ", want " << smq::to_string(reason);
    return subs;
  };
  auto a = client(tp(), "hooks-a-uid");
  ASSERT_TRUE(connects.wait_for(1));
  EXPECT_EQ(connects.items()[0], std::make_pair(a->etid, std::string("hooks-a-uid")));
  subscribe(*a, "x");
  a->send_packet(pkt::disconnect_packet());
  EXPECT_EQ(expect_close(0, a->etid, smq::CloseReason::client_disconnect), 1u)
      << "on_close must run while the subscriptions still exist";

  auto b = client(tp());
  b->close_socket();
  expect_close(1, b->etid, smq::CloseReason::peer_closed);

  auto c = client(tp());
  c->send_packet(pkt::make(200));
  expect_close(2, c->etid, smq::CloseReason::protocol_error);

  auto d = client(tp());
  d->send_packet(pkt::publish_to(d->etid, 12345, 0, ""));
  expect_close(3, d->etid, smq::CloseReason::corrupt_frame);

  auto e = client(tp(), "hooks-e-uid");
  auto e2 = client(other(), "hooks-e-uid");
  expect_close(4, e->etid, smq::CloseReason::reconnect);
  EXPECT_EQ(connects.size(), 6u);
}

TEST_P(Hooks, RefusedClientsNeverReachOnConnectOrOnClose) {
  auto& events = recorder<int>();
  smq::Hooks hooks;
  hooks.authenticate = [](const smq::ConnectInfo&) { return smq::AuthResult{smq::ConnackCode::bad_credentials, "no"}; };
  hooks.on_connect = [&](const smq::Peer&) { events.push(1); };
  hooks.on_close = [&](const smq::Peer&, smq::CloseReason) { events.push(2); };
  start_broker(hooks);
  auto c = open(tp());
  c->send_packet(pkt::connect_v1(unique_uid()));
  EXPECT_TRUE(hex_matches("03 03 00 00 00 00 *", next_packet(*c)));
  EXPECT_TRUE(c->expect_closed(2s).closed);
  // The broker closes the socket only after its close steps (on_close included) ran; the
  // barrier adds whatever those steps posted.
  loop_barrier();
  EXPECT_EQ(events.size(), 0u);
}

SMQ_BOTH_TRANSPORTS(Hooks);

}  // namespace
}  // namespace smqtest
