// Connection life cycle: reconnect and session restore after a broker restart on the same
// port, keepalive against a silent peer and a live broker, handshake timeouts, Connack
// refusals (authenticate hook, onauth with the Init seed), same-UID eviction.
#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "client_fixture.hpp"
#include "fake_server.hpp"
#include "smq/blocking_client.hpp"

namespace smqclienttest {
namespace {

using Close = std::pair<std::string, bool>;

smq::CloseHandler close_to(Recorder<Close>& r) {
  return [&r](std::string_view reason, bool again) { r.push({std::string(reason), again}); };
}

class Lifecycle : public ClientTest {};

TEST_F(Lifecycle, RestoresTheSessionAfterTheBrokerRestartsOnTheSamePort) {
  start_broker();
  auto& a = client(Scheme::ws);
  auto& b = client(Scheme::http);
  auto& a_closes = recorder<Close>();
  auto& reconnects = recorder<std::pair<char, std::uint32_t>>();
  a.on_close(close_to(a_closes));
  a.on_reconnect([&](std::uint32_t etid, std::uint32_t, std::string_view) {
    reconnects.push({'a', etid});
  });
  b.on_reconnect([&](std::uint32_t etid, std::uint32_t, std::string_view) {
    reconnects.push({'b', etid});
  });

  auto& news = recorder<std::string>();
  auto& direct = recorder<std::string>();
  auto& counts = recorder<std::uint32_t>();
  auto& acks = recorder<std::uint32_t>();
  auto ack = [&](bool ok, std::uint32_t id) { acks.push(ok ? id : 0); };
  a.subscribe(
      "news", "sports",
      [&](const smq::Delivery& d) { news.push("sports:" + std::string(d.text())); }, ack);
  a.subscribe(
      "news", 0u, [&](const smq::Delivery& d) { news.push(std::string(d.text())); }, ack);
  a.subscribe(
      "self", 0u, [&](const smq::Delivery& d) { direct.push(std::string(d.text())); }, ack);
  a.observe(
      "news", [&](std::uint32_t count, std::uint32_t) { counts.push(count); }, ack);
  auto& loop = recorder<std::string>();
  b.subscribe(
      "loop", 0u, [&](const smq::Delivery& d) { loop.push(std::string(d.text())); }, ack);
  a.create("only/created", ack);
  a.createsub("only/sub", ack);
  ASSERT_TRUE(acks.wait_for(7));
  ASSERT_TRUE(counts.wait_for(1));
  EXPECT_EQ(counts.at(0), 1u);  // a itself
  const std::uint32_t old_tid = a.topic2tid("news");
  const std::uint32_t old_etid = a.gettid();

  stop_broker();
  ASSERT_TRUE(a_closes.wait_for(1));
  EXPECT_EQ(a_closes.at(0).first, "shutdown");
  EXPECT_TRUE(a_closes.at(0).second);
  // Published while the broker is away: queued, sent after b's session is restored.
  EXPECT_EQ(b.publish("while away", "loop"), 1u);

  start_broker();
  ASSERT_TRUE(reconnects.wait_for(2, Ms(5000)));
  ASSERT_TRUE(loop.wait_for(1));
  EXPECT_EQ(loop.at(0), "while away");

  // Ids were re-learned from the new broker (all cached names were re-created); callbacks
  // follow them.
  EXPECT_EQ(a.topic2tid("news"), server().topic2tid("news"));
  EXPECT_NE(a.topic2tid("only/created"), 0u);
  EXPECT_EQ(a.topic2tid("only/created"), server().topic2tid("only/created"));
  EXPECT_EQ(a.subtopic2tid("only/sub"), server().subtopic2tid("only/sub"));
  EXPECT_NE(a.gettid(), 0u);
  (void)old_tid;
  (void)old_etid;
  b.publish("goal", "news", "sports");
  b.publish("weather", "news");
  b.publish("to a", a.gettid());
  ASSERT_TRUE(news.wait_for(2));
  EXPECT_EQ(news.at(0), "sports:goal");
  EXPECT_EQ(news.at(1), "weather");
  ASSERT_TRUE(direct.wait_for(1));
  EXPECT_EQ(direct.at(0), "to a");
  // The observer was registered again and got the new count (a re-subscribed).
  ASSERT_TRUE(eventually([&] { return counts.size() >= 2; }));
  EXPECT_EQ(counts.items().back(), 1u);
}

TEST_F(Lifecycle, KeepaliveClosesASilentPeer) {
  FakeServer silent(FakeServer::Mode::silent_after_connack);
  smq::ClientOptions o = test_options();
  o.ping_interval = Ms(150);
  o.pong_timeout = Ms(200);
  o.reconnect = false;
  smq::NetworkClient c("http://127.0.0.1:" + std::to_string(silent.port()) + "/", o);
  auto& closes = recorder<Close>();
  auto& connects = recorder<std::uint32_t>();
  c.on_close(close_to(closes));
  c.on_connect([&](std::uint32_t etid, std::uint32_t seed, std::string_view address) {
    EXPECT_EQ(seed, 0x12345678u);
    EXPECT_EQ(address, "127.0.0.1");
    connects.push(etid);
  });
  const auto start = std::chrono::steady_clock::now();
  c.connect();
  ASSERT_TRUE(connects.wait_for(1));
  EXPECT_EQ(connects.at(0), 0x1234u);
  ASSERT_TRUE(closes.wait_for(1, Ms(3000)));
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(closes.at(0).first, "ping timeout");
  EXPECT_FALSE(closes.at(0).second);
  EXPECT_GE(silent.pings(), 1);
  EXPECT_GE(took, Ms(300));
  EXPECT_LT(took, Ms(2000));
}

TEST_F(Lifecycle, KeepaliveWithAliveBrokerStaysConnectedAndReconnectsAfterTimeout) {
  smq::ClientOptions o = test_options();
  o.ping_interval = Ms(50);
  o.pong_timeout = Ms(100);
  auto& c = client(Scheme::ws, o);
  auto& closes = recorder<Close>();
  c.on_close(close_to(closes));
  wait_connected(c);
  std::this_thread::sleep_for(Ms(400));  // several ping rounds, all answered
  EXPECT_EQ(closes.size(), 0u);
  EXPECT_TRUE(c.connected());

  // Against a silent peer with reconnect on, the close is reported as retryable.
  FakeServer silent(FakeServer::Mode::silent_after_connack);
  o.ping_interval = Ms(100);
  smq::NetworkClient d("http://127.0.0.1:" + std::to_string(silent.port()) + "/", o);
  auto& d_closes = recorder<Close>();
  d.on_close(close_to(d_closes));
  d.connect();
  ASSERT_TRUE(d_closes.wait_for(1));
  EXPECT_EQ(d_closes.at(0).first, "ping timeout");
  EXPECT_TRUE(d_closes.at(0).second);
  // ...and it does retry (the fake server handshakes every connection).
  EXPECT_TRUE(eventually([&] { return silent.handshakes() >= 2; }));
}

TEST_F(Lifecycle, HandshakeTimeoutAgainstAPeerThatNeverAnswers) {
  FakeServer mute(FakeServer::Mode::never_answer);
  for (const char* scheme : {"ws", "http"}) {
    smq::ClientOptions o = test_options();
    o.read_timeout = Ms(300);
    o.reconnect = false;
    smq::NetworkClient c(std::string(scheme) + "://127.0.0.1:" + std::to_string(mute.port()) + "/",
                         o);
    auto& closes = recorder<Close>();
    c.on_close(close_to(closes));
    const auto start = std::chrono::steady_clock::now();
    c.connect();
    ASSERT_TRUE(closes.wait_for(1));
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_NE(closes.at(0).first.find("timeout"), std::string::npos) << closes.at(0).first;
    EXPECT_FALSE(closes.at(0).second);
    EXPECT_GE(took, Ms(250));
    EXPECT_LT(took, Ms(1500));
    EXPECT_TRUE(c.closed());
  }
  // The blocking layer turns it into an exception within its own limit.
  smq::ClientOptions o = test_options();
  o.read_timeout = Ms(5000);
  smq::BlockingClient blocking("ws://127.0.0.1:" + std::to_string(mute.port()) + "/", o);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(blocking.connect(Ms(300)), smq::ConnectionError);
  EXPECT_LT(std::chrono::steady_clock::now() - start, Ms(1500));
}

TEST_F(Lifecycle, ConnectionRefusedIsRetriedOrReported) {
  // A port nobody listens on: take a free one from a fake server, then close it.
  std::uint16_t dead_port;
  {
    FakeServer s(FakeServer::Mode::never_answer);
    dead_port = s.port();
  }
  smq::BlockingClient blocking("http://127.0.0.1:" + std::to_string(dead_port) + "/",
                               test_options());
  try {
    blocking.connect(Ms(2000));
    FAIL() << "connected to a closed port";
  } catch (const smq::ConnectionError& e) {
    EXPECT_NE(std::string(e.what()).find("refused"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(blocking.closed());

  // With reconnect on, the network client keeps trying and gets through once a broker runs.
  auto& c = client(Scheme::ws);  // starts a broker on some port...
  wait_connected(c);
  smq::ClientOptions o = test_options();
  smq::NetworkClient retry("ws://127.0.0.1:" + std::to_string(dead_port) + "/", o);
  auto& closes = recorder<Close>();
  retry.on_close(close_to(closes));
  retry.connect();
  ASSERT_TRUE(closes.wait_for(2));
  EXPECT_TRUE(closes.at(0).second);
  EXPECT_FALSE(retry.connected());
}

TEST_F(Lifecycle, AuthenticateHookRefusalIsFinalWithTheBrokersReason) {
  smq::Hooks hooks;
  hooks.authenticate = [](const smq::ConnectInfo& info) {
    smq::AuthResult r;
    if (info.credentials != "seed-" + std::to_string(info.seed)) {
      r.code = smq::ConnackCode::bad_credentials;
      r.reason = "wrong credentials for " + std::string(info.uid);
    }
    return r;
  };
  start_broker(hooks);
  for (const Scheme s : {Scheme::ws, Scheme::http}) {
    smq::ClientOptions o = test_options();
    o.uid = "refused-client";
    o.credentials = "guess";
    smq::NetworkClient c(url(s), o);
    auto& closes = recorder<Close>();
    c.on_close(close_to(closes));
    c.connect();
    ASSERT_TRUE(closes.wait_for(1));
    EXPECT_EQ(closes.at(0).first, "wrong credentials for refused-client");
    EXPECT_FALSE(closes.at(0).second);
    EXPECT_TRUE(c.closed());

    smq::BlockingClient blocking(url(s), o);
    try {
      blocking.connect();
      FAIL() << "connected with bad credentials";
    } catch (const smq::ConnectionError& e) {
      EXPECT_STREQ(e.what(), "wrong credentials for refused-client");
    }

    // onauth answers the challenge with the Init seed.
    o.onauth = [](std::uint32_t seed, std::string_view address) {
      EXPECT_EQ(address, "127.0.0.1");
      return "seed-" + std::to_string(seed);
    };
    smq::BlockingClient good(url(s), o);
    EXPECT_NO_THROW(good.connect());
    EXPECT_NE(good.gettid(), 0u);
  }
}

TEST_F(Lifecycle, SameUidEvictsTheOlderConnectionForGood) {
  smq::ClientOptions o = test_options();
  o.uid = "shared-uid-42";
  auto& first = client(Scheme::ws, o);
  auto& closes = recorder<Close>();
  first.on_close(close_to(closes));
  wait_connected(first);
  const std::uint32_t etid = first.gettid();
  auto& second = client(Scheme::http, o);
  wait_connected(second);
  ASSERT_TRUE(closes.wait_for(1));
  EXPECT_EQ(closes.at(0).first, "reconnect");
  EXPECT_FALSE(closes.at(0).second);
  EXPECT_EQ(second.gettid(), etid);  // the ETID moves to the new connection
  EXPECT_TRUE(first.closed());
}

TEST_F(Lifecycle, CloseBeforeConnectAndDestructionAreQuiet) {
  auto& closes = recorder<Close>();
  {
    smq::NetworkClient c(url(Scheme::ws), test_options());
    c.on_close(close_to(closes));
    c.publish("never sent", "x");
    c.close();
    EXPECT_TRUE(eventually([&] { return c.closed(); }));
    EXPECT_EQ(c.publish("refused", "x"), 0u);
  }
  EXPECT_EQ(closes.size(), 0u);  // nothing was ever started
  {
    smq::NetworkClient c(url(Scheme::http), test_options());
    c.on_close(close_to(closes));
    c.connect();
    wait_connected(c);
  }  // the destructor disconnects without calling back
  EXPECT_EQ(closes.size(), 0u);
  EXPECT_THROW(smq::NetworkClient("tcp://x", {}), std::invalid_argument);
}

}  // namespace
}  // namespace smqclienttest
