// The network client and the broker's in-process client side by side: messages in both
// directions, and the same program code (written against smq::Client&) running on either.
#include <gtest/gtest.h>

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>

#include <cctype>
#include <string>
#include <thread>

#include "client_fixture.hpp"

namespace smqclienttest {
namespace {

// ---- a small "program" that only knows smq::Client -------------------------------------

// Answers every message on "svc/echo" with the uppercased payload, sent to the requester's
// ETID under the sub-topic "reply". `ready` gets the topic's TID.
void echo_service(smq::Client& client, std::function<void(std::uint32_t)> ready) {
  client.subscribe(
      "svc/echo", 0u,
      [&client](const smq::Delivery& d) {
        std::string upper(d.text());
        for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        client.publish(upper, d.ptid, "reply");
      },
      [ready](bool ok, std::uint32_t tid) { ready(ok ? tid : 0); });
}

// Listens for replies on its own ETID and asks the echo service.
void ask_echo(smq::Client& client, const std::string& question,
              std::function<void(std::string, std::uint32_t ptid)> on_reply) {
  client.subscribe(
      "self", "reply",
      [on_reply](const smq::Delivery& d) { on_reply(std::string(d.text()), d.ptid); },
      [&client, question](bool ok, std::uint32_t) {
        if (ok) client.publish(question, "svc/echo");
      });
}

struct Reply {
  std::string text;
  std::uint32_t ptid;
};

class Interop : public SchemeTest {};

TEST_P(Interop, NetworkToInProcessAndBack) {
  auto& at_server = recorder<std::pair<std::string, std::uint32_t>>();
  server().subscribe("to/server", [&](const smq::Delivery& d) {
    at_server.push({std::string(d.text()), d.ptid});
  });
  auto& c = client();
  wait_connected(c);
  auto& at_client = recorder<Reply>();
  auto& acks = recorder<std::uint32_t>();
  c.subscribe(
      "to/client", 0u,
      [&](const smq::Delivery& d) {
        at_client.push({std::string(d.text()), d.ptid});
      },
      [&](bool ok, std::uint32_t id) { acks.push(ok ? id : 0); });
  c.subscribe(
      "self", 0u,
      [&](const smq::Delivery& d) {
        at_client.push({"direct:" + std::string(d.text()), d.ptid});
      },
      [&](bool ok, std::uint32_t id) { acks.push(ok ? id : 0); });
  ASSERT_TRUE(acks.wait_for(2));

  c.publish("up", "to/server");
  c.publish("to etid 1", 1u);  // the server client's ETID: its default handler (not asserted)
  ASSERT_TRUE(at_server.wait_for(1));
  EXPECT_EQ(at_server.at(0).first, "up");
  EXPECT_EQ(at_server.at(0).second, c.gettid());

  EXPECT_EQ(server().publish("down", "to/client"), 1u);
  EXPECT_EQ(server().publish("hi", c.gettid()), 1u);
  ASSERT_TRUE(at_client.wait_for(2));
  EXPECT_EQ(at_client.at(0).text, "down");
  EXPECT_EQ(at_client.at(0).ptid, 1u);
  EXPECT_EQ(at_client.at(1).text, "direct:hi");
  // Both sides agree on ids.
  EXPECT_EQ(c.topic2tid("to/client"), server().topic2tid("to/client"));
}

TEST_P(Interop, SameProgramServesFromTheBrokerAnswersNetworkClients) {
  auto& ready = recorder<std::uint32_t>();
  echo_service(server(), [&](std::uint32_t tid) { ready.push(tid); });
  ASSERT_TRUE(ready.wait_for(1));
  ASSERT_NE(ready.at(0), 0u);
  auto& c = client();
  auto& replies = recorder<Reply>();
  ask_echo(c, "quiet please", [&](std::string text, std::uint32_t ptid) {
    replies.push({text, ptid});
  });
  ASSERT_TRUE(replies.wait_for(1));
  EXPECT_EQ(replies.at(0).text, "QUIET PLEASE");
  EXPECT_EQ(replies.at(0).ptid, 1u);
}

TEST_P(Interop, SameProgramServesFromANetworkClientAnswersTheBroker) {
  auto& service = client();
  auto& ready = recorder<std::uint32_t>();
  echo_service(service, [&](std::uint32_t tid) { ready.push(tid); });
  ASSERT_TRUE(ready.wait_for(1));
  ASSERT_NE(ready.at(0), 0u);
  EXPECT_EQ(ready.at(0), server().topic2tid("svc/echo"));

  // The in-process client asks...
  auto& replies = recorder<Reply>();
  ask_echo(server(), "from inside", [&](std::string text, std::uint32_t ptid) {
    replies.push({text, ptid});
  });
  ASSERT_TRUE(replies.wait_for(1));
  EXPECT_EQ(replies.at(0).text, "FROM INSIDE");
  EXPECT_EQ(replies.at(0).ptid, service.gettid());

  // ...and so does a network client on the other transport.
  auto& other = ClientTest::client(GetParam() == Scheme::ws ? Scheme::http : Scheme::ws);
  ask_echo(other, "across", [&](std::string text, std::uint32_t ptid) {
    replies.push({text, ptid});
  });
  ASSERT_TRUE(replies.wait_for(2));
  EXPECT_EQ(replies.at(1).text, "ACROSS");
}

TEST_P(Interop, RunsOnAGivenIoContext) {
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  std::thread runner([&] { io.run(); });
  {
    smq::NetworkClient c(io, url(), test_options());
    auto& got = recorder<std::string>();
    auto& acks = recorder<std::uint32_t>();
    c.subscribe(
        "own/io", 0u,
        [&](const smq::Delivery& d) {
          EXPECT_TRUE(c.running_in_executor());
          got.push(std::string(d.text()));
        },
        [&](bool ok, std::uint32_t id) { acks.push(ok ? id : 0); });
    c.connect();
    ASSERT_TRUE(acks.wait_for(1));
    EXPECT_FALSE(c.running_in_executor());
    c.publish("on my loop", "own/io");
    ASSERT_TRUE(got.wait_for(1));
    EXPECT_EQ(got.at(0), "on my loop");
  }
  work.reset();
  runner.join();  // the client's close completes and the loop runs out of work
}

SMQ_BOTH_SCHEMES(Interop);

}  // namespace
}  // namespace smqclienttest
