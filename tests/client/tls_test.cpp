// TLS: wss:// and https:// against the broker's TLS listener with a test CA made at run
// time; verification failures (untrusted CA, wrong name) are final; --insecure; mutual TLS
// with client certificates (Connack 0x04 / 0x05); the tools over TLS.
#include <gtest/gtest.h>

#include <string>

#include "client_fixture.hpp"
#include "process.hpp"
#include "smq/blocking_client.hpp"
#include "test_pki.hpp"

namespace smqclienttest {
namespace {

class Tls : public ClientTest {
 protected:
  void start_tls_broker(bool client_ca = false, bool require_client_cert = false) {
    const TestPki& pki = test_pki();
    start_broker({}, [&](smq::BrokerOptions& o) {
      o.tls_listen = {"127.0.0.1:0"};
      o.tls_cert_file = pki.server_cert;
      o.tls_key_file = pki.server_key;
      if (client_ca) o.tls_client_ca_file = pki.ca_cert;
      o.tls_require_client_cert = require_client_cert;
    });
  }
  std::string tls_url(const std::string& scheme, const std::string& host = "127.0.0.1") {
    return scheme + "://" + host + ":" + std::to_string(endpoint_port(1)) + "/";
  }
  static smq::ClientOptions trusting() {
    smq::ClientOptions o = test_options();
    o.tls.ca_file = test_pki().ca_cert;
    return o;
  }
  // Connects and returns the close reason of the failed first attempt ("" if connected).
  std::string connect_error(const std::string& url, const smq::ClientOptions& o) {
    smq::BlockingClient c(url, o);
    try {
      c.connect(Ms(3000));
    } catch (const smq::ConnectionError& e) {
      return e.what();
    }
    return "";
  }
};

TEST_F(Tls, WssAndHttpsRoundTrip) {
  start_tls_broker();
  for (const std::string scheme : {"wss", "https"}) {
    smq::BlockingClient c(tls_url(scheme), trusting());
    c.connect();
    const std::uint32_t tid = c.subscribe("tls/t");
    // A plaintext client on the other listener shares the broker.
    smq::BlockingClient plain(url(Scheme::ws), test_options());
    plain.connect();
    ASSERT_TRUE(plain.publish("secret " + scheme, "tls/t"));
    const auto m = c.wait_message(Ms(3000));
    ASSERT_TRUE(m) << scheme;
    EXPECT_EQ(m->text(), "secret " + scheme);
    EXPECT_EQ(m->tid, tid);
    ASSERT_TRUE(c.publish(std::string(0xFFF0, 'x'), "tls/t"));  // a large frame over TLS
    const auto big = c.wait_message(Ms(3000));
    ASSERT_TRUE(big);
    EXPECT_EQ(big->payload.size(), 0xFFF0u);
    c.close();
  }
  // The certificate's DNS name works too (SNI + name check).
  EXPECT_EQ(connect_error(tls_url("wss", "localhost"), trusting()), "");
}

TEST_F(Tls, VerificationFailuresAreFinal) {
  start_tls_broker();
  // The test CA is not in the system trust store.
  smq::ClientOptions untrusted = test_options();
  smq::NetworkClient c(tls_url("wss"), untrusted);
  auto& closes = recorder<std::pair<std::string, bool>>();
  c.on_close([&](std::string_view r, bool again) { closes.push({std::string(r), again}); });
  c.connect();
  ASSERT_TRUE(closes.wait_for(1));
  EXPECT_NE(closes.at(0).first.find("certificate verify failed"), std::string::npos)
      << closes.at(0).first;
  EXPECT_FALSE(closes.at(0).second);

  smq::ClientOptions rogue = test_options();
  rogue.tls.ca_file = test_pki().rogue_ca_cert;
  EXPECT_NE(connect_error(tls_url("https"), rogue).find("certificate verify failed"),
            std::string::npos);

  smq::ClientOptions wrong_name = trusting();
  wrong_name.tls.server_name = "elsewhere.example";
  const std::string e = connect_error(tls_url("wss"), wrong_name);
  EXPECT_NE(e.find("hostname mismatch"), std::string::npos) << e;

  // Plain WebSocket to the TLS port fails the handshake (retryable, so test the text only).
  smq::ClientOptions plain = test_options();
  EXPECT_NE(connect_error("ws://127.0.0.1:" + std::to_string(endpoint_port(1)) + "/", plain), "");
}

TEST_F(Tls, InsecureSkipsVerification) {
  start_tls_broker();
  smq::ClientOptions o = test_options();
  o.tls.insecure = true;
  o.tls.server_name = "anything.example";
  smq::BlockingClient c(tls_url("https"), o);
  c.connect();
  EXPECT_NE(c.gettid(), 0u);
}

TEST_F(Tls, ClientCertificates) {
  start_tls_broker(true, true);
  EXPECT_EQ(connect_error(tls_url("wss"), trusting()), "certificate required");
  smq::ClientOptions with_cert = trusting();
  with_cert.tls.cert_file = test_pki().client_cert;
  with_cert.tls.key_file = test_pki().client_key;
  EXPECT_EQ(connect_error(tls_url("wss"), with_cert), "");
  EXPECT_EQ(connect_error(tls_url("https"), with_cert), "");
  smq::ClientOptions intruder = trusting();
  intruder.tls.cert_file = test_pki().rogue_client_cert;
  intruder.tls.key_file = test_pki().rogue_client_key;
  EXPECT_EQ(connect_error(tls_url("https"), intruder), "certificate rejected");
}

TEST_F(Tls, UnusableFilesAreRejectedAtConstruction) {
  smq::ClientOptions o;
  o.tls.ca_file = "/nonexistent/ca.pem";
  EXPECT_THROW(smq::NetworkClient("wss://127.0.0.1:1/", o), std::invalid_argument);
  smq::ClientOptions key_only;
  key_only.tls.key_file = test_pki().client_key;
  EXPECT_THROW(smq::NetworkClient("https://127.0.0.1:1/", key_only), std::invalid_argument);
  // Plain URLs ignore TLS options.
  EXPECT_NO_THROW(smq::NetworkClient("ws://127.0.0.1:1/", o));
}

TEST_F(Tls, ToolsOverTls) {
  start_tls_broker();
  Process sub(SMQ_SUB_EXE, {"--url", tls_url("wss"), "--cafile", test_pki().ca_cert, "--topic",
                            "tls/tools", "--count", "1", "--timeout", "10"});
  auto& counts = recorder<std::uint32_t>();
  server().observe("tls/tools", [&](std::uint32_t count, std::uint32_t) { counts.push(count); });
  ASSERT_TRUE(
      eventually([&] { return !counts.items().empty() && counts.items().back() == 1; }, Ms(5000)));
  EXPECT_EQ(
      run(SMQ_PUB_EXE, {"--url", tls_url("https"), "--topic", "tls/tools", "untrusted"}).status, 1);
  EXPECT_EQ(run(SMQ_PUB_EXE,
                {"--url", tls_url("https"), "--insecure", "--topic", "tls/tools", "over tls"})
                .status,
            0);
  EXPECT_EQ(sub.read_line(Ms(5000)).value_or("<none>"), "over tls");
  EXPECT_EQ(sub.wait(Ms(5000)).value_or(-1), 0);
}

}  // namespace
}  // namespace smqclienttest
