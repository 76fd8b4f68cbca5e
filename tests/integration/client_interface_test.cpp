// Server code written against the shared `smq::Client` interface (clients/cpp/smq/client.hpp)
// runs unchanged on the in-process client: acks arrive through callbacks, messages and
// Changes through handlers, all on the broker thread.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>

#include "broker_fixture.hpp"
#include "smq/client.hpp"

namespace smqtest {
namespace {

// A tiny "service" that only knows smq::Client: it answers every request on "svc/echo"
// with the uppercased payload, sent to the requester's ETID under sub-topic "reply".
void run_echo_service(smq::Client& client, Recorder<std::uint32_t>& acks) {
  client.subscribe("svc/echo", 0u,
                   [&client](const smq::Delivery& d) {
                     std::string upper(d.text());
                     for (char& ch : upper) ch = static_cast<char>(std::toupper(ch));
                     client.publish(upper, d.ptid, "reply");
                   },
                   [&acks](bool accepted, std::uint32_t tid) { acks.push(accepted ? tid : 0); });
}

class ClientInterface : public TransportTest {};

TEST_P(ClientInterface, ServiceWrittenAgainstTheInterfaceAnswersNetworkClients) {
  auto& acks = recorder<std::uint32_t>();
  smq::Client& as_client = server();
  run_echo_service(as_client, acks);
  ASSERT_TRUE(acks.wait_for(1));
  const std::uint32_t tid = acks.items()[0];
  ASSERT_NE(tid, 0u);
  EXPECT_EQ(as_client.topic2tid("svc/echo"), tid);
  EXPECT_EQ(as_client.tid2topic(tid), "svc/echo");
  EXPECT_EQ(as_client.gettid(), 1u);

  auto c = client(tp());
  const std::uint32_t reply = createsub(*c, "reply");
  ASSERT_TRUE(publish(*c, tid, "quiet please"));
  const auto m = recv_publish(*c);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->payload, "QUIET PLEASE");
  EXPECT_EQ(m->tid, c->etid);
  EXPECT_EQ(m->ptid, 1u);
  EXPECT_EQ(m->subtid, reply);
}

TEST_P(ClientInterface, CreateAndObserveThroughCallbacks) {
  smq::Client& as_client = server();
  auto& created = recorder<std::uint32_t>();
  as_client.create("svc/watched", [&](bool ok, std::uint32_t id) { created.push(ok ? id : 0); });
  as_client.createsub("svc/kind", [&](bool ok, std::uint32_t id) { created.push(ok ? id : 0); });
  ASSERT_TRUE(created.wait_for(2));
  const std::uint32_t tid = created.items()[0];
  EXPECT_EQ(as_client.subtopic2tid("svc/kind"), created.items()[1]);
  EXPECT_EQ(as_client.tid2subtopic(created.items()[1]), "svc/kind");

  auto& counts = recorder<std::uint32_t>();
  auto& observed = recorder<std::uint32_t>();
  as_client.observe(tid, [&](std::uint32_t count, std::uint32_t) { counts.push(count); },
                    [&](bool ok, std::uint32_t id) { observed.push(ok ? id : 0); });
  ASSERT_TRUE(observed.wait_for(1));
  EXPECT_EQ(observed.items()[0], tid);
  ASSERT_TRUE(counts.wait_for(1));  // the initial count
  EXPECT_EQ(counts.items()[0], 0u);
  auto c = client(tp());
  EXPECT_EQ(subscribe(*c, "svc/watched"), tid);
  ASSERT_TRUE(counts.wait_for(2));
  EXPECT_EQ(counts.items()[1], 1u);

  // Observing an unknown id is refused through the ack.
  as_client.observe(0x7777'7777u, [](std::uint32_t, std::uint32_t) {},
                    [&](bool ok, std::uint32_t id) { observed.push(ok ? id : 0xFFFF'FFFFu); });
  ASSERT_TRUE(observed.wait_for(2));
  EXPECT_EQ(observed.items()[1], 0xFFFF'FFFFu);
}

SMQ_BOTH_TRANSPORTS(ClientInterface);

}  // namespace
}  // namespace smqtest
