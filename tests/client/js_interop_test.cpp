// C++ <-> JavaScript MessagePack interop through a real broker: the C++ network client
// publishes a struct with publish_msgpack, our JS client (run by Node, js_peer.mjs) decodes
// it with its msgpack datatype, changes it and publishes it back with pubmsgpack, and the
// C++ side decodes the answer with subscribe_msgpack. Needs Node and clients/js's npm
// packages (scripts/test.sh installs them before running the suite). Without them the test
// skips, unless SMQ_REQUIRE_JS=1 is set (scripts/test.sh sets it): then it fails, so a
// full test run cannot pass with the interop check silently left out.
#include <gtest/gtest.h>

#include <msgpack.hpp>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "client_fixture.hpp"
#include "reading.hpp"
#include "process.hpp"
#include "smq/typed.hpp"

namespace smqclienttest {
namespace {

const std::filesystem::path repo = std::filesystem::path(SMQ_SOURCE_DIR);

class JsInterop : public ClientTest {};

TEST_F(JsInterop, MsgpackRoundTripBetweenTheCppAndTheJavaScriptClients) {
  const auto ws_package = repo / "clients/js/node_modules/ws/package.json";
  const auto msgpack_package = repo / "clients/js/node_modules/@msgpack/msgpack/package.json";
  if (!std::filesystem::exists(ws_package) || !std::filesystem::exists(msgpack_package)) {
    const char* required = std::getenv("SMQ_REQUIRE_JS");
    if (required != nullptr && std::string(required) == "1") {
      FAIL() << "SMQ_REQUIRE_JS=1 but clients/js has no node_modules: run `npm ci` in clients/js";
    }
    GTEST_SKIP() << "clients/js has no node_modules: run `npm ci` in clients/js "
                    "(scripts/test.sh does; SMQ_REQUIRE_JS=1 makes this a failure)";
  }
  start_broker();
  auto& c = client(Scheme::ws);
  wait_connected(c);
  auto& answers = recorder<Reading>();
  auto& acks = recorder<std::uint32_t>();
  smq::subscribe_msgpack<Reading>(
      c, "interop/to-cpp", 0u, [&](const Reading& r, const smq::Delivery&) { answers.push(r); },
      [](const smq::Delivery&, std::string_view error) {
        ADD_FAILURE() << "undecodable answer from JS: " << error;
      },
      [&](bool ok, std::uint32_t id) { acks.push(ok ? id : 0); });
  ASSERT_TRUE(acks.wait_for(1));

  Process node("/usr/bin/env", {"node", (repo / "tests/client/js_peer.mjs").string(),
                                url(Scheme::ws)});
  const auto ready = node.read_line(Ms(15000));
  ASSERT_TRUE(ready) << "the JS peer did not start";
  ASSERT_EQ(*ready, "ready");

  const Reading sent{"probe", 21.5, 41, {"cpp"}, {1, 2, 255}, std::string("from C++")};
  EXPECT_EQ(smq::publish_msgpack(c, sent, "interop/to-js"), 1u);
  ASSERT_TRUE(answers.wait_for(1, Ms(10000)));
  const Reading got = answers.at(0);
  EXPECT_EQ(got.name, "probe via js");
  EXPECT_DOUBLE_EQ(got.celsius, 21.5);
  EXPECT_EQ(got.count, 42);
  EXPECT_EQ(got.tags, (std::vector<std::string>{"cpp", "js"}));
  EXPECT_EQ(got.raw, (std::vector<std::uint8_t>{255, 2, 1}));
  ASSERT_TRUE(got.note);
  EXPECT_EQ(*got.note, "from C++");
  EXPECT_EQ(node.wait(Ms(5000)), 0);
}

}  // namespace
}  // namespace smqclienttest
