// Compatibility traps of smq-wire.md section 9 about getting a session going: raw bootstrap
// responses (1, 2), Connect versions (3), Connack layouts (4), Init (5), UID rules and
// same-UID eviction (23) and the handshake timing (28).
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "broker_fixture.hpp"

namespace smqtest {
namespace {

using namespace std::chrono_literals;

// Trap 1: the C client sends no SendSmqHttpResponse and reads an Init frame as the very
// first bytes; an HTTP status line would be read as a frame length of 0x4854.
TEST_F(BrokerTest, Trap01_CClientGetsInitAsFirstBytes) {
  RawClient c;
  ASSERT_TRUE(c.connect(port()));
  ASSERT_TRUE(c.send_bytes(c_bootstrap_request("/smq", "127.0.0.1")));
  auto deadline = Clock::now() + 2s;
  ASSERT_TRUE(c.socket().ensure(4, deadline));
  const Bytes in(c.socket().pending());
  EXPECT_NE(in.substr(0, 2), "HT") << "HTTP response sent to a C client";
  std::size_t len = get_u16(in, 0);
  EXPECT_GE(len, 11u) << "C client requires an Init frame of at least 11 bytes";
  EXPECT_EQ(static_cast<std::uint8_t>(in[2]), pkt::init);
  EXPECT_EQ(static_cast<std::uint8_t>(in[3]), 1) << "Init version";
  auto p = c.read_packet(2s);
  ASSERT_TRUE(p);
  auto init = pkt::parse_init(*p);
  ASSERT_TRUE(init);
  EXPECT_EQ(init->ip, "127.0.0.1");
  EXPECT_EQ(c.last_frame_length(), 8u + init->ip.size());
}

// Trap 2: with SendSmqHttpResponse: true the broker answers 200 with SmqBroker and no body,
// so the Python client's "everything after the blank line is SMQ" holds.
TEST_F(BrokerTest, Trap02_PythonClientGets200WithSmqBrokerAndNoBody) {
  RawClient c;
  ASSERT_TRUE(c.connect(port()));
  ASSERT_TRUE(c.send_bytes(python_bootstrap_request("/smq", "127.0.0.1")));
  auto head = c.read_http_head(2s);
  ASSERT_TRUE(head) << "no HTTP response";
  EXPECT_EQ(head->status_line, "HTTP/1.1 200 OK");
  EXPECT_EQ(head->header("SmqBroker"), "true");
  auto cl = head->header("Content-Length");
  if (cl) {
    EXPECT_EQ(*cl, "0");
  }
  EXPECT_FALSE(head->header("Transfer-Encoding")) << "chunked bytes would corrupt the SMQ stream";
  auto p = c.read_packet(2s);
  ASSERT_TRUE(p);
  EXPECT_TRUE(pkt::parse_init(*p)) << "first bytes after the head are not Init: " << pkt::describe(*p);
}

TEST_F(BrokerTest, Trap02_OnlyExactTrueRequestsTheHttpResponse) {
  for (std::string value : {"false", "1", "yes"}) {
    SCOPED_TRACE("SendSmqHttpResponse: " + value);
    RawClient c;
    ASSERT_TRUE(c.connect(port()));
    ASSERT_TRUE(c.send_bytes("GET /smq HTTP/1.1\r\nHost: 127.0.0.1\r\nSimpleMQ: 1\r\nSendSmqHttpResponse: " +
                             value + "\r\n\r\n"));
    auto p = c.read_packet(2s);
    ASSERT_TRUE(p);
    EXPECT_TRUE(pkt::parse_init(*p)) << pkt::describe(*p);
  }
}

TEST_F(BrokerTest, Trap02_SimpleMqHeaderWithAnyValueIsAccepted) {
  for (std::string value : {"1", "true", "abc", "0"}) {
    SCOPED_TRACE("SimpleMQ: " + value);
    RawClient c;
    ASSERT_TRUE(c.connect(port()));
    ASSERT_TRUE(c.send_bytes("GET /smq HTTP/1.0\r\nHost: 127.0.0.1\r\nSimpleMQ: " + value + "\r\n\r\n"));
    auto p = c.read_packet(2s);
    ASSERT_TRUE(p);
    EXPECT_TRUE(pkt::parse_init(*p)) << pkt::describe(*p);
  }
}

class TrapConnect : public TransportTest {};

// Trap 3: Connect v1 (JS, Python, Lua) and v2 with the u16 maxSize (C client) both work.
TEST_P(TrapConnect, Trap03_AcceptsConnectV1AndV2) {
  for (int version : {1, 2}) {
    auto c = open(tp());
    c->send_packet(version == 1 ? pkt::connect_v1(unique_uid(), "cred", "info")
                                : pkt::connect_v2(unique_uid(), "cred", "info"));
    auto p = c->recv_packet(2s);
    ASSERT_TRUE(p);
    auto ack = pkt::parse_connack(*p);
    ASSERT_TRUE(ack) << pkt::describe(*p);
    EXPECT_EQ(ack->code, 0) << "version " << version;
    EXPECT_NE(ack->etid, 0u);
  }
}

// Trap 4: success Connack is exactly 00 + ETID; a refusal keeps the four zero ETID bytes and
// puts the reason after them.
TEST_P(TrapConnect, Trap04_ConnackLayouts) {
  smq::Hooks hooks;
  hooks.authenticate = [](const smq::ConnectInfo& info) {
    smq::AuthResult r;
    if (info.credentials == "bad") {
      r.code = smq::ConnackCode::bad_credentials;
      r.reason = "wrong password";
    }
    return r;
  };
  start_broker(hooks);
  auto good = open(tp());
  good->send_packet(pkt::connect_v2(unique_uid(), "good"));
  auto p = good->recv_packet(2s);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->size(), 6u) << pkt::describe(*p);
  EXPECT_EQ(p->substr(0, 2), from_hex("03 00"));
  if (auto* raw = raw_of(*good)) {
    EXPECT_EQ(raw->last_frame_length(), 8u);
  }

  auto bad = open(tp());
  bad->send_packet(pkt::connect_v2(unique_uid(), "bad"));
  p = bad->recv_packet(2s);
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, from_hex("03 03 00 00 00 00") + "wrong password") << pkt::describe(*p);
  EXPECT_TRUE(bad->expect_closed(2s).closed);
}

// Trap 5: Init = version 1, a seed, and the peer IP as text (at least 3 bytes).
TEST_P(TrapConnect, Trap05_InitCarriesVersionSeedAndIp) {
  auto c = open(tp());
  EXPECT_EQ(c->init.version, 1);
  EXPECT_EQ(c->init.ip, "127.0.0.1");
  EXPECT_GE(c->init.ip.size(), 3u);
}

TEST_P(TrapConnect, Trap05_SeedsDifferBetweenConnections) {
  std::set<std::uint32_t> seeds;
  for (int i = 0; i < 16; ++i) seeds.insert(open(tp())->init.seed);
  EXPECT_GE(seeds.size(), 15u) << "Init seeds repeat";
}

// Trap 23: UIDs below 6 bytes get code 1; a second login with the same UID evicts the first
// with Disconnect "reconnect" and inherits its ETID.
TEST_P(TrapConnect, Trap23_ShortUidRefusedWithCode1) {
  for (std::string uid : {"", "a", "abcde"}) {
    auto c = open(tp());
    c->send_packet(pkt::connect_v1(uid));
    auto p = c->recv_packet(2s);
    ASSERT_TRUE(p);
    EXPECT_TRUE(hex_matches("03 01 00 00 00 00 *", *p)) << "uid '" << uid << "': " << pkt::describe(*p);
    EXPECT_TRUE(c->expect_closed(2s).closed);
  }
}

TEST_P(TrapConnect, Trap23_SameUidEvictsOldAndInheritsEtid) {
  auto old_conn = client(tp(), "shared-uid-1");
  auto new_conn = client(other(), "shared-uid-1");
  EXPECT_EQ(new_conn->etid, old_conn->etid);
  auto p = old_conn->recv_packet(2s);
  ASSERT_TRUE(p) << "old connection got no Disconnect";
  EXPECT_EQ(*p, pkt::disconnect_packet("reconnect")) << pkt::describe(*p);
  CloseResult r = old_conn->expect_closed(2s);
  EXPECT_TRUE(r.closed);
  EXPECT_TRUE(r.packets.empty());
  // The new connection owns the ETID: direct messages reach it.
  auto sender = client(tp());
  ASSERT_TRUE(publish(*sender, new_conn->etid, "to the new one"));
  auto msg = recv_publish(*new_conn);
  ASSERT_TRUE(msg);
  EXPECT_EQ(msg->payload, "to the new one");
  EXPECT_EQ(msg->tid, new_conn->etid);
}

// Python clients sharing a UID evict each other in turns; every step must hand the ETID on.
TEST_P(TrapConnect, Trap23_RepeatedTakeoverKeepsOneEtid) {
  auto first = client(tp(), "takeover-uid");
  std::uint32_t etid = first->etid;
  std::vector<std::unique_ptr<SmqConn>> conns;
  conns.push_back(std::move(first));
  for (int i = 0; i < 4; ++i) {
    conns.push_back(client(i % 2 ? tp() : other(), "takeover-uid"));
    EXPECT_EQ(conns.back()->etid, etid) << "takeover " << i;
    SmqConn& evicted = *conns[conns.size() - 2];
    EXPECT_EQ(next_packet(evicted), pkt::disconnect_packet("reconnect"));
    EXPECT_TRUE(evicted.expect_closed(2s).closed);
  }
  EXPECT_TRUE(quiet_until_pong(*conns.back()));
}

// Trap 28: the broker speaks first (Init without any client packet) and refuses with
// Connack 0x02 when no Connect arrives in time.
TEST_P(TrapConnect, Trap28_BrokerSpeaksFirstAndConnectHasADeadline) {
  start_broker({}, [](smq::BrokerOptions& o) { o.connect_deadline = 300ms; });
  auto start = Clock::now();
  auto c = open(tp());  // reads Init without sending anything after the bootstrap
  EXPECT_EQ(c->init.version, 1);
  auto p = c->recv_packet(2s);
  auto elapsed = Clock::now() - start;
  ASSERT_TRUE(p) << "no Connack after the deadline";
  EXPECT_TRUE(hex_matches("03 02 00 00 00 00 *", *p)) << pkt::describe(*p);
  EXPECT_GE(elapsed, 250ms);
  EXPECT_LE(elapsed, 1500ms);
  CloseResult r = c->expect_closed(2s);
  EXPECT_TRUE(r.closed);
  EXPECT_TRUE(r.packets.empty());
}

TEST_P(TrapConnect, Trap28_ConnectJustBeforeDeadlineIsAccepted) {
  start_broker({}, [](smq::BrokerOptions& o) { o.connect_deadline = 600ms; });
  auto c = open(tp());
  std::this_thread::sleep_for(300ms);
  c->send_packet(pkt::connect_v1(unique_uid()));
  auto p = c->recv_packet(2s);
  ASSERT_TRUE(p);
  EXPECT_TRUE(hex_matches("03 00 ?? ?? ?? ??", *p)) << pkt::describe(*p);
  // Once connected, the deadline no longer applies.
  std::this_thread::sleep_for(500ms);
  EXPECT_TRUE(quiet_until_pong(*c));
}

SMQ_BOTH_TRANSPORTS(TrapConnect);

}  // namespace
}  // namespace smqtest
