// Secured broker, real network client: the C++ NetworkClient over TLS (wss:// and the raw
// https:// transport) against an in-process broker with its own security on — a password
// file, an HS256 JWT secret and [[acl]] rules. Password logins accepted and refused (Connack
// reason through on_close, final), ACL subscribe denials (ack ok = false, %u expansion),
// publish allowed between users and a deny_publish rule dropping a message by TID (counted in
// denied_publishes), and JWT credentials: a valid token's subject gets the user rules, an
// expired one is refused with "token expired".
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <unistd.h>

#include <asio/post.hpp>

#include <atomic>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "broker/auth/password_file.hpp"
#include "broker/random.hpp"
#include "client_fixture.hpp"
#include "test_pki.hpp"

namespace smqclienttest {
namespace {

namespace fs = std::filesystem;

// 40 printable bytes (no trailing newline to be stripped).
const std::string jwt_secret = "0123456789abcdefghijklmnopqrstuvwxyzABCD";

std::string base64url(std::string_view in) {
  static constexpr char table[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (std::uint8_t(in[i]) << 16) | (std::uint8_t(in[i + 1]) << 8) |
                       std::uint8_t(in[i + 2]);
    for (int s : {18, 12, 6, 0}) out += table[(v >> s) & 63];
  }
  if (i + 1 == in.size()) {
    const unsigned v = std::uint8_t(in[i]) << 16;
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
  } else if (i + 2 == in.size()) {
    const unsigned v = (std::uint8_t(in[i]) << 16) | (std::uint8_t(in[i + 1]) << 8);
    for (int s : {18, 12, 6}) out += table[(v >> s) & 63];
  }
  return out;  // no padding (RFC 7515)
}

// A compact HS256 JWS with {"sub": sub, "exp": exp}.
std::string make_jwt(const std::string& sub, std::int64_t exp) {
  const std::string signing_input =
      base64url(R"({"alg":"HS256","typ":"JWT"})") + "." +
      base64url(R"({"sub":")" + sub + R"(","exp":)" + std::to_string(exp) + "}");
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  const unsigned char* ok =
      HMAC(EVP_sha256(), jwt_secret.data(), static_cast<int>(jwt_secret.size()),
           reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(),
           mac, &mac_len);
  if (ok == nullptr) throw std::runtime_error("HMAC failed");
  return signing_input + "." +
         base64url(std::string_view(reinterpret_cast<const char*>(mac), mac_len));
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Close {
  std::string reason;
  bool will_reconnect;
};

class SecuredTls : public ClientTest, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() /
           ("smq-secured-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::create_directories(dir_);
    smq::auth::PasswordFile users;
    for (const auto& [user, password] :
         std::vector<std::pair<std::string, std::string>>{{"alice", "pw"}, {"bob", "pw2"}}) {
      users.set(user, smq::auth::detail::hash_password(password, 1000, smq::system_random)
                          .value());
    }
    ASSERT_EQ(users.save((dir_ / "users").string()), std::nullopt);
    std::ofstream((dir_ / "jwt.secret").string(), std::ios::binary) << jwt_secret;

    const TestPki& pki = test_pki();
    start_broker({}, [&](smq::BrokerOptions& o) {
      o.tls_listen = {"127.0.0.1:0"};
      o.tls_cert_file = pki.server_cert;
      o.tls_key_file = pki.server_key;
      o.auth.password_file = (dir_ / "users").string();
      o.auth.jwt_secret_file = (dir_ / "jwt.secret").string();
      smq::auth::AclRule everyone;
      everyone.user = "*";
      everyone.subscribe = {"chat/#", "users/%u/#"};
      everyone.publish = {"chat/#"};
      smq::auth::AclRule alice;
      alice.user = "alice";
      alice.deny_publish = {"chat/locked"};
      o.auth.acl = {everyone, alice};
    });
  }
  void TearDown() override {
    ClientTest::TearDown();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string tls_url() {
    return GetParam() + "://127.0.0.1:" + std::to_string(endpoint_port(1)) + "/";
  }

  // A client over TLS with these credentials, connect() already called; closes are recorded.
  struct Peer {
    std::unique_ptr<smq::NetworkClient> client;
    Recorder<Close>* closes;
  };
  Peer open(const std::string& credentials) {
    smq::ClientOptions o = test_options();
    o.tls.ca_file = test_pki().ca_cert;
    o.credentials = credentials;
    Peer p{std::make_unique<smq::NetworkClient>(tls_url(), o), &recorder<Close>()};
    p.client->on_close([r = p.closes](std::string_view reason, bool again) {
      r->push({std::string(reason), again});
    });
    p.client->connect();
    return p;
  }
  // The first close of a refused login (final: no retry for code 3).
  Close refusal(const std::string& credentials) {
    Peer p = open(credentials);
    EXPECT_TRUE(p.closes->wait_for(1, Ms(5000))) << "no close for " << credentials;
    if (p.closes->size() == 0) return {"<none>", true};
    EXPECT_TRUE(eventually([&] { return p.client->closed(); }));
    EXPECT_FALSE(p.client->connected());
    return p.closes->at(0);
  }
  // subscribe() with its ack: {accepted, tid}; `sink` records message texts.
  std::pair<bool, std::uint32_t> subscribe(smq::NetworkClient& c, const std::string& topic,
                                           Recorder<std::string>* sink = nullptr) {
    auto acked = std::make_shared<std::promise<std::pair<bool, std::uint32_t>>>();
    auto answer = acked->get_future();
    c.subscribe(
        topic, 0u,
        [sink](const smq::Delivery& d) {
          if (sink) sink->push(std::string(d.text()));
        },
        [acked](bool ok, std::uint32_t id) { acked->set_value({ok, id}); });
    EXPECT_EQ(answer.wait_for(Ms(3000)), std::future_status::ready) << topic;
    return answer.wait_for(Ms(0)) == std::future_status::ready ? answer.get()
                                                               : std::pair{false, 0u};
  }
  // A stats snapshot taken on the broker thread (where the hub's counters live).
  smq::BrokerStats stats() {
    std::packaged_task<smq::BrokerStats()> task([this] { return broker().stats(); });
    auto result = task.get_future();
    asio::post(broker().context(), [&task] { task(); });
    return result.get();
  }

  fs::path dir_;
};

TEST_P(SecuredTls, PasswordLoginAcceptedAndRefused) {
  Peer alice = open("alice:pw");
  wait_connected(*alice.client, Ms(5000));
  EXPECT_NE(alice.client->gettid(), 0u);

  // Connack code 3: the client reports the broker's reason text and does not retry.
  const Close wrong = refusal("alice:wrong");
  EXPECT_EQ(wrong.reason, "bad user name or password");
  EXPECT_FALSE(wrong.will_reconnect);
  // An unknown user gets the same reason (user names are not revealed).
  EXPECT_EQ(refusal("mallory:pw").reason, "bad user name or password");

  const smq::BrokerStats s = stats();
  EXPECT_EQ(s.auth_failures, 2u);
  EXPECT_GE(s.auth_logins, 1u);
  EXPECT_TRUE(alice.client->connected());  // the refusals did not disturb alice
}

TEST_P(SecuredTls, AclOnSubscribeAndPublish) {
  Peer alice = open("alice:pw");
  Peer bob = open("bob:pw2");
  wait_connected(*alice.client, Ms(5000));
  wait_connected(*bob.client, Ms(5000));
  auto& alice_got = recorder<std::string>();
  auto& bob_got = recorder<std::string>();
  auto& error_log = recorder<std::string>();
  alice.client->on_error([&error_log](std::string_view m) { error_log.push(std::string(m)); });

  EXPECT_TRUE(subscribe(*alice.client, "chat/a", &alice_got).first);
  EXPECT_TRUE(subscribe(*alice.client, "users/alice/inbox", &alice_got).first);
  const auto other_inbox = subscribe(*alice.client, "users/bob/inbox", &alice_got);
  EXPECT_FALSE(other_inbox.first);
  EXPECT_EQ(other_inbox.second, 0u);

  // Allowed: alice -> chat/a reaches bob.
  ASSERT_TRUE(subscribe(*bob.client, "chat/a", &bob_got).first);
  ASSERT_TRUE(subscribe(*bob.client, "chat/locked", &bob_got).first);
  ASSERT_TRUE(subscribe(*bob.client, "chat/b", &bob_got).first);
  EXPECT_EQ(alice.client->publish("hello bob", "chat/a"), 1u);
  ASSERT_TRUE(bob_got.wait_for(1));
  EXPECT_EQ(bob_got.at(0), "hello bob");

  // Denied by alice's deny_publish: she may subscribe to chat/locked (learning its TID, so the
  // publish goes out by number without a Create), but the broker drops her Publish. A later
  // allowed message on another topic bob subscribes to proves nothing arrived before it.
  const auto locked = subscribe(*alice.client, "chat/locked", &alice_got);
  ASSERT_TRUE(locked.first);
  EXPECT_EQ(alice.client->topic2tid("chat/locked"), locked.second);
  const smq::BrokerStats before = stats();
  EXPECT_EQ(alice.client->publish("must not arrive", "chat/locked"), 1u);
  EXPECT_EQ(alice.client->publish("after the locked one", "chat/b"), 1u);
  ASSERT_TRUE(bob_got.wait_for(2));
  auto flushed = std::make_shared<std::promise<bool>>();
  auto flushed_answer = flushed->get_future();
  alice.client->flush([flushed](bool ok) { flushed->set_value(ok); });
  ASSERT_EQ(flushed_answer.wait_for(Ms(3000)), std::future_status::ready);
  EXPECT_TRUE(flushed_answer.get());
  EXPECT_EQ(bob_got.items(), (std::vector<std::string>{"hello bob", "after the locked one"}));

  const smq::BrokerStats after = stats();
  EXPECT_EQ(after.denied_publishes - before.denied_publishes, 1u);
  EXPECT_EQ(after.denied_creates, 0u);     // the TID was known: no Create was asked
  EXPECT_EQ(after.denied_subscribes, 1u);  // users/bob/inbox
  // alice subscribed to chat/a herself, so her own "hello bob" came back to her.
  EXPECT_EQ(alice_got.items(), std::vector<std::string>{"hello bob"});
  // on_error saw the denied subscribe only; the dropped Publish is silent to the publisher
  // (the broker does not answer Publish), as for any at-most-once message.
  EXPECT_EQ(error_log.items(), std::vector<std::string>{"subscribe to 'users/bob/inbox' denied"});
}

TEST_P(SecuredTls, JwtCredentials) {
  Peer carol = open(make_jwt("carol", unix_now() + 600));
  wait_connected(*carol.client, Ms(5000));
  EXPECT_TRUE(subscribe(*carol.client, "users/carol/x").first);  // %u = the token's sub
  EXPECT_FALSE(subscribe(*carol.client, "users/dave/x").first);
  EXPECT_TRUE(subscribe(*carol.client, "chat/a").first);

  // Expired beyond the broker's 30 s leeway.
  const Close expired = refusal(make_jwt("carol", unix_now() - 3600));
  EXPECT_EQ(expired.reason, "token expired");
  EXPECT_FALSE(expired.will_reconnect);
  // A token signed with another secret is a plain "bad token".
  std::string forged = make_jwt("carol", unix_now() + 600);
  char& c = forged[forged.rfind('.') + 1];  // a full 6 bits of the signature
  c = c == 'A' ? 'B' : 'A';
  EXPECT_EQ(refusal(forged).reason, "bad token");
  EXPECT_TRUE(carol.client->connected());
}

INSTANTIATE_TEST_SUITE_P(Both, SecuredTls, ::testing::Values("wss", "https"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace smqclienttest
