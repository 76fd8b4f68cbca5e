// The shared HTTP port: raw SMQ bootstrap variants (checklist group I), the bundled page
// for plain GETs, request path rules (options.smq_path), IPv6 Init text, and the deadlines
// for sockets that never finish their HTTP head (checklist A1/A2).
#include <gtest/gtest.h>

#include <thread>

#include "broker_fixture.hpp"

namespace smqtest {
namespace {

using namespace std::chrono_literals;

TEST_F(BrokerTest, PlainGetOfRootServesTheBundledPage) {
  auto r = http_exchange(port(), "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->head.status, 200);
  auto type = r->head.header("Content-Type");
  ASSERT_TRUE(type);
  EXPECT_NE(type->find("text/html"), std::string::npos) << *type;
  EXPECT_FALSE(r->body.empty());
  EXPECT_FALSE(r->head.header("SmqBroker") && r->body.empty());
}

TEST_F(BrokerTest, PlainGetOfUnknownPathIs404AndNeverSmq) {
  auto r = http_exchange(port(), "GET /no/such/page HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->head.status, 404);
}

TEST_F(BrokerTest, BootstrapWithConnectInSameSegment) {
  RawClient c;
  ASSERT_TRUE(c.connect(port()));
  ASSERT_TRUE(c.send_bytes(c_bootstrap_request() + pkt::raw_frame(pkt::connect_v2(unique_uid()))));
  auto init = c.read_packet(2s);
  ASSERT_TRUE(init);
  EXPECT_TRUE(pkt::parse_init(*init));
  auto ack = c.read_packet(2s);
  ASSERT_TRUE(ack);
  EXPECT_TRUE(hex_matches("03 00 ?? ?? ?? ??", *ack)) << pkt::describe(*ack);
}

TEST_F(BrokerTest, PythonBootstrapWithConnectInSameSegment) {
  RawClient c;
  ASSERT_TRUE(c.connect(port()));
  ASSERT_TRUE(c.send_bytes(python_bootstrap_request() + pkt::raw_frame(pkt::connect_v1(unique_uid()))));
  auto head = c.read_http_head(2s);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  auto init = c.read_packet(2s);
  ASSERT_TRUE(init);
  EXPECT_TRUE(pkt::parse_init(*init));
  auto ack = c.read_packet(2s);
  ASSERT_TRUE(ack);
  EXPECT_TRUE(hex_matches("03 00 ?? ?? ?? ??", *ack)) << pkt::describe(*ack);
}

TEST_F(BrokerTest, BootstrapChoppedBytewise) {
  RawClient c;
  ASSERT_TRUE(c.connect(port()));
  ASSERT_TRUE(c.send_chopped(c_bootstrap_request(), 1));
  auto init = c.read_packet(2s);
  ASSERT_TRUE(init);
  EXPECT_TRUE(pkt::parse_init(*init));
}

TEST_F(BrokerTest, PythonSessionWorksEndToEnd) {
  OpenOptions o;
  o.python_bootstrap = true;
  auto py = connect_smq(Transport::raw, port(), "python-uid", o);
  auto cc = client(Transport::raw);
  std::uint32_t tid = subscribe(*py, "py/topic");
  ASSERT_TRUE(publish(*cc, tid, "to python"));
  auto m = recv_publish(*py);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->payload, "to python");
}

TEST_F(BrokerTest, WebSocketUpgradeOnAnyPathByDefault) {
  for (std::string path : {"/", "/smq", "/any/deep/path?x=1&y=2", "/index.html"}) {
    WsClient ws;
    ASSERT_TRUE(ws.connect(port()));
    UpgradeRequest req;
    req.path = path;
    EXPECT_TRUE(ws.upgrade(req)) << path << ": " << ws.error();
  }
}

TEST_F(BrokerTest, SmqPathRestrictsBothTransports) {
  start_broker({}, [](smq::BrokerOptions& o) { o.smq_path = "/smq"; });
  {
    OpenOptions o;
    o.path = "/smq";
    EXPECT_NO_THROW(connect_smq(Transport::raw, port(), {}, o));
    EXPECT_NO_THROW(connect_smq(Transport::ws, port(), {}, o));
  }
  WsClient ws;
  ASSERT_TRUE(ws.connect(port()));
  UpgradeRequest req;
  req.path = "/elsewhere";
  EXPECT_FALSE(ws.upgrade(req));
  ASSERT_TRUE(ws.response());
  EXPECT_EQ(ws.response()->status, 404);
  auto r = http_exchange(port(), c_bootstrap_request("/elsewhere"));
  ASSERT_TRUE(r) << "raw bootstrap on a wrong path must get an HTTP answer, not Init";
  EXPECT_EQ(r->head.status, 404);
}

TEST_F(BrokerTest, Ipv6InitCarriesTheV6Address) {
  try {
    start_broker({}, [](smq::BrokerOptions& o) { o.listen = {"[::1]:0"}; });
  } catch (const std::exception& e) {
    GTEST_SKIP() << "no IPv6 loopback: " << e.what();
  }
  OpenOptions o;
  o.ipv6 = true;
  for (Transport t : {Transport::raw, Transport::ws}) {
    auto c = connect_smq(t, port(), {}, o);
    EXPECT_EQ(c->init.ip, "::1") << to_string(t);
  }
}

TEST_F(BrokerTest, SilentSocketClosedAtHeadDeadline) {
  start_broker({}, [](smq::BrokerOptions& o) { o.http_head_deadline = 300ms; });
  Socket s;
  ASSERT_TRUE(s.connect_loopback(port()));
  auto start = Clock::now();
  while (s.fill(2s)) {
  }
  EXPECT_TRUE(s.eof()) << "idle socket not closed";
  EXPECT_LT(Clock::now() - start, 1500ms);
}

TEST_F(BrokerTest, SlowlorisHeadHitsAbsoluteDeadline) {
  start_broker({}, [](smq::BrokerOptions& o) { o.http_head_deadline = 500ms; });
  Socket s;
  ASSERT_TRUE(s.connect_loopback(port()));
  const std::string head = "GET /smq HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + std::string(100, 'a');
  auto start = Clock::now();
  for (char ch : head) {
    if (!s.send_all(std::string(1, ch))) break;
    s.read_available();
    if (s.eof()) break;
    std::this_thread::sleep_for(20ms);
  }
  while (!s.eof() && s.fill(2s)) {
  }
  EXPECT_TRUE(s.eof());
  EXPECT_LT(Clock::now() - start, 1500ms) << "deadline was reset by trickled bytes";
}

TEST_F(BrokerTest, WebSocketUpgradeChoppedBytewise) {
  Socket s;
  ASSERT_TRUE(s.connect_loopback(port()));
  std::string key;
  ASSERT_TRUE(s.send_chopped(upgrade_request_text(UpgradeRequest{}, &key), 1));
  auto head = read_http_head(s, 2s);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 101);
  EXPECT_EQ(head->header("Sec-WebSocket-Accept"), websocket_accept(key));
}

// Checklist B16: a body on the upgrade request must not be parsed as WebSocket frames.
TEST_F(BrokerTest, UpgradeWithRequestBodyIsRejectedOrBodyIgnored) {
  WsClient ws;
  ASSERT_TRUE(ws.connect(port()));
  UpgradeRequest req;
  req.extra_headers = {{"Content-Length", "5"}};
  std::string key;
  std::string text = upgrade_request_text(req, &key) + "hello";
  ASSERT_TRUE(ws.send_bytes(text));
  auto head = read_http_head(ws.socket(), 2s);
  ASSERT_TRUE(head);
  if (head->status == 101) {
    auto init = ws.read_frame(2s);
    ASSERT_TRUE(init) << "body bytes were parsed as frames and killed the session";
    EXPECT_EQ(init->opcode, ws::binary);
    EXPECT_TRUE(pkt::parse_init(init->payload));
    ASSERT_TRUE(ws.send_binary(pkt::connect_v1(unique_uid())));
    auto ack = ws.read_frame(2s);
    ASSERT_TRUE(ack);
    EXPECT_TRUE(hex_matches("03 00 ?? ?? ?? ??", ack->payload));
  } else {
    EXPECT_EQ(head->status, 400);
  }
}

TEST_F(BrokerTest, PipelinedPlainGetsAnsweredInOrderOrClosed) {
  Socket s;
  ASSERT_TRUE(s.connect_loopback(port()));
  const std::string get = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  const std::string missing = "GET /missing HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  ASSERT_TRUE(s.send_all(get + missing));
  auto first = read_http_head(s, 2s);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  std::size_t length = std::stoul(first->header("Content-Length").value_or("0"));
  ASSERT_TRUE(s.ensure(length, Clock::now() + 2s));
  s.take(length);
  auto second = read_http_head(s, 2s);
  if (second) {
    EXPECT_EQ(second->status, 404);
  } else {
    EXPECT_TRUE(s.eof()) << "second request neither answered nor the connection closed";
  }
  expect_broker_healthy();
}

TEST_F(BrokerTest, HalfClosedBootstrapIsCleanedUp) {
  // The client sends its bootstrap and FIN; the broker still writes Init, and once it sees
  // EOF it tears the session down without hurting others (checklist A5).
  RawClient c;
  ASSERT_TRUE(c.connect(port()));
  ASSERT_TRUE(c.send_bytes(c_bootstrap_request()));
  c.socket().shutdown_write();
  auto p = c.read_packet(2s);
  if (p) {
    EXPECT_TRUE(pkt::parse_init(*p));
  }
  EXPECT_TRUE(c.wait_closed(2s).closed);
  expect_broker_healthy();
}

}  // namespace
}  // namespace smqtest
