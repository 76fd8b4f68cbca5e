// Exceptions and a failing random source stop nothing but the connection concerned: a hook
// that throws ends the client whose packet ran it (SMQ Disconnect "internal error", WebSocket
// 1011; before the Connack, Connack 0x02 "internal error"), is logged with the hook's name and
// counted, and every other client keeps working. In-process callbacks and handlers that reach
// the event loop are contained the same way. Hooks and callbacks run on the broker thread.
#include <gtest/gtest.h>

#include <asio/post.hpp>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "broker/random.hpp"
#include "broker_fixture.hpp"

namespace smqtest {
namespace {

using namespace std::chrono_literals;

std::uint64_t closes(const smq::BrokerStats& s, smq::CloseReason r) {
  return s.closes[static_cast<std::size_t>(r)];
}

// Log lines, collected from whatever thread logs.
class LogLines {
 public:
  smq::Logger::Sink sink() {
    return [this](smq::LogLevel, std::string_view line) {
      std::lock_guard lock(mu_);
      lines_.emplace_back(line);
    };
  }
  bool contains(std::string_view text) const {
    std::lock_guard lock(mu_);
    for (const auto& line : lines_) {
      if (line.find(text) != std::string::npos) return true;
    }
    return false;
  }
  std::string all() const {
    std::lock_guard lock(mu_);
    std::string out;
    for (const auto& line : lines_) out += line + "\n";
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
};

class InternalErrors : public TransportTest {
 protected:
  void start(smq::Hooks hooks) {
    start_broker(std::move(hooks), [this](smq::BrokerOptions& o) { o.log_sink = log_.sink(); });
  }

  // The broker ended `c` for an internal error: SMQ Disconnect "internal error" last, and over
  // WebSocket then Close 1011.
  static void expect_internal_error_close(SmqConn& c) {
    CloseResult r = c.expect_closed(3s);
    EXPECT_TRUE(r.closed);
    ASSERT_FALSE(r.packets.empty()) << "no Disconnect before the close";
    EXPECT_EQ(to_hex(r.packets.back()), to_hex(pkt::make(pkt::disconnect, "internal error")));
    if (c.transport() == Transport::ws) {
      EXPECT_TRUE(r.close_frame);
      EXPECT_EQ(r.code, std::optional<std::uint16_t>(1011));
    }
  }

  void expect_counted(std::uint64_t hook_errors, std::uint64_t internal_closes) {
    const smq::BrokerStats s = stats_of(broker());
    EXPECT_EQ(s.hook_errors, hook_errors);
    EXPECT_EQ(closes(s, smq::CloseReason::internal_error), internal_closes);
  }

  LogLines log_;
};

std::runtime_error boom() { return std::runtime_error("boom from the test hook"); }

TEST_P(InternalErrors, AuthenticateThrowsConnackUnavailableAndOthersConnect) {
  smq::Hooks hooks;
  hooks.authenticate = [](const smq::ConnectInfo& i) -> smq::AuthResult {
    if (i.uid.starts_with("bad")) throw boom();
    return {};
  };
  start(hooks);
  auto c = open(tp());
  ASSERT_TRUE(c->send_packet(pkt::connect_v1("bad-" + unique_uid())));
  EXPECT_EQ(to_hex(next_packet(*c)),
            to_hex(pkt::make(pkt::connack, from_hex("0200000000") + "internal error")));
  CloseResult r = c->expect_closed(3s);
  EXPECT_TRUE(r.closed);
  EXPECT_TRUE(r.packets.empty()) << "a refusal Connack is the whole SMQ goodbye";
  if (tp() == Transport::ws) {
    EXPECT_EQ(r.code, std::optional<std::uint16_t>(1011));
  }
  expect_broker_healthy();
  expect_counted(1, 1);
  EXPECT_TRUE(log_.contains("authenticate hook threw: boom from the test hook")) << log_.all();
}

TEST_P(InternalErrors, PermitTopicThrowsEndsOnlyThatClientAndCreatesNothing) {
  smq::Hooks hooks;
  hooks.permit_topic = [](std::string_view name, bool, const smq::Peer&) {
    if (name.starts_with("bad/")) throw boom();
    return true;
  };
  start(hooks);
  auto bad = client(tp());
  auto good = client(other());
  const std::uint32_t tid = subscribe(*good, "good/topic");
  ASSERT_TRUE(bad->send_packet(pkt::subscribe_to("bad/topic")));
  expect_internal_error_close(*bad);
  EXPECT_EQ(server().topic2tid("bad/topic"), 0u);
  // The other client's session and subscription are untouched.
  auto pub = client(tp());
  ASSERT_TRUE(publish(*pub, tid, "after"));
  auto msg = recv_publish(*good);
  ASSERT_TRUE(msg);
  EXPECT_EQ(msg->payload, "after");
  expect_counted(1, 1);
  EXPECT_TRUE(log_.contains("permit_topic hook threw: boom")) << log_.all();
}

TEST_P(InternalErrors, PermitSubtopicThrows) {
  smq::Hooks hooks;
  hooks.permit_subtopic = [](std::string_view name, const smq::Peer&) -> bool {
    if (name == "bad") throw boom();
    return true;
  };
  start(hooks);
  auto bad = client(tp());
  ASSERT_TRUE(bad->send_packet(pkt::create_sub("bad")));
  expect_internal_error_close(*bad);
  EXPECT_EQ(server().subtopic2tid("bad"), 0u);
  expect_broker_healthy();
  expect_counted(1, 1);
  EXPECT_TRUE(log_.contains("permit_subtopic hook threw")) << log_.all();
}

TEST_P(InternalErrors, OnPublishThrowsDropsTheMessageAndEndsThePublisher) {
  smq::Hooks hooks;
  hooks.on_publish = [](const smq::Message& m, const smq::Peer&) {
    if (std::string_view(reinterpret_cast<const char*>(m.payload.data()), m.payload.size()) == "bad") {
      throw boom();
    }
    return true;
  };
  start(hooks);
  auto sub = client(other());
  const std::uint32_t tid = subscribe(*sub, "on/publish");
  auto bad = client(tp());
  ASSERT_TRUE(publish(*bad, tid, "first"));
  ASSERT_TRUE(publish(*bad, tid, "bad"));
  ASSERT_TRUE(publish(*bad, tid, "never routed"));  // same read: the session already ended
  expect_internal_error_close(*bad);
  auto first = recv_publish(*sub);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->payload, "first");
  auto good = client(tp());
  ASSERT_TRUE(publish(*good, tid, "later"));
  auto later = recv_publish(*sub);  // "bad" and what followed it were never routed
  ASSERT_TRUE(later);
  EXPECT_EQ(later->payload, "later");
  expect_counted(1, 1);
  EXPECT_TRUE(log_.contains("on_publish hook threw")) << log_.all();
}

TEST_P(InternalErrors, OnDropThrows) {
  smq::Hooks hooks;
  hooks.on_drop = [](const smq::Message&, const smq::Peer&) { throw boom(); };
  start(hooks);
  auto bad = client(tp());
  const std::uint32_t tid = create(*bad, "nobody/listens");
  ASSERT_TRUE(publish(*bad, tid, "dropped"));
  expect_internal_error_close(*bad);
  expect_broker_healthy();  // publishes that are received do not run on_drop
  expect_counted(1, 1);
  EXPECT_TRUE(log_.contains("on_drop hook threw")) << log_.all();
}

TEST_P(InternalErrors, OnConnectThrowsAfterTheConnack) {
  auto& closed = recorder<smq::CloseReason>();
  smq::Hooks hooks;
  hooks.on_connect = [](const smq::Peer& p) {
    if (p.uid.starts_with("bad")) throw boom();
  };
  hooks.on_close = [&closed](const smq::Peer&, smq::CloseReason r) { closed.push(r); };
  start(hooks);
  auto c = open(tp());
  ASSERT_TRUE(c->send_packet(pkt::connect_v1("bad-" + unique_uid())));
  EXPECT_TRUE(hex_matches("03 00 ?? ?? ?? ??", next_packet(*c)));
  expect_internal_error_close(*c);
  // The registration is undone like any other close, with its reason.
  ASSERT_TRUE(closed.wait_for(1));
  EXPECT_EQ(closed.at(0), smq::CloseReason::internal_error);
  expect_broker_healthy();
  expect_counted(1, 1);
}

TEST_P(InternalErrors, OnCloseThrowsTheTeardownStillCompletes) {
  smq::Hooks hooks;
  hooks.on_close = [](const smq::Peer&, smq::CloseReason) { throw boom(); };
  start(hooks);
  auto leaving = client(tp());
  auto watcher = client(other());
  const std::uint32_t tid = subscribe(*leaving, "teardown/topic");
  ASSERT_TRUE(watcher->send_packet(pkt::observe_id(tid)));
  auto count = recv_change(*watcher);
  ASSERT_TRUE(count);
  EXPECT_EQ(count->count, 1u);
  ASSERT_TRUE(watcher->send_packet(pkt::observe_id(leaving->etid)));
  ASSERT_TRUE(quiet_until_pong(*watcher));

  ASSERT_TRUE(leaving->send_packet(pkt::disconnect_packet()));
  // Subscriptions left, observers told the client is gone: the teardown ran to its end.
  std::vector<pkt::Change> changes;
  for (int i = 0; i < 2; ++i) {
    auto ch = recv_change(*watcher);
    ASSERT_TRUE(ch);
    changes.push_back(*ch);
  }
  std::sort(changes.begin(), changes.end(), [](auto& a, auto& b) { return a.id < b.id; });
  std::vector<std::uint32_t> ids = {tid, leaving->etid};
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(changes[0].id, ids[0]);
  EXPECT_EQ(changes[1].id, ids[1]);
  EXPECT_EQ(changes[0].count, 0u);
  EXPECT_EQ(changes[1].count, 0u);
  EXPECT_EQ(server().subscribe("teardown/topic", [](const smq::Delivery&) {}), tid);
  loop_barrier();
  const smq::BrokerStats s = stats_of(broker());
  EXPECT_EQ(s.hook_errors, 1u);
  EXPECT_EQ(closes(s, smq::CloseReason::client_disconnect), 1u);
  EXPECT_EQ(closes(s, smq::CloseReason::internal_error), 0u);
  EXPECT_TRUE(log_.contains("on_close hook threw")) << log_.all();
}

TEST_P(InternalErrors, HookThrowingForTheServerClientFailsSafe) {
  smq::Hooks hooks;
  hooks.on_publish = [](const smq::Message&, const smq::Peer& p) -> bool {
    if (p.transport == smq::Transport::local) throw boom();
    return true;
  };
  start(hooks);
  auto sub = client(tp());
  const std::uint32_t tid = subscribe(*sub, "from/server");
  EXPECT_EQ(server().publish("x", "from/server"), 0u);  // dropped, nothing thrown at the caller
  ASSERT_TRUE(quiet_until_pong(*sub));
  auto pub = client(other());
  ASSERT_TRUE(publish(*pub, tid, "from a client"));
  auto msg = recv_publish(*sub);
  ASSERT_TRUE(msg);
  EXPECT_EQ(msg->payload, "from a client");
  expect_counted(1, 0);
  EXPECT_TRUE(log_.contains("on_publish hook threw for etid 0x1: boom")) << log_.all();
}

TEST_P(InternalErrors, ServerClientCallbackThrowsNextMessagesStillArrive) {
  start({});
  auto& got = recorder<std::string>();
  server().subscribe("callbacks", [&got](const smq::Delivery& d) {
    std::string text(d.payload.begin(), d.payload.end());
    if (text == "bad") throw boom();
    got.push(text);
  });
  auto pub = client(tp());
  const std::uint32_t tid = create(*pub, "callbacks");
  for (const char* text : {"one", "bad", "two"}) ASSERT_TRUE(publish(*pub, tid, text));
  ASSERT_TRUE(got.wait_for(2));
  EXPECT_EQ(got.items(), (std::vector<std::string>{"one", "two"}));
  ASSERT_TRUE(quiet_until_pong(*pub));  // the publisher was not blamed
  const smq::BrokerStats s = stats_of(broker());
  EXPECT_EQ(s.callback_errors, 1u);
  EXPECT_EQ(closes(s, smq::CloseReason::internal_error), 0u);
  EXPECT_TRUE(log_.contains("server client: message callback for")) << log_.all();
}

TEST_P(InternalErrors, HandlerThrowingOutOfTheLoopDoesNotStopTheBroker) {
  start({});
  auto before = client(tp());
  asio::post(broker().context(), [] { throw std::runtime_error("posted handler failed"); });
  loop_barrier();
  EXPECT_TRUE(quiet_until_pong(*before));  // connections from before are served
  expect_broker_healthy();
  EXPECT_EQ(stats_of(broker()).loop_exceptions, 1u);
  EXPECT_TRUE(log_.contains("a handler threw out of the event loop: posted handler failed"))
      << log_.all();
}

TEST_P(InternalErrors, FailingRandomSourceRefusesWhatNeedsIt) {
  auto failing = std::make_shared<std::atomic<bool>>(false);
  smq::Hooks hooks;
  hooks.random_bytes = [failing](std::span<std::uint8_t> out) {
    return !failing->load() && smq::system_random(out);
  };
  start(hooks);
  auto c = client(tp());
  const std::uint32_t known = subscribe(*c, "known/topic");
  auto half = open(tp());  // its Init seed was drawn; its ETID will not be

  failing->store(true);
  // A new name needs an id: denied, the connection stays.
  const pkt::Ack denied = request_ack(*c, pkt::subscribe_to("new/topic"), pkt::suback);
  EXPECT_EQ(denied.status, 1);
  EXPECT_EQ(denied.name, "new/topic");
  EXPECT_EQ(subscribe(*c, "known/topic"), known);  // existing names need no randomness
  // An ETID: Connack 0x02 "internal error".
  ASSERT_TRUE(half->send_packet(pkt::connect_v1(unique_uid())));
  EXPECT_EQ(to_hex(next_packet(*half)),
            to_hex(pkt::make(pkt::connack, from_hex("0200000000") + "internal error")));
  EXPECT_TRUE(half->expect_closed(3s).closed);
  // An Init seed: the socket is closed before the Init.
  EXPECT_THROW(open(tp()), std::runtime_error);
  // The in-process client: a new sub-topic name gets no id, so nothing is subscribed or
  // published under the topic's catch-all instead.
  EXPECT_EQ(server().subscribe("known/topic", "new-sub", [](const smq::Delivery&) {}), 0u);
  EXPECT_EQ(server().publish("x", "known/topic", "new-sub"), 0u);
  ASSERT_TRUE(quiet_until_pong(*c));

  failing->store(false);
  EXPECT_NE(subscribe(*c, "new/topic"), 0u);
  expect_broker_healthy();
  const smq::BrokerStats s = stats_of(broker());
  EXPECT_GE(s.random_failures, 5u);
  EXPECT_EQ(closes(s, smq::CloseReason::internal_error), 2u);
  EXPECT_EQ(s.pending_connections, 0u);  // the refused sockets left the pending count
  EXPECT_TRUE(log_.contains("random source failed")) << log_.all();
}

SMQ_BOTH_TRANSPORTS(InternalErrors);

}  // namespace
}  // namespace smqtest
