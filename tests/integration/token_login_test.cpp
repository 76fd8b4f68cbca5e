// Logins with JSON Web Tokens ([auth] jwt_secret_file) from the outside, over both
// transports: a token as the Connect credentials and as a `token` query parameter, over
// WebSocket also as "Authorization: Bearer" and in the configured cookie; expired, not yet
// valid, badly signed, wrongly typed tokens refused with Connack 0x03; the token's "sub" as
// the user the [[acl]] rules see, and its "smq" claim replacing them. Tokens are signed
// here with OpenSSL's HMAC (the verifier's own vectors are in tests/unit/jwt_test.cpp).
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>
#include <fstream>

#include "broker_fixture.hpp"
#include "login_support.hpp"
#include "ws_client.hpp"

namespace smqtest {
namespace {

using namespace std::chrono_literals;
using smq::auth::AclRule;

constexpr std::string_view secret = "0123456789abcdef0123456789abcdef-test-secret";

std::string base64url(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

// A compact JWS of `payload` (JSON text) with this header, HMAC-SHA256 under `key`.
std::string sign(std::string_view payload, std::string_view header = R"({"alg":"HS256","typ":"JWT"})",
                 std::string_view key = secret) {
  const std::string input = base64url(header) + "." + base64url(payload);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &size);
  return input + "." + base64url(std::string_view(reinterpret_cast<const char*>(mac), size));
}

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string claims(std::string_view sub, std::int64_t exp_in = 600, std::string_view extra = {}) {
  return "{\"sub\":\"" + std::string(sub) + "\",\"exp\":" + std::to_string(now_seconds() + exp_in) +
         std::string(extra) + "}";
}

class TokenLogin : public TransportTest {
 protected:
  void SetUp() override {
    secret_path_ = fs::path(users_.path()).parent_path() / "jwt.secret";
    std::ofstream(secret_path_) << secret << "\n";  // the trailing newline is ignored
  }
  void start(std::vector<AclRule> rules = {}, std::string cookie = {}) {
    start_broker({}, [&](smq::BrokerOptions& o) {
      o.auth.jwt_secret_file = secret_path_.string();
      o.auth.jwt_cookie = cookie;
      o.auth.acl = std::move(rules);
    });
  }
  std::string user_of(std::uint32_t etid) {
    return on_broker(broker(), [&] {
      const smq::Peer* p = broker().hub().find_peer(etid);
      return p ? p->user : std::string("(no peer)");
    });
  }
  // Connect on a connection opened with this request path; the Connack.
  pkt::Connack connect_via(SmqConn& c, std::string_view credentials = {}) {
    c.uid = unique_uid();
    EXPECT_TRUE(c.send_packet(pkt::connect_v1(c.uid, credentials)));
    const auto ack = pkt::parse_connack(next_packet(c, Ms(5000)));
    if (!ack) throw std::runtime_error("no Connack");
    c.etid = ack->etid;
    return *ack;
  }

  UsersFile users_;  // only for its directory
  fs::path secret_path_;
};

TEST_P(TokenLogin, ATokenAsConnectCredentialsLogsInAsItsSubject) {
  start();
  Login l = login(tp(), port(), sign(claims("carol")));
  ASSERT_EQ(l.connack.code, 0) << l.connack.reason;
  EXPECT_EQ(user_of(l.conn->etid), "carol");
  EXPECT_EQ(stats_of(broker()).auth_logins, 1u);
  const std::uint32_t tid = subscribe(*l.conn, "t");
  ASSERT_TRUE(publish(*l.conn, tid, "works"));
  EXPECT_EQ(recv_publish(*l.conn)->payload, "works");
}

TEST_P(TokenLogin, BadTokensAreRefusedWithCode3) {
  start();
  const std::int64_t now = now_seconds();
  const std::pair<std::string, std::string> cases[] = {
      {sign(claims("carol", -3600)), "token expired"},
      {sign("{\"sub\":\"carol\",\"nbf\":" + std::to_string(now + 3600) + "}"), "token not yet valid"},
      {sign(claims("carol"), R"({"alg":"HS256","typ":"JWT"})", "another-secret-of-32-bytes-or-more!!"),
       "bad token"},
      {sign(claims("carol"), R"({"alg":"RS256","typ":"JWT"})"), "bad token"},
      {base64url(R"({"alg":"none"})") + "." + base64url(claims("carol")) + ".", "bad token"},
      {sign(claims("carol"), R"({"alg":"HS256","typ":"JWT"})").substr(0, 40) + ".x.y", "bad token"},
      {sign("{\"exp\":" + std::to_string(now + 60) + "}"), "bad token"},  // no subject
      {sign(claims("carol", 600, R"(,"smq":{"publish":["a/#/b"]})")), "bad token"},
  };
  for (const auto& [token, reason] : cases) {
    Login l = login(tp(), port(), token);
    EXPECT_EQ(l.connack.code, 3) << token;
    EXPECT_EQ(l.connack.reason, reason) << token;
  }
  EXPECT_EQ(stats_of(broker()).auth_failures, std::size(cases));
  // Without credentials and without a token: refused, anonymous is off with token keys.
  Login anonymous = login(tp(), port(), "");
  EXPECT_EQ(anonymous.connack.code, 3);
  EXPECT_EQ(anonymous.connack.reason, "credentials required");
}

TEST_P(TokenLogin, ATokenQueryParameterLogsIn) {
  start();
  OpenOptions o;
  o.path = "/smq?room=1&token=" + sign(claims("dave"));
  auto c = open_smq(tp(), port(), o);
  const pkt::Connack ack = connect_via(*c);
  ASSERT_EQ(ack.code, 0) << ack.reason;
  EXPECT_EQ(user_of(c->etid), "dave");
  // Credentials in the Connect take precedence over the request's token.
  OpenOptions expired;
  expired.path = "/smq?token=" + sign(claims("dave", -3600));
  auto d = open_smq(tp(), port(), expired);
  EXPECT_EQ(connect_via(*d, sign(claims("erin"))).code, 0);
  EXPECT_EQ(user_of(d->etid), "erin");
}

TEST_P(TokenLogin, TheSubjectIsTheUserOfTheRules) {
  AclRule carol;
  carol.user = "carol";
  carol.subscribe = {"users/%u/#"};
  start({carol});
  Login l = login(tp(), port(), sign(claims("carol")));
  ASSERT_EQ(l.connack.code, 0);
  EXPECT_EQ(request_ack(*l.conn, pkt::subscribe_to("users/carol/inbox"), pkt::suback).status, 0);
  EXPECT_EQ(request_ack(*l.conn, pkt::subscribe_to("users/dave/inbox"), pkt::suback).status, 1);
}

TEST_P(TokenLogin, TheSmqClaimReplacesTheRules) {
  AclRule everyone;
  everyone.user = "*";
  everyone.subscribe = {"#"};
  everyone.publish = {"#"};
  start({everyone});
  const std::string token = sign(claims(
      "carol", 600, R"(,"smq":{"subscribe":["feed/%u"],"publish":["out"],"observe":[]})"));
  Login l = login(tp(), port(), token);
  ASSERT_EQ(l.connack.code, 0) << l.connack.reason;
  EXPECT_EQ(request_ack(*l.conn, pkt::subscribe_to("feed/carol"), pkt::suback).status, 0);
  EXPECT_EQ(request_ack(*l.conn, pkt::subscribe_to("other"), pkt::suback).status, 1)
      << "the rules allow '#', the token does not";
  EXPECT_EQ(request_ack(*l.conn, pkt::create_topic("out"), pkt::createack).status, 0);
  EXPECT_EQ(request_ack(*l.conn, pkt::create_topic("feed/carol"), pkt::createack).status, 1);
  // A reload of the rules leaves the token's rights as they are.
  reload_with(broker(), [](smq::BrokerOptions& o) { o.auth.acl.clear(); });
  EXPECT_EQ(request_ack(*l.conn, pkt::subscribe_to("other"), pkt::suback).status, 1);
}

TEST_P(TokenLogin, AReloadReadsTheKeyAgainAndKeepsSessions) {
  start();
  Login before = login(tp(), port(), sign(claims("carol")));
  ASSERT_EQ(before.connack.code, 0);
  constexpr std::string_view rotated = "a-new-secret-after-rotation-0123456789abcdef";
  std::ofstream(secret_path_) << rotated;  // same file name: read again all the same
  reload_with(broker(), [](smq::BrokerOptions&) {});
  EXPECT_EQ(login(tp(), port(), sign(claims("carol"))).connack.reason, "bad token")
      << "a token signed with the old secret";
  Login after = login(tp(), port(), sign(claims("carol"), R"({"alg":"HS256","typ":"JWT"})", rotated));
  EXPECT_EQ(after.connack.code, 0) << after.connack.reason;
  EXPECT_TRUE(quiet_until_pong(*before.conn)) << "the session from before stays";
  // A key file that no longer loads is rejected and the running key stays.
  std::ofstream(secret_path_) << "short";
  EXPECT_THROW(reload_with(broker(), [](smq::BrokerOptions&) {}), std::runtime_error);
  EXPECT_EQ(login(tp(), port(), sign(claims("dave"), R"({"alg":"HS256","typ":"JWT"})", rotated))
                .connack.code,
            0);
}

SMQ_BOTH_TRANSPORTS(TokenLogin);

// The upgrade request's own places for a token: only WebSocket has them.
class TokenUpgrade : public TokenLogin {
 protected:
  // Upgrades with these extra headers, reads Init, sends Connect without credentials.
  pkt::Connack upgrade_with(std::vector<std::pair<std::string, std::string>> headers,
                            std::uint32_t* etid = nullptr) {
    // Kept open until the test ends, so the session can be looked at.
    WsClient& ws = *open_.emplace_back(std::make_unique<WsClient>());
    EXPECT_TRUE(ws.connect(port()));
    UpgradeRequest req;
    req.extra_headers = std::move(headers);
    if (!ws.upgrade(req)) throw std::runtime_error("upgrade failed: " + ws.error());
    const auto init = ws.read_frame(2s);
    if (!init || !pkt::parse_init(init->payload)) throw std::runtime_error("no Init");
    EXPECT_TRUE(ws.send_binary(pkt::connect_v1(unique_uid())));
    const auto reply = ws.read_frame(5s);
    if (!reply) throw std::runtime_error("no Connack");
    const auto ack = pkt::parse_connack(reply->payload);
    if (!ack) throw std::runtime_error("not a Connack");
    if (etid) *etid = ack->etid;
    return *ack;
  }

  std::vector<std::unique_ptr<WsClient>> open_;
};

TEST_P(TokenUpgrade, AnAuthorizationBearerHeaderLogsIn) {
  start();
  std::uint32_t etid = 0;
  const auto ack = upgrade_with({{"Authorization", "Bearer " + sign(claims("frank"))}}, &etid);
  ASSERT_EQ(ack.code, 0) << ack.reason;
  EXPECT_EQ(user_of(etid), "frank");
  EXPECT_EQ(upgrade_with({{"Authorization", "Bearer " + sign(claims("frank", -3600))}}).reason,
            "token expired");
  EXPECT_EQ(upgrade_with({{"Authorization", "Basic Zm9vOmJhcg=="}}).reason, "credentials required");
}

TEST_P(TokenUpgrade, TheConfiguredCookieLogsIn) {
  start({}, "smq_token");
  std::uint32_t etid = 0;
  const auto ack =
      upgrade_with({{"Cookie", "theme=dark; smq_token=" + sign(claims("grace")) + "; x=1"}}, &etid);
  ASSERT_EQ(ack.code, 0) << ack.reason;
  EXPECT_EQ(user_of(etid), "grace");
  EXPECT_EQ(upgrade_with({{"Cookie", "other_token=" + sign(claims("grace"))}}).code, 3)
      << "only the configured cookie counts";
}

TEST_P(TokenUpgrade, CookiesAreNotReadUnlessConfigured) {
  start();
  EXPECT_EQ(upgrade_with({{"Cookie", "smq_token=" + sign(claims("grace"))}}).reason,
            "credentials required");
}

INSTANTIATE_TEST_SUITE_P(Ws, TokenUpgrade, ::testing::Values(Transport::ws), transport_param_name);

}  // namespace
}  // namespace smqtest
