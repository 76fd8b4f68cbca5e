// The broker's own logins ([auth] password_file, anonymous) over both transports: "user:
// password" credentials, one refusal for a wrong password and an unknown user, anonymous
// clients, packets a client sends before its Connack, the per-address attempt budget, and a
// reload that revokes the sessions of removed users. The password file uses cheap hashes
// (the iteration count is stored per line), so the checks cost microseconds here.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>

#include "broker/auth/authenticator.hpp"
#include "broker/auth/login_throttle.hpp"
#include "broker/auth/password_file.hpp"
#include "broker_fixture.hpp"
#include "login_support.hpp"

namespace smqtest {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class Auth : public TransportTest {
 protected:
  void SetUp() override {
    users_.write({{"alice", "wonderland"}, {"bob", "builder"}});
  }
  void start(const std::function<void(smq::BrokerOptions&)>& tweak = {}, smq::Hooks hooks = {}) {
    start_broker(std::move(hooks), [&](smq::BrokerOptions& o) {
      o.auth.password_file = users_.path();
      if (tweak) tweak(o);
    });
  }
  Login login_as(std::string_view credentials, std::string_view extra = {}) {
    return login(tp(), port(), credentials, extra);
  }
  std::string user_of(std::uint32_t etid) {
    return on_broker(broker(), [&] {
      const smq::Peer* p = broker().hub().find_peer(etid);
      return p ? p->user : std::string("(no peer)");
    });
  }
  // Applies the options the broker runs with, changed by `tweak`, as a reload would.
  std::vector<std::string> reload(const std::function<void(smq::BrokerOptions&)>& tweak) {
    return reload_with(broker(), tweak);
  }

  UsersFile users_;
};

TEST_P(Auth, AUserLogsInWithUserColonPassword) {
  auto& seen = recorder<std::string>();
  smq::Hooks hooks;
  hooks.authenticate = [&seen](const smq::ConnectInfo& info) {
    seen.push(std::string(info.user));
    return smq::AuthResult{};
  };
  start({}, std::move(hooks));
  Login l = login_as("alice:wonderland");
  ASSERT_EQ(l.connack.code, 0) << l.connack.reason;
  EXPECT_EQ(l.size, 6u) << "a successful Connack is exactly code + ETID";
  EXPECT_EQ(user_of(l.conn->etid), "alice");
  EXPECT_EQ(seen.items(), std::vector<std::string>{"alice"}) << "the hook runs after the check";
  // The session works like any other.
  const std::uint32_t tid = subscribe(*l.conn, "room");
  ASSERT_TRUE(publish(*l.conn, tid, "hi"));
  EXPECT_EQ(recv_publish(*l.conn)->payload, "hi");
  EXPECT_EQ(stats_of(broker()).auth_logins, 1u);
}

TEST_P(Auth, AWrongPasswordAndAnUnknownUserGetTheSameRefusal) {
  start();
  Login wrong = login_as("alice:Wonderland");
  Login unknown = login_as("mallory:wonderland");
  Login empty_password = login_as("bob:");
  for (Login* l : {&wrong, &unknown, &empty_password}) {
    EXPECT_EQ(l->connack.code, static_cast<int>(smq::ConnackCode::bad_credentials));
    EXPECT_EQ(l->connack.reason, smq::auth::bad_login_reason);
    EXPECT_EQ(l->connack.etid, 0u);
    EXPECT_TRUE(l->conn->expect_closed(Ms(3000)).closed);
  }
  EXPECT_EQ(stats_of(broker()).auth_failures, 3u);
  EXPECT_EQ(stats_of(broker()).clients, 0u);
  EXPECT_EQ(login_as("bob:builder").connack.code, 0) << "others still log in";
}

TEST_P(Auth, AnonymousClientsAreRefusedWithAPasswordFileUnlessAllowed) {
  start();
  Login anonymous = login_as("");
  EXPECT_EQ(anonymous.connack.code, static_cast<int>(smq::ConnackCode::bad_credentials));
  EXPECT_EQ(anonymous.connack.reason, smq::auth::credentials_required_reason);
  // Credentials that are not user:password (a token, say) cannot log in either.
  Login token = login_as("eyJhbGciOiJIUzI1NiJ9.e30.sig");
  EXPECT_EQ(token.connack.code, static_cast<int>(smq::ConnackCode::bad_credentials));
  EXPECT_EQ(token.connack.reason, smq::auth::bad_login_reason);
}

TEST_P(Auth, AnonymousTrueAdmitsEmptyCredentialsAndStillChecksPasswords) {
  start([](smq::BrokerOptions& o) { o.auth.anonymous = true; });
  Login anonymous = login_as("");
  ASSERT_EQ(anonymous.connack.code, 0);
  EXPECT_EQ(user_of(anonymous.conn->etid), "");
  EXPECT_EQ(login_as("alice:nope").connack.code, static_cast<int>(smq::ConnackCode::bad_credentials));
  EXPECT_EQ(login_as("alice:wonderland").connack.code, 0);
}

TEST_P(Auth, AnonymousFalseWithoutAPasswordFileRefusesEveryone) {
  start_broker({}, [](smq::BrokerOptions& o) { o.auth.anonymous = false; });
  EXPECT_EQ(login_as("").connack.code, static_cast<int>(smq::ConnackCode::bad_credentials));
  EXPECT_EQ(login_as("alice:wonderland").connack.code,
            static_cast<int>(smq::ConnackCode::bad_credentials));
}

TEST_P(Auth, PacketsSentBeforeTheConnackAreHandledAfterIt) {
  start();
  auto probe = open_smq(tp(), port());
  const std::string pipelined = probe->frame_packet(pkt::subscribe_to("early")) +
                                probe->frame_packet(pkt::ping_packet());
  Login l = login_as("alice:wonderland", pipelined);
  ASSERT_EQ(l.connack.code, 0);
  const auto ack = pkt::parse_ack(next_packet(*l.conn));
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->type, pkt::suback);
  EXPECT_EQ(ack->name, "early");
  EXPECT_EQ(next_packet(*l.conn)[0], pkt::pong);
}

TEST_P(Auth, ARefusedLoginHandlesNothingItsClientSentAfterConnect) {
  start();
  auto probe = open_smq(tp(), port());
  Login l = login_as("alice:wrong", probe->frame_packet(pkt::subscribe_to("never-made")));
  EXPECT_EQ(l.connack.code, static_cast<int>(smq::ConnackCode::bad_credentials));
  const CloseResult closed = l.conn->expect_closed(Ms(3000));
  EXPECT_TRUE(closed.closed);
  EXPECT_TRUE(closed.packets.empty());
  EXPECT_EQ(on_broker(broker(), [&] { return broker().hub().find_topic("never-made"); }), 0u);
}

TEST_P(Auth, AReloadDisconnectsRemovedUsersAndAnonymousClientsNoLongerAllowed) {
  start([](smq::BrokerOptions& o) { o.auth.anonymous = true; });
  Login alice = login_as("alice:wonderland");
  Login bob = login_as("bob:builder");
  Login anonymous = login_as("");
  for (Login* l : {&alice, &bob, &anonymous}) ASSERT_EQ(l->connack.code, 0);

  users_.remove("bob");
  const auto report = reload([](smq::BrokerOptions& o) { o.auth.anonymous = false; });
  EXPECT_NE(std::find(report.begin(), report.end(), "anonymous: true -> false"), report.end());
  for (Login* l : {&bob, &anonymous}) {
    const CloseResult closed = l->conn->expect_closed(Ms(3000));
    EXPECT_TRUE(closed.closed);
    ASSERT_FALSE(closed.packets.empty());
    EXPECT_EQ(pkt::parse_disconnect(closed.packets.back()), std::string(smq::revoked_text));
  }
  EXPECT_TRUE(quiet_until_pong(*alice.conn)) << "alice is still in the file";
  EXPECT_EQ(login_as("bob:builder").connack.code, static_cast<int>(smq::ConnackCode::bad_credentials));

  // A new password ends the sessions that logged in with the old one.
  users_.set("alice", "looking-glass");
  reload([](smq::BrokerOptions&) {});
  EXPECT_TRUE(alice.conn->expect_closed(Ms(3000)).closed);
  EXPECT_EQ(login_as("alice:looking-glass").connack.code, 0);
}

TEST_P(Auth, AReloadWithABrokenPasswordFileChangesNothing) {
  start();
  Login alice = login_as("alice:wonderland");
  ASSERT_EQ(alice.connack.code, 0);
  std::ofstream(users_.path()) << "alice:garbage\n";
  EXPECT_THROW(reload([](smq::BrokerOptions& o) { o.max_connections = 3; }), std::runtime_error);
  EXPECT_EQ(broker().options().max_connections, smq::BrokerOptions{}.max_connections);
  EXPECT_TRUE(quiet_until_pong(*alice.conn));
  EXPECT_EQ(login_as("bob:builder").connack.code, 0) << "the loaded users stay";
}

SMQ_BOTH_TRANSPORTS(Auth);

class AuthThrottle : public Auth {};

// One address gets attempt_burst failures at once, then one per attempt_refill; an attempt
// that would wait past its Connect deadline is told to try again later, and a correct
// password still logs in once the budget allows.
TEST_P(AuthThrottle, RepeatedFailuresFromOneAddressAreSlowedDown) {
  // 1.5 s: the first throttled attempt (one refill, 1 s) fits, a second at once does not.
  start([](smq::BrokerOptions& o) { o.connect_deadline = 1500ms; });
  for (int i = 0; i < static_cast<int>(smq::auth::attempt_burst); ++i) {
    ASSERT_EQ(login_as("alice:guess" + std::to_string(i)).connack.code,
              static_cast<int>(smq::ConnackCode::bad_credentials));
  }
  EXPECT_EQ(stats_of(broker()).auth_delayed, 0u);

  // The next guess waits for its token.
  auto waiting = open_smq(tp(), port());
  ASSERT_TRUE(waiting->send_packet(pkt::connect_v1(unique_uid(), "alice:guess-waiting")));
  const auto until = Clock::now() + 5s;
  while (stats_of(broker()).auth_delayed == 0 && Clock::now() < until) loop_barrier();
  ASSERT_EQ(stats_of(broker()).auth_delayed, 1u);
  // Meanwhile one more from the same address would wait past its deadline: refused at once.
  Login refused = login_as("alice:guess-refused");
  EXPECT_EQ(refused.connack.code, static_cast<int>(smq::ConnackCode::unavailable));
  EXPECT_EQ(refused.connack.reason, smq::auth::try_later_reason);
  EXPECT_EQ(stats_of(broker()).auth_throttled, 1u);
  // The waiting one is checked when its token comes, and fails like any wrong password.
  const auto p = waiting->recv_packet(Ms(5000));
  ASSERT_TRUE(p);
  EXPECT_EQ(pkt::parse_connack(*p)->code, static_cast<int>(smq::ConnackCode::bad_credentials));
  // The right password passes (after waiting its turn, within the deadline).
  EXPECT_EQ(login_as("alice:wonderland").connack.code, 0);
  EXPECT_EQ(stats_of(broker()).auth_failures, smq::auth::attempt_burst + 1);
}

INSTANTIATE_TEST_SUITE_P(Raw, AuthThrottle, ::testing::Values(Transport::raw),
                         transport_param_name);

TEST(AuthStart, AMissingPasswordFileStopsTheStart) {
  smq::BrokerOptions o;
  o.listen = {"127.0.0.1:0"};
  o.log_level = smq::LogLevel::off;
  o.auth.password_file = "/nonexistent/smq-users";
  smq::Broker b(o);
  try {
    b.start();
    FAIL() << "started without its password file";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/smq-users"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace smqtest
